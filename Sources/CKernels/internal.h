#ifndef PDSCOPE_CKERNELS_INTERNAL_H
#define PDSCOPE_CKERNELS_INTERNAL_H
// Private to CKernels: the per-ISA function table and the prepared-activation layout.
#include "CKernels.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#define PD_AVX2 __attribute__((target("avx2,fma,f16c")))
#define PD_AVX512 __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define PD_TYPE_F32 0
#define PD_TYPE_F16 1
#define PD_TYPE_Q4_0 2
#define PD_TYPE_Q4_1 3
#define PD_TYPE_Q8_0 8
#define PD_Q8_BYTES 34
#define PD_Q4_BYTES 18
#define PD_Q41_BYTES 20
#define PD_Q81_BYTES 36

/// Eight tokens' Q8_0 activations for one 32-element block, widened to int16 and interleaved for
/// the AVX2 GEMM: chunk j (0..15) holds elements 2j, 2j+1 of token t in q[16j + 2t], q[16j + 2t + 1],
/// so a 256-bit register has one 32-bit lane per token and `vpmaddwd` with a broadcast weight
/// pair yields 8 tokens' partial sums. d = the fp16-rounded scale per token.
typedef struct { int16_t q[256]; float d[8]; } pd_group_block;

/// What the VNNI row-group kernel needs of one activation block besides its bytes, unpacked once
/// per matmul so each use is one broadcast load: the block's scale and (Q8_1) its s as floats
/// (exactly the fp16 values), and `offset` = −128·Σq for Q8_0 weights, −8·Σq for Q4_0 (their
/// weight bytes are stored with +128 / +8, see PD_ROW_GROUPS_VNNI), 0 for Q4_1.
typedef struct { float d, s; int32_t offset, unused; } pd_block_info;

/// Where `pd_matmul_prepare` put things: `groups` groups of 8 tokens (the last may be padded)
/// in interleaved blocks, then `row_tokens` trailing tokens as plain Q8_0 rows, then (when
/// `info_offset` > 0, the AVX-512 family) each row token's `pd_block_info`s, token-major.
typedef struct {
    int64_t groups, group_tokens, row_tokens;
    size_t row_offset, info_offset, total;
} pd_acts_layout;

pd_acts_layout pd_acts_layout_for(int isa, int type, int64_t tokens, int64_t cols);

/// Bytes of one weight block of `type` (a quantized type).
static inline int64_t pd_weight_block_bytes(int type) {
    return type == PD_TYPE_Q8_0 ? PD_Q8_BYTES : type == PD_TYPE_Q4_1 ? PD_Q41_BYTES : PD_Q4_BYTES;
}
/// Activation blocks match the weights: Q8_1 (with the block sum) for Q4_1, else Q8_0.
static inline int64_t pd_act_block_bytes(int type) { return type == PD_TYPE_Q4_1 ? PD_Q81_BYTES : PD_Q8_BYTES; }

typedef struct {
    void (*quantize_q8_0)(const float *x, int64_t n, void *dst);
    void (*quantize_q8_1)(const float *x, int64_t n, void *dst);
    float (*dot_q8_0)(const void *a, const void *b, int64_t blocks);
    float (*dot_q4_0)(const void *a, const void *b, int64_t blocks);
    float (*dot_q4_1)(const void *a, const void *b, int64_t blocks);
    /// Rows [rb, re) × `tokens` plain Q8_0 (Q8_1 for Q4_1) activation rows; y[t*ldy + r].
    void (*qrows)(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                  float *y, int64_t ldy, int64_t rb, int64_t re);
    /// `qrows` on a matrix repacked into row groups of this level's layout (`row_groups`,
    /// `pd_repack_row_groups`); rb and re are multiples of 8; `xinfo` the activation blocks' info
    /// when the layout needs it (`pd_acts_layout.info_offset`). NULL: the level has no such kernel.
    void (*qrows8)(int type, const uint8_t *w8, int64_t blocks, const uint8_t *xq, const pd_block_info *xinfo,
                   int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re);
    /// Rows [rb, re) × interleaved groups of Q8_0 weights (the only type `pd_acts_layout_for` makes
    /// groups for); only the first `tokens` lanes are stored. NULL: none.
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
    void (*to_fp16)(const float *x, int64_t n, uint16_t *out);
    /// The row-group layout `qrows8` reads (PD_ROW_GROUPS_*; 0: none).
    int row_groups;
} pd_kernel_table;

// The AVX2 family, spread over avx2_*.c and gathered into `pd_avx2_table` in avx2_float.c.
void pd_avx2_quantize_q8_0(const float *x, int64_t n, void *dst);
float pd_avx2_dot_q8_0(const void *a, const void *b, int64_t blocks);
float pd_avx2_dot_q4_0(const void *a, const void *b, int64_t blocks);
void pd_avx2_quantize_q8_1(const float *x, int64_t n, void *dst);
float pd_avx2_dot_q4_1(const void *a, const void *b, int64_t blocks);
// The AVX-512 family: AVX2's table with the row-dot kernels of avx512_rows.c.
float pd_avx512_dot_q8_0(const void *a, const void *b, int64_t blocks);
float pd_avx512_dot_q4_0(const void *a, const void *b, int64_t blocks);
float pd_avx512_dot_q4_1(const void *a, const void *b, int64_t blocks);
void pd_avx512_qrows(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                     float *y, int64_t ldy, int64_t rb, int64_t re);
void pd_avx2_qrows(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                   float *y, int64_t ldy, int64_t rb, int64_t re);
void pd_avx2_qrows8_vnni(int type, const uint8_t *w8, int64_t blocks, const uint8_t *xq, const pd_block_info *xinfo,
                         int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re);
void pd_avx512_qrows8_vnni(int type, const uint8_t *w8, int64_t blocks, const uint8_t *xq, const pd_block_info *xinfo,
                           int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re);
void pd_avx2_qgemm(int type, const uint8_t *w, int64_t blocks, const pd_group_block *acts,
                   int64_t groups, int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re);

/// `pd_attention_tile` for head_dim a multiple of 8, every count at least 1, per cache element
/// type (avx2_attention.c).
void pd_avx2_attention_tile_f32(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                                const float *const *kblocks, const float *const *vblocks, int64_t offset,
                                int64_t bs, int64_t stride, int64_t hd, float scale, float *scores,
                                float *out, int64_t ostride);
void pd_avx2_attention_tile_f16(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                                const uint16_t *const *kblocks, const uint16_t *const *vblocks, int64_t offset,
                                int64_t bs, int64_t stride, int64_t hd, float scale, float *scores,
                                float *out, int64_t ostride);

extern const pd_kernel_table pd_scalar_table;
extern const pd_kernel_table pd_avx2_table;
const pd_kernel_table *pd_table(void);

/// Like `pd_thread_scratch` but a separate buffer per `slot` (0 is `pd_thread_scratch`'s), so a
/// kernel running on the caller can have its own scratch next to the prepared activations.
void *pd_thread_scratch_slot(int slot, size_t bytes);

#if defined(__x86_64__) || defined(__i386__)
/// max |x| over one 32-float block (v0..v3), as both AVX2 activation quantizers (Q8_0, Q8_1) need it.
PD_AVX2 static inline __attribute__((always_inline)) float pd_avx2_block_amax(__m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                             _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
}

/// A Q4 row-group block's payload (PD_ROW_GROUPS_VNNI, 4 registers from `p`) as its 8 nibble
/// planes: w[j] the low nibbles (elements 4j..), w[4 + j] the high ones (16 + 4j..). Shared by the
/// AVX2 and AVX-512 row-group kernels (inlined into either target).
PD_AVX2 static inline __attribute__((always_inline)) void pd_unpack_q4_planes(const uint8_t *p, __m256i w[8]) {
    const __m256i low = _mm256_set1_epi8(15);
    for (int j = 0; j < 4; j++) {
        __m256i r = _mm256_loadu_si256((const __m256i *)(p + 32 * j));
        w[j] = _mm256_and_si256(r, low);
        w[4 + j] = _mm256_and_si256(_mm256_srli_epi16(r, 4), low);
    }
}

/// A row-group block's 8 scales and (Q4_1) 8 minimums as floats (zero minimums otherwise).
PD_AVX2 static inline __attribute__((always_inline)) void pd_group_scales(int type, const uint8_t *g, __m256 *dw, __m256 *mw) {
    *dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)g));
    *mw = type == PD_TYPE_Q4_1 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(g + 16))) : _mm256_setzero_ps();
}
#endif

/// Exact fp16 → fp32 with integer operations only (no libcall on the baseline target).
static inline float pd_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF, bits;
    if (exponent == 0) {
        float f = (float)mantissa * 0x1p-24f;  // subnormal (or zero): exact in float
        memcpy(&bits, &f, 4);
        bits |= sign;
    } else if (exponent == 31) {
        bits = sign | 0x7F800000 | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float out;
    memcpy(&out, &bits, 4);
    return out;
}

static inline float pd_scale(const uint8_t *block) {
    uint16_t h; memcpy(&h, block, 2); return pd_half_to_float(h);
}
#endif
