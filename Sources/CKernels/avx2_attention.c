// Paged attention, AVX2: online softmax over segments of PD_ATTENTION_SPLIT positions, so the
// scores scratch is one segment per row whatever the context length (8,192 for SmolLM2).
//
// Batch invariance: segment boundaries are absolute positions (multiples of the split), never a
// tile or chunk boundary. Inside a segment a (row, position) score is 8 FMA lanes over head_dim
// reduced by the tree ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)), whether computed alone, four
// positions or four rows at a time; a row's exponentials and their sum run over its part of the
// segment in position order; values are accumulated position by position; segments combine in
// order (scale what came before by e^(m_old - m_new), then add). So a row's output is the same
// bits in a decode step, in any prefill tile and wherever its chunk starts.
//
// K and V are stored as fp16 (llama.cpp's default cache type: half the bytes, and a decode step
// over long contexts is bound by reading them) or float; the kernels, written once in
// avx2_attention_impl.h, widen eight elements to float as they load and compute in float.
#include "avx2_exp.h"
#include <math.h>

#define SPLIT PD_ATTENTION_SPLIT
/// Rows handled per pass of `tile`; longer tiles are cut (each row's result does not depend on it).
#define MAX_ROWS 64

/// The four horizontal sums of a0..a3, as one vector [Σa0, Σa1, Σa2, Σa3].
PD_AVX2 static inline __m128 hsum4x8(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
    __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

/// One horizontal sum with exactly `hsum4x8`'s tree.
PD_AVX2 static inline float hsum8(__m256 v) {
    __m256 h = _mm256_hadd_ps(v, v);
    h = _mm256_hadd_ps(h, h);
    return _mm_cvtss_f32(_mm_add_ss(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
}

/// A row's running softmax: the largest score so far and Σ e^(s - m) so far.
typedef struct { float m, l; } row_state;

/// Turns a row's `n` scores of one segment into e^(s - m) in place (m: the running maximum
/// including them) and folds their sum into `st`. Returns the factor by which the output
/// accumulated over earlier segments must be scaled (1 on the first segment).
PD_AVX2 static float segment_softmax(float *s, int64_t n, row_state *st, int first) {
    __m256 vm = _mm256_set1_ps(s[0]);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(s + i));
    float lanes[8], m = s[0];
    _mm256_storeu_ps(lanes, vm);
    for (int k = 0; k < 8; k++) m = fmaxf(m, lanes[k]);
    for (; i < n; i++) m = fmaxf(m, s[i]);
    float alpha = 1;
    if (!first) {
        float merged = fmaxf(st->m, m);
        alpha = pd_exp1(st->m - merged);
        m = merged;
    }
    __m256 vmax = _mm256_set1_ps(m), acc = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = pd_exp8(_mm256_sub_ps(_mm256_loadu_ps(s + i), vmax));
        _mm256_storeu_ps(s + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = hsum8(acc);
    for (; i < n; i++) { s[i] = pd_exp1(s[i] - m); sum += s[i]; }
    st->l = first ? sum : fmaf(st->l, alpha, sum);
    st->m = m;
    return alpha;
}

// The kernels, once per cache element type (ggml's F32 and F16).
#define KV_T float
#define LD8(p) _mm256_loadu_ps(p)
#define PD_ATT(x) x##_f32
#include "avx2_attention_impl.h"
#undef KV_T
#undef LD8
#undef PD_ATT
#undef AHEAD

#define KV_T uint16_t
#define LD8(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define PD_ATT(x) x##_f16
#include "avx2_attention_impl.h"
#undef KV_T
#undef LD8
#undef PD_ATT
