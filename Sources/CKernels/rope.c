// RoPE is the same on every ISA: the angles depend only on the pair index and the position, so
// they are computed once per call (with the reference's float arithmetic) and applied to each head.
// The angles follow ggml's rope cache: θ_0 = position, θ_{p+1} = θ_p · base^(−2/rope_dim) in float,
// so that at long positions they round as llama.cpp's do.
#include "internal.h"
#include <math.h>

void pd_rope(float *v, int64_t head_count, int64_t head_dim, int64_t rope_dim, int64_t position, float freq_base) {
    int64_t limit = rope_dim < head_dim ? rope_dim : head_dim;
    int64_t pairs = limit / 2;
    float cs[256], sn[256];
    const float theta_scale = powf(freq_base, -2.0f / (float)rope_dim);
    float theta = (float)position;
    for (int64_t start = 0; start < pairs; start += 256) {   // chunks keep the tables on the stack
        int64_t end = start + 256 < pairs ? start + 256 : pairs;
        for (int64_t p = start; p < end; p++) {
            cs[p - start] = cosf(theta); sn[p - start] = sinf(theta);
            theta *= theta_scale;
        }
        for (int64_t h = 0; h < head_count; h++) {
            float *head = v + h * head_dim;
            for (int64_t p = start; p < end; p++) {
                float a = head[2 * p], b = head[2 * p + 1], c = cs[p - start], s = sn[p - start];
                head[2 * p] = a * c - b * s;
                head[2 * p + 1] = a * s + b * c;
            }
        }
    }
}
