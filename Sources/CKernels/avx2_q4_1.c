// AVX2 Q4_1 decode kernels: Q8_1 activations (ggml-cpu's x86 quantizer) and row dots with
// ggml's arithmetic, d4·d8·Σ(q4·q8) + m4·s8 per block. Q4_1 nibbles are unsigned (0..15), so
// `vpmaddubsw` takes them as they are, with no sign trick.
#include "internal.h"
#include <immintrin.h>

#define INLINE PD_AVX2 static inline __attribute__((always_inline))

INLINE float half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

INLINE float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

INLINE int32_t hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/// d = amax/127, q = round-half-even(x · 127/amax), s = fp16(d · Σq): the scalar twin's arithmetic.
PD_AVX2 void pd_avx2_quantize_q8_1(const float *x, int64_t n, void *dst) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    uint8_t *out = (uint8_t *)dst;
    for (int64_t b = 0; b < n / 32; b++, x += 32, out += PD_Q81_BYTES) {
        __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8);
        __m256 v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        float amax = _mm_cvtss_f32(h);
        float d = amax / 127, id = amax != 0 ? 127 / amax : 0;
        __m256 vid = _mm256_set1_ps(id);
#define mode (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
        __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, vid), mode));
        __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, vid), mode));
        __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, vid), mode));
        __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, vid), mode));
#undef mode
        int32_t sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)));
        uint16_t hd = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT), hs = _cvtss_sh(d * (float)sum, _MM_FROUND_TO_NEAREST_INT);
        memcpy(out, &hd, 2);
        memcpy(out + 2, &hs, 2);
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(out + 4), p);
    }
}

/// The 32 nibbles of a Q4_1 block as unsigned bytes, element order (low nibbles first).
INLINE __m256i load_q4_1(const uint8_t *block) {
    __m128i q = _mm_loadu_si128((const __m128i *)(block + 4));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(15));
}

/// 8 int32 partial sums of q4·q8 as floats (exact: |partial| ≤ 4·15·128).
INLINE __m256 block_dot(__m256i w, __m256i x) {
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1)));
}

PD_AVX2 float pd_avx2_dot_q4_1(const void *a, const void *b, int64_t blocks) {
    const uint8_t *w = a, *x = b;
    __m256 acc = _mm256_setzero_ps();
    float summs = 0;
    for (int64_t i = 0; i < blocks; i++, w += PD_Q41_BYTES, x += PD_Q81_BYTES) {
        summs += half(w + 2) * half(x + 2);
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + 4));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w) * half(x)), block_dot(load_q4_1(w), xv), acc);
    }
    return hsum256(acc) + summs;
}

/// Four rows against one token, each with its own accumulators (as `pd_avx2_dot_q4_1`, so a row
/// gives the same bits here and there); the next four rows are prefetched.
INLINE void rows4(const uint8_t *w, int64_t wrow, int64_t blocks, const uint8_t *x, float *y) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    float summs[4] = {0, 0, 0, 0};
    const uint8_t *ahead = w + 4 * wrow;
    for (int64_t i = 0; i < blocks; i++, w += PD_Q41_BYTES, x += PD_Q81_BYTES, ahead += PD_Q41_BYTES) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + 4));
        float dx = half(x), sx = half(x + 2);
        for (int k = 0; k < 4; k++) {
            const uint8_t *wk = w + k * wrow;
            _mm_prefetch((const char *)(ahead + k * wrow), _MM_HINT_T0);
            summs[k] += half(wk + 2) * sx;
            acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(half(wk) * dx), block_dot(load_q4_1(wk), xv), acc[k]);
        }
    }
    for (int k = 0; k < 4; k++) y[k] = hsum256(acc[k]) + summs[k];
}

PD_AVX2 void pd_avx2_qrows_q4_1(const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                                float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = blocks * PD_Q41_BYTES, xrow = blocks * PD_Q81_BYTES;
    int64_t r = rb;
    for (; r + 4 <= re; r += 4) {
        for (int64_t t = 0; t < tokens; t++) {
            float out[4];
            rows4(w + r * wrow, wrow, blocks, xq + t * xrow, out);
            for (int k = 0; k < 4; k++) y[t * ldy + r + k] = out[k];
        }
    }
    for (; r < re; r++)
        for (int64_t t = 0; t < tokens; t++)
            y[t * ldy + r] = pd_avx2_dot_q4_1(w + r * wrow, xq + t * xrow, blocks);
}
