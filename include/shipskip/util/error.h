/* error.h: shipskip's error codes and the error detail carried beside them.
 *
 * Every function that can fail returns int: 0 on success or a negative SK_E*
 * code. The codes come from one X-macro table, which also generates
 * sk_strerror() and sk_err_name(). Details travel in struct sk_error, passed
 * last; the first error set wins, so the root cause is never overwritten by
 * the cleanup errors that follow it.
 */
#ifndef SHIPSKIP_ERROR_H
#define SHIPSKIP_ERROR_H

#include <stddef.h>

#define SK_ERRNO_MAP(X)                                                        \
  X(ENOMEM, "out of memory")                                                   \
  X(EINVAL, "invalid argument")                                                \
  X(EIO, "input/output error")                                                 \
  X(ENOENT, "no such file or directory")                                       \
  X(EPARSE, "malformed input")                                                 \
  X(ETOOBIG, "size limit exceeded")                                            \
  X(EMISSING, "required value missing")                                        \
  X(ECONFIG, "configuration error")                                            \
  X(EHTTP, "HTTP error")                                                       \
  X(ETIMEDOUT, "timed out")                                                    \
  X(ECONN, "connection error")                                                 \
  X(EREPLY, "reply breaks the contract")                                       \
  X(EREGEX, "regular expression error")                                        \
  X(ECANCELED, "operation canceled")                                           \
  X(EAGAIN, "input not ready yet")

enum sk_errno {
  SK_OK = 0,
#define SK_ERRNO_ENUM(name, msg) SK_##name,
  SK__ERRNO_FIRST = -100,
  SK_ERRNO_MAP(SK_ERRNO_ENUM)
#undef SK_ERRNO_ENUM
      SK__ERRNO_END
};

/* Error detail: the code and a one-line message with no trailing newline. */
struct sk_error {
  int code;
  char msg[256];
};

/* Returns a static description of code ("out of memory"), or "unknown error".
 */
const char *sk_strerror(int code);

/* Returns the code's name ("SK_ENOMEM"), or "SK_EUNKNOWN". */
const char *sk_err_name(int code);

/* Clears err (err may be NULL). */
void sk_error_clear(struct sk_error *err);

/* Records code and a printf-style message in err unless err already holds an
 * error (the first error wins). err may be NULL. Returns code, so callers can
 * write `return sk_error_set(err, SK_EINVAL, "...")`. */
int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
