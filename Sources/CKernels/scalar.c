// Portable kernels: the fallback on CPUs without AVX2, and a second implementation the tests
// compare with. Plain loops; -O3 vectorises what it can for the baseline target. Quantized dots
// reduce in the canonical order of decode_rows_impl.h (fmaf per block), so they give the same
// bits as the SIMD kernels.
#include "internal.h"
#include <math.h>

static void quantize_q8_0(const float *x, int64_t n, void *dst) {
    uint8_t *out = (uint8_t *)dst;
    for (int64_t b = 0; b < n / 32; b++, x += 32, out += PD_Q8_BYTES) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127, id = d != 0 ? 1 / d : 0;
        uint16_t h = pd_fp32_to_fp16(d);
        memcpy(out, &h, 2);
        for (int j = 0; j < 32; j++) out[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);
    }
}

/// Q8_1 as ggml-cpu's x86 `quantize_row_q8_1` (what llama.cpp runs on AVX2/AVX-512 machines):
/// d = amax/127, q = round-half-even(x · (127/amax)), s = fp16(d · Σq).
static void quantize_q8_1(const float *x, int64_t n, void *dst) {
    uint8_t *out = (uint8_t *)dst;
    for (int64_t b = 0; b < n / 32; b++, x += 32, out += PD_Q81_BYTES) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127, id = amax != 0 ? 127 / amax : 0;
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) {
            int8_t q = (int8_t)rintf(x[j] * id);  // default rounding mode: nearest, ties to even
            out[4 + j] = (uint8_t)q;
            sum += q;
        }
        uint16_t hd = pd_fp32_to_fp16(d), hs = pd_fp32_to_fp16(d * (float)sum);
        memcpy(out, &hd, 2);
        memcpy(out + 2, &hs, 2);
    }
}

static float dot_q8_0(const void *a, const void *b, int64_t blocks) {
    const uint8_t *pa = a, *pb = b;
    float sum = 0;
    for (int64_t i = 0; i < blocks; i++, pa += PD_Q8_BYTES, pb += PD_Q8_BYTES) {
        const int8_t *qa = (const int8_t *)(pa + 2), *qb = (const int8_t *)(pb + 2);
        int32_t s = 0;
        for (int j = 0; j < 32; j++) s += qa[j] * qb[j];
        sum = fmaf((float)s, pd_scale(pa) * pd_scale(pb), sum);
    }
    return sum;
}

static float dot_q4_0(const void *a, const void *b, int64_t blocks) {
    const uint8_t *pa = a, *pb = b;
    float sum = 0;
    for (int64_t i = 0; i < blocks; i++, pa += PD_Q4_BYTES, pb += PD_Q8_BYTES) {
        const uint8_t *qa = pa + 2;
        const int8_t *qb = (const int8_t *)(pb + 2);
        int32_t s = 0;
        for (int j = 0; j < 16; j++) s += ((qa[j] & 15) - 8) * qb[j] + ((qa[j] >> 4) - 8) * qb[j + 16];
        sum = fmaf((float)s, pd_scale(pa) * pd_scale(pb), sum);
    }
    return sum;
}

/// Σ over blocks of d4·d8·Σ(q4·q8) + m4·s8 (ggml's `vec_dot_q4_1_q8_1`); a is Q4_1, b is Q8_1.
static float dot_q4_1(const void *a, const void *b, int64_t blocks) {
    const uint8_t *pa = a, *pb = b;
    float sum = 0;
    for (int64_t i = 0; i < blocks; i++, pa += PD_Q41_BYTES, pb += PD_Q81_BYTES) {
        const uint8_t *qa = pa + 4;
        const int8_t *qb = (const int8_t *)(pb + 4);
        int32_t s = 0;
        for (int j = 0; j < 16; j++) s += (qa[j] & 15) * qb[j] + (qa[j] >> 4) * qb[j + 16];
        sum = fmaf((float)s, pd_scale(pa) * pd_scale(pb), sum);
        sum = fmaf(pd_scale(pa + 2), pd_scale(pb + 2), sum);
    }
    return sum;
}

static void qrows(int type, const uint8_t *w, int64_t blocks, const uint8_t *xq, int64_t tokens,
                  float *y, int64_t ldy, int64_t rb, int64_t re) {
    int64_t wrow = blocks * pd_weight_block_bytes(type), xrow = blocks * pd_act_block_bytes(type);
    float (*dot)(const void *, const void *, int64_t) =
        type == PD_TYPE_Q8_0 ? dot_q8_0 : type == PD_TYPE_Q4_1 ? dot_q4_1 : dot_q4_0;
    for (int64_t r = rb; r < re; r++)
        for (int64_t t = 0; t < tokens; t++)
            y[t * ldy + r] = dot(w + r * wrow, xq + t * xrow, blocks);
}

static void fgemm(int type, const void *w, int64_t cols, const float *x, int64_t tokens,
                  float *y, int64_t ldy, int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; r++) {
        for (int64_t t = 0; t < tokens; t++) {
            const float *xt = x + t * cols;
            float s = 0;
            if (type == PD_TYPE_F32) {
                const float *wr = (const float *)w + r * cols;
                for (int64_t c = 0; c < cols; c++) s += wr[c] * xt[c];
            } else {
                const uint16_t *wr = (const uint16_t *)w + r * cols;
                for (int64_t c = 0; c < cols; c++) s += pd_fp16_to_fp32(wr[c]) * xt[c];
            }
            y[t * ldy + r] = s;
        }
    }
}

static void rmsnorm(const float *x, const float *w, int64_t n, float eps, float *out) {
    float ss = 0;
    for (int64_t i = 0; i < n; i++) ss += x[i] * x[i];
    float scale = 1 / sqrtf(ss / (float)n + eps);
    for (int64_t i = 0; i < n; i++) out[i] = x[i] * scale * w[i];
}

static void softmax(float *x, int64_t n) {
    if (n <= 0) return;
    float m = x[0], sum = 0;
    for (int64_t i = 1; i < n; i++) m = fmaxf(m, x[i]);
    for (int64_t i = 0; i < n; i++) { x[i] = expf(x[i] - m); sum += x[i]; }
    for (int64_t i = 0; i < n; i++) x[i] /= sum;
}

static void swiglu(const float *g, const float *u, int64_t n, float *out) {
    for (int64_t i = 0; i < n; i++) out[i] = g[i] / (1 + expf(-g[i])) * u[i];
}

static void vexp(const float *x, int64_t n, float *out) { for (int64_t i = 0; i < n; i++) out[i] = expf(x[i]); }

static float dot_f32(const float *a, const float *b, int64_t n) {
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static void axpy(float alpha, const float *x, float *y, int64_t n) { for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i]; }

static void to_fp16(const float *x, int64_t n, uint16_t *out) { for (int64_t i = 0; i < n; i++) out[i] = pd_fp32_to_fp16(x[i]); }

const pd_kernel_table pd_scalar_table = {
    quantize_q8_0, quantize_q8_1, dot_q8_0, dot_q4_0, dot_q4_1, qrows, NULL, NULL, fgemm,
    rmsnorm, softmax, swiglu, vexp, dot_f32, axpy, to_fp16, 0,
};
