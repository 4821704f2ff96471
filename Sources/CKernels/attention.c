// Paged attention: dispatch, and the portable variant (scalar machines, or head_dim not a
// multiple of 8). Same scheme as avx2_attention.c: online softmax over segments of
// PD_ATTENTION_SPLIT absolute positions, combined in order, so a row's output is the same bits
// whatever rows share its tile and wherever its chunk starts. K and V elements (float or fp16)
// are widened to float as they are read; every product and sum is float.
#include "internal.h"
#include <math.h>

/// Element i of a cached row of `kv_type`.
static inline float kv_at(int kv_type, const void *row, int64_t i) {
    return kv_type == PD_KV_F16 ? pd_half_to_float(((const uint16_t *)row)[i]) : ((const float *)row)[i];
}

/// One row over `count` positions; `scores` holds one segment.
static void head_generic(const float *q, int kv_type, const void *const *kblocks, const void *const *vblocks,
                         int64_t offset, int64_t bs, int64_t stride, int64_t hd, int64_t count, float scale,
                         float *scores, float *out) {
    const pd_kernel_table *t = pd_table();
    size_t esize = kv_type == PD_KV_F16 ? 2 : 4;
    float m = 0, l = 0;
    for (int64_t seg = 0; seg < count; seg += PD_ATTENTION_SPLIT) {
        int64_t n = count - seg < PD_ATTENTION_SPLIT ? count - seg : PD_ATTENTION_SPLIT;
        for (int64_t p = 0; p < n; p++) {
            int64_t pos = seg + p;
            const char *k = (const char *)kblocks[pos / bs] + (size_t)(offset + (pos % bs) * stride) * esize;
            float dot = 0;
            for (int64_t i = 0; i < hd; i++) dot += q[i] * kv_at(kv_type, k, i);
            scores[p] = dot * scale;
        }
        float mx = scores[0];
        for (int64_t p = 1; p < n; p++) mx = fmaxf(mx, scores[p]);
        float alpha = 1;
        if (seg > 0) {
            float merged = fmaxf(m, mx), d = m - merged;
            t->vexp(&d, 1, &alpha);
            mx = merged;
        }
        for (int64_t p = 0; p < n; p++) scores[p] -= mx;
        t->vexp(scores, n, scores);
        float sum = 0;
        for (int64_t p = 0; p < n; p++) sum += scores[p];
        l = seg == 0 ? sum : fmaf(l, alpha, sum);
        m = mx;
        if (seg == 0) memset(out, 0, (size_t)hd * sizeof(float));
        else for (int64_t i = 0; i < hd; i++) out[i] *= alpha;
        for (int64_t p = 0; p < n; p++) {
            int64_t pos = seg + p;
            const char *v = (const char *)vblocks[pos / bs] + (size_t)(offset + (pos % bs) * stride) * esize;
            for (int64_t i = 0; i < hd; i++) out[i] += scores[p] * kv_at(kv_type, v, i);
        }
    }
    float inv = 1 / l;
    for (int64_t i = 0; i < hd; i++) out[i] *= inv;
}

void pd_attention_tile(const float *q, int64_t qstride, int64_t rows, const int64_t *counts, int kv_type,
                       const void *const *kblocks, const void *const *vblocks, int64_t offset,
                       int64_t block_size, int64_t stride, int64_t head_dim, float scale,
                       float *scores, float *out, int64_t ostride) {
    if (rows <= 0) return;
    if (counts[0] < 1) {  // a row always sees itself; an empty row has no defined output
        for (int64_t r = 0; r < rows; r++) memset(out + r * ostride, 0, (size_t)head_dim * sizeof(float));
        return;
    }
    if (head_dim % 8 == 0 && pd_kernels_isa() >= PD_ISA_AVX2) {
        if (kv_type == PD_KV_F16)
            pd_avx2_attention_tile_f16(q, qstride, rows, counts, (const uint16_t *const *)kblocks,
                                       (const uint16_t *const *)vblocks, offset, block_size, stride, head_dim,
                                       scale, scores, out, ostride);
        else
            pd_avx2_attention_tile_f32(q, qstride, rows, counts, (const float *const *)kblocks,
                                       (const float *const *)vblocks, offset, block_size, stride, head_dim,
                                       scale, scores, out, ostride);
        return;
    }
    for (int64_t r = 0; r < rows; r++)
        head_generic(q + r * qstride, kv_type, kblocks, vblocks, offset, block_size, stride, head_dim, counts[r],
                     scale, scores, out + r * ostride);
}

void pd_attention_head(const float *q, int kv_type, const void *const *kblocks, const void *const *vblocks,
                       int64_t offset, int64_t block_size, int64_t stride, int64_t head_dim,
                       int64_t count, float scale, float *scores, float *out) {
    pd_attention_tile(q, 0, 1, &count, kv_type, kblocks, vblocks, offset, block_size, stride, head_dim, scale,
                      scores, out, 0);
}
