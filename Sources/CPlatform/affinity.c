#define _GNU_SOURCE
#include "CPlatform.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>

int pd_pin_current_thread(const int *cpus, int count) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return EINVAL;
        CPU_SET(cpus[i], &set);
    }
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
#else
    (void)cpus; (void)count;
    return ENOSYS;
#endif
}

int pd_enter_realtime(void) {
#ifdef __linux__
    struct sched_param param = {.sched_priority = sched_get_priority_min(SCHED_FIFO)};
    return pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
#else
    return ENOSYS;
#endif
}

int pd_is_realtime(void) {
#ifdef __linux__
    int policy = 0;
    struct sched_param param;
    return pthread_getschedparam(pthread_self(), &policy, &param) == 0 && policy == SCHED_FIFO;
#else
    return 0;
#endif
}

int pd_current_cpu(void) {
#ifdef __linux__
    return sched_getcpu();
#else
    return -1;
#endif
}

int pd_available_cpu_count(void) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
    return CPU_COUNT(&set);
#else
    return 1;
#endif
}

int pd_available_cpus(int *cpus, int max) {
#ifdef __linux__
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[n++] = cpu;
    }
    return n;
#else
    (void)cpus; (void)max;
    return -1;
#endif
}
