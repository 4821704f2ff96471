// AVX2 Q8_1 activation quantizer (ggml-cpu's x86 arithmetic), the activations of Q4_1 weights.
#include "internal.h"
#include <immintrin.h>

#define INLINE PD_AVX2 static inline __attribute__((always_inline))

INLINE int32_t hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/// d = amax/127, q = round-half-even(x · 127/amax), s = fp16(d · Σq): the scalar twin's arithmetic.
PD_AVX2 void pd_avx2_quantize_q8_1(const float *x, int64_t n, void *dst) {
    uint8_t *out = (uint8_t *)dst;
    for (int64_t b = 0; b < n / 32; b++, x += 32, out += PD_Q81_BYTES) {
        __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8);
        __m256 v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
        float amax = pd_avx2_block_amax(v0, v1, v2, v3);
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
