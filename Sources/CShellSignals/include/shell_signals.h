// Ctrl-C and SIGTERM for obsw: handlers that only record the signal.
#ifndef OBSW_SHELL_SIGNALS_H
#define OBSW_SHELL_SIGNALS_H

/// Makes the calling thread the shell thread and installs the SIGINT handler (no
/// SA_RESTART, so a read blocked in el_gets returns with EINTR). Returns 0 on success.
int obsw_install_sigint(void);

/// For scripts: SIGINT and SIGTERM only set the flag (no thread to forward to).
int obsw_install_script_interrupts(void);

/// 1 if SIGINT (or, for scripts, SIGTERM) arrived since the last call, else 0; clears it.
int obsw_take_interrupt(void);

#endif
