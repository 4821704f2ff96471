// AVX2 Q8_0 activation quantizer (the row-dot kernels are in decode_rows_impl.h).
#include "internal.h"
#include <immintrin.h>

/// round(p) with halves away from zero, exactly as C's roundf: truncate, then step away from
/// zero when the (exact) discarded fraction is at least one half.
PD_AVX2 static inline __m256i round_away(__m256 p) {
    const __m256 sign = _mm256_set1_ps(-0.0f), halfv = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    __m256 t = _mm256_round_ps(p, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(p, t));
    __m256 step = _mm256_or_ps(_mm256_and_ps(p, sign), one);
    t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, halfv, _CMP_GE_OQ), step));
    return _mm256_cvtps_epi32(t);
}

PD_AVX2 void pd_avx2_quantize_q8_0(const float *x, int64_t n, void *dst) {
    uint8_t *out = (uint8_t *)dst;
    for (int64_t b = 0; b < n / 32; b++, x += 32, out += PD_Q8_BYTES) {
        __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8);
        __m256 v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
        float amax = pd_avx2_block_amax(v0, v1, v2, v3);
        float d = amax / 127, id = d != 0 ? 1 / d : 0;
        uint16_t hd = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
        memcpy(out, &hd, 2);
        __m256 vid = _mm256_set1_ps(id);
        __m256i i0 = round_away(_mm256_mul_ps(v0, vid)), i1 = round_away(_mm256_mul_ps(v1, vid));
        __m256i i2 = round_away(_mm256_mul_ps(v2, vid)), i3 = round_away(_mm256_mul_ps(v3, vid));
        // packs work per 128-bit lane; the permute restores element order.
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(out + 2), p);
    }
}
