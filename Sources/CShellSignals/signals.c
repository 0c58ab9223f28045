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

int obsw_install_sigint(void) {
    shell_thread = pthread_self();
    shell_thread_known = 1;
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(SIGINT, &action, NULL);
}

int obsw_install_script_interrupts(void) {
    // A parent may have started us with these blocked (the mask is inherited): unblock.
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, SIGINT);
    sigaddset(&unblock, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // nothing reads a terminal here; let system calls go on
    if (sigaction(SIGINT, &action, NULL) != 0) return -1;
    return sigaction(SIGTERM, &action, NULL);
}

int obsw_take_interrupt(void) {
    int was = interrupted;
    interrupted = 0;
    return was;
}
