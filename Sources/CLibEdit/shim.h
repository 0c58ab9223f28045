// Non-variadic wrappers over libedit for Swift, which cannot call el_set/el_get/history
// (variadic) nor touch C globals such as stdin under strict concurrency.
#ifndef OBSW_CLIBEDIT_SHIM_H
#define OBSW_CLIBEDIT_SHIM_H

#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

static inline FILE *shim_stdin(void) { return stdin; }
static inline FILE *shim_stdout(void) { return stdout; }
static inline FILE *shim_stderr(void) { return stderr; }

static inline int shim_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int shim_el_set_prompt(EditLine *el, char *(*f)(EditLine *)) { return el_set(el, EL_PROMPT, f); }
static inline int shim_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int shim_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *shim_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int shim_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int shim_el_add_function(EditLine *el, const char *name, const char *help,
                                       unsigned char (*f)(EditLine *, int)) {
    return el_set(el, EL_ADDFN, name, help, f);
}
static inline int shim_el_bind(EditLine *el, const char *key, const char *name) {
    return el_set(el, EL_BIND, key, name, NULL);
}

// Between lines libedit gives the terminal back in line mode with echo; for type-ahead the
// shell wants neither (keys typed in line mode are echoed, and Ctrl-D becomes end-of-file).
static inline int shim_el_keep_keys_raw_between_lines(EditLine *el) {
    return el_set(el, EL_SETTY, "-x", "-icanon", "-echo", NULL);
}

static inline int shim_history_set_size(History *h, int size) {
    HistEvent ev;
    return history(h, &ev, H_SETSIZE, size);
}
static inline int shim_history_set_unique(History *h, int unique) {
    HistEvent ev;
    return history(h, &ev, H_SETUNIQUE, unique);
}
static inline int shim_history_enter(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}

// libedit decodes input with the C library's locale; without a UTF-8 one it drops
// non-ASCII bytes. Use the environment's locale, or C.UTF-8 when that is not UTF-8.
static inline void shim_use_utf8_locale(void) {
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    if (codeset == NULL || strcmp(codeset, "UTF-8") != 0) setlocale(LC_CTYPE, "C.UTF-8");
}

#endif
