// Quantized row-dot kernels (decode: one token against many rows, lanes = elements), written
// once and compiled per target: a file defines PD_TARGET (function attribute), PD_VNNI (1: use
// `vpdpbusd`, AVX512-VNNI on 256-bit registers) and PD_NAME(x) (its prefix), then includes this.
// Integer block sums are exact on both paths (no saturation: |w| ≤ 128, |x| ≤ 127), so every
// target gives the same bits for the same row.
//
// Q8_0 and Q4_0 weights are signed: ggml's sign trick moves w's sign onto x so the unsigned ×
// signed byte product applies to |w|. Q4_1 nibbles are unsigned and go in as they are, against
// Q8_1 activations; its block is d4·d8·Σ(q4·q8) + m4·s8 as ggml's `vec_dot_q4_1_q8_1`.
//
// Batch invariance: every quantized kernel (these, the GEMM, the scalar ones) reduces an output
// element in one fixed order: acc = 0; per block b in order, acc = fma(Σ_b, dw_b·dx_b, acc), and
// for Q4_1 then acc = fma(m_b, s_b, acc). So a row's value does not depend on how many rows or
// tokens share the call, which kernel computed it, or which thread.
#include "internal.h"
#include <immintrin.h>

#define PD_INLINE PD_TARGET static inline __attribute__((always_inline))

PD_INLINE float PD_NAME(half)(const uint8_t *p) { uint16_t h; memcpy(&h, p, 2); return _cvtsh_ss(h); }

/// A block's weights as the two byte operands of the dot product: `u` (unsigned) and `w` (the
/// signed weights whose signs move onto x; unused for Q4_1, whose nibbles are unsigned). From the
/// block's quant payload `p` (32 int8 for Q8_0, 16 bytes of nibbles for Q4_0/Q4_1).
typedef struct { __m256i u, w; } PD_NAME(operand);

PD_INLINE PD_NAME(operand) PD_NAME(unpack)(int type, const uint8_t *p) {
    PD_NAME(operand) o;
    if (type == PD_TYPE_Q4_1 || type == PD_TYPE_Q4_0) {
        __m128i q = _mm_loadu_si128((const __m128i *)p);
        __m256i n = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(q, 4), q), _mm256_set1_epi8(15));
        if (type == PD_TYPE_Q4_1) {
            o.u = n; o.w = n;
        } else {
            o.w = _mm256_sub_epi8(n, _mm256_set1_epi8(8));
            o.u = _mm256_sign_epi8(o.w, o.w);
        }
    } else {
        o.w = _mm256_loadu_si256((const __m256i *)p);
        o.u = _mm256_sign_epi8(o.w, o.w);
    }
    return o;
}

/// The exact integer sum of one block as 8 int32 lanes (lane i: elements 4i..4i+3).
PD_INLINE __m256i PD_NAME(operand_isum)(int type, PD_NAME(operand) o, __m256i x) {
    __m256i s = type == PD_TYPE_Q4_1 ? x : _mm256_sign_epi8(x, o.w);
#if PD_VNNI
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), o.u, s);
#else
    return _mm256_madd_epi16(_mm256_maddubs_epi16(o.u, s), _mm256_set1_epi16(1));
#endif
}

PD_INLINE __m256i PD_NAME(payload_isum)(int type, const uint8_t *p, __m256i x) {
    return PD_NAME(operand_isum)(type, PD_NAME(unpack)(type, p), x);
}

/// `payload_isum` of a block in the file layout (the payload follows the fp16 scale, and the
/// fp16 minimum for Q4_1).
PD_INLINE __m256i PD_NAME(block_isum)(int type, const uint8_t *w, __m256i x) {
    return PD_NAME(payload_isum)(type, w + (type == PD_TYPE_Q4_1 ? 4 : 2), x);
}

PD_INLINE int32_t PD_NAME(hsum_i32)(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/// One row against one activation row, in the canonical order with scalar FMAs.
PD_INLINE float PD_NAME(row1)(int type, const uint8_t *w, int64_t blocks, const uint8_t *x) {
    int64_t wb = pd_weight_block_bytes(type), xb = pd_act_block_bytes(type), qoff = xb - 32;
    float acc = 0;
    for (int64_t i = 0; i < blocks; i++, w += wb, x += xb) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + qoff));
        float isum = (float)PD_NAME(hsum_i32)(PD_NAME(block_isum)(type, w, xv));
        acc = __builtin_fmaf(isum, PD_NAME(half)(w) * PD_NAME(half)(x), acc);
        if (type == PD_TYPE_Q4_1) acc = __builtin_fmaf(PD_NAME(half)(w + 2), PD_NAME(half)(x + 2), acc);
    }
    return acc;
}

/// Eight rows' block sums (v[k]: row k's 8 lanes) as one register, lane k = row k (exact).
PD_INLINE __m256i PD_NAME(sum8)(const __m256i *v) {
    __m256i b0 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    __m256i b1 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(b0, b1, 0x20), _mm256_permute2x128_si256(b0, b1, 0x31));
}

/// One block's step of eight canonical sums: acc = fma(Σ, d_w·d_x, acc), then for Q4_1
/// acc = fma(m_w, s_x, acc). Both decode kernels end every block here, so they give the same bits.
PD_INLINE __m256 PD_NAME(advance8)(int type, __m256 acc, __m256i isum, __m256 dw, __m256 mw, const uint8_t *x) {
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, _mm256_set1_ps(PD_NAME(half)(x))), acc);
    if (type == PD_TYPE_Q4_1) acc = _mm256_fmadd_ps(mw, _mm256_set1_ps(PD_NAME(half)(x + 2)), acc);
    return acc;
}

/// Eight rows against one activation row with lanes = rows: the eight blocks' integer sums are
/// reduced into one register (integer adds, exact), the rows' fp16 scales (and Q4_1 minimums)
/// are gathered, and one vector FMA per block advances all eight canonical sums. Each activation
/// block is loaded once for the eight rows; the next eight rows are prefetched.
PD_INLINE void PD_NAME(rows8)(int type, const uint8_t *w, int64_t wrow, int64_t blocks, const uint8_t *x, float *y) {
    int64_t wb = pd_weight_block_bytes(type), xb = pd_act_block_bytes(type), qoff = xb - 32;
    const __m256i offsets = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32((int)wrow));
    const __m256i low16 = _mm256_set1_epi32(0xFFFF);
    __m256 acc = _mm256_setzero_ps();
    const uint8_t *ahead = w + 8 * wrow;
    for (int64_t i = 0; i < blocks; i++, w += wb, x += xb, ahead += wb) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)(x + qoff));
        __m256i v[8];
        for (int k = 0; k < 8; k++) {
            _mm_prefetch((const char *)(ahead + k * wrow), _MM_HINT_T0);
            v[k] = PD_NAME(block_isum)(type, w + k * wrow, xv);
        }
        __m256i isum = PD_NAME(sum8)(v);
        // Bytes 0..3 of each row's block: the fp16 scale, then (Q4_1) the fp16 minimum.
        __m256i head = _mm256_i32gather_epi32((const int *)w, offsets, 1);
        __m256i dbits = _mm256_and_si256(head, low16);
        __m256 dw = _mm256_cvtph_ps(_mm_packus_epi32(_mm256_castsi256_si128(dbits), _mm256_extracti128_si256(dbits, 1)));
        __m256 mw = _mm256_setzero_ps();
        if (type == PD_TYPE_Q4_1) {
            __m256i mbits = _mm256_srli_epi32(head, 16);
            mw = _mm256_cvtph_ps(_mm_packus_epi32(_mm256_castsi256_si128(mbits), _mm256_extracti128_si256(mbits, 1)));
        }
        acc = PD_NAME(advance8)(type, acc, isum, dw, mw, x);
    }
    _mm256_storeu_ps(y, acc);
}

#define PD_ROWS_TYPE(name, ty) \
    PD_TARGET static void PD_NAME(rows8_##name)(const uint8_t *w, int64_t wrow, int64_t blocks, const uint8_t *x, float *y) { \
        PD_NAME(rows8)(ty, w, wrow, blocks, x, y); } \
    PD_TARGET static float PD_NAME(row1_##name)(const uint8_t *w, int64_t blocks, const uint8_t *x) { \
        return PD_NAME(row1)(ty, w, blocks, x); }
PD_ROWS_TYPE(q80, PD_TYPE_Q8_0)
PD_ROWS_TYPE(q40, PD_TYPE_Q4_0)
PD_ROWS_TYPE(q41, PD_TYPE_Q4_1)

PD_TARGET float PD_NAME(dot_q8_0)(const void *a, const void *b, int64_t blocks) { return PD_NAME(row1_q80)(a, blocks, b); }
PD_TARGET float PD_NAME(dot_q4_0)(const void *a, const void *b, int64_t blocks) { return PD_NAME(row1_q40)(a, blocks, b); }
PD_TARGET float PD_NAME(dot_q4_1)(const void *a, const void *b, int64_t blocks) { return PD_NAME(row1_q41)(a, blocks, b); }

PD_TARGET void PD_NAME(qrows)(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                              float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = blocks * pd_weight_block_bytes(type), xrow = blocks * pd_act_block_bytes(type);
    void (*eight)(const uint8_t *, int64_t, int64_t, const uint8_t *, float *) =
        type == PD_TYPE_Q8_0 ? PD_NAME(rows8_q80) : type == PD_TYPE_Q4_1 ? PD_NAME(rows8_q41) : PD_NAME(rows8_q40);
    float (*one)(const uint8_t *, int64_t, const uint8_t *) =
        type == PD_TYPE_Q8_0 ? PD_NAME(row1_q80) : type == PD_TYPE_Q4_1 ? PD_NAME(row1_q41) : PD_NAME(row1_q40);
    int64_t r = rb;
    for (; r + 8 <= re; r += 8)
        for (int64_t t = 0; t < tokens; t++) eight(w + r * wrow, wrow, blocks, xq + t * xrow, y + t * ldy + r);
    for (; r < re; r++)
        for (int64_t t = 0; t < tokens; t++) y[t * ldy + r] = one(w + r * wrow, blocks, xq + t * xrow);
}

#undef PD_ROWS_TYPE
#undef PD_INLINE
