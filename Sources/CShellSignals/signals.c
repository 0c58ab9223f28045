#include "shell_signals.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

static volatile sig_atomic_t interrupted = 0;
static pthread_t shell_thread;
static volatile sig_atomic_t shell_thread_known = 0;

// The signal may land on any thread that does not block it; only the shell thread's
// blocked read must see EINTR, so the handler forwards it there (pthread_kill is
// async-signal-safe).
static void on_sigint(int signo) {
    interrupted = 1;
    if (shell_thread_known && !pthread_equal(pthread_self(), shell_thread)) pthread_kill(shell_thread, signo);
}

// Unblocks `signo` on this thread (a parent may have started us with it blocked: the mask
// is inherited) and routes it to on_sigint.
static int route_to_handler(int signo, int flags) {
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, signo);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = flags;
    return sigaction(signo, &action, NULL);
}

int obsw_install_sigint(void) {
    shell_thread = pthread_self();
    shell_thread_known = 1;
    // No SA_RESTART: the shell's blocked terminal read must end with EINTR.
    return route_to_handler(SIGINT, 0);
}

int obsw_install_script_interrupts(void) {
    // Nothing reads a terminal here: let interrupted system calls go on (SA_RESTART).
    if (route_to_handler(SIGINT, SA_RESTART) != 0) return -1;
    return route_to_handler(SIGTERM, SA_RESTART);
}

int obsw_take_interrupt(void) {
    int was = interrupted;
    interrupted = 0;
    return was;
}
