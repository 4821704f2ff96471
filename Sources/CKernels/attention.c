// Paged attention: dispatch, and the portable variant (scalar machines, or head_dim not a
// multiple of 8). Same scheme as avx2_attention.c: online softmax over segments of
// PD_ATTENTION_SPLIT absolute positions, combined in order, so a row's output is the same bits
// whatever rows share its tile and wherever its chunk starts.
#include "internal.h"
#include <math.h>

/// One row over `count` positions; `scores` holds one segment.
static void head_generic(const float *q, const float *const *kblocks, const float *const *vblocks,
                         int64_t offset, int64_t bs, int64_t stride, int64_t hd, int64_t count, float scale,
                         float *scores, float *out) {
    const pd_kernel_table *t = pd_table();
    float m = 0, l = 0;
    for (int64_t seg = 0; seg < count; seg += PD_ATTENTION_SPLIT) {
        int64_t n = count - seg < PD_ATTENTION_SPLIT ? count - seg : PD_ATTENTION_SPLIT;
        for (int64_t p = 0; p < n; p++) {
            int64_t pos = seg + p;
            scores[p] = t->dot_f32(q, kblocks[pos / bs] + offset + (pos % bs) * stride, hd) * scale;
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
            t->axpy(scores[p], vblocks[pos / bs] + offset + (pos % bs) * stride, out, hd);
        }
    }
    float inv = 1 / l;
    for (int64_t i = 0; i < hd; i++) out[i] *= inv;
}

void pd_attention_tile(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                       const float *const *kblocks, const float *const *vblocks, int64_t offset,
                       int64_t block_size, int64_t stride, int64_t head_dim, float scale,
                       float *scores, float *out, int64_t ostride) {
    if (rows <= 0) return;
    if (counts[0] < 1) {  // a row always sees itself; an empty row has no defined output
        for (int64_t r = 0; r < rows; r++) memset(out + r * ostride, 0, (size_t)head_dim * sizeof(float));
        return;
    }
    if (head_dim % 8 == 0 && pd_kernels_isa() >= PD_ISA_AVX2) {
        pd_avx2_attention_tile(q, qstride, rows, counts, kblocks, vblocks, offset, block_size, stride, head_dim,
                               scale, scores, out, ostride);
        return;
    }
    for (int64_t r = 0; r < rows; r++)
        head_generic(q + r * qstride, kblocks, vblocks, offset, block_size, stride, head_dim, counts[r], scale,
                     scores, out + r * ostride);
}

void pd_attention_head(const float *q, const float *const *kblocks, const float *const *vblocks,
                       int64_t offset, int64_t block_size, int64_t stride, int64_t head_dim,
                       int64_t count, float scale, float *scores, float *out) {
    pd_attention_tile(q, 0, 1, &count, kblocks, vblocks, offset, block_size, stride, head_dim, scale, scores, out, 0);
}
