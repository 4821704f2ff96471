// The prefill GEMM for AVX2+FMA+F16C machines (`vpmaddwd` + `vpaddd`).
#define PD_TARGET PD_AVX2
#define PD_VNNI 0
#define PD_NAME(x) pd_avx2_##x
#include "gemm_impl.h"
