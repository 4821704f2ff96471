// The row-group kernel of AVX2 machines. It reads the layout AVX-512's reads (PD_ROW_GROUPS_VNNI,
// see avx512_rows.c: per 8 rows and block, register j holds four consecutive elements of each row
// in its 4-byte lanes), with `vpmaddubsw` in place of `vpdpbusd`, so a token's four activation
// bytes broadcast against one register feed all eight rows and no horizontal sums are needed.
//
// `vpmaddubsw` adds pairs of u8 · s8 products into int16 with saturation, so the unsigned operand
// is kept to a nibble: a pair of nibble · |x| ≤ 15 · 127 products is at most 3,810, and eight
// registers' pairs at most 30,480, exact in int16. Q4_0 and Q4_1 weights are nibbles already;
// Q8_0's stored w + 128 is split into its high and low nibbles, Σ(w + 128)·x = 16·Σhi·x + Σlo·x.
// One `vpmaddwd` per nibble plane then widens to each row's int32 sum, and the offset of the
// stored bytes comes back out through the activation block sum (`pd_block_info.offset`), as on
// AVX-512. The same exact integers and the same `advance8` arithmetic, so the same bits as every
// other kernel.
//
// Against the file layout's kernel (sign fix-up, `vpmaddubsw` and `vpmaddwd` per row and block,
// and a horizontal-sum tree per token) this does a third of the multiply-port work per token on
// Q4 and three quarters on Q8_0, and keeps its operands in registers: a decode step of 8
// sequences of the embedded model went from 462 to ~1,150 tokens/s (`PDSCOPE_ISA=avx2
// bench-model --prefill-lengths 8`, Zen 4).
#include "internal.h"
#include <immintrin.h>

/// Tokens one pass over a row group serves (its registers: 8 weight planes, one accumulator per
/// token, and the temporaries; AVX2 has 16).
#define TOKENS 4
#define INLINE PD_AVX2 static inline __attribute__((always_inline))

INLINE __m256i bcast4(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return _mm256_set1_epi32(v); }

/// Σ_j w[j] · x[4j..4j+3] over four registers as int16 pairs per row (two chains).
INLINE __m256i dot4(const __m256i *w, const uint8_t *q) {
    __m256i a = _mm256_maddubs_epi16(w[0], bcast4(q));
    __m256i b = _mm256_maddubs_epi16(w[1], bcast4(q + 4));
    a = _mm256_add_epi16(a, _mm256_maddubs_epi16(w[2], bcast4(q + 8)));
    b = _mm256_add_epi16(b, _mm256_maddubs_epi16(w[3], bcast4(q + 12)));
    return _mm256_add_epi16(a, b);
}

INLINE __m256 advance(int type, __m256 acc, __m256i isum, __m256 dw, __m256 mw, const pd_block_info *info) {
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(info->d)), acc);
    if (type == PD_TYPE_Q4_1) acc = _mm256_fmadd_ps(mw, _mm256_set1_ps(info->s), acc);
    return acc;
}

/// Q4_0 / Q4_1: registers 0..3 of a block hold elements 4j.. in their low nibbles and 16 + 4j.. in
/// their high ones, i.e. planes 0..3 and 4..7, unpacked once per block for every token.
INLINE void group8_q4(int type, int nt, const uint8_t *g, int64_t blocks, const uint8_t *x, int64_t xrow,
                      const pd_block_info *xinfo, float *y, int64_t ldy) {
    int64_t wb = pd_weight_block_bytes(type), xb = pd_act_block_bytes(type), qoff = xb - 32;
    int64_t head = type == PD_TYPE_Q4_1 ? 32 : 16, run = 8 * wb;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[TOKENS];
    for (int t = 0; t < nt; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, g += run) {
        for (int64_t off = 0; off < run; off += 64) _mm_prefetch((const char *)(g + 8 * run + off), _MM_HINT_T0);
        __m256i w[8];
        pd_unpack_q4_planes(g + head, w);
        __m256 dw, mw;
        pd_group_scales(type, g, &dw, &mw);
        for (int t = 0; t < nt; t++) {
            const uint8_t *q = x + t * xrow + i * xb + qoff;
            const pd_block_info *info = xinfo + t * blocks + i;
            __m256i s = _mm256_add_epi16(dot4(w, q), dot4(w + 4, q + 16));
            __m256i isum = _mm256_add_epi32(_mm256_madd_epi16(s, ones), _mm256_set1_epi32(info->offset));
            acc[t] = advance(type, acc[t], isum, dw, mw, info);
        }
    }
    for (int t = 0; t < nt; t++) _mm256_storeu_ps(y + t * ldy, acc[t]);
}

/// Q8_0: eight registers of w + 128, split into low and high nibble planes half a block at a time
/// (eight planes live at once); each token's two int16 sums run across both halves.
INLINE void group8_q8(int nt, const uint8_t *g, int64_t blocks, const uint8_t *x, int64_t xrow,
                      const pd_block_info *xinfo, float *y, int64_t ldy) {
    const int64_t xb = PD_Q8_BYTES, qoff = xb - 32, head = 16, run = 8 * PD_Q8_BYTES;
    const __m256i low = _mm256_set1_epi8(15), ones = _mm256_set1_epi16(1), sixteen = _mm256_set1_epi16(16);
    __m256 acc[TOKENS];
    for (int t = 0; t < nt; t++) acc[t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++, g += run) {
        for (int64_t off = 0; off < run; off += 64) _mm_prefetch((const char *)(g + 8 * run + off), _MM_HINT_T0);
        __m256i lo16[TOKENS], hi16[TOKENS];
        for (int half = 0; half < 2; half++) {
            __m256i lo[4], hi[4];
            for (int j = 0; j < 4; j++) {
                __m256i r = _mm256_loadu_si256((const __m256i *)(g + head + 32 * (4 * half + j)));
                lo[j] = _mm256_and_si256(r, low);
                hi[j] = _mm256_and_si256(_mm256_srli_epi16(r, 4), low);
            }
            for (int t = 0; t < nt; t++) {
                const uint8_t *q = x + t * xrow + i * xb + qoff + 16 * half;
                __m256i l = dot4(lo, q), h = dot4(hi, q);
                lo16[t] = half ? _mm256_add_epi16(lo16[t], l) : l;
                hi16[t] = half ? _mm256_add_epi16(hi16[t], h) : h;
            }
        }
        __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)g));
        for (int t = 0; t < nt; t++) {
            const pd_block_info *info = xinfo + t * blocks + i;
            __m256i isum = _mm256_add_epi32(_mm256_madd_epi16(hi16[t], sixteen), _mm256_madd_epi16(lo16[t], ones));
            isum = _mm256_add_epi32(isum, _mm256_set1_epi32(info->offset));
            acc[t] = advance(PD_TYPE_Q8_0, acc[t], isum, dw, dw, info);
        }
    }
    for (int t = 0; t < nt; t++) _mm256_storeu_ps(y + t * ldy, acc[t]);
}

#define GROUP_TYPE(name, call) \
    PD_AVX2 static void group8_##name(int nt, const uint8_t *g, int64_t blocks, const uint8_t *x, int64_t xrow, \
                                      const pd_block_info *xinfo, float *y, int64_t ldy) { \
        /* one token (decode of one sequence) gets its own copy with the token loop folded away */ \
        if (nt == 1) call(1); else call(nt); }
#define Q8_CALL(n) group8_q8(n, g, blocks, x, xrow, xinfo, y, ldy)
#define Q40_CALL(n) group8_q4(PD_TYPE_Q4_0, n, g, blocks, x, xrow, xinfo, y, ldy)
#define Q41_CALL(n) group8_q4(PD_TYPE_Q4_1, n, g, blocks, x, xrow, xinfo, y, ldy)
GROUP_TYPE(q80, Q8_CALL)
GROUP_TYPE(q40, Q40_CALL)
GROUP_TYPE(q41, Q41_CALL)
#undef GROUP_TYPE
#undef Q8_CALL
#undef Q40_CALL
#undef Q41_CALL

PD_AVX2 void pd_avx2_qrows8_vnni(int type, const uint8_t *w8, int64_t blocks, const uint8_t *xq, const pd_block_info *xinfo,
                                 int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = blocks * pd_weight_block_bytes(type), xrow = blocks * pd_act_block_bytes(type);
    void (*eight)(int, const uint8_t *, int64_t, const uint8_t *, int64_t, const pd_block_info *, float *, int64_t) =
        type == PD_TYPE_Q8_0 ? group8_q80 : type == PD_TYPE_Q4_1 ? group8_q41 : group8_q40;
    for (int64_t r = rb; r < re; r += 8)
        for (int64_t t = 0; t < tokens; t += TOKENS) {
            int nt = tokens - t < TOKENS ? (int)(tokens - t) : TOKENS;
            eight(nt, w8 + r * wrow, blocks, xq + t * xrow, xrow, xinfo + t * blocks, y + t * ldy + r, ldy);
        }
}
