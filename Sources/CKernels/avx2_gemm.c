// AVX2 register-blocked GEMM for prefill: a tile of MR weight rows × 8 tokens, lanes = tokens.
// Each 4-byte piece of a weight block is broadcast once and multiplied with 8 tokens at a time,
// and each activation chunk is reused for MR rows, so a weight byte fetched from memory feeds
// 8·(tokens in the group chunk) products and one scale conversion per block serves 8 tokens.
#include "internal.h"
#include <immintrin.h>

#define MR 4
/// Groups (of 8 tokens) whose activations stay in L2 while every row tile streams past them.
#define GROUP_CHUNK 16

#define INLINE PD_AVX2 static inline __attribute__((always_inline))

INLINE float half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }
INLINE __m256i bcast4(const uint8_t *p) { int32_t v; memcpy(&v, p, 4); return _mm256_set1_epi32(v); }

INLINE void store_tile(const __m256 *acc, int mr, float *y, int64_t ldy, int64_t valid) {
    for (int k = 0; k < mr; k++) {
        float lanes[8];
        _mm256_storeu_ps(lanes, acc[k]);
        for (int64_t t = 0; t < valid; t++) y[t * ldy + k] = lanes[t];
    }
}

/// Q8_0: sign trick per product (|x| unsigned, w·sgn(x) signed); maddubs sums of two products
/// reach 32512, so every chunk needs its own widening madd.
INLINE void tile_q8(int mr, const uint8_t *w, int64_t wrow, int64_t blocks, const pd_group_block *g,
                    float *y, int64_t ldy, int64_t valid) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[MR];
    for (int k = 0; k < mr; k++) acc[k] = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; b++, g++) {
        const uint8_t *wb = w + b * PD_Q8_BYTES;
        __m256i isum[MR];
        for (int k = 0; k < mr; k++) isum[k] = _mm256_setzero_si256();
        for (int j = 0; j < 8; j++) {
            __m256i xj = _mm256_load_si256((const __m256i *)(g->q + 32 * j));
            __m256i axj = _mm256_abs_epi8(xj);
            for (int k = 0; k < mr; k++) {
                __m256i wv = bcast4(wb + k * wrow + 2 + 4 * j);
                __m256i p = _mm256_maddubs_epi16(axj, _mm256_sign_epi8(wv, xj));
                isum[k] = _mm256_add_epi32(isum[k], _mm256_madd_epi16(p, ones));
            }
        }
        __m256 dx = _mm256_load_ps(g->d);
        for (int k = 0; k < mr; k++)
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k]), _mm256_mul_ps(dx, _mm256_set1_ps(half(wb + k * wrow))), acc[k]);
    }
    store_tile(acc, mr, y, ldy, valid);
}

/// Q4_0: raw nibbles (0..15) are already unsigned, so no sign trick; Σ(n−8)·x = Σn·x − 8Σx with
/// 8Σx precomputed per token. A maddubs lane is at most 2·15·127, so all 8 chunks of a block are
/// summed in 16 bits and widened once.
INLINE void tile_q4(int mr, const uint8_t *w, int64_t wrow, int64_t blocks, const pd_group_block *g,
                    float *y, int64_t ldy, int64_t valid) {
    const __m256i ones = _mm256_set1_epi16(1), low = _mm256_set1_epi8(15);
    __m256 acc[MR];
    for (int k = 0; k < mr; k++) acc[k] = _mm256_setzero_ps();
    for (int64_t b = 0; b < blocks; b++, g++) {
        const uint8_t *wb = w + b * PD_Q4_BYTES;
        __m256i s16[MR];
        for (int k = 0; k < mr; k++) s16[k] = _mm256_setzero_si256();
        for (int j = 0; j < 4; j++) {
            __m256i xlo = _mm256_load_si256((const __m256i *)(g->q + 32 * j));
            __m256i xhi = _mm256_load_si256((const __m256i *)(g->q + 32 * (j + 4)));
            for (int k = 0; k < mr; k++) {
                __m256i wv = bcast4(wb + k * wrow + 2 + 4 * j);
                __m256i lo = _mm256_and_si256(wv, low), hi = _mm256_and_si256(_mm256_srli_epi16(wv, 4), low);
                s16[k] = _mm256_add_epi16(s16[k], _mm256_add_epi16(_mm256_maddubs_epi16(lo, xlo), _mm256_maddubs_epi16(hi, xhi)));
            }
        }
        __m256 dx = _mm256_load_ps(g->d);
        __m256i s8 = _mm256_load_si256((const __m256i *)g->s8);
        for (int k = 0; k < mr; k++) {
            __m256i isum = _mm256_sub_epi32(_mm256_madd_epi16(s16[k], ones), s8);
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dx, _mm256_set1_ps(half(wb + k * wrow))), acc[k]);
        }
    }
    store_tile(acc, mr, y, ldy, valid);
}

#define TILE_VARIANTS(name) \
    PD_AVX2 static void name##_1(const uint8_t *w, int64_t wr, int64_t bl, const pd_group_block *g, float *y, int64_t ldy, int64_t v) { name(1, w, wr, bl, g, y, ldy, v); } \
    PD_AVX2 static void name##_2(const uint8_t *w, int64_t wr, int64_t bl, const pd_group_block *g, float *y, int64_t ldy, int64_t v) { name(2, w, wr, bl, g, y, ldy, v); } \
    PD_AVX2 static void name##_3(const uint8_t *w, int64_t wr, int64_t bl, const pd_group_block *g, float *y, int64_t ldy, int64_t v) { name(3, w, wr, bl, g, y, ldy, v); } \
    PD_AVX2 static void name##_4(const uint8_t *w, int64_t wr, int64_t bl, const pd_group_block *g, float *y, int64_t ldy, int64_t v) { name(4, w, wr, bl, g, y, ldy, v); }
TILE_VARIANTS(tile_q8)
TILE_VARIANTS(tile_q4)

typedef void (*tile_fn)(const uint8_t *, int64_t, int64_t, const pd_group_block *, float *, int64_t, int64_t);
static const tile_fn q8_tiles[MR + 1] = {0, tile_q8_1, tile_q8_2, tile_q8_3, tile_q8_4};
static const tile_fn q4_tiles[MR + 1] = {0, tile_q4_1, tile_q4_2, tile_q4_3, tile_q4_4};

PD_AVX2 void pd_avx2_qgemm(int type, const uint8_t *w, int64_t blocks, const pd_group_block *acts,
                           int64_t groups, int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = blocks * (type == PD_TYPE_Q8_0 ? PD_Q8_BYTES : PD_Q4_BYTES);
    const tile_fn *tiles = type == PD_TYPE_Q8_0 ? q8_tiles : q4_tiles;
    for (int64_t g0 = 0; g0 < groups; g0 += GROUP_CHUNK) {
        int64_t g1 = g0 + GROUP_CHUNK < groups ? g0 + GROUP_CHUNK : groups;
        for (int64_t r = rb; r < re; r += MR) {
            int mr = re - r < MR ? (int)(re - r) : MR;
            for (int64_t g = g0; g < g1; g++) {
                int64_t valid = tokens - g * 8 < 8 ? tokens - g * 8 : 8;
                tiles[mr](w + r * wrow, wrow, blocks, acts + g * blocks, y + g * 8 * ldy + r, ldy, valid);
            }
        }
    }
}
