#include "CKernels.h"
int pd_kernels_isa(void) { return 0; }
