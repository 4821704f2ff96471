// A single-thread DRAM read-bandwidth probe for benchmark reports (what decode at batch 1 is
// bound by): sums a buffer much larger than the caches, best of a few passes.
#include "internal.h"
#include <stdlib.h>
#include <time.h>

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double pd_read_bandwidth_gb_s(size_t bytes, int passes) {
    size_t n = bytes / sizeof(uint64_t);
    uint64_t *buf = NULL;
    if (n == 0 || posix_memalign((void **)&buf, 64, n * sizeof(uint64_t)) != 0) return 0;
    for (size_t i = 0; i < n; i++) buf[i] = i;
    double best = 0;
    volatile uint64_t sink = 0;
    for (int p = 0; p < passes; p++) {
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        double t0 = now_seconds();
        for (size_t i = 0; i + 4 <= n; i += 4) { s0 += buf[i]; s1 += buf[i + 1]; s2 += buf[i + 2]; s3 += buf[i + 3]; }
        double dt = now_seconds() - t0;
        sink += s0 + s1 + s2 + s3;
        double gbs = (double)(n * sizeof(uint64_t)) / dt / 1e9;
        if (gbs > best) best = gbs;
    }
    (void)sink;
    free(buf);
    return best;
}
