/* prefilter.c: the literal cover of a pattern (see prefilter.h).
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
 * ASCII, and the four typographic quotes, which have no other case; in the
 * extended syntax also WILD, the first byte of any non-ASCII character.
 * A set of prefilters (for the injection rules) is scanned in one pass: a
 * table from each byte to the prefilters with a string starting with it
 * sends each place only to those still without an answer.
 */
#include "shipskip/review/prefilter.h"
#include "shipskip/util/unicode.h"
#include "shipskip/util/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LIT_MAX 8    /* bytes kept of each cover string */
#define SET_MAX 1024 /* strings in one set; a larger one stops appending */
#define RANGE_MAX 64 /* characters a class range may expand to */
/* In a cover string (extended syntax only): any byte from 0xC0 on, that is
 * the first byte of any non-ASCII character. It is always a string's last
 * byte (the character's length is not known), and a string made of it alone
 * becomes the one-byte strings 0xC0 to 0xFF when the lookup is built. */
#define WILD 0xFF

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
  int ext;  /* SK_PREFILTER_EXTENDED: more syntax known (prefilter.h) */
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

/* Reads the code point of "\xHH" or "\x{H...}", ps->p just past the "x".
 * Returns it, or -1 (ps->fail set) for a form left to PCRE2 alone. */
static long parse_hex(struct parser *ps) {
  long v = 0;
  int digits = 0;
  int brace = *ps->p == '{';

  if (brace)
    ps->p++;
  while (sk_hex_value(*ps->p) >= 0 && digits < (brace ? 8 : 2)) {
    v = v * 16 + sk_hex_value(*ps->p);
    ps->p++;
    digits++;
  }
  if (brace && *ps->p == '}')
    ps->p++;
  else if (brace)
    digits = 0;
  if (digits == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    ps->fail = 1;
    return -1;
  }
  return v;
}

/* Reads the UTF-8 character at ps->p (a lead byte >= 0x80). Returns its
 * code point, or -1 (ps->fail set) when it is not valid UTF-8. */
static long parse_utf8(struct parser *ps) {
  const unsigned char *u = (const unsigned char *)ps->p;
  size_t n = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
  long v = n == 4 ? (u[0] & 0x07) : n == 3 ? (u[0] & 0x0F) : (u[0] & 0x1F);
  size_t k;

  if (n == 0) {
    ps->fail = 1;
    return -1;
  }
  for (k = 1; k < n; k++) {
    if ((u[k] & 0xC0) != 0x80) {
      ps->fail = 1;
      return -1;
    }
    v = (v << 6) | (u[k] & 0x3F);
  }
  ps->p += n;
  return v;
}

/* The control characters PCRE2 names with a letter: \t, \n, \r, \f, \e
 * and \a; -1 for any other letter. */
static long control_escape(char e) {
  switch (e) {
  case 't':
    return '\t';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 'f':
    return '\f';
  case 'e':
    return 0x1B;
  case 'a':
    return 0x07;
  default:
    return -1;
  }
}

/* 1 when the caseless match of a pattern character in [lo, hi] (all at or
 * above 0x80) may be an ASCII character: U+017F matches "s" and U+212A "k"
 * (tests/test_prefilter.c proves these are the only two). */
static int folds_to_ascii(long lo, long hi) {
  return (lo <= 0x17F && hi >= 0x17F) || (lo <= 0x212A && hi >= 0x212A);
}

/* Adds to s what a class member or range [lo, hi] of the extended syntax
 * can start with; sets *unknown when that is anything at all. */
static void add_range(struct parser *ps, struct set *s, long lo, long hi,
                      int *unknown) {
  long c;

  if (hi < 0x80) {
    if (hi - lo >= RANGE_MAX) {
      *unknown = 1;
      return;
    }
    for (c = lo; c <= hi; c++) {
      char b = (char)c;
      set_add_char(ps, s, &b, 1);
    }
  } else if (lo < 0x80 || folds_to_ascii(lo, hi)) {
    *unknown = 1;
  } else if (lo == hi &&
             (lo == 0x2018 || lo == 0x2019 || lo == 0x201C || lo == 0x201D)) {
    /* A typographic quote is matched as itself (see quote_len). */
    char q[3] = {(char)0xE2, (char)0x80, (char)(0x80 | (lo & 0x3F))};
    set_add_char(ps, s, q, 3);
  } else {
    /* Caseless, a non-ASCII character other than those two matches only
     * non-ASCII characters: their first byte is 0xC0 or more. */
    char w = (char)WILD;
    set_add_char(ps, s, &w, 1);
    if (!ps->oom)
      s->v[s->n - 1].open = 0;
  }
}

/* The cover of one pattern character of the extended syntax (cp). */
static struct set char_set(struct parser *ps, long cp) {
  struct set s = {NULL, 0};
  int unknown = 0;

  if (cp < 0 || ps->fail)
    return set_empty(ps, 0);
  add_range(ps, &s, cp, cp, &unknown);
  if (unknown || ps->oom) {
    set_free(&s);
    return set_empty(ps, 0);
  }
  return s;
}

/* Reads one class member of the extended syntax at ps->p: its code point,
 * -1 for a type escape (\d, \w...: unknown characters) or -2 (ps->fail
 * set) for syntax left to PCRE2 alone. */
static long class_char(struct parser *ps) {
  char c = *ps->p;
  char e;
  long v;

  if ((unsigned char)c >= 0x80) {
    v = parse_utf8(ps);
    return v < 0 ? -2 : v;
  }
  if (c != '\\') {
    ps->p++;
    return (unsigned char)c;
  }
  e = ps->p[1];
  ps->p += e != '\0' ? 2 : 1;
  if (e == 'x') {
    v = parse_hex(ps);
    return v < 0 ? -2 : v;
  }
  if (is_type_escape(e))
    return -1;
  if (is_punct(e))
    return (unsigned char)e;
  v = control_escape(e);
  if (v < 0)
    ps->fail = 1;
  return v < 0 ? -2 : v;
}

/* A character class of the extended syntax, ps->p just past the "[":
 * members may be \x escapes, control escapes and non-ASCII characters, and
 * a range too large to list is an unknown member, not a failure. */
static struct set parse_class_ext(struct parser *ps) {
  struct set s = {NULL, 0};
  int negated = 0;
  int unknown = 0;
  int first = 1;

  if (*ps->p == '^') {
    negated = 1;
    ps->p++;
  }
  for (;; first = 0) {
    long lo;
    long hi;
    if (*ps->p == '\0' || (*ps->p == '[' && ps->p[1] == ':')) {
      ps->fail = 1; /* unterminated, or a POSIX class */
      break;
    }
    if (*ps->p == ']' && !first) {
      ps->p++;
      break;
    }
    lo = class_char(ps);
    if (lo == -2)
      break;
    hi = lo;
    if (*ps->p == '-' && ps->p[1] != ']' && ps->p[1] != '\0') {
      ps->p++;
      hi = class_char(ps);
      if (lo < 0 || hi < lo) {
        ps->fail = 1; /* a range from or to \d, or backwards */
        break;
      }
    }
    if (lo == -1)
      unknown = 1;
    else
      add_range(ps, &s, lo, hi, &unknown);
  }
  if (negated || unknown || ps->fail || ps->oom) {
    set_free(&s);
    return set_empty(ps, 0);
  }
  set_dedupe(&s);
  return s;
}

/* A character class, ps->p just past the "[". */
static struct set parse_class(struct parser *ps) {
  struct set s = {NULL, 0};
  int negated = 0;
  int unknown = 0; /* a member that is not a literal the cover can hold */
  int first = 1;

  if (ps->ext)
    return parse_class_ext(ps);
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
    if (ps->p[1] == '=' || ps->p[1] == '!') {
      lookahead = 1;
    } else if (ps->ext && ps->p[1] == '<' &&
               (ps->p[2] == '=' || ps->p[2] == '!')) {
      lookahead = 1; /* a lookbehind: zero width as well */
      ps->p++;
    } else if (ps->p[1] != ':') {
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
    /* Zero width: what it looks at (ahead, or behind, before the place
     * where the match starts) is not part of the match. */
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
    if (ps->ext && e == 'x')
      return char_set(ps, parse_hex(ps));
    if (ps->ext && control_escape(e) >= 0)
      return char_set(ps, control_escape(e));
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
  if (ps->ext && (c == '^' || c == '$')) {
    /* Zero width: which place matches depends on the text, not on where
     * the matching starts (\A and \G, which do, stay unknown). */
    ps->p++;
    return set_empty(ps, 1);
  }
  if (strchr("^$*+?{", c) != NULL) {
    ps->fail = 1; /* anchors, a quantifier with nothing before it */
    return set_empty(ps, 0);
  }
  q = quote_len(ps->p);
  if (q == 0 && (unsigned char)c >= 0x80 && ps->ext)
    return char_set(ps, parse_utf8(ps));
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
  int wild = 0;

  pf->lits = malloc((s->n + 2 + 64) * sizeof(*pf->lits));
  if (pf->lits == NULL) {
    free(pf);
    return SK_ENOMEM;
  }
  /* s is sorted: the strings a string is a prefix of follow it. */
  for (i = 0; i < s->n; i++) {
    const struct lit *l = &s->v[i];
    const struct lit *k = pf->n > 0 ? &pf->lits[pf->n - 1] : NULL;
    if (l->len == 1 && (unsigned char)l->s[0] == WILD) {
      wild = 1;
      continue;
    }
    if (k != NULL && k->len <= l->len && memcmp(k->s, l->s, k->len) == 0)
      continue;
    pf->lits[pf->n++] = *l;
  }
  /* A match that starts with a non-ASCII character starts with a byte from
   * 0xC0 on: one string for each. */
  for (c = 0xC0; wild && c <= 0xFF; c++) {
    struct lit *l = &pf->lits[pf->n++];
    memset(l, 0, sizeof(*l));
    l->len = 1;
    l->s[0] = (char)c;
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
    const struct lit *l = &pf->lits[i];
    pf->next[(unsigned char)l->s[0]] |=
        l->len < 2 || (unsigned char)l->s[1] == WILD
            ? ~(uint64_t)0
            : (uint64_t)1 << ((unsigned char)l->s[1] & 63);
  }
  *out = pf;
  return 0;
}

int sk_prefilter_new(const char *pattern, struct sk_prefilter **out) {
  return sk_prefilter_new_opts(pattern, 0, out);
}

int sk_prefilter_new_opts(const char *pattern, unsigned opts,
                          struct sk_prefilter **out) {
  struct parser ps = {pattern, (opts & SK_PREFILTER_EXTENDED) != 0, 0, 0, 0, 0};
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

/* 1 when one of the GUARDS starts t (n bytes). */
static int guard_at(const unsigned char *t, size_t n) {
  size_t g;
  for (g = 0; g < sizeof(GUARDS) / sizeof(GUARDS[0]); g++)
    if (GUARDS[g].len <= n && memcmp(t, GUARDS[g].s, GUARDS[g].len) == 0)
      return 1;
  return 0;
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

/* What the scan of t (len bytes) answers at i: i when a string of pf's
 * cover starts there, the place back() finds for a guard, or
 * SK_PREFILTER_NONE. */
static size_t answer_at(const struct sk_prefilter *pf, const unsigned char *t,
                        size_t len, size_t i) {
  unsigned c = lower(t[i]);
  size_t k;

  /* Inside a word no literal starts (the guards are not ASCII). */
  if (pf->word_start && i > 0 && ascii_word(t[i - 1]) && c < 0x80)
    return SK_PREFILTER_NONE;
  if (i + 1 < len && !((pf->next[c] >> (lower(t[i + 1]) & 63)) & 1))
    return SK_PREFILTER_NONE;
  /* A guard before the strings its first byte may also start (a non-ASCII
   * string of the extended syntax): a match that holds it may start before
   * it. */
  if (c >= 0xC0 && guard_at(t + i, len - i))
    return back(t, i);
  for (k = pf->start[c]; k < pf->start[c + 1]; k++) {
    const struct lit *l = &pf->lits[k];
    size_t j = 1;
    if (l->len > len - i)
      continue;
    while (j < l->len && ((unsigned char)l->s[j] == WILD
                              ? t[i + j] >= 0xC0
                              : lower(t[i + j]) == (unsigned char)l->s[j]))
      j++;
    if (j == l->len)
      return i;
  }
  return SK_PREFILTER_NONE;
}

size_t sk_prefilter_first(const struct sk_prefilter *pf, const char *text,
                          size_t len) {
  const unsigned char *t = (const unsigned char *)text;
  size_t i;

  for (i = 0; i < len; i++) {
    unsigned c = lower(t[i]);
    size_t at;
    /* answer_at's first two tests, here where they run at every byte. */
    if (pf->word_start && i > 0 && ascii_word(t[i - 1]) && c < 0x80)
      continue;
    if (i + 1 < len && !((pf->next[c] >> (lower(t[i + 1]) & 63)) & 1))
      continue;
    at = answer_at(pf, t, len, i);
    if (at != SK_PREFILTER_NONE)
      return at;
  }
  return SK_PREFILTER_NONE;
}

/* A set of prefilters scanned together: bit k of first[c * words + k / 64]
 * is set when prefilter k has a string that starts with the byte c. */
struct sk_prefilter_set {
  const struct sk_prefilter **pfs;
  size_t n;
  size_t words;
  uint64_t *first;   /* [256][words] */
  uint64_t *live;    /* [words]: the prefilters that are not NULL */
  uint64_t *pending; /* [words]: scratch of sk_prefilter_set_first */
};

int sk_prefilter_set_new(const struct sk_prefilter *const *pfs, size_t n,
                         struct sk_prefilter_set **out) {
  struct sk_prefilter_set *s = calloc(1, sizeof(*s));
  size_t k;
  unsigned c;

  *out = NULL;
  if (s == NULL)
    return SK_ENOMEM;
  s->n = n;
  s->words = n / 64 + 1;
  s->pfs = calloc(n + 1, sizeof(*s->pfs));
  s->first = calloc(256 * s->words, sizeof(*s->first));
  s->live = calloc(s->words, sizeof(*s->live));
  s->pending = calloc(s->words, sizeof(*s->pending));
  if (s->pfs == NULL || s->first == NULL || s->live == NULL ||
      s->pending == NULL) {
    sk_prefilter_set_free(s);
    return SK_ENOMEM;
  }
  for (k = 0; k < n; k++) {
    uint64_t bit = (uint64_t)1 << (k % 64);
    s->pfs[k] = pfs[k];
    if (pfs[k] == NULL)
      continue;
    s->live[k / 64] |= bit;
    for (c = 0; c < 256; c++)
      if (pfs[k]->start[c] < pfs[k]->start[c + 1])
        s->first[c * s->words + k / 64] |= bit;
  }
  *out = s;
  return 0;
}

void sk_prefilter_set_free(struct sk_prefilter_set *s) {
  if (s == NULL)
    return;
  free(s->pfs);
  free(s->first);
  free(s->live);
  free(s->pending);
  free(s);
}

/* The number of the lowest set bit of m (m != 0). */
static unsigned lowest_bit(uint64_t m) {
#if defined(__GNUC__)
  return (unsigned)__builtin_ctzll(m);
#else
  unsigned b = 0;
  while (!(m & 1)) {
    m >>= 1;
    b++;
  }
  return b;
#endif
}

void sk_prefilter_set_first(struct sk_prefilter_set *s, const char *text,
                            size_t len, size_t *first) {
  const unsigned char *t = (const unsigned char *)text;
  uint64_t *pending = s->pending;
  size_t left = 0;
  size_t i;
  size_t w;
  size_t k;

  for (k = 0; k < s->n; k++)
    first[k] = s->pfs[k] == NULL ? 0 : SK_PREFILTER_NONE;
  for (w = 0; w < s->words; w++) {
    pending[w] = s->live[w];
    for (k = 0; k < 64; k++)
      left += (pending[w] >> k) & 1;
  }
  /* One pass for all: at each byte only the prefilters with a string that
   * starts with it and no answer yet look further, as sk_prefilter_first
   * would (answer_at is its test of one place). */
  for (i = 0; i < len && left > 0; i++) {
    const uint64_t *row = &s->first[lower(t[i]) * s->words];
    for (w = 0; w < s->words; w++) {
      uint64_t m = row[w] & pending[w];
      while (m != 0) {
        unsigned b = lowest_bit(m);
        size_t at;
        m &= m - 1;
        k = w * 64 + b;
        at = answer_at(s->pfs[k], t, len, i);
        if (at != SK_PREFILTER_NONE) {
          first[k] = at;
          pending[w] &= ~((uint64_t)1 << b);
          left--;
        }
      }
    }
  }
}

size_t sk_prefilter_count(const struct sk_prefilter *pf) {
  return pf != NULL ? pf->n : 0;
}

const char *sk_prefilter_literal(const struct sk_prefilter *pf, size_t i) {
  return pf->lits[i].s;
}
