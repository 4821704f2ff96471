// The decode row-dot kernels for AVX2+FMA+F16C machines (`vpmaddubsw` + `vpmaddwd`).
#define PD_TARGET PD_AVX2
#define PD_VNNI 0
#define PD_NAME(x) pd_avx2_##x
#include "decode_rows_impl.h"
