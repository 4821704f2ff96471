// Paged attention for one (query row, head): scores against every cached position through the
// sequence's block list, softmax, weighted sum of values. One C call per (row, head) instead of
// two calls per position keeps long prefills compute-bound.
#include "internal.h"
#include <immintrin.h>

PD_AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// head_dim a multiple of 8.
PD_AVX2 static void attention_avx2(const float *q, const float *const *kblocks, const float *const *vblocks,
                                   int64_t offset, int64_t block_size, int64_t stride, int64_t head_dim,
                                   int64_t count, float scale, float *scores, float *out) {
    for (int64_t pos = 0, b = 0; pos < count; b++) {
        const float *k = kblocks[b] + offset;
        int64_t n = count - pos < block_size ? count - pos : block_size;
        for (int64_t s = 0; s < n; s++, k += stride) {
            __m256 acc = _mm256_setzero_ps();
            for (int64_t i = 0; i < head_dim; i += 8)
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k + i), acc);
            scores[pos + s] = hsum8(acc) * scale;
        }
        pos += n;
    }
    pd_table()->softmax(scores, count);
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
    if (head_dim % 8 == 0 && pd_kernels_isa() == PD_ISA_AVX2)
        attention_avx2(q, kblocks, vblocks, offset, block_size, stride, head_dim, count, scale, scores, out);
    else
        attention_generic(q, kblocks, vblocks, offset, block_size, stride, head_dim, count, scale, scores, out);
}
