// The row-dot kernels for AVX-512 (F, BW, VL) + VNNI machines: for the file layout, the same
// source as avx2_rows.c with `vpdpbusd` (256-bit, AVX512-VNNI + VL) for the byte dot products;
// for row groups, their own layout and kernel below, which every token count (decode and
// prefill) runs on.
#define PD_TARGET PD_AVX512
#define PD_VNNI 1
#define PD_NAME(x) pd_avx512_##x
#include "decode_rows_impl.h"

// MARK: - Row groups in the VNNI layout (PD_ROW_GROUPS_VNNI)
//
// Per 8 rows and block, register j (32 bytes) holds four consecutive elements of each row in its
// 4-byte lanes, matching activation bytes 4j..4j+3 (Q4: the low nibbles of registers 0..3 are
// elements 4j.., their high nibbles 16+4j.., i.e. registers 4..7). With the token's four bytes
// broadcast, one `vpdpbusd` adds four products to all eight rows' sums: 8 per block and token,
// against 8 sign fix-ups, 8 `vpdpbusd` and a horizontal-sum tree in the file layout. The weight
// bytes are unsigned: Q4 nibbles are, and Q8_0 is stored as w + 128; the offset comes back out
// exactly through the activation block sum, Σ(w + 128)·x − 128·Σx = Σw·x (Q4_0: 8·Σx; both
// precomputed per activation block in `pd_block_info`). The same integer sums and the same
// `advance8` arithmetic, so the same bits as every other kernel.

/// Tokens one pass over a row group serves (its registers: 8 weight, 2 scale, one per token).
#define PD_VNNI_TOKENS 8
#define PD_INLINE PD_AVX512 static inline __attribute__((always_inline))

PD_INLINE __m256i pd_avx512_bcast4(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return _mm256_set1_epi32(v); }

PD_INLINE void pd_avx512_vnni_group8(int type, int nt, const uint8_t *g, int64_t blocks, const uint8_t *x, int64_t xrow,
                                      const pd_block_info *xinfo, float *y, int64_t ldy) {
    int64_t wb = pd_weight_block_bytes(type), xb = pd_act_block_bytes(type), qoff = xb - 32;
    int64_t head = type == PD_TYPE_Q4_1 ? 32 : 16, run = 8 * wb;
    __m256 acc[PD_VNNI_TOKENS];
    for (int t = 0; t < nt; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, g += run) {
        for (int64_t off = 0; off < run; off += 64) _mm_prefetch((const char *)(g + 8 * run + off), _MM_HINT_T0);
        const uint8_t *p = g + head;
        __m256i w[8];
        if (type == PD_TYPE_Q8_0) {
            for (int j = 0; j < 8; j++) w[j] = _mm256_loadu_si256((const __m256i *)(p + 32 * j));
        } else {
            pd_unpack_q4_planes(p, w);
        }
        __m256 dw, mw;
        pd_group_scales(type, g, &dw, &mw);
        for (int t = 0; t < nt; t++) {
            const uint8_t *q = x + t * xrow + i * xb + qoff;
            const pd_block_info *info = xinfo + t * blocks + i;
            // two chains, so one token's eight `vpdpbusd` do not wait on each other end to end
            __m256i a0 = type == PD_TYPE_Q4_1 ? _mm256_setzero_si256() : _mm256_set1_epi32(info->offset);
            __m256i a1 = _mm256_setzero_si256();
            for (int j = 0; j < 8; j += 2) {
                a0 = _mm256_dpbusd_epi32(a0, w[j], pd_avx512_bcast4(q + 4 * j));
                a1 = _mm256_dpbusd_epi32(a1, w[j + 1], pd_avx512_bcast4(q + 4 * j + 4));
            }
            // `advance8`'s arithmetic, with the activation's scale and s already floats
            __m256i isum = _mm256_add_epi32(a0, a1);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(info->d)), acc[t]);
            if (type == PD_TYPE_Q4_1) acc[t] = _mm256_fmadd_ps(mw, _mm256_set1_ps(info->s), acc[t]);
        }
    }
    for (int t = 0; t < nt; t++) _mm256_storeu_ps(y + t * ldy, acc[t]);
}

#define PD_VNNI_TYPE(name, ty) \
    PD_AVX512 static void pd_avx512_vnni_group8_##name(int nt, const uint8_t *g, int64_t blocks, const uint8_t *x, \
                                                       int64_t xrow, const pd_block_info *xinfo, float *y, int64_t ldy) { \
        /* one token (decode of one sequence) gets its own copy with the token loop folded away */ \
        if (nt == 1) pd_avx512_vnni_group8(ty, 1, g, blocks, x, xrow, xinfo, y, ldy); \
        else pd_avx512_vnni_group8(ty, nt, g, blocks, x, xrow, xinfo, y, ldy); }
PD_VNNI_TYPE(q80, PD_TYPE_Q8_0)
PD_VNNI_TYPE(q40, PD_TYPE_Q4_0)
PD_VNNI_TYPE(q41, PD_TYPE_Q4_1)
#undef PD_VNNI_TYPE

PD_AVX512 void pd_avx512_qrows8_vnni(int type, const uint8_t *w8, int64_t blocks, const uint8_t *xq, const pd_block_info *xinfo,
                                     int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = blocks * pd_weight_block_bytes(type), xrow = blocks * pd_act_block_bytes(type);
    void (*eight)(int, const uint8_t *, int64_t, const uint8_t *, int64_t, const pd_block_info *, float *, int64_t) =
        type == PD_TYPE_Q8_0 ? pd_avx512_vnni_group8_q80 : type == PD_TYPE_Q4_1 ? pd_avx512_vnni_group8_q41
                                                         : pd_avx512_vnni_group8_q40;
    for (int64_t r = rb; r < re; r += 8)
        for (int64_t t = 0; t < tokens; t += PD_VNNI_TOKENS) {
            int nt = tokens - t < PD_VNNI_TOKENS ? (int)(tokens - t) : PD_VNNI_TOKENS;
            eight(nt, w8 + r * wrow, blocks, xq + t * xrow, xrow, xinfo + t * blocks, y + t * ldy + r, ldy);
        }
}
#undef PD_VNNI_TOKENS
#undef PD_INLINE
