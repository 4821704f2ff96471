// SIGINT, SIGTERM and SIGHUP as bytes on a pipe. The handler only write()s the signal number
// (async-signal-safe); whoever holds the read end (a waiting thread, or the dashboard's UI loop
// polling it) turns it into ordinary code. The state lives here, in one compiled file: kept in a
// header's static inline functions it was duplicated into every Swift module that inlined them,
// and the dashboard's loop read a flag the handler never set.
#include "CPlatform.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int stop_pipe[2] = {-1, -1};
static const int stop_signals[3] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction previous[3];
static int installed = 0;

static void on_stop_signal(int sig) {
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    ssize_t r = write(stop_pipe[1], &byte, 1);
    (void)r;
    errno = saved;
}

int pd_stop_signals_install(void) {
    if (installed) return stop_pipe[0];
    if (pipe(stop_pipe) != 0) return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
        // Neither end ever blocks: a full pipe drops further signals (one is enough) and readers poll.
        fcntl(stop_pipe[i], F_SETFL, O_NONBLOCK);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int i = 0; i < 3; i++) sigaction(stop_signals[i], &sa, &previous[i]);
    // The calling thread (the main one) takes the signals even if it inherited a mask blocking them.
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < 3; i++) sigaddset(&set, stop_signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    installed = 1;
    return stop_pipe[0];
}

int pd_stop_signals_wait(int fd, int timeout_ms) {
    for (;;) {
        unsigned char byte = 0;
        ssize_t n = read(fd, &byte, 1);
        if (n == 1) return byte == 0 ? -1 : byte;
        if (n == 0) return -1;   // write end closed: removed
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        if (timeout_ms == 0) return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, timeout_ms);
        if (ready == 0) return 0;
        if (ready < 0 && errno != EINTR) return -1;
    }
}

void pd_stop_signals_remove(void) {
    if (!installed) return;
    for (int i = 0; i < 3; i++) sigaction(stop_signals[i], &previous[i], NULL);
    installed = 0;
    // Closing the write end wakes a waiting reader (end of file); it closes the read end.
    close(stop_pipe[1]);
    stop_pipe[0] = stop_pipe[1] = -1;
}
