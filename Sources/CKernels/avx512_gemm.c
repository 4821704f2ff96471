// The prefill GEMM for AVX-512 (F, BW, VL) + VNNI machines: the same source as avx2_gemm.c, with
// `vpdpwssd` (256-bit) fusing each int16 multiply-add.
#define PD_TARGET PD_AVX512
#define PD_VNNI 1
#define PD_NAME(x) pd_avx512_##x
#include "gemm_impl.h"
