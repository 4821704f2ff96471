// The only door to ncurses. Macros and global variables do not import into Swift (or are not
// concurrency-safe there), so small static inline wrappers stand in for them. Included by exactly
// one Swift file (Dashboard/Terminal/TerminalBackend.swift), so each static below exists once.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <langinfo.h>
#include <stdio.h>
#include <string.h>
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

// Signal and crash-restore state is not here but in CPlatform (compiled C): static state in this
// header was copied into every Swift module that inlined these functions.
