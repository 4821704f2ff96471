// Picks the kernel family once, and implements the ISA-independent plumbing of a matmul:
// the activation layout, its preparation, and the split between GEMM and row-dot kernels.
#include "internal.h"
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>

static _Atomic(const pd_kernel_table *) current_table;
static _Atomic int current_isa;

int pd_kernels_best_isa(void) {
#if defined(__x86_64__) || defined(__i386__)
    // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")))
        return PD_ISA_SCALAR;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
        return PD_ISA_AVX512;
    return PD_ISA_AVX2;
#else
    return PD_ISA_SCALAR;
#endif
}

/// AVX2's table with the AVX-512 row-dot kernels and no GEMM (everything else is the AVX2 code).
static pd_kernel_table avx512_table;
static pthread_once_t avx512_once = PTHREAD_ONCE_INIT;
static void make_avx512_table(void) {
    avx512_table = pd_avx2_table;
    avx512_table.dot_q8_0 = pd_avx512_dot_q8_0;
    avx512_table.dot_q4_0 = pd_avx512_dot_q4_0;
    avx512_table.dot_q4_1 = pd_avx512_dot_q4_1;
    avx512_table.qrows = pd_avx512_qrows;
    avx512_table.qrows8 = pd_avx512_qrows8_vnni;
    avx512_table.row_groups = PD_ROW_GROUPS_VNNI;
    avx512_table.qgemm = NULL;  // `pd_acts_layout_for` makes no groups: every token is a row token
}

int pd_kernels_set_isa(int isa) {
    int best = pd_kernels_best_isa();
    if (isa > best) isa = best;
    if (isa < PD_ISA_SCALAR) isa = PD_ISA_SCALAR;
    pthread_once(&avx512_once, make_avx512_table);
    const pd_kernel_table *t = isa == PD_ISA_AVX512 ? &avx512_table : isa == PD_ISA_AVX2 ? &pd_avx2_table : &pd_scalar_table;
    atomic_store(&current_isa, isa);
    atomic_store(&current_table, t);
    return isa;
}

int pd_kernels_requested_isa(void) {
    const char *env = getenv("PDSCOPE_ISA");
    if (!env || !*env) return -1;
    if (strcmp(env, "scalar") == 0) return PD_ISA_SCALAR;
    if (strcmp(env, "avx2") == 0) return PD_ISA_AVX2;
    if (strcmp(env, "avx512") == 0) return PD_ISA_AVX512;
    return -2;
}

const pd_kernel_table *pd_table(void) {
    const pd_kernel_table *t = atomic_load_explicit(&current_table, memory_order_acquire);
    if (t) return t;
    // First use: PDSCOPE_ISA if set (capped at what the CPU has), else the best level.
    int requested = pd_kernels_requested_isa();
    pd_kernels_set_isa(requested >= 0 ? requested : pd_kernels_best_isa());  // idempotent: a race is harmless
    return atomic_load(&current_table);
}

int pd_kernels_isa(void) { pd_table(); return atomic_load(&current_isa); }

// clang lowers _Float16 conversions to F16C when available and to compiler-rt otherwise;
// both round to nearest even, as ggml's FP32_TO_FP16.
float pd_fp16_to_fp32(uint16_t h) { return pd_half_to_float(h); }
uint16_t pd_fp32_to_fp16(float f) { _Float16 v = (_Float16)f; uint16_t h; memcpy(&h, &v, 2); return h; }
void pd_fp32_to_fp16_row(const float *x, int64_t n, uint16_t *out) { pd_table()->to_fp16(x, n, out); }

void pd_quantize_row_q8_0(const float *x, int64_t n, void *dst) { pd_table()->quantize_q8_0(x, n, dst); }
float pd_dot_q8_0_q8_0(const void *a, const void *b, int64_t blocks) { return pd_table()->dot_q8_0(a, b, blocks); }
float pd_dot_q4_0_q8_0(const void *a, const void *b, int64_t blocks) { return pd_table()->dot_q4_0(a, b, blocks); }
void pd_quantize_row_q8_1(const float *x, int64_t n, void *dst) { pd_table()->quantize_q8_1(x, n, dst); }
float pd_dot_q4_1_q8_1(const void *a, const void *b, int64_t blocks) { return pd_table()->dot_q4_1(a, b, blocks); }
void pd_rmsnorm(const float *x, const float *w, int64_t n, float eps, float *out) { pd_table()->rmsnorm(x, w, n, eps, out); }
void pd_softmax(float *x, int64_t n) { pd_table()->softmax(x, n); }
void pd_swiglu(const float *g, const float *u, int64_t n, float *out) { pd_table()->swiglu(g, u, n, out); }
void pd_exp(const float *x, int64_t n, float *out) { pd_table()->vexp(x, n, out); }
float pd_dot_f32(const float *a, const float *b, int64_t n) { return pd_table()->dot_f32(a, b, n); }
void pd_axpy(float alpha, const float *x, float *y, int64_t n) { pd_table()->axpy(alpha, x, y, n); }

#define SCRATCH_SLOTS 2
static _Thread_local void *scratch_ptr[SCRATCH_SLOTS];
static _Thread_local size_t scratch_cap[SCRATCH_SLOTS];
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

/// Runs at thread exit (registered through a pthread key), so worker threads of released pools
/// do not leak their buffers.
static void free_scratch(void *unused) {
    (void)unused;
    for (int i = 0; i < SCRATCH_SLOTS; i++) { free(scratch_ptr[i]); scratch_ptr[i] = NULL; scratch_cap[i] = 0; }
}
static void make_scratch_key(void) { pthread_key_create(&scratch_key, free_scratch); }

void *pd_thread_scratch_slot(int slot, size_t bytes) {
    if (slot < 0 || slot >= SCRATCH_SLOTS) return NULL;
    if (bytes <= scratch_cap[slot] && scratch_ptr[slot]) return scratch_ptr[slot];
    pthread_once(&scratch_once, make_scratch_key);
    pthread_setspecific(scratch_key, (void *)1);  // any non-NULL value arms the destructor
    size_t cap = bytes < 4096 ? 4096 : (bytes + 4095) & ~(size_t)4095;
    void *p = NULL;
    if (posix_memalign(&p, 64, cap) != 0) return NULL;
    free(scratch_ptr[slot]);
    scratch_ptr[slot] = p; scratch_cap[slot] = cap;
    return p;
}

void *pd_thread_scratch(size_t bytes) { return pd_thread_scratch_slot(0, bytes); }

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

/// Token count from which AVX2 runs Q8_0 on its GEMM (see `pd_acts_layout_for`).
static const int64_t avx2_q8_gemm_from = 32;

pd_acts_layout pd_acts_layout_for(int isa, int type, int64_t tokens, int64_t cols) {
    pd_acts_layout l = {0, 0, tokens, 0, 0, 0};
    int64_t blocks = cols / 32;
    // AVX-512: no groups. Its VNNI row-group kernel beats the GEMM at every token count, decode
    // and prefill alike (`bench-kernels --tokens 1..128`, Zen 4: ~95 against ~70 GMAC/s at 128
    // tokens, ~95 against ~37 at 8), so every token is a row token.
    // AVX2 reads the same row groups with `vpmaddubsw` (avx2_groups.c): on Q4_0 and Q4_1 that beats
    // its int16 GEMM at every token count too (`PDSCOPE_ISA=avx2 bench-kernels`, Zen 4: ~60 against
    // ~45 GMAC/s at 8-512 tokens), so the same. On Q8_0 the nibble split costs it twice the
    // multiplies of Q4 and the GEMM is ahead from a few dozen tokens: whole groups of 8 from
    // `avx2_q8_gemm_from` tokens on, the remainder as row tokens.
    // Either way the same bits: every kernel reduces an output element in one order.
    if (isa == PD_ISA_AVX2 && type == PD_TYPE_Q8_0 && tokens >= avx2_q8_gemm_from) {
        l.groups = tokens / 8;
        l.group_tokens = l.groups * 8;
        l.row_tokens = tokens - l.group_tokens;
    }
    l.row_offset = round64((size_t)(l.groups * blocks) * sizeof(pd_group_block));
    l.total = l.row_offset + round64((size_t)(l.row_tokens * blocks * pd_act_block_bytes(type)));
    if (isa >= PD_ISA_AVX2 && l.row_tokens > 0) {  // for the VNNI row groups
        l.info_offset = l.total;
        l.total += round64((size_t)(l.row_tokens * blocks) * sizeof(pd_block_info));
    }
    return l;
}

static int is_quantized(int type) { return type == PD_TYPE_Q8_0 || type == PD_TYPE_Q4_0 || type == PD_TYPE_Q4_1; }

size_t pd_matmul_scratch_bytes(int type, int64_t tokens, int64_t cols) {
    if (!is_quantized(type)) return 0;
    return pd_acts_layout_for(pd_kernels_isa(), type, tokens, cols).total;
}

/// Quantizes 8 tokens to Q8_0 into interleaved blocks (the AVX2 GEMM's groups, Q8_0 weights only);
/// `row` is room for one token's Q8_0 row.
static void pack_group(const pd_kernel_table *k, const float *x, int64_t cols, pd_group_block *out, uint8_t *row) {
    int64_t blocks = cols / 32;
    for (int64_t t = 0; t < 8; t++) {
        k->quantize_q8_0(x + t * cols, cols, row);
        for (int64_t b = 0; b < blocks; b++) {
            pd_group_block *g = out + b;
            const uint8_t *block = row + b * PD_Q8_BYTES;
            const int8_t *q = (const int8_t *)(block + 2);
            for (int j = 0; j < 16; j++) {
                // one 32-bit store per (element pair, token): the lane layout the kernel loads
                uint32_t pair = (uint16_t)(int16_t)q[2 * j] | (uint32_t)(uint16_t)(int16_t)q[2 * j + 1] << 16;
                memcpy(g->q + 16 * j + 2 * t, &pair, 4);
            }
            g->d[t] = pd_scale(block);
        }
    }
}

void pd_matmul_prepare(int type, const float *x, int64_t tokens, int64_t cols, void *scratch) {
    pd_matmul_prepare_range(type, x, tokens, cols, scratch, 0, tokens);
}

void pd_matmul_prepare_range(int type, const float *x, int64_t tokens, int64_t cols, void *scratch, int64_t t0, int64_t t1) {
    if (!is_quantized(type)) return;
    if (t0 < 0) t0 = 0;
    if (t1 > tokens) t1 = tokens;
    if (t0 >= t1) return;
    const pd_kernel_table *k = pd_table();
    pd_acts_layout l = pd_acts_layout_for(pd_kernels_isa(), type, tokens, cols);
    int64_t blocks = cols / 32, ab = pd_act_block_bytes(type);
    // Groups whose first token is in the range (ranges start on multiples of 8, so a group is
    // never split), then the row tokens in it.
    pd_group_block *groups = (pd_group_block *)scratch;
    int64_t g0 = (t0 + 7) / 8, g1 = (t1 + 7) / 8;
    if (g1 > l.groups) g1 = l.groups;
    uint8_t *row = g0 < g1 ? pd_thread_scratch_slot(1, (size_t)(blocks * ab)) : NULL;
    for (int64_t g = g0; g < g1 && row; g++) {
        pack_group(k, x + g * 8 * cols, cols, groups + g * blocks, row);
    }
    int64_t r0 = (t0 > l.group_tokens ? t0 : l.group_tokens) - l.group_tokens, r1 = t1 - l.group_tokens;
    if (r0 >= r1) return;
    uint8_t *rows = (uint8_t *)scratch + l.row_offset;
    void (*quantize)(const float *, int64_t, void *) = type == PD_TYPE_Q4_1 ? k->quantize_q8_1 : k->quantize_q8_0;
    for (int64_t t = r0; t < r1; t++)
        quantize(x + (l.group_tokens + t) * cols, cols, rows + t * blocks * ab);
    if (l.info_offset) {
        pd_block_info *info = (pd_block_info *)((uint8_t *)scratch + l.info_offset);
        int32_t offset = type == PD_TYPE_Q8_0 ? -128 : type == PD_TYPE_Q4_0 ? -8 : 0;
        for (int64_t i = r0 * blocks; i < r1 * blocks; i++) {
            const uint8_t *block = rows + i * ab;
            const int8_t *q = (const int8_t *)(block + ab - 32);
            int32_t sum = 0;
            for (int e = 0; e < 32; e++) sum += q[e];
            info[i] = (pd_block_info){pd_scale(block), type == PD_TYPE_Q4_1 ? pd_scale(block + 2) : 0, offset * sum, 0};
        }
    }
}

/// The VNNI layout of one group's block (see PD_ROW_GROUPS_VNNI): payload bytes of row k's block
/// `src[k]` as registers of 8 rows × 4 bytes.
static void repack_vnni_block(int type, const uint8_t *const *src, int64_t head, uint8_t *dst) {
    if (type == PD_TYPE_Q8_0) {
        for (int j = 0; j < 8; j++)
            for (int k = 0; k < 8; k++)
                for (int e = 0; e < 4; e++) dst[32 * j + 4 * k + e] = (uint8_t)(src[k][head + 4 * j + e] ^ 0x80);  // w + 128
        return;
    }
    for (int j = 0; j < 4; j++)
        for (int k = 0; k < 8; k++) memcpy(dst + 32 * j + 4 * k, src[k] + head + 4 * j, 4);
}

int pd_repack_row_groups(int type, const void *w, int64_t rows, int64_t blocks, void *out) {
    int layout = pd_table()->row_groups;
    if (!layout) return 0;
    int64_t wb = pd_weight_block_bytes(type), head = type == PD_TYPE_Q4_1 ? 4 : 2;
    const uint8_t *src = (const uint8_t *)w;
    uint8_t *dst = (uint8_t *)out;
    for (int64_t g = 0; g < rows / 8; g++)
        for (int64_t b = 0; b < blocks; b++, dst += 8 * wb) {
            const uint8_t *block[8];
            for (int64_t k = 0; k < 8; k++) {
                block[k] = src + ((8 * g + k) * blocks + b) * wb;
                memcpy(dst + 2 * k, block[k], 2);                                  // d
                if (head == 4) memcpy(dst + 16 + 2 * k, block[k] + 2, 2);          // Q4_1: m
            }
            repack_vnni_block(type, block, head, dst + 8 * head);
        }
    return layout;
}

void pd_matmul_rows(int type, const void *w, const void *w8, int w8_layout, int64_t rows, int64_t cols, const float *x, const void *scratch,
                    int64_t tokens, float *y, int64_t row_begin, int64_t row_end) {
    if (row_end > rows) row_end = rows;
    if (row_begin >= row_end || tokens <= 0) return;
    const pd_kernel_table *k = pd_table();
    if (!is_quantized(type)) {
        k->fgemm(type, w, cols, x, tokens, y, rows, row_begin, row_end);
        return;
    }
    pd_acts_layout l = pd_acts_layout_for(pd_kernels_isa(), type, tokens, cols);
    int64_t blocks = cols / 32;
    if (l.groups > 0 && k->qgemm)
        k->qgemm(type, (const uint8_t *)w, blocks, (const pd_group_block *)scratch, l.groups, l.group_tokens,
                 y, rows, row_begin, row_end);
    if (l.row_tokens > 0) {
        const uint8_t *xq = (const uint8_t *)scratch + l.row_offset;
        float *yr = y + l.group_tokens * rows;
        // Row groups for the whole groups of 8 inside the range, the file layout for the rest.
        int64_t g0 = (row_begin + 7) / 8 * 8, g1 = row_end / 8 * 8;
        // (A matrix repacked for another family, e.g. before `pd_kernels_set_isa`, is read in the file layout.)
        if (!w8 || !k->qrows8 || w8_layout != k->row_groups || g1 <= g0) { g0 = row_end; g1 = row_end; }
        const pd_block_info *xinfo = l.info_offset ? (const pd_block_info *)((const uint8_t *)scratch + l.info_offset) : NULL;
        if (row_begin < g0) k->qrows(type, (const uint8_t *)w, blocks, xq, l.row_tokens, yr, rows, row_begin, g0);
        if (g0 < g1) k->qrows8(type, (const uint8_t *)w8, blocks, xq, xinfo, l.row_tokens, yr, rows, g0, g1);
        if (g1 < row_end) k->qrows(type, (const uint8_t *)w, blocks, xq, l.row_tokens, yr, rows, g1, row_end);
    }
}
