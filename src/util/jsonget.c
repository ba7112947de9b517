/* jsonget.c: bounded reads of JSON numbers, and strings that never arrive
 * cut short (see jsonget.h). The number comparisons are written so that NaN
 * fails every one of them.
 *
 * How a NUL is found. cJSON keeps no length and no source position, so
 * once it has decoded "a\u0000b" to the C string "a" the truth is gone. It
 * is still in the source text, though, and cJSON builds its tree in source
 * order: the k-th string token of the text (keys and values alike) is the
 * k-th string met by a walk of the tree that visits a member's key, then
 * its value, then its children. So after a successful parse one linear scan
 * of the parsed text lists the string tokens that hold "\u0000" or a raw
 * NUL byte (a text that parsed is valid JSON up to *end, so telling string
 * tokens apart needs only quotes and backslashes), and a walk marks those
 * nodes. A text without such a token costs one scan and no allocation.
 * cJSON also decodes a "\\u" escape that is not four hex digits as U+0000
 * (and cuts the string there), so such an escape counts as a NUL too.
 * (Comparing each decoded length with its escaped source would need the
 * source positions cJSON does not keep; a patched parser would be a fork.)
 */
#include "shipskip/util/jsonget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_json_int(const cJSON *v, long long min, long long max, long long *out) {
  double d;

  if (!cJSON_IsNumber(v))
    return 0;
  d = v->valuedouble;
  /* The bounds are checked as doubles before the cast, so the cast below
   * only ever sees a value that fits. */
  if (!(d >= (double)min && d <= (double)max) || d != floor(d))
    return 0;
  *out = (long long)d;
  return 1;
}

int sk_json_num(const cJSON *v, double min, double max, double *out) {
  double d;

  if (!cJSON_IsNumber(v))
    return 0;
  d = v->valuedouble;
  if (!(d >= min && d <= max) || !isfinite(d))
    return 0;
  *out = d;
  return 1;
}

/* ---- strings ----------------------------------------------------------- */

/* A string token of the source that held a NUL: its ordinal among all
 * string tokens, and its raw text between the quotes. */
struct held {
  size_t ord;
  size_t start;
  size_t len;
};

struct scan {
  struct held *v;
  size_t n;
  size_t cap;
};

static int scan_add(struct scan *s, size_t ord, size_t start, size_t len) {
  if (s->n == s->cap) {
    size_t ncap = s->cap ? 2 * s->cap : 8;
    struct held *p = realloc(s->v, ncap * sizeof(*p));
    if (p == NULL)
      return SK_ENOMEM;
    s->v = p;
    s->cap = ncap;
  }
  s->v[s->n].ord = ord;
  s->v[s->n].start = start;
  s->v[s->n].len = len;
  s->n++;
  return 0;
}

/* Whether the four characters after "\\u" decode to U+0000 as cJSON
 * decodes them: "0000", and also anything that is not four hex digits,
 * because cJSON's parse_hex4() answers 0 for those and the string is cut
 * there just the same (fuzzing found "\\u\xd0e2d" cut short). n is what
 * is left of the text. */
static int u_escape_is_nul(const char *p, size_t n) {
  size_t i;
  int zero = 1;
  if (n < 4)
    return 0; /* cJSON refuses a short escape: nothing parsed */
  for (i = 0; i < 4; i++) {
    char c = p[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F')))
      return 1;
    if (c != '0')
      zero = 0;
  }
  return zero;
}

/* Whether text[0, len) holds a backslash followed by 'u' anywhere (an
 * escaped backslash before a 'u' counts too: a yes only means "look"). */
static int has_u_escape(const char *text, size_t len) {
  const char *end = text + len;
  const char *p = text;
  while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
    if (++p < end && *p == 'u')
      return 1;
  }
  return 0;
}

/* Lists the string tokens of text[0, len) that hold "\u0000" or a raw NUL
 * byte. */
static int scan_text(const char *text, size_t len, struct scan *s) {
  size_t i = 0;
  size_t ord = 0;

  /* A string can hold a NUL only through a raw NUL byte or a \u escape;
   * text with neither (most replies) has nothing to list, and memchr finds
   * that far faster than the walk below. */
  if (memchr(text, '\0', len) == NULL && !has_u_escape(text, len))
    return 0;

  while (i < len) {
    size_t start;
    int nul = 0;
    if (text[i] != '"') {
      i++;
      continue;
    }
    start = ++i;
    while (i < len && text[i] != '"') {
      if (text[i] == '\0')
        nul = 1;
      if (text[i] == '\\') {
        /* Skipping the escaped character keeps \" and \\ from ending or
         * starting anything; "\\u0000" is a backslash and text. */
        if (i + 1 < len && text[i + 1] == 'u' &&
            u_escape_is_nul(text + i + 2, len - i - 2))
          nul = 1;
        i += 2;
        continue;
      }
      i++;
    }
    if (nul && scan_add(s, ord, start, (i < len ? i : len) - start) != 0)
      return SK_ENOMEM;
    ord++;
    i++;
  }
  return 0;
}

/* The key as its source spells it, raw NUL bytes written as \u0000. */
static char *source_key(const char *raw, size_t len) {
  size_t nuls = 0;
  size_t i;
  size_t k = 0;
  char *s;

  for (i = 0; i < len; i++)
    nuls += raw[i] == '\0';
  s = cJSON_malloc(len + 5 * nuls + 1);
  if (s == NULL)
    return NULL;
  for (i = 0; i < len; i++) {
    if (raw[i] == '\0') {
      memcpy(s + k, "\\u0000", 6);
      k += 6;
    } else {
      s[k++] = raw[i];
    }
  }
  s[k] = '\0';
  return s;
}

struct walk {
  const char *text;
  const struct scan *s;
  size_t ord;  /* string tokens met so far */
  size_t next; /* the next entry of s to find */
};

/* Whether the string token met now is the next one listed. */
static int met(struct walk *w) {
  int hit = w->next < w->s->n && w->s->v[w->next].ord == w->ord;
  if (hit)
    w->next++;
  w->ord++;
  return hit;
}

/* Marks the items of a sibling list and their children, in source order.
 * Recursion follows nesting, which cJSON bounds (CJSON_NESTING_LIMIT). */
static int mark(cJSON *item, struct walk *w) {
  for (; item != NULL && w->next < w->s->n; item = item->next) {
    if (item->string != NULL) {
      const struct held *h = &w->s->v[w->next];
      if (met(w)) {
        char *k = source_key(w->text + h->start, h->len);
        if (k == NULL)
          return SK_ENOMEM;
        if (!(item->type & cJSON_StringIsConst))
          cJSON_free(item->string);
        item->string = k;
        item->type &= ~cJSON_StringIsConst;
        item->type |= SK_JSON_KEY_NUL;
      }
    }
    if (cJSON_IsString(item) && met(w))
      item->type |= SK_JSON_HELD_NUL;
    if (item->child != NULL && mark(item->child, w) != 0)
      return SK_ENOMEM;
  }
  return 0;
}

cJSON *sk_json_parse(const char *text, size_t len, const char **end) {
  const char *stop = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(text, len, &stop, 0);
  struct scan s;
  int rc;

  if (end != NULL)
    *end = stop;
  if (root == NULL)
    return NULL;
  memset(&s, 0, sizeof(s));
  rc = scan_text(text, (size_t)(stop - text), &s);
  if (rc == 0 && s.n > 0) {
    struct walk w = {text, &s, 0, 0};
    rc = mark(root, &w);
  }
  free(s.v);
  if (rc != 0) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

int sk_json_str(const cJSON *v, const char **out) {
  *out = NULL;
  if (!cJSON_IsString(v) || v->valuestring == NULL)
    return 0;
  if (v->type & SK_JSON_HELD_NUL)
    return SK_JSON_NUL;
  *out = v->valuestring;
  return 1;
}

int sk_json_str_at(const cJSON *v, const char *where, const char *what,
                   const char **out, struct sk_error *err) {
  int rc = sk_json_str(v, out);
  if (rc != SK_JSON_NUL)
    return rc;
  return sk_error_set(err, SK_EPARSE,
                      "%s%s%s holds a NUL character (\\u0000), which is "
                      "refused",
                      where != NULL ? where : "",
                      where != NULL && where[0] != '\0' ? ": " : "", what);
}

const char *sk_json_strval(const cJSON *v) {
  const char *s;
  return sk_json_str(v, &s) == 1 ? s : NULL;
}

/* Appends ".key" or "[i]" for item to path[0, used) (cut to size). */
static size_t path_step(char *path, size_t size, size_t used, const cJSON *item,
                        int index) {
  int n;
  if (used >= size)
    return used;
  if (item->string != NULL)
    n = snprintf(path + used, size - used, "%s%s", used > 0 ? "." : "",
                 item->string);
  else
    n = snprintf(path + used, size - used, "[%d]", index);
  if (n < 0)
    return used;
  return used + (size_t)n < size ? used + (size_t)n : size - 1;
}

static int find_nul(const cJSON *v, char *path, size_t size, size_t used) {
  const cJSON *c;
  int i = 0;
  if (v->type & (SK_JSON_HELD_NUL | SK_JSON_KEY_NUL))
    return 1;
  for (c = v->child; c != NULL; c = c->next, i++) {
    size_t at = path != NULL ? path_step(path, size, used, c, i) : 0;
    if (find_nul(c, path, size, at))
      return 1;
    if (path != NULL)
      path[used] = '\0';
  }
  return 0;
}

int sk_json_has_nul(const cJSON *v, char *where, size_t size) {
  if (where != NULL && size > 0)
    where[0] = '\0';
  else
    where = NULL;
  return v != NULL && find_nul(v, where, size, 0);
}

int sk_json_refuse_nul(const cJSON *root, const char *path, int code,
                       struct sk_error *err) {
  char where[128];
  if (!sk_json_has_nul(root, where, sizeof(where)))
    return 0;
  return sk_error_set(err, code,
                      "%s: %s holds a NUL character (\\u0000), which is "
                      "refused",
                      path, where);
}
