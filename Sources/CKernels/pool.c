// A fork-join pool with low dispatch latency (a decode step runs ~200 of these). The caller
// publishes a task by bumping `generation`; workers spin on it for a short while and then sleep
// on it (futex), so idle instances do not burn a core. Completion is a countdown in `pending`
// that the caller spins on, then sleeps on, the same way.
//
// Wake-ups are never lost because each side publishes before it checks (sequentially consistent):
// a sleeper increments `sleepers` before re-checking the word in futex_wait, and the waker bumps
// the word before reading `sleepers`, so at least one of them sees the other.
#define _GNU_SOURCE
#include "CKernels.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif
#include <sched.h>

struct pd_pool {
    _Alignas(64) _Atomic uint32_t generation;
    _Atomic int32_t sleepers;
    _Atomic int32_t stop;
    pd_task_fn fn;
    void *ctx;
    _Alignas(64) _Atomic uint32_t pending;
    _Atomic int32_t caller_sleeping;
    _Alignas(64) _Atomic int32_t busy;
    _Atomic int32_t refs;
    int count;
    int64_t spin_ns;
};

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
#ifdef __linux__
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
#else
    (void)word; (void)expected; sched_yield();
#endif
}

static void futex_wake(_Atomic uint32_t *word, int count) {
#ifdef __linux__
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
#else
    (void)word; (void)count;
#endif
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/// Spins until *word != value or the spin budget is spent; returns the last value seen.
static uint32_t spin_while_equal(_Atomic uint32_t *word, uint32_t value, int64_t budget_ns) {
    uint32_t v = atomic_load_explicit(word, memory_order_acquire);
    if (v != value || budget_ns <= 0) return v;
    int64_t deadline = now_ns() + budget_ns;
    for (unsigned i = 1;; i++) {
        CPU_RELAX();
        v = atomic_load_explicit(word, memory_order_acquire);
        if (v != value) return v;
        if ((i & 127) == 0 && now_ns() > deadline) return v;
    }
}

pd_pool *pd_pool_create(int count, int spin_us) {
    pd_pool *p = NULL;
    if (posix_memalign((void **)&p, 64, sizeof *p) != 0) return NULL;
    atomic_init(&p->generation, 0);
    atomic_init(&p->sleepers, 0);
    atomic_init(&p->stop, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->caller_sleeping, 0);
    atomic_init(&p->busy, 0);
    atomic_init(&p->refs, count < 1 ? 1 : count);  // the owner plus one per worker
    p->fn = NULL; p->ctx = NULL;
    p->count = count < 1 ? 1 : count;
    p->spin_ns = (int64_t)(spin_us < 0 ? 0 : spin_us) * 1000;
    return p;
}

static void drop_ref(pd_pool *p) {
    if (atomic_fetch_sub(&p->refs, 1) == 1) free(p);
}

void pd_pool_worker_main(pd_pool *p, int index) {
    uint32_t seen = 0;  // not the current value: a task published before this thread started must still run
    for (;;) {
        uint32_t g = spin_while_equal(&p->generation, seen, p->spin_ns);
        while (g == seen) {
            atomic_fetch_add(&p->sleepers, 1);
            futex_wait(&p->generation, seen);
            atomic_fetch_sub(&p->sleepers, 1);
            g = atomic_load_explicit(&p->generation, memory_order_acquire);
        }
        seen = g;
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) break;
        p->fn(p->ctx, index);
        if (atomic_fetch_sub(&p->pending, 1) == 1 && atomic_load(&p->caller_sleeping))
            futex_wake(&p->pending, 1);
    }
    drop_ref(p);
}

void pd_pool_run(pd_pool *p, pd_task_fn fn, void *ctx) {
    int32_t idle = 0;
    if (p->count == 1 || !atomic_compare_exchange_strong(&p->busy, &idle, 1)) {
        for (int i = 0; i < p->count; i++) fn(ctx, i);
        return;
    }
    p->fn = fn; p->ctx = ctx;
    atomic_store_explicit(&p->pending, (uint32_t)(p->count - 1), memory_order_relaxed);
    atomic_fetch_add(&p->generation, 1);  // seq_cst: publishes fn, ctx and pending
    if (atomic_load(&p->sleepers) > 0) futex_wake(&p->generation, p->count);
    fn(ctx, 0);
    for (;;) {
        uint32_t left = atomic_load_explicit(&p->pending, memory_order_acquire);
        if (left == 0) break;
        left = spin_while_equal(&p->pending, left, p->spin_ns);
        if (left == 0) break;
        atomic_store(&p->caller_sleeping, 1);
        futex_wait(&p->pending, left);
        atomic_store(&p->caller_sleeping, 0);
    }
    atomic_store_explicit(&p->busy, 0, memory_order_release);
}

/// The claim counter of one `pd_pool_run_items`, on the caller's stack for the run.
typedef struct {
    _Alignas(64) _Atomic int64_t next;
    int64_t items;
    pd_item_fn fn;
    void *ctx;
} pd_items;

static void claim_items(void *ctx, int64_t worker) {
    pd_items *run = (pd_items *)ctx;
    for (;;) {
        int64_t item = atomic_fetch_add_explicit(&run->next, 1, memory_order_relaxed);
        if (item >= run->items) return;
        run->fn(run->ctx, item, worker);
    }
}

void pd_pool_run_items(pd_pool *p, int64_t items, pd_item_fn fn, void *ctx) {
    if (items <= 0) return;
    pd_items run = {.items = items, .fn = fn, .ctx = ctx};
    atomic_init(&run.next, 0);
    if (!p || items == 1) {
        for (int64_t i = 0; i < items; i++) fn(ctx, i, 0);
        return;
    }
    pd_pool_run(p, claim_items, &run);
}

void pd_pool_release(pd_pool *p) {
    if (!p) return;
    atomic_store(&p->stop, 1);
    atomic_fetch_add(&p->generation, 1);
    futex_wake(&p->generation, p->count);
    drop_ref(p);
}
