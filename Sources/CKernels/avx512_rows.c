// The decode row-dot kernels for AVX-512 (F, BW, VL) + VNNI machines: the same source as
// avx2_rows.c, with `vpdpbusd` (256-bit, AVX512-VNNI + VL) for the byte dot products.
#define PD_TARGET PD_AVX512
#define PD_VNNI 1
#define PD_NAME(x) pd_avx512_##x
#include "decode_rows_impl.h"
