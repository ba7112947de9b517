/* buf.h: a growable byte buffer with a size cap, in the manner of curl's
 * dynbuf. The contents are always NUL-terminated so they can be used as a C
 * string; the cap bounds memory when the bytes come from outside (a server's
 * reply, a submitted file).
 *
 * Ownership: the caller owns the struct; sk_buf_cleanup() frees the bytes.
 * sk_buf_take() hands the bytes over to the caller, who frees them with free().
 */
#ifndef SHIPSKIP_BUF_H
#define SHIPSKIP_BUF_H

#include <stddef.h>

struct sk_buf {
  char *data;  /* NUL-terminated, or NULL while empty */
  size_t len;  /* bytes used, not counting the NUL */
  size_t size; /* bytes allocated */
  size_t cap;  /* largest len allowed */
};

/* Initializes an empty buffer that may grow to cap bytes. Cannot fail. */
void sk_buf_init(struct sk_buf *b, size_t cap);

/* Frees the bytes; the buffer may be reused after sk_buf_init(). NULL-safe. */
void sk_buf_cleanup(struct sk_buf *b);

/* Empties the buffer, keeping its allocation. */
void sk_buf_reset(struct sk_buf *b);

/* Appends len bytes. Returns 0, SK_ETOOBIG when the cap would be passed (the
 * buffer is left as it was), or SK_ENOMEM. */
int sk_buf_add(struct sk_buf *b, const void *mem, size_t len);

/* Appends n bytes of room and sets *at to the first of them, for the
 * caller to fill (they hold garbage until it does; the NUL after them is
 * written): one capacity check for an append made of many pieces. Same
 * returns as sk_buf_add(); *at is NULL on an error. */
int sk_buf_grow(struct sk_buf *b, size_t n, char **at);

/* Appends a C string. Same returns as sk_buf_add(). */
int sk_buf_adds(struct sk_buf *b, const char *s);

/* Appends printf-style formatted text. Same returns as sk_buf_add(). */
int sk_buf_printf(struct sk_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Runs expr -- an append that returns 0 or a negative SK_E* code, such as
 * sk_buf_adds() or a renderer of a page part -- only while rc is still 0,
 * and stores its result in rc. A run of appends is then written one per
 * line with a single check at the end, and the first error is the one
 * reported (SK_ETOOBIG past the cap, SK_ENOMEM), as with curl's dynbuf.
 * rc must be an int lvalue; expr is not evaluated once rc is non-zero. */
#define SK_BUF_TRY(rc, expr)                                                   \
  do {                                                                         \
    if ((rc) == 0)                                                             \
      (rc) = (expr);                                                           \
  } while (0)

/* Returns the contents as a C string ("" when empty); valid until the next
 * change to the buffer. */
const char *sk_buf_str(const struct sk_buf *b);

/* Hands the contents to the caller (free() them) and empties the buffer.
 * Returns a heap string, "" duplicated when empty, or NULL on out of memory. */
char *sk_buf_take(struct sk_buf *b);

#endif
