// AVX2 quantizer and row-dot kernels (decode: one token against many rows, lanes = elements).
// Products of int8 pairs use ggml's sign trick: maddubs wants unsigned × signed, so the
// weight's sign is moved onto the activation and |w| is the unsigned operand.
#include "internal.h"
#include <immintrin.h>

PD_AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

PD_AVX2 static inline float half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

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
    const __m256 sign = _mm256_set1_ps(-0.0f);
    uint8_t *out = (uint8_t *)dst;
    for (int64_t b = 0; b < n / 32; b++, x += 32, out += PD_Q8_BYTES) {
        __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8);
        __m256 v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
        __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        h = _mm_max_ps(h, _mm_movehl_ps(h, h));
        h = _mm_max_ss(h, _mm_movehdup_ps(h));
        float amax = _mm_cvtss_f32(h);
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

/// The 32 weights of one block as signed bytes.
PD_AVX2 static inline __m256i load_w(int type, const uint8_t *block) {
    if (type == PD_TYPE_Q8_0) return _mm256_loadu_si256((const __m256i *)(block + 2));
    __m128i q = _mm_loadu_si128((const __m128i *)(block + 2));
    __m256i nib = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(15));
    return _mm256_sub_epi8(nib, _mm256_set1_epi8(8));
}

PD_AVX2 static inline __m256 block_dot(__m256i w, __m256i x) {
    __m256i p = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(p, _mm256_set1_epi16(1)));
}

PD_AVX2 static inline float dot_row(int type, const uint8_t *a, const uint8_t *b, int64_t blocks) {
    int64_t ab = type == PD_TYPE_Q8_0 ? PD_Q8_BYTES : PD_Q4_BYTES;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, a += ab, b += PD_Q8_BYTES) {
        __m256 d = _mm256_set1_ps(half(a) * half(b));
        acc = _mm256_fmadd_ps(block_dot(load_w(type, a), _mm256_loadu_si256((const __m256i *)(b + 2))), d, acc);
    }
    return hsum256(acc);
}

PD_AVX2 float pd_avx2_dot_q8_0(const void *a, const void *b, int64_t blocks) { return dot_row(PD_TYPE_Q8_0, a, b, blocks); }
PD_AVX2 float pd_avx2_dot_q4_0(const void *a, const void *b, int64_t blocks) { return dot_row(PD_TYPE_Q4_0, a, b, blocks); }

/// Four rows against one token: four independent accumulators hide the FMA latency and the
/// four weight streams keep several cache lines in flight.
PD_AVX2 static inline void rows4(int type, const uint8_t *w, int64_t wrow, int64_t blocks, const uint8_t *x, float *y) {
    int64_t ab = type == PD_TYPE_Q8_0 ? PD_Q8_BYTES : PD_Q4_BYTES;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    // Decode streams the weights from DRAM once per token: ask for the next four rows early so
    // the memory system has more lines in flight than the hardware prefetcher alone keeps.
    const uint8_t *ahead = w + 4 * wrow;
    for (int64_t i = 0; i < blocks; i++, w += ab, x += PD_Q8_BYTES, ahead += ab) {
        _mm_prefetch((const char *)ahead, _MM_HINT_T0);
        _mm_prefetch((const char *)(ahead + wrow), _MM_HINT_T0);
        _mm_prefetch((const char *)(ahead + 2 * wrow), _MM_HINT_T0);
        _mm_prefetch((const char *)(ahead + 3 * wrow), _MM_HINT_T0);
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + 2));
        __m256 dx = _mm256_set1_ps(half(x));
        acc0 = _mm256_fmadd_ps(block_dot(load_w(type, w), xv), _mm256_mul_ps(dx, _mm256_set1_ps(half(w))), acc0);
        acc1 = _mm256_fmadd_ps(block_dot(load_w(type, w + wrow), xv), _mm256_mul_ps(dx, _mm256_set1_ps(half(w + wrow))), acc1);
        acc2 = _mm256_fmadd_ps(block_dot(load_w(type, w + 2 * wrow), xv), _mm256_mul_ps(dx, _mm256_set1_ps(half(w + 2 * wrow))), acc2);
        acc3 = _mm256_fmadd_ps(block_dot(load_w(type, w + 3 * wrow), xv), _mm256_mul_ps(dx, _mm256_set1_ps(half(w + 3 * wrow))), acc3);
    }
    y[0] = hsum256(acc0); y[1] = hsum256(acc1); y[2] = hsum256(acc2); y[3] = hsum256(acc3);
}

PD_AVX2 void pd_avx2_qrows(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                           float *y, int64_t ldy, int64_t rb, int64_t re) {
    if (type == PD_TYPE_Q4_1) { pd_avx2_qrows_q4_1(w, blocks, xq, tokens, y, ldy, rb, re); return; }
    int64_t wrow = blocks * (type == PD_TYPE_Q8_0 ? PD_Q8_BYTES : PD_Q4_BYTES), xrow = blocks * PD_Q8_BYTES;
    int64_t r = rb;
    for (; r + 4 <= re; r += 4) {
        for (int64_t t = 0; t < tokens; t++) {
            float out[4];
            rows4(type, w + r * wrow, wrow, blocks, xq + t * xrow, out);
            for (int k = 0; k < 4; k++) y[t * ldy + r + k] = out[k];
        }
    }
    for (; r < re; r++)
        for (int64_t t = 0; t < tokens; t++)
            y[t * ldy + r] = dot_row(type, w + r * wrow, xq + t * xrow, blocks);
}
