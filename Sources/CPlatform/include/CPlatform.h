#ifndef PDSCOPE_CPLATFORM_H
#define PDSCOPE_CPLATFORM_H
// Linux-only scheduling calls that Swift cannot import (GNU macros), and process-wide signal
// state, which must live in compiled C (one copy) rather than in a header's inline functions.

/// Pins the calling thread to the given CPUs. Returns 0 on success, an errno value otherwise.
int pd_pin_current_thread(const int *cpus, int count);
/// Moves the calling thread to the real-time FIFO class at the lowest real-time priority, so
/// ordinary tasks (daemons, the kernel's own background threads) no longer take its CPU while it
/// is runnable. Returns 0 on success, an errno value otherwise (EPERM without root or
/// CAP_SYS_NICE, ENOSYS off Linux).
int pd_enter_realtime(void);
/// 1 when the calling thread runs in the real-time FIFO class, 0 otherwise.
int pd_is_realtime(void);
/// The CPU the calling thread runs on now, or -1 if unknown.
int pd_current_cpu(void);
/// Number of CPUs this process may run on.
int pd_available_cpu_count(void);
/// The ids of the CPUs this process may run on, ascending, at most `max` of them; returns how
/// many were written, or -1 when unknown (not Linux).
int pd_available_cpus(int *cpus, int max);

/// Catches SIGINT, SIGTERM and SIGHUP: each arrival becomes its signal number on a pipe.
/// Returns the pipe's (non-blocking) read end, -1 on failure. Idempotent while installed.
int pd_stop_signals_install(void);
/// The next caught signal on `fd` (from install): waits up to `timeout_ms` (-1 = forever,
/// 0 = just look). Returns the signal number, 0 on timeout, -1 once removed (then the caller
/// closes `fd`).
int pd_stop_signals_wait(int fd, int timeout_ms);
/// Puts the previous handlers back and wakes a waiting reader with -1.
void pd_stop_signals_remove(void);

/// Terminal restore for crashes. First the terminal modes of stdin are saved (before curses
/// changes them); then `install` takes the bytes to write (leave the alternate screen, show the
/// cursor): on SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT or SIGTRAP both are put back before the
/// previous handler reports the crash.
void pd_crash_restore_save_modes(void);
void pd_crash_restore_install(const char *sequence);
/// Removes the crash handlers (the terminal was restored normally).
void pd_crash_restore_remove(void);
#endif
