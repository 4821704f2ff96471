#ifndef PDSCOPE_CKERNELS_H
#define PDSCOPE_CKERNELS_H
// Hot loops of pdscope's model runtime, in C so that per-ISA variants can be chosen at run time
// (ggml style): every entry point dispatches once, through a table picked on first use, to an
// AVX-512 (F, BW, VL, VNNI), an AVX2+FMA+F16C or a portable scalar variant. Swift's
// `Kernels.Reference` is the spec.
//
// Quantized layouts are ggml's: Q8_0 block = fp16 scale + 32 int8 (34 bytes),
// Q4_0 block = fp16 scale + 16 bytes of nibbles (18 bytes; element j low nibble of byte j,
// element j+16 its high nibble), Q4_1 block = fp16 scale d + fp16 minimum m + 16 bytes of
// nibbles (20 bytes; element = d·nibble + m), Q8_1 block = fp16 d + fp16 s (= d·Σq) + 32 int8
// (36 bytes). Type codes are ggml's: 0 F32, 1 F16, 2 Q4_0, 3 Q4_1, 8 Q8_0.
#include <stddef.h>
#include <stdint.h>

// MARK: - dispatch

enum { PD_ISA_SCALAR = 0, PD_ISA_AVX2 = 1, PD_ISA_AVX512 = 2 };

/// The kernel family in use (PD_ISA_*), chosen on first use from the CPU's features, or from
/// `PDSCOPE_ISA=scalar|avx2|avx512` (capped at what the CPU supports).
int pd_kernels_isa(void);
/// What `PDSCOPE_ISA` asks for: a PD_ISA_* level, -1 when unset, -2 when it is not a known name.
int pd_kernels_requested_isa(void);
/// The best family this CPU supports (what `pd_kernels_isa` picks by default).
int pd_kernels_best_isa(void);
/// Switches the family in use (tests compare variants); a level the CPU lacks falls back to the
/// best one it has. Not thread-safe with running kernels. Returns the family now in use.
int pd_kernels_set_isa(int isa);

/// Single-thread read bandwidth in GB/s: the best of `passes` sums over a `bytes` buffer
/// (allocated and freed here; 0 if allocation fails). For benchmark reports.
double pd_read_bandwidth_gb_s(size_t bytes, int passes);

// MARK: - fp16 (round to nearest even, as ggml's FP32_TO_FP16)

float pd_fp16_to_fp32(uint16_t h);
uint16_t pd_fp32_to_fp16(float f);
/// n floats to fp16 bits (the KV cache's element), round to nearest even on every ISA level.
void pd_fp32_to_fp16_row(const float *x, int64_t n, uint16_t *out);

// MARK: - quantization and dot products

/// Quantizes `n` floats (a multiple of 32) into Q8_0 blocks, bit-exact with ggml's
/// `quantize_row_q8_0_ref`: d = amax/127 (stored fp16), q = round(x/d), halves away from zero.
void pd_quantize_row_q8_0(const float *x, int64_t n, void *dst);
/// Σ over blocks of int-sum · d_a · d_b, both Q8_0.
float pd_dot_q8_0_q8_0(const void *a, const void *b, int64_t blocks);
/// Same with `a` in Q4_0.
float pd_dot_q4_0_q8_0(const void *a, const void *b, int64_t blocks);
/// Quantizes `n` floats into Q8_1 blocks as ggml-cpu's x86 `quantize_row_q8_1` (what llama.cpp
/// runs on AVX2/AVX-512): d = amax/127, q = round-half-even(x·127/amax), s = fp16(d·Σq).
void pd_quantize_row_q8_1(const float *x, int64_t n, void *dst);
/// Σ over blocks of d_a·d_b·Σ(q_a·q_b) + m_a·s_b; `a` in Q4_1, `b` in Q8_1.
float pd_dot_q4_1_q8_1(const void *a, const void *b, int64_t blocks);

// MARK: - matmul: y[t, r] = Σ_c W[r, c] · x[t, c]

/// Bytes of the prepared-activation buffer `pd_matmul_prepare` fills (0 for F32/F16 weights).
size_t pd_matmul_scratch_bytes(int type, int64_t tokens, int64_t cols);
/// Quantizes the activation rows once per matmul (quantized weight types only) into `scratch`
/// (64-byte aligned, `pd_matmul_scratch_bytes` long) in the layout the kernels want.
void pd_matmul_prepare(int type, const float *x, int64_t tokens, int64_t cols, void *scratch);
/// The part of `pd_matmul_prepare` for tokens [t0, t1): disjoint ranges may run concurrently on
/// the same scratch, and together they write what one `pd_matmul_prepare` writes. Every range
/// must start on a multiple of 8 (a group of 8 tokens is prepared by one caller).
void pd_matmul_prepare_range(int type, const float *x, int64_t tokens, int64_t cols, void *scratch, int64_t t0, int64_t t1);
/// Output rows [row_begin, row_end) of the product, for all tokens. `w` points at row 0;
/// `scratch` is what `pd_matmul_prepare` filled (ignored for F32/F16, which read `x`).
/// Different row ranges may run concurrently on the same prepared scratch.
/// `w8` (may be NULL): the same matrix repacked by `pd_repack_row_groups`, in layout `w8_layout`
/// (what it returned), which the row-dot kernels read when the family in use reads that layout
/// (same bits either way).
void pd_matmul_rows(int type, const void *w, const void *w8, int w8_layout, int64_t rows, int64_t cols,
                    const float *x, const void *scratch, int64_t tokens, float *y,
                    int64_t row_begin, int64_t row_end);

/// Row-group layouts. VNNI (AVX2 and AVX-512) holds, for every 8 rows and every block, the 8
/// rows' fp16 scales, then (Q4_1) their 8 minimums, then their quant payloads as 32-byte registers
/// whose 4-byte lane k holds four consecutive elements of row k (Q8_0: 8 registers of w + 128 as
/// unsigned bytes; Q4_0/Q4_1: 4 registers of the file's nibble bytes 4j..4j+3), in the same number
/// of bytes as the file's layout. Decode reads one sequential stream and loads 8 scales at once, and
/// one byte multiply-add with a token's four activation bytes broadcast adds four products to each
/// of the 8 rows' sums, with no horizontal sums. (1 was a plain layout AVX2 once read.)
enum { PD_ROW_GROUPS_VNNI = 2 };
/// Rewrites a quantized matrix (Q8_0, Q4_0, Q4_1; `rows` a multiple of 8) into the row-group
/// layout of the kernel family in use; `out` holds rows·blocks·block bytes. Returns the layout
/// written, or 0 (nothing written) when the family has no row-group kernels (scalar).
int pd_repack_row_groups(int type, const void *w, int64_t rows, int64_t blocks, void *out);
/// A 64-byte aligned buffer of at least `bytes`, owned by the calling thread and reused by its
/// later calls (grows, never shrinks). NULL if allocation fails.
void *pd_thread_scratch(size_t bytes);

// MARK: - vector ops (float)

void pd_rmsnorm(const float *x, const float *weight, int64_t n, float eps, float *out);
void pd_softmax(float *x, int64_t n);
/// out = silu(gate) · up with a vectorized exp (relative error ~1e-7).
void pd_swiglu(const float *gate, const float *up, int64_t n, float *out);
/// out[i] = e^x[i] with the same fast exp (for tests).
void pd_exp(const float *x, int64_t n, float *out);
/// llama.cpp's normal RoPE on `head_count` heads of `head_dim` floats each.
void pd_rope(float *v, int64_t head_count, int64_t head_dim, int64_t rope_dim, int64_t position, float freq_base);
float pd_dot_f32(const float *a, const float *b, int64_t n);
/// y += alpha · x.
void pd_axpy(float alpha, const float *x, float *y, int64_t n);

// MARK: - thread pool (persistent workers; thread 0 is the caller)

typedef struct pd_pool pd_pool;
typedef void (*pd_task_fn)(void *ctx, int64_t index);

/// A pool of `count` participants; workers 1..count-1 must each call `pd_pool_worker_main` on a
/// thread of their own. After a `run`, workers spin for `spin_us` microseconds, then block.
pd_pool *pd_pool_create(int count, int spin_us);
/// The loop of worker `index`; returns once the pool is released.
void pd_pool_worker_main(pd_pool *pool, int index);
/// Runs fn(ctx, i) for every i in 0..<count, i = 0 on the caller, and returns when all are done.
/// If the pool is already running (a concurrent or nested call) every i runs on the caller.
void pd_pool_run(pd_pool *pool, pd_task_fn fn, void *ctx);
/// Stops the workers; the pool's memory is freed when the last of them has left.
void pd_pool_release(pd_pool *pool);

typedef void (*pd_item_fn)(void *ctx, int64_t item, int64_t worker);
/// Runs fn(ctx, item, worker) for every item in 0..<items across the pool: each participant
/// claims the next unclaimed item (a shared counter) until none is left, so a thread whose core
/// runs slower (another task, steal, a cold cache) takes fewer items instead of holding up the
/// rest. Items are claimed in increasing order; `worker` (0..<count) names the thread, for
/// per-thread scratch. Which thread runs an item is not fixed, so an item's result must not
/// depend on it.
void pd_pool_run_items(pd_pool *pool, int64_t items, pd_item_fn fn, void *ctx);

/// Positions per attention segment. Attention runs an online softmax over segments
/// [0, SPLIT), [SPLIT, 2·SPLIT), ... of absolute positions, combined in order: the scores
/// scratch is one segment per row, and the fixed split points keep a row's result independent
/// of the rows that share its tile and of where its chunk starts.
enum { PD_ATTENTION_SPLIT = 128 };

/// KV cache element types (ggml's numbering): float, or IEEE half (llama.cpp's default cache).
enum { PD_KV_F32 = 0, PD_KV_F16 = 1 };

/// Attention of one query row and head over `count` cached positions: kblocks[b]/vblocks[b] are
/// the layer's K/V base of block b of the sequence, elements of `kv_type`; position p is at block
/// p / block_size, row p % block_size, `stride` elements per row, the head's part at `offset`.
/// q, scores and out are float, and so is all arithmetic (elements are widened as they load).
/// Scores are scratch of min(count, PD_ATTENTION_SPLIT) floats; out gets head_dim floats:
/// softmax(q·k · scale) · v. Bitwise the same as that row in any `pd_attention_tile`.
void pd_attention_head(const float *q, int kv_type, const void *const *kblocks, const void *const *vblocks,
                       int64_t offset, int64_t block_size, int64_t stride, int64_t head_dim,
                       int64_t count, float scale, float *scores, float *out);

/// Attention of `rows` query rows of one sequence and head (row r at q + r*qstride, seeing
/// counts[r] positions; counts non-decreasing) with K and V streamed once per segment for the
/// whole tile. Scores need rows * min(counts[rows-1], PD_ATTENTION_SPLIT) floats; row r's output
/// goes to out + r*ostride.
void pd_attention_tile(const float *q, int64_t qstride, int64_t rows, const int64_t *counts, int kv_type,
                       const void *const *kblocks, const void *const *vblocks, int64_t offset,
                       int64_t block_size, int64_t stride, int64_t head_dim, float scale,
                       float *scores, float *out, int64_t ostride);

#endif
