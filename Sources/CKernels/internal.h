#ifndef PDSCOPE_CKERNELS_INTERNAL_H
#define PDSCOPE_CKERNELS_INTERNAL_H
// Private to CKernels: the per-ISA function table and the prepared-activation layout.
#include "CKernels.h"
#include <string.h>

#define PD_AVX2 __attribute__((target("avx2,fma,f16c")))
#define PD_TYPE_F32 0
#define PD_TYPE_F16 1
#define PD_TYPE_Q4_0 2
#define PD_TYPE_Q8_0 8
#define PD_Q8_BYTES 34
#define PD_Q4_BYTES 18

/// Eight tokens' Q8_0 activations for one 32-element block, interleaved for the AVX2 GEMM:
/// chunk j (0..7) holds elements 4j..4j+3 of token t in bytes 4t..4t+3 of q[32j..32j+31], so a
/// 256-bit register has one 32-bit lane per token. d = fp16-rounded scale per token (0 for
/// padding), s8 = 8·Σq per token (the Q4_0 kernel multiplies raw nibbles and subtracts this).
typedef struct { int8_t q[256]; float d[8]; int32_t s8[8]; } pd_group_block;

/// Where `pd_matmul_prepare` put things: `groups` groups of 8 tokens (the last may be padded)
/// in interleaved blocks, then `row_tokens` trailing tokens as plain Q8_0 rows.
typedef struct {
    int64_t groups, group_tokens, row_tokens;
    size_t row_offset, total;
} pd_acts_layout;

pd_acts_layout pd_acts_layout_for(int isa, int64_t tokens, int64_t cols);

typedef struct {
    void (*quantize_q8_0)(const float *x, int64_t n, void *dst);
    float (*dot_q8_0)(const void *a, const void *b, int64_t blocks);
    float (*dot_q4_0)(const void *a, const void *b, int64_t blocks);
    /// Rows [rb, re) × `tokens` plain Q8_0 activation rows; y[t*ldy + r].
    void (*qrows)(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                  float *y, int64_t ldy, int64_t rb, int64_t re);
    /// Rows [rb, re) × interleaved groups; only the first `tokens` lanes are stored. NULL: none.
    void (*qgemm)(int type, const uint8_t *w, int64_t blocks, const pd_group_block *acts,
                  int64_t groups, int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re);
    void (*fgemm)(int type, const void *w, int64_t cols, const float *x, int64_t tokens,
                  float *y, int64_t ldy, int64_t rb, int64_t re);
    void (*rmsnorm)(const float *x, const float *w, int64_t n, float eps, float *out);
    void (*softmax)(float *x, int64_t n);
    void (*swiglu)(const float *g, const float *u, int64_t n, float *out);
    void (*vexp)(const float *x, int64_t n, float *out);
    float (*dot_f32)(const float *a, const float *b, int64_t n);
    void (*axpy)(float alpha, const float *x, float *y, int64_t n);
} pd_kernel_table;

// The AVX2 family, spread over avx2_*.c and gathered into `pd_avx2_table` in avx2_float.c.
void pd_avx2_quantize_q8_0(const float *x, int64_t n, void *dst);
float pd_avx2_dot_q8_0(const void *a, const void *b, int64_t blocks);
float pd_avx2_dot_q4_0(const void *a, const void *b, int64_t blocks);
void pd_avx2_qrows(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                   float *y, int64_t ldy, int64_t rb, int64_t re);
void pd_avx2_qgemm(int type, const uint8_t *w, int64_t blocks, const pd_group_block *acts,
                   int64_t groups, int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re);

extern const pd_kernel_table pd_scalar_table;
extern const pd_kernel_table pd_avx2_table;
const pd_kernel_table *pd_table(void);

static inline float pd_scale(const uint8_t *block) {
    uint16_t h; memcpy(&h, block, 2); return pd_fp16_to_fp32(h);
}
#endif
