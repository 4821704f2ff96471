#ifndef PDSCOPE_CAFFINITY_H
#define PDSCOPE_CAFFINITY_H
// Linux-only scheduling calls that Swift cannot import (GNU macros).

/// Pins the calling thread to the given CPUs. Returns 0 on success, an errno value otherwise.
int pd_pin_current_thread(const int *cpus, int count);
/// The CPU the calling thread runs on now, or -1 if unknown.
int pd_current_cpu(void);
/// Number of CPUs this process may run on.
int pd_available_cpu_count(void);
#endif
