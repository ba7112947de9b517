/* jsonfmt.h: prints a cJSON tree the way shipskip writes JSON files: two
 * spaces of indent, one member or item per line, "key": value, keys in the
 * tree's order, a trailing newline. Stable and readable, so scorecards and
 * fixtures diff well in git. Leaves print exactly as cJSON prints them:
 * numbers by cJSON itself, strings with cJSON's escaping (tests/
 * test_jsonfmt.c holds the two to the same bytes).
 */
#ifndef SHIPSKIP_JSONFMT_H
#define SHIPSKIP_JSONFMT_H

#include "shipskip/util/buf.h"

#include <cJSON.h>

/* Appends s as a JSON string exactly as cJSON prints one (quoted, its
 * escapes); NULL appends "". Returns 0, SK_ENOMEM or SK_ETOOBIG. */
int sk_json_put_str(const char *s, struct sk_buf *out);

/* Appends the pretty form of item to out. Returns 0, SK_ENOMEM or
 * SK_ETOOBIG (out's cap). */
int sk_json_pretty(const cJSON *item, struct sk_buf *out);

/* Appends item as it prints nested depth levels deep inside a larger
 * document (its inner lines indented to match), without a newline after it:
 * the pieces of a document too long to build as one tree. */
int sk_json_pretty_at(const cJSON *item, int depth, struct sk_buf *out);

/* Appends item exactly as cJSON_PrintUnformatted prints it (no spaces, no
 * newline), without cJSON's allocations and its sscanf per fractional
 * number: the form of request bodies and journal lines. Returns 0,
 * SK_ENOMEM, SK_ETOOBIG (out's cap) or SK_EINVAL (an item cJSON could not
 * print either). */
int sk_json_compact(const cJSON *item, struct sk_buf *out);

/* The same as a heap string (free() it), its length in *len when len is
 * not NULL; NULL when out of memory or item cannot be printed. */
char *sk_json_compact_str(const cJSON *item, size_t *len);

/* A writer of the same form without a tree: members and items are printed
 * as they are given, so a document built only to be printed (a scorecard)
 * costs no allocation per value. The bytes are those sk_json_pretty_at
 * would print for the tree of the same calls (tests/test_jsonfmt.c).
 *
 * Usage: sk_jw_init(&w, out, depth); then sk_jw_open / sk_jw_close for
 * objects and arrays and the sk_jw_str / _num / _bool / _null / _tree
 * values, each with its key inside an object (key NULL inside an array or
 * at the top). Errors stick: after the first (SK_ENOMEM or SK_ETOOBIG from
 * out), every call does nothing and sk_jw_done returns it. */
#define SK_JW_MAX_DEPTH 32

struct sk_jw {
  struct sk_buf *out;
  int depth;                     /* containers open, below the base */
  int base;                      /* the depth the document starts at */
  int rc;                        /* the first error, or 0 */
  int compact;                   /* sk_json_compact's form, not pretty */
  char members[SK_JW_MAX_DEPTH]; /* 1 once the container has a value */
};

void sk_jw_init(struct sk_jw *w, struct sk_buf *out, int depth);
/* The same writer printing sk_json_compact's form (cJSON_PrintUnformatted's
 * bytes for the tree of the same calls): a journal line. */
void sk_jw_init_compact(struct sk_jw *w, struct sk_buf *out);
/* Opens an object (kind '{') or an array (kind '['). */
void sk_jw_open(struct sk_jw *w, const char *key, char kind);
/* Closes the innermost container, which must be of kind '{' or '['. */
void sk_jw_close(struct sk_jw *w, char kind);
/* A string, printed as null when v is NULL. */
void sk_jw_str(struct sk_jw *w, const char *key, const char *v);
/* A number, printed as cJSON prints it. */
void sk_jw_num(struct sk_jw *w, const char *key, double v);
void sk_jw_bool(struct sk_jw *w, const char *key, int v);
void sk_jw_null(struct sk_jw *w, const char *key);
/* A whole cJSON tree as the value. */
void sk_jw_tree(struct sk_jw *w, const char *key, const cJSON *v);
/* Returns 0 or the first error. */
int sk_jw_done(const struct sk_jw *w);

/* Adds key: v to obj, or key: null when v is NULL. Returns 0 or SK_ENOMEM. */
int sk_json_add_str_or_null(cJSON *obj, const char *key, const char *v);

/* Adds key: v (a number) to obj. Returns 0 or SK_ENOMEM. */
int sk_json_add_num(cJSON *obj, const char *key, double v);

#endif
