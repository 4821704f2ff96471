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

/// Scores of one row for segment positions [from, to) (key rows k[p]), four positions at a time:
/// four independent FMA chains hide the latency one chain would expose.
PD_AVX2 static void row_scores(const float *q, const float *const *k, int64_t from, int64_t to,
                               int64_t hd, float scale, float *s) {
    int64_t p = from;
    for (; p + 4 <= to; p += 4) {
        const float *k0 = k[p], *k1 = k[p + 1], *k2 = k[p + 2], *k3 = k[p + 3];
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t i = 0; i < hd; i += 8) {
            __m256 qv = _mm256_loadu_ps(q + i);
            a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k0 + i), a0);
            a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k1 + i), a1);
            a2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k2 + i), a2);
            a3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k3 + i), a3);
        }
        _mm_storeu_ps(s + p, _mm_mul_ps(hsum4x8(a0, a1, a2, a3), _mm_set1_ps(scale)));
    }
    for (; p < to; p++) {
        __m256 a = _mm256_setzero_ps();
        for (int64_t i = 0; i < hd; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k[p] + i), a);
        s[p] = hsum8(a) * scale;
    }
}

/// Four query rows against one key row: the key is loaded once and used four times.
PD_AVX2 static inline void dot4(const float *q, int64_t qstride, const float *k, int64_t hd, float scale,
                                float *s, int64_t sstride) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < hd; i += 8) {
        __m256 kv = _mm256_loadu_ps(k + i);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), kv, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + qstride + i), kv, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q + 2 * qstride + i), kv, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q + 3 * qstride + i), kv, a3);
    }
    float out[4];
    _mm_storeu_ps(out, _mm_mul_ps(hsum4x8(a0, a1, a2, a3), _mm_set1_ps(scale)));
    s[0] = out[0]; s[sstride] = out[1]; s[2 * sstride] = out[2]; s[3 * sstride] = out[3];
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

/// Key and value row pointers of segment positions seg..seg+len.
static inline void segment_rows(const float *const *kblocks, const float *const *vblocks, int64_t offset,
                                int64_t bs, int64_t stride, int64_t seg, int64_t len,
                                const float **kp, const float **vp) {
    for (int64_t p = 0; p < len; p++) {
        int64_t pos = seg + p, row = (pos % bs) * stride + offset;
        kp[p] = kblocks[pos / bs] + row;
        vp[p] = vblocks[pos / bs] + row;
    }
}

/// One row with head_dim 64 (a decode step): the output stays in eight registers throughout.
PD_AVX2 static void head64(const float *q, const float *const *kblocks, const float *const *vblocks,
                           int64_t offset, int64_t bs, int64_t stride, int64_t count, float scale,
                           float *scores, float *out) {
    const float *kp[SPLIT], *vp[SPLIT];
    row_state st = {0, 0};
    __m256 o[8];
    for (int j = 0; j < 8; j++) o[j] = _mm256_setzero_ps();
    for (int64_t seg = 0; seg < count; seg += SPLIT) {
        int64_t n = count - seg < SPLIT ? count - seg : SPLIT;
        segment_rows(kblocks, vblocks, offset, bs, stride, seg, n, kp, vp);
        row_scores(q, kp, 0, n, 64, scale, scores);
        float alpha = segment_softmax(scores, n, &st, seg == 0);
        if (seg > 0) {
            __m256 a = _mm256_set1_ps(alpha);
            for (int j = 0; j < 8; j++) o[j] = _mm256_mul_ps(o[j], a);
        }
        for (int64_t p = 0; p < n; p++) {
            __m256 a = _mm256_set1_ps(scores[p]);
            for (int j = 0; j < 8; j++) o[j] = _mm256_fmadd_ps(a, _mm256_loadu_ps(vp[p] + 8 * j), o[j]);
        }
    }
    __m256 inv = _mm256_set1_ps(1 / st.l);
    for (int j = 0; j < 8; j++) _mm256_storeu_ps(out + 8 * j, _mm256_mul_ps(o[j], inv));
}

/// Up to MAX_ROWS rows of one sequence and head; K and V of a segment stream once for all rows.
PD_AVX2 static void tile(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                         const float *const *kblocks, const float *const *vblocks, int64_t offset,
                         int64_t bs, int64_t stride, int64_t hd, float scale, float *scores,
                         float *out, int64_t ostride) {
    const float *kp[SPLIT], *vp[SPLIT];
    row_state st[MAX_ROWS];
    int64_t n[MAX_ROWS], maxc = counts[rows - 1], ss = maxc < SPLIT ? maxc : SPLIT;
    for (int64_t seg = 0; seg < maxc; seg += SPLIT) {
        int64_t len = maxc - seg < SPLIT ? maxc - seg : SPLIT, r0 = 0;
        segment_rows(kblocks, vblocks, offset, bs, stride, seg, len, kp, vp);
        for (int64_t r = 0; r < rows; r++) {
            int64_t c = counts[r] - seg;
            n[r] = c < 0 ? 0 : c < len ? c : len;
            if (n[r] == 0) r0 = r + 1;  // counts are non-decreasing: rows before r0 are done
        }
        // Scores: four rows share each key load; a row's positions beyond the group's first
        // row's count are scored by the row alone.
        int64_t r = r0;
        for (; r + 4 <= rows; r += 4) {
            const float *qr = q + r * qstride;
            for (int64_t p = 0; p < n[r]; p++) dot4(qr, qstride, kp[p], hd, scale, scores + r * ss + p, ss);
            for (int k = 1; k < 4; k++) row_scores(qr + k * qstride, kp, n[r], n[r + k], hd, scale, scores + (r + k) * ss);
        }
        for (; r < rows; r++) row_scores(q + r * qstride, kp, 0, n[r], hd, scale, scores + r * ss);
        for (r = r0; r < rows; r++) {
            float alpha = segment_softmax(scores + r * ss, n[r], &st[r], seg == 0);
            float *o = out + r * ostride;
            __m256 a = _mm256_set1_ps(alpha);
            for (int64_t i = 0; i < hd; i += 8)
                _mm256_storeu_ps(o + i, seg == 0 ? _mm256_setzero_ps() : _mm256_mul_ps(_mm256_loadu_ps(o + i), a));
        }
        // Values: each V row is loaded once and added into every row that sees it.
        for (int64_t p = 0; p < len; p++) {
            const float *v = vp[p];
            r = r0;
            while (r < rows && n[r] <= p) r++;
            if (hd == 64) {
                __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
                __m256 v4 = _mm256_loadu_ps(v + 32), v5 = _mm256_loadu_ps(v + 40), v6 = _mm256_loadu_ps(v + 48), v7 = _mm256_loadu_ps(v + 56);
                for (; r < rows; r++) {
                    __m256 a = _mm256_set1_ps(scores[r * ss + p]);
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
                __m256 a = _mm256_set1_ps(scores[r * ss + p]);
                float *o = out + r * ostride;
                for (int64_t i = 0; i < hd; i += 8)
                    _mm256_storeu_ps(o + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(v + i), _mm256_loadu_ps(o + i)));
            }
        }
    }
    for (int64_t r = 0; r < rows; r++) {
        __m256 inv = _mm256_set1_ps(1 / st[r].l);
        float *o = out + r * ostride;
        for (int64_t i = 0; i < hd; i += 8) _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_loadu_ps(o + i), inv));
    }
}

/// head_dim a multiple of 8; every count at least 1.
PD_AVX2 void pd_avx2_attention_tile(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                                    const float *const *kblocks, const float *const *vblocks, int64_t offset,
                                    int64_t bs, int64_t stride, int64_t hd, float scale, float *scores,
                                    float *out, int64_t ostride) {
    if (rows == 1 && hd == 64) {
        head64(q, kblocks, vblocks, offset, bs, stride, counts[0], scale, scores, out);
        return;
    }
    for (int64_t r = 0; r < rows; r += MAX_ROWS) {
        int64_t m = rows - r < MAX_ROWS ? rows - r : MAX_ROWS;
        tile(q + r * qstride, qstride, m, counts + r, kblocks, vblocks, offset, bs, stride, hd, scale, scores,
             out + r * ostride, ostride);
    }
}
