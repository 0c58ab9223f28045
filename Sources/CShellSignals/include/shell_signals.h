// Ctrl-C for the interactive shell: a SIGINT handler that only records the signal.
#ifndef OBSW_SHELL_SIGNALS_H
#define OBSW_SHELL_SIGNALS_H

/// Makes the calling thread the shell thread and installs the handler (no SA_RESTART, so
/// a read blocked in el_gets returns with EINTR). Returns 0 on success.
int obsw_install_sigint(void);

/// 1 if SIGINT arrived since the last call, else 0; clears it.
int obsw_take_interrupt(void);

#endif
