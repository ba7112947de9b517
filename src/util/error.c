/* error.c: the error table and struct sk_error helpers (see error.h). */
#include "shipskip/util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sk_strerror(int code) {
  switch (code) {
  case SK_OK:
    return "success";
#define SK_ERRNO_STR(name, msg)                                                \
  case SK_##name:                                                              \
    return msg;
    SK_ERRNO_MAP(SK_ERRNO_STR)
#undef SK_ERRNO_STR
  default:
    return "unknown error";
  }
}

const char *sk_err_name(int code) {
  switch (code) {
  case SK_OK:
    return "SK_OK";
#define SK_ERRNO_NAME(name, msg)                                               \
  case SK_##name:                                                              \
    return "SK_" #name;
    SK_ERRNO_MAP(SK_ERRNO_NAME)
#undef SK_ERRNO_NAME
  default:
    return "SK_EUNKNOWN";
  }
}

void sk_error_clear(struct sk_error *err) {
  if (err == NULL)
    return;
  err->code = 0;
  err->msg[0] = '\0';
}

int sk_error_set(struct sk_error *err, int code, const char *fmt, ...) {
  va_list ap;
  size_t len;

  if (err == NULL || err->code != 0)
    return code;
  err->code = code;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  va_end(ap);
  /* A message never ends in a newline; callers add their own framing. */
  len = strlen(err->msg);
  while (len > 0 && err->msg[len - 1] == '\n')
    err->msg[--len] = '\0';
  return code;
}
