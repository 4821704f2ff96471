// The Q8_0 prefill GEMM for AVX2+FMA+F16C machines (from `avx2_q8_gemm_from` tokens, see
// `pd_acts_layout_for`): a register-blocked tile of MR weight rows × 8 tokens, lanes = tokens
// (`vpmaddwd` + `vpaddd`). The integer block sums are exact (|w|, |x| ≤ 128). Q4_0, Q4_1 and every
// AVX-512 matmul run on the row-group kernels instead (avx2_groups.c, avx512_rows.c), which are
// faster there at every token count.
//
// Why int16: on Zen 3 vpsignb, vpmaddubsw and vpmaddwd share two pipes, so ggml's int8 sign trick
// costs three of those per 32 products; with both operands widened to int16 a single vpmaddwd
// does 16 products, i.e. two per 32 — a third fewer cycles on the bottleneck. The weights of a
// row tile are widened once into a per-thread buffer and reused by every token group of a chunk;
// the activations are widened once when they are quantized (`pd_matmul_prepare`).
// Reuse: each broadcast weight pair feeds 8 tokens, each activation chunk MR rows, and one scale
// conversion per block serves 8 tokens.
#include "internal.h"
#include <immintrin.h>

#ifndef MR
#define MR 4
#endif
/// Groups (of 8 tokens) whose activations stay in L2 while every row panel streams past them.
#define GROUP_CHUNK 16
/// Rows widened to int16 at a time (a panel: PANEL_ROWS·cols·2 bytes, L2-resident).
#ifndef PANEL_ROWS
#define PANEL_ROWS 32
#endif

#define INLINE PD_AVX2 static inline __attribute__((always_inline))

/// fp16 scale of a block via F16C (the generic `pd_scale` may be a libcall on the baseline target).
INLINE float half(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

/// Widens `mr` rows of Q8_0 blocks into int16 rows of `blocks`·32 elements and float scales.
PD_AVX2 static void widen_rows(const uint8_t *w, int64_t wrow, int64_t blocks, int mr, int16_t *w16, float *scales) {
    for (int k = 0; k < mr; k++) {
        const uint8_t *row = w + k * wrow;
        int16_t *out = w16 + k * blocks * 32;
        for (int64_t b = 0; b < blocks; b++, out += 32) {
            const uint8_t *block = row + b * PD_Q8_BYTES;
            __m256i q = _mm256_loadu_si256((const __m256i *)(block + 2));
            scales[k * blocks + b] = half(block);
            _mm256_store_si256((__m256i *)out, _mm256_cvtepi8_epi16(_mm256_castsi256_si128(q)));
            _mm256_store_si256((__m256i *)(out + 16), _mm256_cvtepi8_epi16(_mm256_extracti128_si256(q, 1)));
        }
    }
}

/// mr rows × ng groups of 8 tokens. With ng = 2 every broadcast weight pair feeds two vpmaddwd,
/// which keeps the loads (x chunks + weight broadcasts) below the multiplies — with one group
/// the kernel is load-bound.
INLINE void tile(int mr, int ng, const int16_t *w16, const float *scales, int64_t blocks, const pd_group_block *g,
                 float *y, int64_t ldy, int64_t valid0, int64_t valid1) {
    __m256 acc[4][2];
    for (int k = 0; k < mr; k++) for (int n = 0; n < ng; n++) acc[k][n] = _mm256_setzero_ps();
    const pd_group_block *g1 = g + blocks;
    for (int64_t b = 0; b < blocks; b++) {
        __m256i isum[4][2];
        for (int k = 0; k < mr; k++) for (int n = 0; n < ng; n++) isum[k][n] = _mm256_setzero_si256();
        for (int j = 0; j < 16; j++) {
            __m256i xj[2];
            xj[0] = _mm256_load_si256((const __m256i *)(g[b].q + 16 * j));
            if (ng > 1) xj[1] = _mm256_load_si256((const __m256i *)(g1[b].q + 16 * j));
            for (int k = 0; k < mr; k++) {
                int32_t pair;
                memcpy(&pair, w16 + (k * blocks + b) * 32 + 2 * j, 4);
                __m256i wv = _mm256_set1_epi32(pair);
                for (int n = 0; n < ng; n++) isum[k][n] = _mm256_add_epi32(isum[k][n], _mm256_madd_epi16(wv, xj[n]));
            }
        }
        __m256 dx[2];
        dx[0] = _mm256_load_ps(g[b].d);
        if (ng > 1) dx[1] = _mm256_load_ps(g1[b].d);
        for (int k = 0; k < mr; k++) {
            __m256 dw = _mm256_set1_ps(scales[k * blocks + b]);
            for (int n = 0; n < ng; n++)
                acc[k][n] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[k][n]), _mm256_mul_ps(dx[n], dw), acc[k][n]);
        }
    }
    for (int n = 0; n < ng; n++) {
        int64_t valid = n == 0 ? valid0 : valid1;
        for (int k = 0; k < mr; k++) {
            float lanes[8];
            _mm256_storeu_ps(lanes, acc[k][n]);
            for (int64_t t = 0; t < valid; t++) y[(8 * n + t) * ldy + k] = lanes[t];
        }
    }
}

#define TILE_VARIANT(m, n) \
    PD_AVX2 static void tile_##m##_##n(const int16_t *w, const float *s, int64_t bl, const pd_group_block *g, float *y, int64_t ldy, int64_t v0, int64_t v1) { tile(m, n, w, s, bl, g, y, ldy, v0, v1); }
TILE_VARIANT(1, 1) TILE_VARIANT(2, 1) TILE_VARIANT(3, 1) TILE_VARIANT(4, 1)
TILE_VARIANT(1, 2) TILE_VARIANT(2, 2) TILE_VARIANT(3, 2) TILE_VARIANT(4, 2)
typedef void (*tile_fn)(const int16_t *, const float *, int64_t, const pd_group_block *, float *, int64_t, int64_t, int64_t);
static const tile_fn tiles[2][5] = {{0, tile_1_1, tile_2_1, tile_3_1, tile_4_1}, {0, tile_1_2, tile_2_2, tile_3_2, tile_4_2}};

PD_AVX2 void pd_avx2_qgemm(int type, const uint8_t *w, int64_t blocks, const pd_group_block *acts,
                           int64_t groups, int64_t tokens, float *y, int64_t ldy, int64_t rb, int64_t re) {
    if (type != PD_TYPE_Q8_0) return;  // `pd_acts_layout_for` makes groups for Q8_0 only
    int64_t wrow = blocks * PD_Q8_BYTES;
    size_t w16_bytes = (size_t)(PANEL_ROWS * blocks * 32) * sizeof(int16_t);
    size_t scale_bytes = (size_t)(PANEL_ROWS * blocks) * sizeof(float);
    uint8_t *buffer = pd_thread_scratch_slot(1, w16_bytes + scale_bytes);
    if (!buffer) return;
    int16_t *w16 = (int16_t *)buffer;
    float *scales = (float *)(buffer + w16_bytes);
    for (int64_t g0 = 0; g0 < groups; g0 += GROUP_CHUNK) {
        int64_t g1 = g0 + GROUP_CHUNK < groups ? g0 + GROUP_CHUNK : groups;
        for (int64_t p0 = rb; p0 < re; p0 += PANEL_ROWS) {
            int64_t p1 = p0 + PANEL_ROWS < re ? p0 + PANEL_ROWS : re;
            widen_rows(w + p0 * wrow, wrow, blocks, (int)(p1 - p0), w16, scales);
            // A pair of groups (≈ blocks·1 KiB) stays in L1 while the panel's widened rows stream
            // from L2 past it.
            for (int64_t g = g0; g < g1; g += 2) {
                int ng = g + 1 < g1 ? 2 : 1;
                int64_t valid0 = tokens - g * 8 < 8 ? tokens - g * 8 : 8;
                int64_t valid1 = ng == 2 ? (tokens - (g + 1) * 8 < 8 ? tokens - (g + 1) * 8 : 8) : 0;
                for (int64_t r = p0; r < p1; r += MR) {
                    int mr = p1 - r < MR ? (int)(p1 - r) : MR;
                    int64_t k0 = r - p0;
                    tiles[ng - 1][mr](w16 + k0 * blocks * 32, scales + k0 * blocks, blocks, acts + g * blocks,
                                      y + g * 8 * ldy + r, ldy, valid0, valid1);
                }
            }
        }
    }
}
