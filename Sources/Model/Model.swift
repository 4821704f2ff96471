import Kernels
