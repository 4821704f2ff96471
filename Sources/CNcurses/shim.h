// The only door to ncurses. Macros and global variables do not import into Swift (or are not
// concurrency-safe there), so small static inline wrappers stand in for them. Included by exactly
// one Swift file (Dashboard/Terminal/TerminalBackend.swift), so each static below exists once.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <ncursesw/curses.h>

// wcwidth is only declared under _XOPEN_SOURCE, which SwiftPM strips from pkg-config's flags.
extern int wcwidth(wchar_t c);
static inline int pds_wcwidth(unsigned int c) { return wcwidth((wchar_t)c); }

// ---- screen and globals ----
static inline SCREEN *pds_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline WINDOW *pds_stdscr(void) { return stdscr; }
static inline int pds_colors(void) { return COLORS; }
static inline int pds_color_pairs(void) { return COLOR_PAIRS; }
static inline int pds_is_tty(int fd) { return isatty(fd); }
static inline const char *pds_codeset(void) { return nl_langinfo(CODESET); }

// ---- attributes (A_* are macros) ----
static inline int pds_set_style(WINDOW *w, int bold, int dim, int reverse, short pair) {
    attr_t a = A_NORMAL;
    if (bold) a |= A_BOLD;
    if (dim) a |= A_DIM;
    if (reverse) a |= A_REVERSE;
    return wattr_set(w, a, pair, NULL);
}

// All mutable C state sits in one function-local static: Swift's importer emits the inline
// functions that use it but not file-scope static variables of an imported header.
struct pds_state {
    volatile sig_atomic_t stop_signal;
    struct termios saved_termios;
    int has_saved_termios;
    char restore_sequence[256];
    size_t restore_length;
    struct sigaction previous_actions[6];
    int crash_handlers_installed;
};
static inline struct pds_state *pds_state(void) { static struct pds_state state; return &state; }
static inline int pds_crash_signal(int i) {
    switch (i) { case 0: return SIGSEGV; case 1: return SIGBUS; case 2: return SIGILL;
                 case 3: return SIGFPE; case 4: return SIGABRT; default: return SIGTRAP; }
}

// ---- stop signals: the handler only sets a flag; the UI thread calls endwin ----
static void pds_on_stop(int sig) { pds_state()->stop_signal = sig; }
static inline void pds_install_stop_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pds_on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
/// The pending stop signal number (0 = none), cleared by reading.
static inline int pds_take_stop_signal(void) {
    int s = pds_state()->stop_signal;
    pds_state()->stop_signal = 0;
    return s;
}

// ---- crash restore: put the terminal back before the previous handler (Swift's backtracer or
// the default action) runs, or the shell is left in raw mode on the alternate screen ----
static inline void pds_save_termios(void) {
    pds_state()->has_saved_termios = tcgetattr(STDIN_FILENO, &pds_state()->saved_termios) == 0;
}
/// The bytes written on a crash (e.g. leave alternate screen, show cursor, reset attributes).
static inline void pds_set_restore_sequence(const char *s) {
    struct pds_state *st = pds_state();
    size_t n = strlen(s);
    if (n >= sizeof st->restore_sequence) n = sizeof st->restore_sequence - 1;
    memcpy(st->restore_sequence, s, n);
    st->restore_length = n;
}
static inline void pds_restore_terminal_now(void) {
    struct pds_state *st = pds_state();
    if (st->restore_length > 0) { ssize_t r = write(STDOUT_FILENO, st->restore_sequence, st->restore_length); (void)r; }
    if (st->has_saved_termios) tcsetattr(STDIN_FILENO, TCSANOW, &st->saved_termios);
}
static void pds_on_crash(int sig) {
    pds_restore_terminal_now();
    // Put the previous handler back and return: the faulting instruction runs again (or abort
    // re-raises) and the previous handler reports the crash as it would have without us.
    for (int i = 0; i < 6; i++) {
        if (pds_crash_signal(i) == sig) sigaction(sig, &pds_state()->previous_actions[i], NULL);
    }
    if (sig == SIGTRAP) raise(sig);   // a trap, not a fault: returning would not re-trigger it
}
static inline void pds_install_crash_handlers(void) {
    struct pds_state *st = pds_state();
    if (st->crash_handlers_installed) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pds_on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (int i = 0; i < 6; i++) sigaction(pds_crash_signal(i), &sa, &st->previous_actions[i]);
    st->crash_handlers_installed = 1;
}
static inline void pds_remove_crash_handlers(void) {
    struct pds_state *st = pds_state();
    if (!st->crash_handlers_installed) return;
    for (int i = 0; i < 6; i++) sigaction(pds_crash_signal(i), &st->previous_actions[i], NULL);
    st->crash_handlers_installed = 0;
}
