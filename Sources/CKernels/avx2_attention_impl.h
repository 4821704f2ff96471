// The AVX2 attention kernels, written once for both KV cache element types: a file defines
// KV_T (the element), LD8(p) (eight elements as floats, exact) and PD_ATT(x) (a name suffixed
// with the type), then includes this after avx2_attention.c's shared helpers. The arithmetic
// after the load is the same for both, so only the rounding of what was stored differs.

/// Positions ahead of use that K and V rows are prefetched: a segment's rows come from scattered
/// blocks, which the hardware prefetcher does not follow, and a long context is read from DRAM.
#define AHEAD 16

/// Asks for a row's head slice (hd elements) before it is read. No effect on results.
PD_AVX2 static inline void PD_ATT(prefetch_row)(const KV_T *row, int64_t hd) {
    for (int64_t b = 0; b < hd * (int64_t)sizeof(KV_T); b += 64) _mm_prefetch((const char *)row + b, _MM_HINT_T0);
}

/// Scores of one row for segment positions [from, to) (key rows k[p]), four positions at a time:
/// four independent FMA chains hide the latency one chain would expose.
PD_AVX2 static void PD_ATT(row_scores)(const float *q, const KV_T *const *k, int64_t from, int64_t to,
                               int64_t hd, float scale, float *s) {
    int64_t p = from;
    for (; p + 4 <= to; p += 4) {
        for (int64_t j = p + AHEAD; j < p + AHEAD + 4 && j < to; j++) PD_ATT(prefetch_row)(k[j], hd);
        const KV_T *k0 = k[p], *k1 = k[p + 1], *k2 = k[p + 2], *k3 = k[p + 3];
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t i = 0; i < hd; i += 8) {
            __m256 qv = _mm256_loadu_ps(q + i);
            a0 = _mm256_fmadd_ps(qv, LD8(k0 + i), a0);
            a1 = _mm256_fmadd_ps(qv, LD8(k1 + i), a1);
            a2 = _mm256_fmadd_ps(qv, LD8(k2 + i), a2);
            a3 = _mm256_fmadd_ps(qv, LD8(k3 + i), a3);
        }
        _mm_storeu_ps(s + p, _mm_mul_ps(hsum4x8(a0, a1, a2, a3), _mm_set1_ps(scale)));
    }
    for (; p < to; p++) {
        __m256 a = _mm256_setzero_ps();
        for (int64_t i = 0; i < hd; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), LD8(k[p] + i), a);
        s[p] = hsum8(a) * scale;
    }
}

/// Four query rows against one key row: the key is loaded once and used four times.
PD_AVX2 static inline void PD_ATT(dot4)(const float *q, int64_t qstride, const KV_T *k, int64_t hd, float scale,
                                float *s, int64_t sstride) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t i = 0; i < hd; i += 8) {
        __m256 kv = LD8(k + i);
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), kv, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + qstride + i), kv, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(q + 2 * qstride + i), kv, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(q + 3 * qstride + i), kv, a3);
    }
    float out[4];
    _mm_storeu_ps(out, _mm_mul_ps(hsum4x8(a0, a1, a2, a3), _mm_set1_ps(scale)));
    s[0] = out[0]; s[sstride] = out[1]; s[2 * sstride] = out[2]; s[3 * sstride] = out[3];
}

/// Key and value row pointers of segment positions seg..seg+len (one division per segment).
static inline void PD_ATT(segment_rows)(const KV_T *const *kblocks, const KV_T *const *vblocks, int64_t offset,
                                int64_t bs, int64_t stride, int64_t seg, int64_t len,
                                const KV_T **kp, const KV_T **vp) {
    int64_t block = seg / bs, slot = seg % bs;
    for (int64_t p = 0; p < len; p++) {
        int64_t row = slot * stride + offset;
        kp[p] = kblocks[block] + row;
        vp[p] = vblocks[block] + row;
        if (++slot == bs) { slot = 0; block++; }
    }
}

/// o[0..<64] += s[p] · v_p for p < n, position by position, with o in eight registers (the
/// order every path adds a row's values in, so the bits do not depend on which path ran).
PD_AVX2 static inline void PD_ATT(values64)(const float *s, const KV_T *const *vp, int64_t n, float *o) {
    __m256 o0 = _mm256_loadu_ps(o), o1 = _mm256_loadu_ps(o + 8), o2 = _mm256_loadu_ps(o + 16), o3 = _mm256_loadu_ps(o + 24);
    __m256 o4 = _mm256_loadu_ps(o + 32), o5 = _mm256_loadu_ps(o + 40), o6 = _mm256_loadu_ps(o + 48), o7 = _mm256_loadu_ps(o + 56);
    for (int64_t p = 0; p < n; p++) {
        const KV_T *v = vp[p];
        if (p + AHEAD < n) PD_ATT(prefetch_row)(vp[p + AHEAD], 64);
        __m256 a = _mm256_set1_ps(s[p]);
        o0 = _mm256_fmadd_ps(a, LD8(v), o0); o1 = _mm256_fmadd_ps(a, LD8(v + 8), o1);
        o2 = _mm256_fmadd_ps(a, LD8(v + 16), o2); o3 = _mm256_fmadd_ps(a, LD8(v + 24), o3);
        o4 = _mm256_fmadd_ps(a, LD8(v + 32), o4); o5 = _mm256_fmadd_ps(a, LD8(v + 40), o5);
        o6 = _mm256_fmadd_ps(a, LD8(v + 48), o6); o7 = _mm256_fmadd_ps(a, LD8(v + 56), o7);
    }
    _mm256_storeu_ps(o, o0); _mm256_storeu_ps(o + 8, o1); _mm256_storeu_ps(o + 16, o2); _mm256_storeu_ps(o + 24, o3);
    _mm256_storeu_ps(o + 32, o4); _mm256_storeu_ps(o + 40, o5); _mm256_storeu_ps(o + 48, o6); _mm256_storeu_ps(o + 56, o7);
}

/// One row with head_dim 64 (a decode step): the output stays in eight registers throughout.
PD_AVX2 static void PD_ATT(head64)(const float *q, const KV_T *const *kblocks, const KV_T *const *vblocks,
                           int64_t offset, int64_t bs, int64_t stride, int64_t count, float scale,
                           float *scores, float *out) {
    const KV_T *kp[SPLIT], *vp[SPLIT];
    row_state st = {0, 0};
    __m256 o[8];
    for (int j = 0; j < 8; j++) o[j] = _mm256_setzero_ps();
    for (int64_t seg = 0; seg < count; seg += SPLIT) {
        int64_t n = count - seg < SPLIT ? count - seg : SPLIT;
        PD_ATT(segment_rows)(kblocks, vblocks, offset, bs, stride, seg, n, kp, vp);
        PD_ATT(row_scores)(q, kp, 0, n, 64, scale, scores);
        float alpha = segment_softmax(scores, n, &st, seg == 0);
        if (seg > 0) {
            __m256 a = _mm256_set1_ps(alpha);
            for (int j = 0; j < 8; j++) o[j] = _mm256_mul_ps(o[j], a);
        }
        for (int64_t p = 0; p < n; p++) {
            __m256 a = _mm256_set1_ps(scores[p]);
            for (int j = 0; j < 8; j++) o[j] = _mm256_fmadd_ps(a, LD8(vp[p] + 8 * j), o[j]);
        }
    }
    __m256 inv = _mm256_set1_ps(1 / st.l);
    for (int j = 0; j < 8; j++) _mm256_storeu_ps(out + 8 * j, _mm256_mul_ps(o[j], inv));
}

/// Up to MAX_ROWS rows of one sequence and head; K and V of a segment stream once for all rows.
PD_AVX2 static void PD_ATT(tile)(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                         const KV_T *const *kblocks, const KV_T *const *vblocks, int64_t offset,
                         int64_t bs, int64_t stride, int64_t hd, float scale, float *scores,
                         float *out, int64_t ostride) {
    const KV_T *kp[SPLIT], *vp[SPLIT];
    row_state st[MAX_ROWS];
    int64_t n[MAX_ROWS], maxc = counts[rows - 1], ss = maxc < SPLIT ? maxc : SPLIT;
    for (int64_t seg = 0; seg < maxc; seg += SPLIT) {
        int64_t len = maxc - seg < SPLIT ? maxc - seg : SPLIT, r0 = 0;
        PD_ATT(segment_rows)(kblocks, vblocks, offset, bs, stride, seg, len, kp, vp);
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
            for (int64_t p = 0; p < n[r]; p++) PD_ATT(dot4)(qr, qstride, kp[p], hd, scale, scores + r * ss + p, ss);
            for (int k = 1; k < 4; k++) PD_ATT(row_scores)(qr + k * qstride, kp, n[r], n[r + k], hd, scale, scores + (r + k) * ss);
        }
        for (; r < rows; r++) PD_ATT(row_scores)(q + r * qstride, kp, 0, n[r], hd, scale, scores + r * ss);
        for (r = r0; r < rows; r++) {
            float alpha = segment_softmax(scores + r * ss, n[r], &st[r], seg == 0);
            float *o = out + r * ostride;
            __m256 a = _mm256_set1_ps(alpha);
            for (int64_t i = 0; i < hd; i += 8)
                _mm256_storeu_ps(o + i, seg == 0 ? _mm256_setzero_ps() : _mm256_mul_ps(_mm256_loadu_ps(o + i), a));
        }
        // Values. head_dim 64: row by row with the output in registers (the segment's V rows
        // stay in L1 for the next row). Otherwise each V row is loaded once for every row that
        // sees it. Either way a row adds its values in position order.
        if (hd == 64) {
            for (r = r0; r < rows; r++) PD_ATT(values64)(scores + r * ss, vp, n[r], out + r * ostride);
            continue;
        }
        for (int64_t p = 0; p < len; p++) {
            const KV_T *v = vp[p];
            r = r0;
            while (r < rows && n[r] <= p) r++;
            for (; r < rows; r++) {
                __m256 a = _mm256_set1_ps(scores[r * ss + p]);
                float *o = out + r * ostride;
                for (int64_t i = 0; i < hd; i += 8)
                    _mm256_storeu_ps(o + i, _mm256_fmadd_ps(a, LD8(v + i), _mm256_loadu_ps(o + i)));
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
PD_AVX2 void PD_ATT(pd_avx2_attention_tile)(const float *q, int64_t qstride, int64_t rows, const int64_t *counts,
                                    const KV_T *const *kblocks, const KV_T *const *vblocks, int64_t offset,
                                    int64_t bs, int64_t stride, int64_t hd, float scale, float *scores,
                                    float *out, int64_t ostride) {
    if (rows == 1 && hd == 64) {
        PD_ATT(head64)(q, kblocks, vblocks, offset, bs, stride, counts[0], scale, scores, out);
        return;
    }
    for (int64_t r = 0; r < rows; r += MAX_ROWS) {
        int64_t m = rows - r < MAX_ROWS ? rows - r : MAX_ROWS;
        PD_ATT(tile)(q + r * qstride, qstride, m, counts + r, kblocks, vblocks, offset, bs, stride, hd, scale, scores,
             out + r * ostride, ostride);
    }
}
