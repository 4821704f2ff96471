// Paged attention for one (query row, head): scores against every cached position through the
// sequence's block list, softmax, weighted sum of values. One C call per (row, head) instead of
// two calls per position keeps long prefills compute-bound.
//
// Batch invariance: a (row, position) score is always 8 FMA lanes over head_dim reduced by the
// same tree ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)), whether it is computed alone or four at a time,
// and values are accumulated position by position in order; so a row's output is the same bits in
// a decode step, in any prefill tile and wherever its chunk starts.
#include "internal.h"
#include <immintrin.h>

/// The four horizontal sums of a0..a3, as one vector [Σa0, Σa1, Σa2, Σa3]: three hadds and one
/// add instead of four separate reductions.
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

/// Scores of four positions at once: four independent FMA chains hide the FMA latency that a
/// single accumulator per position would expose.
PD_AVX2 static inline void scores_avx2(const float *q, const float *k, int64_t stride, int64_t n,
                                       int64_t head_dim, float scale, float *scores) {
    int64_t s = 0;
    for (; s + 4 <= n; s += 4, k += 4 * stride) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t i = 0; i < head_dim; i += 8) {
            __m256 qv = _mm256_loadu_ps(q + i);
            a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + i), a0);
            a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + stride + i), a1);
            a2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + 2 * stride + i), a2);
            a3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + 3 * stride + i), a3);
        }
        _mm_storeu_ps(scores + s, _mm_mul_ps(hsum4x8(a0, a1, a2, a3), _mm_set1_ps(scale)));
    }
    for (; s < n; s++, k += stride) {
        __m256 a = _mm256_setzero_ps();
        for (int64_t i = 0; i < head_dim; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k + i), a);
        scores[s] = hsum8(a) * scale;
    }
}

/// head_dim a multiple of 8. The output of a head of up to 64 floats stays in registers.
PD_AVX2 static void attention_avx2(const float *q, const float *const *kblocks, const float *const *vblocks,
                                   int64_t offset, int64_t block_size, int64_t stride, int64_t head_dim,
                                   int64_t count, float scale, float *scores, float *out) {
    for (int64_t pos = 0, b = 0; pos < count; b++) {
        int64_t n = count - pos < block_size ? count - pos : block_size;
        scores_avx2(q, kblocks[b] + offset, stride, n, head_dim, scale, scores + pos);
        pos += n;
    }
    pd_table()->softmax(scores, count);
    if (head_dim == 64) {
        __m256 o0 = _mm256_setzero_ps(), o1 = o0, o2 = o0, o3 = o0, o4 = o0, o5 = o0, o6 = o0, o7 = o0;
        for (int64_t pos = 0, b = 0; pos < count; b++) {
            const float *v = vblocks[b] + offset;
            int64_t n = count - pos < block_size ? count - pos : block_size;
            for (int64_t s = 0; s < n; s++, v += stride) {
                __m256 a = _mm256_set1_ps(scores[pos + s]);
                o0 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v), o0);
                o1 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 8), o1);
                o2 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 16), o2);
                o3 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 24), o3);
                o4 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 32), o4);
                o5 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 40), o5);
                o6 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 48), o6);
                o7 = _mm256_fmadd_ps(a, _mm256_loadu_ps(v + 56), o7);
            }
            pos += n;
        }
        _mm256_storeu_ps(out, o0); _mm256_storeu_ps(out + 8, o1); _mm256_storeu_ps(out + 16, o2);
        _mm256_storeu_ps(out + 24, o3); _mm256_storeu_ps(out + 32, o4); _mm256_storeu_ps(out + 40, o5);
        _mm256_storeu_ps(out + 48, o6); _mm256_storeu_ps(out + 56, o7);
        return;
    }
    for (int64_t i = 0; i < head_dim; i += 8) _mm256_storeu_ps(out + i, _mm256_setzero_ps());
    for (int64_t pos = 0, b = 0; pos < count; b++) {
        const float *v = vblocks[b] + offset;
        int64_t n = count - pos < block_size ? count - pos : block_size;
        for (int64_t s = 0; s < n; s++, v += stride) {
            __m256 a = _mm256_set1_ps(scores[pos + s]);
            for (int64_t i = 0; i < head_dim; i += 8)
                _mm256_storeu_ps(out + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(v + i), _mm256_loadu_ps(out + i)));
        }
        pos += n;
    }
}

static void attention_generic(const float *q, const float *const *kblocks, const float *const *vblocks,
                              int64_t offset, int64_t block_size, int64_t stride, int64_t head_dim,
                              int64_t count, float scale, float *scores, float *out) {
    const pd_kernel_table *t = pd_table();
    for (int64_t pos = 0; pos < count; pos++) {
        const float *k = kblocks[pos / block_size] + offset + (pos % block_size) * stride;
        scores[pos] = t->dot_f32(q, k, head_dim) * scale;
    }
    t->softmax(scores, count);
    memset(out, 0, (size_t)head_dim * sizeof(float));
    for (int64_t pos = 0; pos < count; pos++) {
        const float *v = vblocks[pos / block_size] + offset + (pos % block_size) * stride;
        t->axpy(scores[pos], v, out, head_dim);
    }
}

void pd_attention_head(const float *q, const float *const *kblocks, const float *const *vblocks,
                       int64_t offset, int64_t block_size, int64_t stride, int64_t head_dim,
                       int64_t count, float scale, float *scores, float *out) {
    if (head_dim % 8 == 0 && pd_kernels_isa() >= PD_ISA_AVX2)
        attention_avx2(q, kblocks, vblocks, offset, block_size, stride, head_dim, count, scale, scores, out);
    else
        attention_generic(q, kblocks, vblocks, offset, block_size, stride, head_dim, count, scale, scores, out);
}

/// Four query rows against one key row: the key is loaded once and used four times.
PD_AVX2 static inline void dot4_avx2(const float *q, int64_t qstride, const float *k, int64_t head_dim, float scale,
                                     float *s0, float *s1, float *s2, float *s3) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < head_dim; i += 8) {
        __m256 kv = _mm256_loadu_ps(k + i);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), kv, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + qstride + i), kv, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q + 2 * qstride + i), kv, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q + 3 * qstride + i), kv, a3);
    }
    float out[4];
    _mm_storeu_ps(out, _mm_mul_ps(hsum4x8(a0, a1, a2, a3), _mm_set1_ps(scale)));
    *s0 = out[0]; *s1 = out[1]; *s2 = out[2]; *s3 = out[3];
}

PD_AVX2 static void tile_avx2(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                              const float *const *kblocks, const float *const *vblocks, int64_t offset,
                              int64_t block_size, int64_t stride, int64_t head_dim, float scale,
                              float *scores, float *out, int64_t ostride) {
    int64_t maxc = counts[rows - 1];
    // Scores: every row against every key it may see; K streams once per tile, not once per row.
    for (int64_t p = 0; p < maxc; p++) {
        const float *k = kblocks[p / block_size] + offset + (p % block_size) * stride;
        int64_t r = 0;
        while (r < rows && counts[r] <= p) r++;  // rows before r end before position p (causal)
        for (; r + 4 <= rows; r += 4)
            dot4_avx2(q + r * qstride, qstride, k, head_dim, scale, &scores[r * maxc + p], &scores[(r + 1) * maxc + p],
                      &scores[(r + 2) * maxc + p], &scores[(r + 3) * maxc + p]);
        for (; r < rows; r++) {
            __m256 a = _mm256_setzero_ps();
            for (int64_t i = 0; i < head_dim; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + r * qstride + i), _mm256_loadu_ps(k + i), a);
            scores[r * maxc + p] = hsum8(a) * scale;
        }
    }
    const pd_kernel_table *t = pd_table();
    for (int64_t r = 0; r < rows; r++) {
        t->softmax(scores + r * maxc, counts[r]);
        for (int64_t i = 0; i < head_dim; i += 8) _mm256_storeu_ps(out + r * ostride + i, _mm256_setzero_ps());
    }
    // Values: each V row is loaded once per tile and added into every row that sees it.
    for (int64_t p = 0; p < maxc; p++) {
        const float *v = vblocks[p / block_size] + offset + (p % block_size) * stride;
        int64_t r = 0;
        while (r < rows && counts[r] <= p) r++;
        if (head_dim == 64) {
            // The V row stays in registers while it is added into every row of the tile.
            __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
            __m256 v4 = _mm256_loadu_ps(v + 32), v5 = _mm256_loadu_ps(v + 40), v6 = _mm256_loadu_ps(v + 48), v7 = _mm256_loadu_ps(v + 56);
            for (; r < rows; r++) {
                __m256 a = _mm256_set1_ps(scores[r * maxc + p]);
                float *o = out + r * ostride;
                _mm256_storeu_ps(o, _mm256_fmadd_ps(a, v0, _mm256_loadu_ps(o)));
                _mm256_storeu_ps(o + 8, _mm256_fmadd_ps(a, v1, _mm256_loadu_ps(o + 8)));
                _mm256_storeu_ps(o + 16, _mm256_fmadd_ps(a, v2, _mm256_loadu_ps(o + 16)));
                _mm256_storeu_ps(o + 24, _mm256_fmadd_ps(a, v3, _mm256_loadu_ps(o + 24)));
                _mm256_storeu_ps(o + 32, _mm256_fmadd_ps(a, v4, _mm256_loadu_ps(o + 32)));
                _mm256_storeu_ps(o + 40, _mm256_fmadd_ps(a, v5, _mm256_loadu_ps(o + 40)));
                _mm256_storeu_ps(o + 48, _mm256_fmadd_ps(a, v6, _mm256_loadu_ps(o + 48)));
                _mm256_storeu_ps(o + 56, _mm256_fmadd_ps(a, v7, _mm256_loadu_ps(o + 56)));
            }
            continue;
        }
        for (; r < rows; r++) {
            __m256 a = _mm256_set1_ps(scores[r * maxc + p]);
            float *o = out + r * ostride;
            for (int64_t i = 0; i < head_dim; i += 8)
                _mm256_storeu_ps(o + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(v + i), _mm256_loadu_ps(o + i)));
        }
    }
}

void pd_attention_tile(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                       const float *const *kblocks, const float *const *vblocks, int64_t offset,
                       int64_t block_size, int64_t stride, int64_t head_dim, float scale,
                       float *scores, float *out, int64_t ostride) {
    if (rows > 1 && head_dim % 8 == 0 && pd_kernels_isa() >= PD_ISA_AVX2) {
        tile_avx2(q, qstride, rows, counts, kblocks, vblocks, offset, block_size, stride, head_dim, scale, scores, out, ostride);
        return;
    }
    for (int64_t r = 0; r < rows; r++)
        pd_attention_head(q + r * qstride, kblocks, vblocks, offset, block_size, stride, head_dim, counts[r], scale,
                          scores, out + r * ostride);
}
