// AVX2 float kernels: F32/F16 matmul tiles, rmsnorm, softmax, swiglu (vectorised exp), dot, axpy.
// Also gathers the AVX2 family into `pd_avx2_table`.
#include "avx2_exp.h"
#include <immintrin.h>
#include <math.h>

#define INLINE PD_AVX2 static inline __attribute__((always_inline))

INLINE float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

INLINE __m256 load_row8(int type, const void *row, int64_t c) {
    if (type == PD_TYPE_F32) return _mm256_loadu_ps((const float *)row + c);
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + c)));
}

INLINE float load_row1(int type, const void *row, int64_t c) {
    if (type == PD_TYPE_F32) return ((const float *)row)[c];
    return _cvtsh_ss(((const uint16_t *)row)[c]);
}

/// mr rows × nt tokens of plain float dot products (8 partial sums per pair, tail scalar).
INLINE void ftile(int type, int mr, int nt, const void *w, int64_t wrow, int64_t cols, const float *x,
                  float *y, int64_t ldy) {
    __m256 acc[4][2];
    for (int k = 0; k < mr; k++) for (int t = 0; t < nt; t++) acc[k][t] = _mm256_setzero_ps();
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8) {
        __m256 xv[2];
        for (int t = 0; t < nt; t++) xv[t] = _mm256_loadu_ps(x + t * cols + c);
        for (int k = 0; k < mr; k++) {
            __m256 wv = load_row8(type, (const char *)w + k * wrow, c);
            for (int t = 0; t < nt; t++) acc[k][t] = _mm256_fmadd_ps(wv, xv[t], acc[k][t]);
        }
    }
    for (int k = 0; k < mr; k++) {
        for (int t = 0; t < nt; t++) {
            float s = hsum(acc[k][t]);
            for (int64_t i = c; i < cols; i++) s += load_row1(type, (const char *)w + k * wrow, i) * x[t * cols + i];
            y[t * ldy + k] = s;
        }
    }
}

#define FT(ty, m, n) PD_AVX2 static void ft_##ty##_##m##_##n(const void *w, int64_t wr, int64_t c, const float *x, float *y, int64_t l) { ftile(ty, m, n, w, wr, c, x, y, l); }
#define FT_ROW(ty) FT(ty, 1, 1) FT(ty, 1, 2) FT(ty, 2, 1) FT(ty, 2, 2) FT(ty, 3, 1) FT(ty, 3, 2) FT(ty, 4, 1) FT(ty, 4, 2)
FT_ROW(PD_TYPE_F32)
FT_ROW(PD_TYPE_F16)
typedef void (*ft_fn)(const void *, int64_t, int64_t, const float *, float *, int64_t);
static const ft_fn f32_tiles[4][2] = {{ft_0_1_1, ft_0_1_2}, {ft_0_2_1, ft_0_2_2}, {ft_0_3_1, ft_0_3_2}, {ft_0_4_1, ft_0_4_2}};
static const ft_fn f16_tiles[4][2] = {{ft_1_1_1, ft_1_1_2}, {ft_1_2_1, ft_1_2_2}, {ft_1_3_1, ft_1_3_2}, {ft_1_4_1, ft_1_4_2}};

PD_AVX2 static void fgemm(int type, const void *w, int64_t cols, const float *x, int64_t tokens,
                          float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = cols * (type == PD_TYPE_F32 ? 4 : 2);
    const ft_fn (*tiles)[2] = type == PD_TYPE_F32 ? f32_tiles : f16_tiles;
    for (int64_t r = rb; r < re; r += 4) {
        int mr = re - r < 4 ? (int)(re - r) : 4;
        for (int64_t t = 0; t < tokens; t += 2) {
            int nt = tokens - t < 2 ? 1 : 2;
            tiles[mr - 1][nt - 1]((const char *)w + r * wrow, wrow, cols, x + t * cols, y + t * ldy + r, ldy);
        }
    }
}

PD_AVX2 static void vexp(const float *x, int64_t n, float *out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, pd_exp8(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) out[i] = pd_exp1(x[i]);
}

PD_AVX2 static void rmsnorm(const float *x, const float *w, int64_t n, float eps, float *out) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        a0 = _mm256_fmadd_ps(v0, v0, a0); a1 = _mm256_fmadd_ps(v1, v1, a1);
    }
    float ss = hsum(_mm256_add_ps(a0, a1));
    for (; i < n; i++) ss += x[i] * x[i];
    float scale = 1 / sqrtf(ss / (float)n + eps);
    __m256 vs = _mm256_set1_ps(scale);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vs), _mm256_loadu_ps(w + i)));
    for (; i < n; i++) out[i] = x[i] * scale * w[i];
}

PD_AVX2 static void softmax(float *x, int64_t n) {
    if (n <= 0) return;
    __m256 vm = _mm256_set1_ps(x[0]);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
    float lanes[8], m = x[0];
    _mm256_storeu_ps(lanes, vm);
    for (int k = 0; k < 8; k++) m = fmaxf(m, lanes[k]);
    for (; i < n; i++) m = fmaxf(m, x[i]);
    vm = _mm256_set1_ps(m);
    __m256 vsum = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = pd_exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm));
        _mm256_storeu_ps(x + i, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    float sum = hsum(vsum);
    for (; i < n; i++) { x[i] = pd_exp1(x[i] - m); sum += x[i]; }
    __m256 inv = _mm256_set1_ps(1 / sum);
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++) x[i] /= sum;
}

PD_AVX2 static void swiglu(const float *g, const float *u, int64_t n, float *out) {
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gv = _mm256_loadu_ps(g + i);
        __m256 silu = _mm256_div_ps(gv, _mm256_add_ps(one, pd_exp8(_mm256_xor_ps(gv, sign))));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) out[i] = g[i] / (1 + pd_exp1(-g[i])) * u[i];
}

PD_AVX2 static float dot_f32(const float *a, const float *b, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), a0);
    float s = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

PD_AVX2 static void axpy(float alpha, const float *x, float *y, int64_t n) {
    __m256 va = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * x[i];
}

/// F16C's `vcvtps2ph` with round to nearest even: the same bits as the scalar `_Float16` cast.
PD_AVX2 static void to_fp16(const float *x, int64_t n, uint16_t *out) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) out[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

const pd_kernel_table pd_avx2_table = {
    pd_avx2_quantize_q8_0, pd_avx2_quantize_q8_1, pd_avx2_dot_q8_0, pd_avx2_dot_q4_0, pd_avx2_dot_q4_1,
    pd_avx2_qrows, pd_avx2_qrows8_vnni, pd_avx2_qgemm, fgemm,
    rmsnorm, softmax, swiglu, vexp, dot_f32, axpy, to_fp16, PD_ROW_GROUPS_VNNI,
};
