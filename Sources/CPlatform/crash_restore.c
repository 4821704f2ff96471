// Puts the terminal back when the dashboard crashes: otherwise the shell is left in raw mode on
// the alternate screen. Compiled once here (not in a header) so there is one copy of the state.
#include "CPlatform.h"
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const int crash_signals[6] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
static struct sigaction previous[6];
static int installed = 0;
static struct termios saved_termios;
static int has_saved_termios = 0;
static char restore_sequence[256];
static size_t restore_length = 0;

static void on_crash(int sig) {
    if (restore_length > 0) { ssize_t r = write(STDOUT_FILENO, restore_sequence, restore_length); (void)r; }
    if (has_saved_termios) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    // Put the previous handler back and return: the faulting instruction runs again (or abort
    // re-raises) and the previous handler reports the crash as it would have without us.
    for (int i = 0; i < 6; i++) {
        if (crash_signals[i] == sig) sigaction(sig, &previous[i], NULL);
    }
    if (sig == SIGTRAP) raise(sig);   // a trap, not a fault: returning would not re-trigger it
}

void pd_crash_restore_save_modes(void) {
    has_saved_termios = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
}

void pd_crash_restore_install(const char *sequence) {
    size_t n = strlen(sequence);
    if (n >= sizeof restore_sequence) n = sizeof restore_sequence - 1;
    memcpy(restore_sequence, sequence, n);
    restore_length = n;
    if (installed) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (int i = 0; i < 6; i++) sigaction(crash_signals[i], &sa, &previous[i]);
    installed = 1;
}

void pd_crash_restore_remove(void) {
    if (!installed) return;
    for (int i = 0; i < 6; i++) sigaction(crash_signals[i], &previous[i], NULL);
    installed = 0;
}
