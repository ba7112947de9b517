/* jsonfmt.c: the two-space JSON printer (see jsonfmt.h). */
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/error.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int indent(struct sk_buf *out, int depth) {
  static const char spaces[] = "                                ";
  int rc = 0;
  while (depth > 0 && rc == 0) {
    int n = depth > 16 ? 16 : depth;
    rc = sk_buf_add(out, spaces, (size_t)n * 2);
    depth -= n;
  }
  return rc;
}

#define R4(b) [b] = 1, [(b) + 1] = 1, [(b) + 2] = 1, [(b) + 3] = 1
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)

/* 1 for the bytes a string prints as they are: every byte from 0x20 but "
 * (0x22) and \\ (0x5C); a control byte is escaped and NUL ends the string.
 * A table, so the common byte costs one load and one test. */
/* clang-format off */
static const unsigned char PLAIN[256] = {
    [0x20] = 1, [0x21] = 1, [0x23] = 1, R4(0x24), R4(0x28), R4(0x2C),
    R16(0x30), R16(0x40), R4(0x50), R4(0x54), R4(0x58),
    [0x5D] = 1, [0x5E] = 1, [0x5F] = 1, R16(0x60), R16(0x70),
    R16(0x80), R16(0x90), R16(0xA0), R16(0xB0),
    R16(0xC0), R16(0xD0), R16(0xE0), R16(0xF0),
};
/* clang-format on */

#undef R16
#undef R4

/* The first byte in [p, end) that is not PLAIN, or end. Eight bytes at a
 * time while none of them is below 0x20, '"' or '\\' (the bit tricks are
 * "hasless" and "haszero" of Bit Twiddling Hacks: exact as a yes or no),
 * then the table for the word that has one: the strings printed are
 * prompts and reviews, kilobytes of plain text. */
static const unsigned char *skip_plain(const unsigned char *p,
                                       const unsigned char *end) {
  const uint64_t ones = 0x0101010101010101u;
  const uint64_t highs = 0x8080808080808080u;

  while (end - p >= 8) {
    uint64_t v;
    uint64_t q;
    uint64_t b;
    memcpy(&v, p, 8);
    q = v ^ (ones * '"');
    b = v ^ (ones * '\\');
    if ((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) &
        highs)
      break;
    p += 8;
  }
  while (p < end && PLAIN[*p])
    p++;
  return p;
}

/* What a byte below 0x20, '"' or '\\' prints as after its backslash: the
 * letter of a two-character escape, or 'u' for \u00xx. */
static char escape_letter(unsigned char c) {
  switch (c) {
  case '"':
  case '\\':
    return (char)c;
  case '\b':
    return 'b';
  case '\f':
    return 'f';
  case '\n':
    return 'n';
  case '\r':
    return 'r';
  case '\t':
    return 't';
  default:
    return 'u';
  }
}

/* A string as cJSON prints it: in quotes, with the two-character escapes
 * for " \\ \b \f \n \r \t, \u00xx (lowercase) for the other bytes below
 * 0x20, and every other byte as it is; NULL prints as "". Printed here, not
 * by cJSON, because a scorecard is mostly strings and cJSON would allocate
 * and scan each twice. Room for the plain case is made once, and more only
 * at an escape, which is rare (a prompt's newlines). */
int sk_json_put_str(const char *s, struct sk_buf *out) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
  const unsigned char *end = p + strlen((const char *)p);
  size_t before = out->len;
  char *o;
  int rc = sk_buf_grow(out, (size_t)(end - p) + 2, &o);

  if (rc != 0)
    return rc;
  *o++ = '"';
  for (;;) {
    const unsigned char *q = skip_plain(p, end);
    char letter;
    size_t at;
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    if (q == end)
      break;
    /* The byte has its room; the escape needs 1 or 5 more. */
    letter = escape_letter(*q);
    at = (size_t)(o - out->data);
    rc = sk_buf_grow(out, letter == 'u' ? 5 : 1, &o);
    if (rc != 0) {
      /* Leave out as it was: no half-written string behind. */
      out->len = before;
      out->data[before] = '\0';
      return rc;
    }
    o = out->data + at;
    *o++ = '\\';
    *o++ = letter;
    if (letter == 'u') {
      *o++ = '0';
      *o++ = '0';
      *o++ = hex[*q >> 4];
      *o++ = hex[*q & 15];
    }
    p = q + 1;
  }
  *o = '"';
  return 0;
}

/* cJSON's test that "%1.15g" gave back the number: equal within one unit
 * of the larger's last place (compare_double in cJSON 1.7). */
static int same_double(double a, double b) {
  double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return fabs(a - b) <= max * DBL_EPSILON;
}

/* A number as cJSON 1.7 prints it (print_number): null for NaN and the
 * infinities, "%1.15g" when that reads back as the same double (equal
 * within DBL_EPSILON of the larger), "%1.17g" when not.
 * Printed here because cJSON reads the 15 digits back with sscanf, and
 * allocates a buffer per number besides; strtod is what sscanf's %lg calls.
 * The C locale is assumed, as everywhere in shipskip (the decimal point is
 * '.'); tests/test_jsonfmt.c holds this to cJSON's bytes. */
static int number(const cJSON *item, struct sk_buf *out) {
  double d = item->valuedouble;
  char text[32];
  int n;

  if (isnan(d) || isinf(d))
    return sk_buf_add(out, "null", 4);
  if (d == (double)item->valueint && !(d == 0 && signbit(d))) {
    /* A whole number that fits an int (the common case) prints as its
     * digits under "%1.15g", and they are cheaper than a printf; -0 prints
     * "-0", so it takes the printf. */
    char digits[16];
    size_t k = sizeof(digits);
    unsigned u = item->valueint < 0 ? 0u - (unsigned)item->valueint
                                    : (unsigned)item->valueint;
    do {
      digits[--k] = (char)('0' + u % 10);
      u /= 10;
    } while (u > 0);
    if (item->valueint < 0)
      digits[--k] = '-';
    return sk_buf_add(out, digits + k, sizeof(digits) - k);
  }
  n = snprintf(text, sizeof(text), "%1.15g", d);
  if (n > 0 && (size_t)n < sizeof(text) && !same_double(strtod(text, NULL), d))
    n = snprintf(text, sizeof(text), "%1.17g", d);
  if (n <= 0 || (size_t)n >= sizeof(text))
    return SK_EINVAL;
  return sk_buf_add(out, text, (size_t)n);
}

/* A leaf as cJSON prints it unformatted. */
static int leaf(const cJSON *item, struct sk_buf *out) {
  cJSON tmp = *item;
  char *s;
  int rc;

  if (cJSON_IsString(item))
    return sk_json_put_str(item->valuestring, out);
  if (cJSON_IsTrue(item))
    return sk_buf_add(out, "true", 4);
  if (cJSON_IsFalse(item))
    return sk_buf_add(out, "false", 5);
  if (cJSON_IsNull(item))
    return sk_buf_add(out, "null", 4);
  if (cJSON_IsNumber(item))
    return number(item, out);
  /* Raw text (and anything else) as cJSON prints it. Print a detached
   * shallow copy: a leaf has no children, and without its siblings and key
   * cJSON prints the value alone. */
  tmp.next = tmp.prev = NULL;
  tmp.string = NULL;
  s = cJSON_PrintUnformatted(&tmp);
  if (s == NULL)
    return SK_ENOMEM;
  rc = sk_buf_adds(out, s);
  cJSON_free(s);
  return rc;
}

static int key(const char *k, struct sk_buf *out) {
  int rc = sk_json_put_str(k, out);
  if (rc == 0)
    rc = sk_buf_add(out, ": ", 2);
  return rc;
}

static int print(const cJSON *item, int depth, struct sk_buf *out) {
  const cJSON *child;
  int rc = 0;
  int obj = cJSON_IsObject(item);

  if (!obj && !cJSON_IsArray(item))
    return leaf(item, out);
  child = item->child;
  if (child == NULL)
    return sk_buf_adds(out, obj ? "{}" : "[]");
  rc = sk_buf_adds(out, obj ? "{\n" : "[\n");
  for (; child != NULL && rc == 0; child = child->next) {
    rc = indent(out, depth + 1);
    if (rc == 0 && obj)
      rc = key(child->string != NULL ? child->string : "", out);
    if (rc == 0)
      rc = print(child, depth + 1, out);
    if (rc == 0)
      rc = sk_buf_adds(out, child->next != NULL ? ",\n" : "\n");
  }
  if (rc == 0)
    rc = indent(out, depth);
  if (rc == 0)
    rc = sk_buf_adds(out, obj ? "}" : "]");
  return rc;
}

int sk_json_pretty_at(const cJSON *item, int depth, struct sk_buf *out) {
  return print(item, depth, out);
}

int sk_json_pretty(const cJSON *item, struct sk_buf *out) {
  int rc = print(item, 0, out);
  if (rc == 0)
    rc = sk_buf_add(out, "\n", 1);
  return rc;
}

static int compact(const cJSON *item, struct sk_buf *out) {
  const cJSON *child;
  int rc;
  int obj = cJSON_IsObject(item);

  if (!obj && !cJSON_IsArray(item))
    return leaf(item, out);
  rc = sk_buf_add(out, obj ? "{" : "[", 1);
  for (child = item->child; child != NULL && rc == 0; child = child->next) {
    if (obj) {
      rc = sk_json_put_str(child->string, out);
      if (rc == 0)
        rc = sk_buf_add(out, ":", 1);
    }
    if (rc == 0)
      rc = compact(child, out);
    if (rc == 0 && child->next != NULL)
      rc = sk_buf_add(out, ",", 1);
  }
  if (rc == 0)
    rc = sk_buf_add(out, obj ? "}" : "]", 1);
  return rc;
}

int sk_json_compact(const cJSON *item, struct sk_buf *out) {
  return compact(item, out);
}

char *sk_json_compact_str(const cJSON *item, size_t *len) {
  struct sk_buf b;
  char *s = NULL;
  sk_buf_init(&b, SIZE_MAX / 2);
  if (compact(item, &b) == 0) {
    if (len != NULL)
      *len = b.len;
    s = sk_buf_take(&b);
  }
  sk_buf_cleanup(&b);
  return s;
}

int sk_json_add_str_or_null(cJSON *obj, const char *key, const char *v) {
  cJSON *item = v != NULL ? cJSON_CreateString(v) : cJSON_CreateNull();
  if (item == NULL)
    return SK_ENOMEM;
  cJSON_AddItemToObject(obj, key, item);
  return 0;
}

int sk_json_add_num(cJSON *obj, const char *key, double v) {
  return cJSON_AddNumberToObject(obj, key, v) == NULL ? SK_ENOMEM : 0;
}

/* ---- the writer: the same bytes as print(), without a tree ---- */

void sk_jw_init(struct sk_jw *w, struct sk_buf *out, int depth) {
  memset(w, 0, sizeof(*w));
  w->out = out;
  w->base = depth;
}

void sk_jw_init_compact(struct sk_jw *w, struct sk_buf *out) {
  sk_jw_init(w, out, 0);
  w->compact = 1;
}

/* Starts a value: the separator and indent print() puts before a child,
 * and its key inside an object. At the top there is nothing to print. */
static void member(struct sk_jw *w, const char *k) {
  if (w->rc != 0 || w->depth == 0)
    return;
  if (w->compact) {
    if (w->members[w->depth])
      w->rc = sk_buf_add(w->out, ",", 1);
    w->members[w->depth] = 1;
    if (w->rc == 0 && k != NULL)
      w->rc = sk_json_put_str(k, w->out);
    if (w->rc == 0 && k != NULL)
      w->rc = sk_buf_add(w->out, ":", 1);
    return;
  }
  w->rc = sk_buf_add(w->out, w->members[w->depth] ? ",\n" : "\n",
                     w->members[w->depth] ? 2 : 1);
  w->members[w->depth] = 1;
  if (w->rc == 0)
    w->rc = indent(w->out, w->base + w->depth);
  if (w->rc == 0 && k != NULL)
    w->rc = key(k, w->out);
}

void sk_jw_open(struct sk_jw *w, const char *key, char kind) {
  member(w, key);
  if (w->rc != 0)
    return;
  if (w->depth + 1 >= SK_JW_MAX_DEPTH) {
    w->rc = SK_ETOOBIG;
    return;
  }
  w->rc = sk_buf_add(w->out, kind == '[' ? "[" : "{", 1);
  w->depth++;
  w->members[w->depth] = 0;
}

void sk_jw_close(struct sk_jw *w, char kind) {
  const char *end = kind == '[' ? "]" : "}";
  if (w->rc != 0 || w->depth == 0)
    return;
  /* An empty container prints "{}"; a full one ends on its own line. */
  if (w->members[w->depth] && !w->compact) {
    w->rc = sk_buf_add(w->out, "\n", 1);
    if (w->rc == 0)
      w->rc = indent(w->out, w->base + w->depth - 1);
  }
  if (w->rc == 0)
    w->rc = sk_buf_add(w->out, end, 1);
  w->depth--;
}

void sk_jw_str(struct sk_jw *w, const char *key, const char *v) {
  member(w, key);
  if (w->rc == 0)
    w->rc =
        v != NULL ? sk_json_put_str(v, w->out) : sk_buf_add(w->out, "null", 4);
}

void sk_jw_num(struct sk_jw *w, const char *key, double v) {
  cJSON tmp;
  member(w, key);
  if (w->rc != 0)
    return;
  /* A detached number item, valueint set as cJSON_CreateNumber sets it. */
  memset(&tmp, 0, sizeof(tmp));
  tmp.type = cJSON_Number;
  cJSON_SetNumberHelper(&tmp, v);
  w->rc = leaf(&tmp, w->out);
}

void sk_jw_bool(struct sk_jw *w, const char *key, int v) {
  member(w, key);
  if (w->rc == 0)
    w->rc = v ? sk_buf_add(w->out, "true", 4) : sk_buf_add(w->out, "false", 5);
}

void sk_jw_null(struct sk_jw *w, const char *key) {
  member(w, key);
  if (w->rc == 0)
    w->rc = sk_buf_add(w->out, "null", 4);
}

void sk_jw_tree(struct sk_jw *w, const char *key, const cJSON *v) {
  member(w, key);
  if (w->rc == 0)
    w->rc =
        w->compact ? compact(v, w->out) : print(v, w->base + w->depth, w->out);
}

int sk_jw_done(const struct sk_jw *w) {
  return w->rc;
}
