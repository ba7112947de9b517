/* fuzz_jsonget.c: the JSON string helper over hostile text.
 *
 * The input is parsed with sk_json_parse() and the tree is checked against
 * the source, with a decoder written here independently of util/jsonget.c:
 * the k-th string token of the parsed text must be the k-th string of the
 * tree (keys before their values, in source order); a token whose decoded
 * text holds U+0000 must be marked (SK_JSON_HELD_NUL for a value, renamed
 * and SK_JSON_KEY_NUL for a key) and refused by sk_json_str(); any other
 * must be unmarked, handed out by sk_json_str(), and exactly as long as its
 * decoding, so no string is ever cut short unnoticed. sk_json_has_nul()
 * must agree with the marks. (Whether a tree prints back to the same text
 * is cJSON's business, not ours: 1e999 parses as infinity and prints as
 * null.)
 */
#include "fuzz.h"
#include "shipskip/util/jsonget.h"

#include <stdlib.h>
#include <string.h>

/* One string token of the source: its decoded length, and whether the
 * decoding holds a NUL. */
struct token {
  size_t len;
  int nul;
};

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  int i;
  for (i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return 0;
  }
  *out = v;
  return 1;
}

/* Decodes the token body text[0, n) (between its quotes) as JSON does,
 * counting bytes: escapes to one byte, \uXXXX (and surrogate pairs) to
 * their UTF-8 length. */
static struct token decode(const char *t, size_t n) {
  struct token k = {0, 0};
  size_t i = 0;
  while (i < n) {
    unsigned cp;
    if (t[i] != '\\') {
      k.nul |= t[i] == '\0';
      k.len++;
      i++;
      continue;
    }
    if (i + 1 >= n) {
      /* A backslash left last: only a bad \u escape, read as six bytes
       * whatever they are, can leave one (it ate the first half of a "\\"
       * pair), and cJSON then takes the closing quote as the escaped
       * character. */
      k.len++;
      i++;
      continue;
    }
    if (t[i + 1] != 'u') {
      k.len++;
      i += 2;
      continue;
    }
    if (i + 6 > n)
      sk_fuzz_fail("a token cJSON accepted has a short \\u escape");
    /* cJSON decodes a \u escape that is not four hex digits as 0. */
    if (!hex4(t + i + 2, &cp))
      cp = 0;
    i += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      unsigned lo;
      if (i + 6 > n || t[i] != '\\' || t[i + 1] != 'u' || !hex4(t + i + 2, &lo))
        sk_fuzz_fail("a token cJSON accepted has a lone surrogate");
      i += 6;
      k.len += 4;
      continue;
    }
    k.nul |= cp == 0;
    k.len += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
  }
  return k;
}

/* Lists the string tokens of text[0, len), which parsed. */
static size_t tokens(const char *text, size_t len, struct token *out,
                     size_t max) {
  size_t i = 0;
  size_t n = 0;
  while (i < len) {
    size_t start;
    if (text[i] != '"') {
      i++;
      continue;
    }
    start = ++i;
    while (i < len && text[i] != '"')
      i += text[i] == '\\' ? 2 : 1;
    if (n < max)
      out[n] = decode(text + start, (i < len ? i : len) - start);
    n++;
    i++;
  }
  return n;
}

struct walk {
  const struct token *t;
  size_t n;
  size_t k;
  int marks;
};

static void check_key(const cJSON *item, struct walk *w) {
  const struct token *t;
  if (w->k >= w->n)
    sk_fuzz_fail("more strings in the tree than tokens in the text");
  t = &w->t[w->k++];
  if (t->nul != ((item->type & SK_JSON_KEY_NUL) != 0))
    sk_fuzz_fail("key token %zu: NUL %d, mark %d", w->k, t->nul,
                 (item->type & SK_JSON_KEY_NUL) != 0);
  if (t->nul) {
    w->marks++;
    /* Renamed to its source spelling, which holds the escape ("\\u0000",
     * or one cJSON read as 0) or a raw NUL written as "\\u0000". */
    if (strstr(item->string, "\\u") == NULL)
      sk_fuzz_fail("a key with a NUL was not renamed: \"%s\"", item->string);
  } else if (strlen(item->string) != t->len) {
    sk_fuzz_fail("key token %zu cut short: %zu of %zu bytes", w->k,
                 strlen(item->string), t->len);
  }
}

static void check_value(const cJSON *item, struct walk *w) {
  const struct token *t;
  const char *s = NULL;
  int rc = sk_json_str(item, &s);
  if (w->k >= w->n)
    sk_fuzz_fail("more strings in the tree than tokens in the text");
  t = &w->t[w->k++];
  if (t->nul) {
    w->marks++;
    if (rc != SK_JSON_NUL || s != NULL || sk_json_strval(item) != NULL)
      sk_fuzz_fail("string token %zu held a NUL and was handed out", w->k);
  } else if (rc != 1 || s == NULL || strlen(s) != t->len) {
    sk_fuzz_fail("string token %zu: rc %d, %zu of %zu bytes", w->k, rc,
                 s != NULL ? strlen(s) : 0, t->len);
  }
}

static void check(const cJSON *item, struct walk *w) {
  for (; item != NULL; item = item->next) {
    if (item->string != NULL)
      check_key(item, w);
    if (cJSON_IsString(item))
      check_value(item, w);
    else if (sk_json_str(item, &(const char *){NULL}) != 0)
      sk_fuzz_fail("a non-string handed out as a string");
    check(item->child, w);
  }
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *end = NULL;
  cJSON *root = sk_json_parse(text, size, &end);
  struct token *toks;
  struct walk w;
  char where[64];

  if (root == NULL)
    return 0;
  toks = malloc((size + 1) * sizeof(*toks));
  if (toks == NULL)
    sk_fuzz_fail("out of memory");
  w.t = toks;
  w.n = tokens(text, (size_t)(end - text), toks, size + 1);
  w.k = 0;
  w.marks = 0;
  check(root, &w);
  if (w.k != w.n)
    sk_fuzz_fail("%zu string tokens in the text, %zu in the tree", w.n, w.k);
  if (sk_json_has_nul(root, where, sizeof(where)) != (w.marks > 0))
    sk_fuzz_fail("sk_json_has_nul disagrees with %d marks", w.marks);
  free(toks);
  cJSON_Delete(root);
  return 0;
}
