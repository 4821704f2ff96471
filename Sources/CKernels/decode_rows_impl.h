// Quantized row-dot kernels (decode: one token against many rows, lanes = elements), written
// once and compiled per target: a file defines PD_TARGET (function attribute), PD_VNNI (1: use
// `vpdpbusd`, AVX512-VNNI on 256-bit registers) and PD_NAME(x) (its prefix), then includes this.
// Integer block sums are exact on both paths (no saturation: |w| ≤ 128, |x| ≤ 127), so every
// target gives the same bits for the same row.
//
// Q8_0 and Q4_0 weights are signed: ggml's sign trick moves w's sign onto x so the unsigned ×
// signed byte product applies to |w|. Q4_1 nibbles are unsigned and go in as they are, against
// Q8_1 activations; its block is d4·d8·Σ(q4·q8) + m4·s8 as ggml's `vec_dot_q4_1_q8_1`.
#include "internal.h"
#include <immintrin.h>

#define PD_INLINE PD_TARGET static inline __attribute__((always_inline))
#define ROWS 4

PD_INLINE float PD_NAME(half)(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

PD_INLINE float PD_NAME(hsum)(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// 8 int32 lanes, lane i = Σ of u[4i..4i+3]·s[4i..4i+3] (u unsigned, s signed bytes), as floats.
PD_INLINE __m256 PD_NAME(dot_us)(__m256i u, __m256i s) {
#if PD_VNNI
    return _mm256_cvtepi32_ps(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s));
#else
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

/// One block's unsigned operand (w or |w|) and the matching signed activation bytes.
PD_INLINE void PD_NAME(operands)(int type, const uint8_t *w, __m256i x, __m256i *u, __m256i *s) {
    if (type == PD_TYPE_Q4_1 || type == PD_TYPE_Q4_0) {
        __m128i q = _mm_loadu_si128((const __m128i *)(w + (type == PD_TYPE_Q4_1 ? 4 : 2)));
        __m256i n = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(15));
        if (type == PD_TYPE_Q4_1) { *u = n; *s = x; return; }
        n = _mm256_sub_epi8(n, _mm256_set1_epi8(8));
        *u = _mm256_sign_epi8(n, n); *s = _mm256_sign_epi8(x, n);
        return;
    }
    __m256i q = _mm256_loadu_si256((const __m256i *)(w + 2));
    *u = _mm256_sign_epi8(q, q); *s = _mm256_sign_epi8(x, q);
}

/// `rows` (1..ROWS) rows of `type` against one activation row: each activation block is loaded
/// once for all of them; each row keeps its own 8 float lanes (and Q4_1 its m·s sum), so a row's
/// result does not depend on which rows share the call. Rows past the group are prefetched.
PD_INLINE void PD_NAME(rows_n)(int type, int rows, const uint8_t *w, int64_t wrow, int64_t blocks, const uint8_t *x, float *y) {
    int64_t wb = pd_weight_block_bytes(type), xb = pd_act_block_bytes(type), qoff = xb - 32;
    __m256 acc[ROWS];
    float summs[ROWS];
    for (int k = 0; k < rows; k++) { acc[k] = _mm256_setzero_ps(); summs[k] = 0; }
    const uint8_t *ahead = w + ROWS * wrow;
    for (int64_t i = 0; i < blocks; i++, w += wb, x += xb, ahead += wb) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + qoff));
        float dx = PD_NAME(half)(x);
        for (int k = 0; k < rows; k++) {
            const uint8_t *wk = w + k * wrow;
            _mm_prefetch((const char *)(ahead + k * wrow), _MM_HINT_T0);
            __m256i u, s;
            PD_NAME(operands)(type, wk, xv, &u, &s);
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(PD_NAME(half)(wk) * dx), PD_NAME(dot_us)(u, s), acc[k]);
            if (type == PD_TYPE_Q4_1) summs[k] += PD_NAME(half)(wk + 2) * PD_NAME(half)(x + 2);
        }
    }
    for (int k = 0; k < rows; k++) y[k] = PD_NAME(hsum)(acc[k]) + summs[k];
}

#define PD_ROWS_VARIANT(name, ty, n) \
    PD_TARGET static void PD_NAME(rows_##name##_##n)(const uint8_t *w, int64_t wrow, int64_t blocks, const uint8_t *x, float *y) { \
        PD_NAME(rows_n)(ty, n, w, wrow, blocks, x, y); }
#define PD_ROWS_TYPE(name, ty) PD_ROWS_VARIANT(name, ty, 1) PD_ROWS_VARIANT(name, ty, 4)
PD_ROWS_TYPE(q80, PD_TYPE_Q8_0)
PD_ROWS_TYPE(q40, PD_TYPE_Q4_0)
PD_ROWS_TYPE(q41, PD_TYPE_Q4_1)

typedef void (*PD_NAME(rows_fn))(const uint8_t *, int64_t, int64_t, const uint8_t *, float *);

PD_TARGET float PD_NAME(dot_q8_0)(const void *a, const void *b, int64_t blocks) {
    float y; PD_NAME(rows_q80_1)(a, 0, blocks, b, &y); return y;
}
PD_TARGET float PD_NAME(dot_q4_0)(const void *a, const void *b, int64_t blocks) {
    float y; PD_NAME(rows_q40_1)(a, 0, blocks, b, &y); return y;
}
PD_TARGET float PD_NAME(dot_q4_1)(const void *a, const void *b, int64_t blocks) {
    float y; PD_NAME(rows_q41_1)(a, 0, blocks, b, &y); return y;
}

PD_TARGET void PD_NAME(qrows)(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                              float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = blocks * pd_weight_block_bytes(type), xrow = blocks * pd_act_block_bytes(type);
    PD_NAME(rows_fn) one = type == PD_TYPE_Q8_0 ? PD_NAME(rows_q80_1) : type == PD_TYPE_Q4_1 ? PD_NAME(rows_q41_1) : PD_NAME(rows_q40_1);
    PD_NAME(rows_fn) four = type == PD_TYPE_Q8_0 ? PD_NAME(rows_q80_4) : type == PD_TYPE_Q4_1 ? PD_NAME(rows_q41_4) : PD_NAME(rows_q40_4);
    int64_t r = rb;
    for (; r + ROWS <= re; r += ROWS) {
        for (int64_t t = 0; t < tokens; t++) {
            float out[ROWS];
            four(w + r * wrow, wrow, blocks, xq + t * xrow, out);
            for (int k = 0; k < ROWS; k++) y[t * ldy + r + k] = out[k];
        }
    }
    for (; r < re; r++)
        for (int64_t t = 0; t < tokens; t++) one(w + r * wrow, wrow, blocks, xq + t * xrow, y + t * ldy + r);
}

#undef PD_ROWS_TYPE
#undef PD_ROWS_VARIANT
#undef ROWS
#undef PD_INLINE
