/* prefilter.c: the literal cover of a rubric pattern (see prefilter.h).
 *
 * A recursive-descent parser computes, for each piece of the pattern, a set
 * of lower-case strings that every match of the piece starts with (a
 * cover). A string is open when it is a whole match of the piece, so that
 * the next piece's strings can be appended to it; closed when the match may
 * go on with something unknown. Alternation is the union; a sequence
 * appends to the open strings while there are any; a zero-width assertion
 * is {""}, open; anything that can match an unknown character (\w, a
 * negated class, a dot) is {""}, closed, which covers everything. Strings
 * are cut (and closed) at LIT_MAX bytes: a prefix of a cover string is a
 * cover string too. The scan compares text bytes with ASCII upper case folded,
 * which is what caseless matching does to the only characters a cover holds:
 * ASCII, and the four typographic quotes, which have no other case.
 */
#include "shipskip/review/prefilter.h"
#include "shipskip/util/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LIT_MAX 8    /* bytes kept of each cover string */
#define SET_MAX 1024 /* strings in one set; a larger one stops appending */
#define RANGE_MAX 64 /* characters a class range may expand to */

struct lit {
  unsigned char len;
  unsigned char open; /* a whole match so far: may be appended to */
  char s[LIT_MAX + 1];
};

/* A cover under construction. */
struct set {
  struct lit *v;
  size_t n;
};

struct parser {
  const char *p;
  int fail; /* syntax the parser does not know: no cover */
  int oom;
  int depth;   /* groups open */
  int top_bar; /* a "|" outside every group: alternatives at the top */
};

struct sk_prefilter {
  struct lit *lits; /* sorted by first byte */
  size_t n;
  unsigned short start[257]; /* lits[start[c]..start[c+1]) begin with c */
  /* Bit (d & 63) of next[c]: some literal begins with c and then d (all
   * bits for a one-byte literal), so most positions cost one test. */
  uint64_t next[256];
  size_t guard[2]; /* where the two GUARDS are in lits */
  /* 1 when every match starts at \b with an ASCII word character (the
   * pattern opens with \b, every literal with a letter, digit or "_"): a
   * position right after an ASCII word character cannot start one. */
  int word_start;
};

/* ASCII letters, digits and "_": word characters whatever PCRE2_UCP says
 * of the others. */
static int ascii_word(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

static const struct lit GUARDS[] = {
    {2, 0, "\xC5\xBF"},     /* U+017F LATIN SMALL LETTER LONG S: "s" */
    {3, 0, "\xE2\x84\xAA"}, /* U+212A KELVIN SIGN: caseless "k" */
};

static unsigned char lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static void set_free(struct set *s) {
  free(s->v);
  s->v = NULL;
  s->n = 0;
}

/* The set {""}, open or closed; empty when out of memory (oom set). */
static struct set set_empty(struct parser *ps, int open) {
  struct set s = {NULL, 0};
  s.v = calloc(1, sizeof(*s.v));
  if (s.v == NULL) {
    ps->oom = 1;
  } else {
    s.v[0].open = (unsigned char)open;
    s.n = 1;
  }
  return s;
}

/* 1 when some string of s may still be appended to. */
static int set_open(const struct set *s) {
  size_t i;
  for (i = 0; i < s->n; i++)
    if (s->v[i].open)
      return 1;
  return 0;
}

static int lit_cmp(const void *a, const void *b) {
  const struct lit *x = a;
  const struct lit *y = b;
  int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
  if (c != 0)
    return c;
  return x->len != y->len ? (int)x->len - (int)y->len
                          : (int)x->open - (int)y->open;
}

/* Sorts and removes duplicates (order and duplicates mean nothing). */
static void set_dedupe(struct set *s) {
  size_t i;
  size_t o = 0;
  if (s->n < 2)
    return;
  qsort(s->v, s->n, sizeof(*s->v), lit_cmp);
  for (i = 0; i < s->n; i++)
    if (o == 0 || lit_cmp(&s->v[o - 1], &s->v[i]) != 0)
      s->v[o++] = s->v[i];
  s->n = o;
}

/* a := a | b (b is consumed; duplicates stay until set_dedupe). */
static void set_union(struct parser *ps, struct set *a, struct set *b) {
  struct lit *v;
  if (ps->oom || ps->fail) {
    set_free(b);
    return;
  }
  v = realloc(a->v, (a->n + b->n) * sizeof(*v));
  if (v == NULL) {
    ps->oom = 1;
    set_free(b);
    return;
  }
  memcpy(v + a->n, b->v, b->n * sizeof(*v));
  a->v = v;
  a->n += b->n;
  set_free(b);
}

/* a := a . b: each open string of a followed by each of b, the closed ones
 * kept as they are. Returns 0, or -1 (a closed, otherwise left alone) when
 * the result would pass SET_MAX: the caller then stops appending. */
static int set_append(struct parser *ps, struct set *a, const struct set *b) {
  struct set r = {NULL, 0};
  size_t need = 0;
  size_t i;
  size_t j;

  for (i = 0; i < a->n; i++)
    need += a->v[i].open ? b->n : 1;
  if (need > SET_MAX || need == 0) {
    for (i = 0; i < a->n; i++)
      a->v[i].open = 0;
    return -1;
  }
  r.v = malloc(need * sizeof(*r.v));
  if (r.v == NULL) {
    ps->oom = 1;
    return -1;
  }
  for (i = 0; i < a->n; i++) {
    if (!a->v[i].open) {
      r.v[r.n++] = a->v[i];
      continue;
    }
    for (j = 0; j < b->n; j++) {
      struct lit *l = &r.v[r.n++];
      size_t n = a->v[i].len + b->v[j].len;
      l->open = b->v[j].open;
      if (n > LIT_MAX) {
        n = LIT_MAX;
        l->open = 0; /* a prefix of the match, no longer the match */
      }
      memcpy(l->s, a->v[i].s, a->v[i].len);
      memcpy(l->s + a->v[i].len, b->v[j].s, n - a->v[i].len);
      l->s[n] = '\0';
      l->len = (unsigned char)n;
    }
  }
  set_free(a);
  *a = r;
  /* Duplicates (from cut strings) only cost room: sorting every product
   * costs more than carrying a few until the alternation's end. */
  if (a->n > SET_MAX / 4)
    set_dedupe(a);
  return 0;
}

/* Adds the one-character string c (n bytes) to s. */
static void set_add_char(struct parser *ps, struct set *s, const char *c,
                         size_t n) {
  struct lit *v = s->v;
  /* Room doubles at powers of two (a class adds its characters one by
   * one); no other code grows a set in place. */
  if ((s->n & (s->n - 1)) == 0) {
    v = realloc(s->v, (s->n ? s->n * 2 : 1) * sizeof(*v));
    if (v == NULL) {
      ps->oom = 1;
      return;
    }
    s->v = v;
  }
  memcpy(v[s->n].s, c, n);
  v[s->n].s[n] = '\0';
  v[s->n].len = (unsigned char)n;
  v[s->n].open = 1;
  if (n == 1)
    v[s->n].s[0] = (char)lower((unsigned char)c[0]);
  s->n++;
}

/* The length of the UTF-8 sequence at p when it is one of the typographic
 * quotes U+2018, U+2019, U+201C, U+201D (no other case: see the test),
 * else 0. */
static size_t quote_len(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  if (u[0] == 0xE2 && u[1] == 0x80 &&
      (u[2] == 0x98 || u[2] == 0x99 || u[2] == 0x9C || u[2] == 0x9D))
    return 3;
  return 0;
}

/* Skips one UTF-8 character at ps->p (a lead byte >= 0x80). */
static void skip_utf8(struct parser *ps) {
  ps->p++;
  while (((unsigned char)*ps->p & 0xC0) == 0x80)
    ps->p++;
}

/* ASCII punctuation, which a backslash makes literal. */
static int is_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~') || c == ' ';
}

/* Escapes that match one (or, \R, two) characters of a kind. */
static int is_type_escape(char c) {
  return c != '\0' && strchr("dDwWsShHvVNRX", c) != NULL;
}

static struct set parse_alt(struct parser *ps);

/* A character class, ps->p just past the "[". */
static struct set parse_class(struct parser *ps) {
  struct set s = {NULL, 0};
  int negated = 0;
  int unknown = 0; /* a member that is not a literal the cover can hold */
  int first = 1;

  if (*ps->p == '^') {
    negated = 1;
    ps->p++;
  }
  for (;; first = 0) {
    char c = *ps->p;
    size_t q;
    if (c == '\0') {
      ps->fail = 1;
      break;
    }
    if (c == ']' && !first) {
      ps->p++;
      break;
    }
    if (c == '[' && ps->p[1] == ':') {
      ps->fail = 1; /* POSIX classes: not known here */
      break;
    }
    if (c == '\\') {
      char e = ps->p[1];
      ps->p += 2;
      if (is_type_escape(e))
        unknown = 1;
      else if (is_punct(e))
        set_add_char(ps, &s, &e, 1);
      else
        ps->fail = 1;
      if (ps->fail)
        break;
      continue;
    }
    q = quote_len(ps->p);
    if (q > 0) {
      set_add_char(ps, &s, ps->p, q);
      ps->p += q;
      continue;
    }
    if ((unsigned char)c >= 0x80) {
      unknown = 1;
      skip_utf8(ps);
      continue;
    }
    if (ps->p[1] == '-' && ps->p[2] != ']' && ps->p[2] != '\0') {
      unsigned char hi = (unsigned char)ps->p[2];
      unsigned char ch;
      if (hi == '\\' || hi >= 0x80 || hi < (unsigned char)c ||
          hi - (unsigned char)c >= RANGE_MAX) {
        ps->fail = 1;
        break;
      }
      for (ch = (unsigned char)c; ch <= hi; ch++) {
        char b = (char)ch;
        set_add_char(ps, &s, &b, 1);
      }
      ps->p += 3;
      continue;
    }
    set_add_char(ps, &s, &c, 1);
    ps->p++;
  }
  if (negated || unknown || ps->fail || ps->oom) {
    set_free(&s);
    return set_empty(ps, 0);
  }
  set_dedupe(&s);
  return s;
}

/* A group, ps->p at its "(". */
static struct set parse_group(struct parser *ps) {
  int lookahead = 0;
  struct set s;

  ps->p++;
  if (*ps->p == '?') {
    if (ps->p[1] == '=' || ps->p[1] == '!')
      lookahead = 1;
    else if (ps->p[1] != ':') {
      ps->fail = 1; /* inline options, lookbehind, names...: unknown */
      return set_empty(ps, 0);
    }
    ps->p += 2;
  } else if (*ps->p == '*') {
    ps->fail = 1; /* (*VERB) */
    return set_empty(ps, 0);
  }
  ps->depth++;
  s = parse_alt(ps);
  ps->depth--;
  if (*ps->p != ')')
    ps->fail = 1;
  else
    ps->p++;
  if (lookahead) {
    /* Zero width: what it looks at is not part of the match. */
    set_free(&s);
    return set_empty(ps, 1);
  }
  return s;
}

/* One atom: a literal, an escape, a class, a group or a dot. */
static struct set parse_atom(struct parser *ps) {
  char c = *ps->p;
  size_t q;

  if (c == '(')
    return parse_group(ps);
  if (c == '[') {
    ps->p++;
    return parse_class(ps);
  }
  if (c == '\\') {
    char e = ps->p[1];
    ps->p += e != '\0' ? 2 : 1;
    if (e == 'b' || e == 'B')
      return set_empty(ps, 1); /* zero width */
    if (is_type_escape(e))
      return set_empty(ps, 0);
    if (is_punct(e)) {
      struct set s = {NULL, 0};
      set_add_char(ps, &s, &e, 1);
      return s;
    }
    ps->fail = 1;
    return set_empty(ps, 0);
  }
  if (c == '.') {
    ps->p++;
    return set_empty(ps, 0);
  }
  if (strchr("^$*+?{", c) != NULL) {
    ps->fail = 1; /* anchors, a quantifier with nothing before it */
    return set_empty(ps, 0);
  }
  q = quote_len(ps->p);
  if (q == 0 && (unsigned char)c >= 0x80) {
    skip_utf8(ps);
    return set_empty(ps, 0);
  }
  {
    struct set s = {NULL, 0};
    set_add_char(ps, &s, ps->p, q > 0 ? q : 1);
    ps->p += q > 0 ? q : 1;
    return s;
  }
}

/* Reads "{m}", "{m,}" or "{m,n}" at ps->p into *min and *max (-1: no
 * bound); returns 0, or -1 when it is not a quantifier. */
static int parse_braces(struct parser *ps, long *min, long *max) {
  char *end;
  const char *p = ps->p + 1;

  if (*p < '0' || *p > '9')
    return -1;
  *min = strtol(p, &end, 10);
  *max = *min;
  if (*end == ',') {
    if (end[1] == '}') {
      *max = -1;
      end++;
    } else {
      *max = strtol(end + 1, &end, 10);
    }
  }
  if (*end != '}')
    return -1;
  ps->p = end + 1;
  return 0;
}

/* An atom and its quantifier, if any. */
static struct set parse_item(struct parser *ps) {
  struct set s = parse_atom(ps);
  long min = 1;
  long max = 1;
  char c = *ps->p;

  if (ps->fail || ps->oom)
    return s;
  if (c == '?') {
    min = 0;
    ps->p++;
  } else if (c == '*') {
    min = 0;
    max = -1;
    ps->p++;
  } else if (c == '+') {
    max = -1;
    ps->p++;
  } else if (c == '{') {
    if (parse_braces(ps, &min, &max) != 0) {
      ps->fail = 1; /* a literal "{": rare enough to leave alone */
      return s;
    }
  } else {
    return s;
  }
  if (*ps->p == '?' || *ps->p == '+')
    ps->p++; /* lazy or possessive: the same strings */
  if (min == 0 && max == 1) {
    struct set e = set_empty(ps, 1);
    set_union(ps, &s, &e); /* optional: "" joins the set, open */
    set_dedupe(&s);
  } else if (min == 0) {
    set_free(&s);
    s = set_empty(ps, 0);
  } else if (!(min == 1 && max == 1)) {
    size_t i;
    for (i = 0; i < s.n; i++)
      s.v[i].open = 0; /* one match of the atom, then maybe more */
  }
  return s;
}

/* 1 when p is a letter, digit or space with no quantifier after it: the
 * common item, appended in place without a set of its own. */
static int plain_char(const char *p) {
  char c = p[0];
  if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == ' '))
    return 0;
  return p[1] == '\0' || strchr("?*+{", p[1]) == NULL;
}

/* Appends the byte c to every open string of s, closing those that are
 * full; what set_append does with {c}, without building it. */
static void append_char(struct set *s, char c) {
  size_t i;
  for (i = 0; i < s->n; i++) {
    struct lit *l = &s->v[i];
    if (!l->open)
      continue;
    if (l->len == LIT_MAX) {
      l->open = 0;
      continue;
    }
    l->s[l->len++] = (char)lower((unsigned char)c);
    l->s[l->len] = '\0';
  }
}

/* A sequence of items, up to "|", ")" or the end. */
static struct set parse_seq(struct parser *ps) {
  struct set acc = set_empty(ps, 1);
  int appending = 1;

  while (!ps->fail && !ps->oom && *ps->p != '\0' && *ps->p != '|' &&
         *ps->p != ')') {
    struct set item;
    if (plain_char(ps->p)) {
      if (appending)
        append_char(&acc, *ps->p);
      ps->p++;
      if (!set_open(&acc))
        appending = 0;
      continue;
    }
    item = parse_item(ps);
    if (appending && !ps->fail && !ps->oom)
      set_append(ps, &acc, &item);
    if (!set_open(&acc))
      appending = 0;
    set_free(&item);
  }
  return acc;
}

static struct set parse_alt(struct parser *ps) {
  struct set s = parse_seq(ps);
  while (!ps->fail && !ps->oom && *ps->p == '|') {
    struct set b;
    if (ps->depth == 0)
      ps->top_bar = 1;
    ps->p++;
    b = parse_seq(ps);
    set_union(ps, &s, &b);
  }
  set_dedupe(&s);
  return s;
}

/* Builds the lookup from a cover with no empty string: strings that extend
 * another are dropped (the shorter one finds them), the guards added, and
 * the rest grouped by first byte. */
static int build(const struct set *s, struct sk_prefilter **out) {
  struct sk_prefilter *pf = calloc(1, sizeof(*pf));
  size_t i;
  size_t c;

  if (pf == NULL)
    return SK_ENOMEM;
  pf->lits = malloc((s->n + 2) * sizeof(*pf->lits));
  if (pf->lits == NULL) {
    free(pf);
    return SK_ENOMEM;
  }
  /* s is sorted: the strings a string is a prefix of follow it. */
  for (i = 0; i < s->n; i++) {
    const struct lit *l = &s->v[i];
    const struct lit *k = pf->n > 0 ? &pf->lits[pf->n - 1] : NULL;
    if (k != NULL && k->len <= l->len && memcmp(k->s, l->s, k->len) == 0)
      continue;
    pf->lits[pf->n++] = *l;
  }
  pf->lits[pf->n++] = GUARDS[0];
  pf->lits[pf->n++] = GUARDS[1];
  qsort(pf->lits, pf->n, sizeof(*pf->lits), lit_cmp);
  for (c = 0, i = 0; c < 256; c++) {
    pf->start[c] = (unsigned short)i;
    while (i < pf->n && (unsigned char)pf->lits[i].s[0] == c)
      i++;
  }
  pf->start[256] = (unsigned short)pf->n;
  for (i = 0; i < pf->n; i++) {
    if (lit_cmp(&pf->lits[i], &GUARDS[0]) == 0)
      pf->guard[0] = i;
    else if (lit_cmp(&pf->lits[i], &GUARDS[1]) == 0)
      pf->guard[1] = i;
  }
  for (i = 0; i < pf->n; i++) {
    const struct lit *l = &pf->lits[i];
    pf->next[(unsigned char)l->s[0]] |=
        l->len < 2 ? ~(uint64_t)0
                   : (uint64_t)1 << ((unsigned char)l->s[1] & 63);
  }
  *out = pf;
  return 0;
}

int sk_prefilter_new(const char *pattern, struct sk_prefilter **out) {
  struct parser ps = {pattern, 0, 0, 0, 0};
  struct set s;
  size_t i;
  int rc = 0;

  *out = NULL;
  s = parse_alt(&ps);
  if (*ps.p != '\0')
    ps.fail = 1; /* an unbalanced ")" */
  if (ps.oom) {
    set_free(&s);
    return SK_ENOMEM;
  }
  for (i = 0; i < s.n && !ps.fail; i++)
    if (s.v[i].len == 0)
      ps.fail = 1; /* an alternative that can start with anything */
  if (!ps.fail && s.n > 0 && s.n < SET_MAX)
    rc = build(&s, out);
  if (*out != NULL) {
    /* One top-level alternative that opens with an unquantified \b. */
    int word = !ps.top_bar && strncmp(pattern, "\\b", 2) == 0 &&
               (pattern[2] == '\0' || strchr("?*+{", pattern[2]) == NULL);
    for (i = 0; i < s.n && word; i++)
      word = ascii_word((unsigned char)s.v[i].s[0]);
    (*out)->word_start = word;
  }
  set_free(&s);
  return rc;
}

void sk_prefilter_free(struct sk_prefilter *pf) {
  if (pf == NULL)
    return;
  free(pf->lits);
  free(pf);
}

/* Where a match whose first LIT_MAX characters hold the character at i (a
 * guard: it stands for an ASCII letter) can start at the earliest: LIT_MAX
 * - 1 characters back. A match starting before that would have a literal
 * made of earlier characters only, which the scan would have found. */
static size_t back(const unsigned char *t, size_t i) {
  int chars = LIT_MAX - 1;
  while (i > 0 && chars > 0) {
    i--;
    if ((t[i] & 0xC0) != 0x80)
      chars--;
  }
  return i;
}

size_t sk_prefilter_first(const struct sk_prefilter *pf, const char *text,
                          size_t len) {
  const unsigned char *t = (const unsigned char *)text;
  size_t i;

  for (i = 0; i < len; i++) {
    unsigned c = lower(t[i]);
    size_t k;
    /* Inside a word no literal starts (the guards are not ASCII). */
    if (pf->word_start && i > 0 && ascii_word(t[i - 1]) && c < 0x80)
      continue;
    if (i + 1 < len && !((pf->next[c] >> (lower(t[i + 1]) & 63)) & 1))
      continue;
    for (k = pf->start[c]; k < pf->start[c + 1]; k++) {
      const struct lit *l = &pf->lits[k];
      size_t j = 1;
      if (l->len > len - i)
        continue;
      while (j < l->len && lower(t[i + j]) == (unsigned char)l->s[j])
        j++;
      if (j < l->len)
        continue;
      if (!l->open &&
          (l == &pf->lits[pf->guard[0]] || l == &pf->lits[pf->guard[1]]))
        return back(t, i);
      return i;
    }
  }
  return SK_PREFILTER_NONE;
}

size_t sk_prefilter_count(const struct sk_prefilter *pf) {
  return pf != NULL ? pf->n : 0;
}

const char *sk_prefilter_literal(const struct sk_prefilter *pf, size_t i) {
  return pf->lits[i].s;
}
