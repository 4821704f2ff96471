#ifndef PDSCOPE_AVX2_EXP_H
#define PDSCOPE_AVX2_EXP_H
// The AVX2 vectorised e^x, shared by softmax, swiglu and attention: one definition, so an
// exponential is the same bits whichever kernel computes it.
#include "internal.h"
#include <immintrin.h>

#define PD_EXP_INLINE PD_AVX2 static inline __attribute__((always_inline))

/// e^x: x = n·ln2 + r, |r| ≤ ln2/2, degree-6 Taylor polynomial (error ≈ 1.2e-7 relative),
/// 2^n built in the exponent bits. Inputs below ln(FLT_MIN) give 0, above 88 are clamped.
PD_EXP_INLINE __m256 pd_exp8(__m256 x) {
    const __m256 lo = _mm256_set1_ps(-87.33654f), hi = _mm256_set1_ps(88.0f);
    __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

PD_EXP_INLINE float pd_exp1(float x) {
    float lanes[8];
    _mm256_storeu_ps(lanes, pd_exp8(_mm256_set1_ps(x)));
    return lanes[0];
}

#endif
