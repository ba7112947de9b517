/* inject.c: the prompt-injection detector (see inject.h).
 *
 * The rules file is parsed line by line into rules and exclusions, each a
 * PCRE2 pattern compiled at load (so a bad one is reported there) and given
 * a literal prefilter (review/prefilter.h, extended syntax) where its syntax
 * allows. One pass over a field finds, for every pattern at once, where a
 * match of it can start: matching starts there, and a pattern none of whose
 * literals occurs is not matched at all. JIT compiling costs about six
 * times the compiling, and most patterns never meet a field they could
 * match in a short run, so a pattern is JIT-compiled when first matched.
 * A scan runs every rule over a field, skipping matches of "mention" rules
 * that start inside a span matched by an exclusion; the exclusions run only
 * when the first such match needs their spans. A field that holds
 * invisible characters is scanned again with them removed (and Unicode tag
 * characters spelled out as the ASCII they mirror), for the rules that did
 * not already hit it. All matching shares one match context that
 * bounds the work per call and gives JIT a larger stack, so a hostile text
 * cannot make a scan slow, and a bound reached is a finding, not a pass.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "shipskip/review/inject.h"
#include "shipskip/review/prefilter.h"
#include "shipskip/util/fsutil.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULES_FILE_CAP (256 * 1024)
#define MATCH_LIMIT 1000000
#define MAX_SPANS 256
#define CONTEXT_BEFORE 16

struct rule {
  char name[SK_INJECT_RULE_LEN];
  pcre2_code *code;
  struct sk_prefilter *pre; /* NULL: matched from every start */
  int jit_tried;            /* pcre2_jit_compile was called (see match) */
  int mention;              /* exclusions may excuse its hits */
};

struct span {
  size_t start;
  size_t end;
};

struct sk_inject {
  struct rule *rules;
  size_t nrules;
  struct rule *excl;
  size_t nexcl;
  pcre2_match_data *md;
  pcre2_match_context *mctx;
  pcre2_jit_stack *jit_stack;
  struct span spans[MAX_SPANS];
  size_t nspans;
  /* Every rule's prefilter, then every exclusion's, found in one pass over
   * a text into firsts (the same order). */
  struct sk_prefilter_set *set;
  size_t *firsts;
  int no_prefilter; /* sk_inject_set_prefilter(d, 0), for tests */
};

void sk_inject_free(struct sk_inject *d) {
  size_t i;

  if (d == NULL)
    return;
  for (i = 0; i < d->nrules; i++) {
    pcre2_code_free(d->rules[i].code);
    sk_prefilter_free(d->rules[i].pre);
  }
  for (i = 0; i < d->nexcl; i++) {
    pcre2_code_free(d->excl[i].code);
    sk_prefilter_free(d->excl[i].pre);
  }
  free(d->rules);
  free(d->excl);
  sk_prefilter_set_free(d->set);
  free(d->firsts);
  pcre2_match_data_free(d->md);
  pcre2_match_context_free(d->mctx);
  pcre2_jit_stack_free(d->jit_stack);
  free(d);
}

size_t sk_inject_nrules(const struct sk_inject *d) {
  return d->nrules;
}

void sk_inject_set_prefilter(struct sk_inject *d, int on) {
  d->no_prefilter = !on;
}

void sk_inject_stats(const struct sk_inject *d, struct sk_inject_stats *out) {
  size_t i;

  memset(out, 0, sizeof(*out));
  out->patterns = d->nrules + d->nexcl;
  for (i = 0; i < d->nrules + d->nexcl; i++) {
    const struct rule *r =
        i < d->nrules ? &d->rules[i] : &d->excl[i - d->nrules];
    out->prefiltered += r->pre != NULL;
    out->jit_compiled += r->jit_tried;
  }
}

static int name_ok(const char *s, size_t len) {
  size_t i;

  if (len == 0 || len >= SK_INJECT_RULE_LEN)
    return 0;
  for (i = 0; i < len; i++) {
    char c = s[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '-' && c != '_')))
      return 0;
  }
  return 1;
}

static int has_name(const struct rule *list, size_t n, const char *name) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(list[i].name, name) == 0)
      return 1;
  return 0;
}

/* Gives r the prefilter of its pattern (n bytes at pat), or none when its
 * syntax has no literal cover. Returns 0 or SK_ENOMEM. */
static int prefilter(struct rule *r, const char *pat, size_t n) {
  char *z;
  int rc;

  /* The parser reads up to a NUL: a pattern holding one (a literal NUL)
   * would be read cut short. */
  if (memchr(pat, '\0', n) != NULL)
    return 0;
  z = malloc(n + 1);
  if (z == NULL)
    return SK_ENOMEM;
  memcpy(z, pat, n);
  z[n] = '\0';
  rc = sk_prefilter_new_opts(z, SK_PREFILTER_EXTENDED, &r->pre);
  free(z);
  return rc;
}

/* Parses and compiles one non-comment line into d. */
static int add_line(struct sk_inject *d, const char *line, size_t len,
                    const char *file, size_t lineno, struct sk_error *err) {
  const char *tab = memchr(line, '\t', len);
  const char *pat;
  const char *pend;
  const char *flag = NULL;
  size_t flen = 0;
  int exclusion = line[0] == '!';
  const char *name = line + exclusion;
  size_t nlen;
  struct rule r;
  struct rule **list;
  size_t *count;
  struct rule *grown;
  int errcode;
  PCRE2_SIZE offset;

  if (tab == NULL)
    return sk_error_set(err, SK_ECONFIG,
                        "%s:%zu: expected NAME<TAB>PATTERN (no tab found)",
                        file, lineno);
  nlen = (size_t)(tab - name);
  if (!name_ok(name, nlen))
    return sk_error_set(err, SK_ECONFIG,
                        "%s:%zu: rule name \"%.*s\" must be 1-%d characters "
                        "of a-z, 0-9, '.', '-' and '_', starting with a "
                        "letter or digit",
                        file, lineno, (int)(nlen > 60 ? 60 : nlen), name,
                        SK_INJECT_RULE_LEN - 1);
  pat = tab + 1;
  pend = memchr(pat, '\t', len - (size_t)(pat - line));
  if (pend != NULL) {
    flag = pend + 1;
    flen = len - (size_t)(flag - line);
  } else {
    pend = line + len;
  }
  if (pend == pat)
    return sk_error_set(err, SK_ECONFIG, "%s:%zu: rule \"%.*s\" has no pattern",
                        file, lineno, (int)nlen, name);
  memset(&r, 0, sizeof(r));
  memcpy(r.name, name, nlen);
  if (flag != NULL) {
    if (exclusion || flen != 7 || memcmp(flag, "mention", 7) != 0)
      return sk_error_set(err, SK_ECONFIG,
                          "%s:%zu: rule \"%s\": unknown flag \"%.*s\" (the "
                          "only flag is \"mention\", for rules)",
                          file, lineno, r.name, (int)(flen > 40 ? 40 : flen),
                          flag);
    r.mention = 1;
  }
  list = exclusion ? &d->excl : &d->rules;
  count = exclusion ? &d->nexcl : &d->nrules;
  if (has_name(*list, *count, r.name))
    return sk_error_set(err, SK_ECONFIG, "%s:%zu: rule \"%s\" is defined twice",
                        file, lineno, r.name);
  r.code = pcre2_compile((PCRE2_SPTR)pat, (PCRE2_SIZE)(pend - pat),
                         PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP |
                             PCRE2_MULTILINE | PCRE2_MATCH_INVALID_UTF,
                         &errcode, &offset, NULL);
  if (r.code == NULL) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(errcode, msg, sizeof(msg));
    return sk_error_set(err, SK_ECONFIG,
                        "%s:%zu: rule \"%s\": pattern does not compile at "
                        "offset %zu: %s",
                        file, lineno, r.name, (size_t)offset,
                        (const char *)msg);
  }
  grown = realloc(*list, (*count + 1) * sizeof(**list));
  if (grown == NULL || prefilter(&r, pat, (size_t)(pend - pat)) != 0) {
    if (grown != NULL)
      *list = grown;
    pcre2_code_free(r.code);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  grown[*count] = r;
  *list = grown;
  (*count)++;
  return 0;
}

/* Gathers every pattern's prefilter into one set, scanned once per text. */
static int make_set(struct sk_inject *d) {
  size_t n = d->nrules + d->nexcl;
  const struct sk_prefilter **pfs = calloc(n, sizeof(*pfs));
  size_t i;
  int rc;

  d->firsts = calloc(n, sizeof(*d->firsts));
  if (pfs == NULL || d->firsts == NULL) {
    free(pfs);
    return SK_ENOMEM;
  }
  for (i = 0; i < n; i++)
    pfs[i] = i < d->nrules ? d->rules[i].pre : d->excl[i - d->nrules].pre;
  rc = sk_prefilter_set_new(pfs, n, &d->set);
  free(pfs);
  return rc;
}

int sk_inject_new(const char *text, size_t len, const char *name,
                  struct sk_inject **out, struct sk_error *err) {
  struct sk_inject *d;
  size_t pos = 0;
  size_t lineno = 0;
  int rc = 0;

  *out = NULL;
  d = calloc(1, sizeof(*d));
  if (d == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  d->md = pcre2_match_data_create(1, NULL);
  d->mctx = pcre2_match_context_create(NULL);
  /* A lazy pattern over a long description can need more than JIT's default
   * 32 KiB stack; running out would be reported as a finding. */
  d->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
  if (d->md == NULL || d->mctx == NULL || d->jit_stack == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto out;
  }
  pcre2_set_match_limit(d->mctx, MATCH_LIMIT);
  pcre2_jit_stack_assign(d->mctx, NULL, d->jit_stack);
  while (pos < len) {
    const char *line = text + pos;
    const char *nl = memchr(line, '\n', len - pos);
    size_t llen = nl != NULL ? (size_t)(nl - line) : len - pos;
    size_t i = 0;
    pos += llen + (nl != NULL);
    lineno++;
    if (llen > 0 && line[llen - 1] == '\r')
      llen--;
    while (i < llen && (line[i] == ' ' || line[i] == '\t'))
      i++;
    if (i == llen || line[i] == '#')
      continue;
    if (i > 0) {
      rc = sk_error_set(err, SK_ECONFIG,
                        "%s:%zu: a rule line must start with its name, not "
                        "white space",
                        name, lineno);
      goto out;
    }
    rc = add_line(d, line, llen, name, lineno, err);
    if (rc != 0)
      goto out;
  }
  if (d->nrules == 0) {
    rc = sk_error_set(err, SK_ECONFIG, "%s: no rules", name);
    goto out;
  }
  rc = make_set(d);
  if (rc != 0) {
    rc = sk_error_set(err, rc, "out of memory");
    goto out;
  }
  *out = d;
  d = NULL;
out:
  sk_inject_free(d);
  return rc;
}

int sk_inject_load(const char *path, struct sk_inject **out,
                   struct sk_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc;

  *out = NULL;
  rc = sk_fs_read_file(path, RULES_FILE_CAP, &text, &len, err);
  if (rc != 0)
    return rc;
  rc = sk_inject_new(text, len, path, out, err);
  free(text);
  return rc;
}

/* Decodes the UTF-8 sequence at s[i] (n bytes available). Returns its length
 * and the code point in *cp, or 1 and -1 for a byte that starts no valid
 * sequence. */
static size_t decode(const unsigned char *s, size_t n, long *cp) {
  unsigned char c = s[0];
  size_t len;
  size_t k;
  long v;

  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    v = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    v = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    v = c & 0x07;
  } else {
    *cp = -1;
    return 1;
  }
  if (n < len) {
    *cp = -1;
    return 1;
  }
  for (k = 1; k < len; k++) {
    if ((s[k] & 0xC0) != 0x80) {
      *cp = -1;
      return 1;
    }
    v = (v << 6) | (s[k] & 0x3F);
  }
  if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
      (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) {
    *cp = -1;
    return 1;
  }
  *cp = v;
  return len;
}

/* Invisible format characters: removed before the second scan, and always
 * escaped in excerpts. */
static int is_invisible(long cp) {
  return cp == 0xAD || cp == 0x61C || cp == 0x180E ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
         (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F);
}

/* Appends s to out[*o] if it fits before cap; returns 0 when it did not. */
static int put(char *out, size_t *o, size_t cap, const char *s, size_t n) {
  if (*o + n >= cap)
    return 0;
  memcpy(out + *o, s, n);
  *o += n;
  out[*o] = '\0';
  return 1;
}

/* Writes an escaped excerpt of text around [start, end) into out. */
static void excerpt(const char *text, size_t len, size_t start, size_t end,
                    char out[SK_INJECT_EXCERPT_LEN]) {
  const unsigned char *s = (const unsigned char *)text;
  size_t from = start > CONTEXT_BEFORE ? start - CONTEXT_BEFORE : 0;
  size_t o = 0;
  size_t i;
  size_t room = SK_INJECT_EXCERPT_LEN - 4; /* keep space for "..." */

  (void)end;
  out[0] = '\0';
  while (from > 0 && from < len && (s[from] & 0xC0) == 0x80)
    from--;
  if (from > 0)
    put(out, &o, SK_INJECT_EXCERPT_LEN, "...", 3);
  for (i = from; i < len;) {
    long cp;
    size_t n = decode(s + i, len - i, &cp);
    char esc[16];
    const char *piece = esc;
    size_t plen;
    if (cp >= 0x20 && cp < 0x7F && cp != '\\') {
      piece = (const char *)s + i;
      plen = 1;
    } else if (cp == '\\') {
      piece = "\\\\";
      plen = 2;
    } else if (cp == '\n') {
      piece = "\\n";
      plen = 2;
    } else if (cp == '\t') {
      piece = "\\t";
      plen = 2;
    } else if (cp == '\r') {
      piece = "\\r";
      plen = 2;
    } else if (cp < 0 || cp < 0x20 || cp == 0x7F) {
      snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
      plen = 4;
    } else if ((cp >= 0x80 && cp <= 0x9F) || is_invisible(cp) ||
               (cp >= 0xE000 && cp <= 0xF8FF)) {
      plen = (size_t)snprintf(esc, sizeof(esc), "\\u{%04lX}", cp);
    } else {
      piece = (const char *)s + i;
      plen = n;
    }
    if (o + plen > room) {
      put(out, &o, SK_INJECT_EXCERPT_LEN, "...", 3);
      return;
    }
    put(out, &o, SK_INJECT_EXCERPT_LEN, piece, plen);
    i += n;
  }
}

static int already_hit(const struct sk_inject_result *r, const char *rule,
                       const char *field) {
  size_t i;
  for (i = 0; i < r->nhits; i++)
    if (strcmp(r->hits[i].rule, rule) == 0 &&
        strcmp(r->hits[i].field, field) == 0)
      return 1;
  return 0;
}

static void add_hit(struct sk_inject_result *r, const struct rule *rule,
                    const char *field, const char *text, size_t len,
                    size_t start, size_t end, int stripped, int limit) {
  struct sk_inject_hit *h;

  if (r->nhits >= SK_INJECT_MAX_HITS) {
    r->dropped++;
    return;
  }
  h = &r->hits[r->nhits++];
  memset(h, 0, sizeof(*h));
  snprintf(h->rule, sizeof(h->rule), "%s", rule->name);
  snprintf(h->field, sizeof(h->field), "%s", field);
  h->offset = start;
  h->stripped = stripped;
  h->limit = limit;
  if (limit)
    snprintf(h->excerpt, sizeof(h->excerpt),
             "(match limit reached; reported unproven)");
  else
    excerpt(text, len, start, end, h->excerpt);
}

/* Moves past the match [s, e): to e, or one whole character on. */
static size_t next_start(const char *text, size_t len, size_t s, size_t e) {
  if (e > s)
    return e;
  s++;
  while (s < len && ((unsigned char)text[s] & 0xC0) == 0x80)
    s++;
  return s;
}

/* pcre2_match of r over text from start, which finds the same first match
 * (or limit) as matching from start would, given first, r's prefilter's
 * answer for the whole text (sk_prefilter_first): matching starts where r's
 * prefilter says a match can, and does not happen when it says none can
 * (PCRE2_ERROR_NOMATCH). PCRE2 counts its match limit afresh at every start
 * place, and at a place passed over the pattern fails within its first
 * literal, long before any limit: a limit reached is reached from either
 * start (tests/test_inject_prefilter.c compares the two). */
static int match(struct sk_inject *d, struct rule *r, const char *text,
                 size_t len, size_t start, size_t first) {
  size_t from = start;

  if (r->pre != NULL && !d->no_prefilter) {
    /* first is the answer for the whole text: none there is none after
     * start either; one before start needs a look from start on. */
    size_t at = first;
    if (at != SK_PREFILTER_NONE && at < start) {
      at = sk_prefilter_first(r->pre, text + start, len - start);
      if (at != SK_PREFILTER_NONE)
        at += start;
    }
    if (at == SK_PREFILTER_NONE)
      return PCRE2_ERROR_NOMATCH;
    from = at;
  }
  if (!r->jit_tried) {
    /* JIT is an optimisation: where it is unavailable the interpreter runs
     * the same pattern under the same limits. */
    (void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
    r->jit_tried = 1;
  }
  return pcre2_match(r->code, (PCRE2_SPTR)text, len, from, 0, d->md, d->mctx);
}

/* Collects the spans matched by every exclusion. */
static void find_spans(struct sk_inject *d, const char *text, size_t len) {
  size_t i;

  d->nspans = 0;
  for (i = 0; i < d->nexcl; i++) {
    size_t start = 0;
    while (start <= len && d->nspans < MAX_SPANS) {
      PCRE2_SIZE *ov;
      int rc =
          match(d, &d->excl[i], text, len, start, d->firsts[d->nrules + i]);
      if (rc < 0)
        break; /* no match, or a limit: either way nothing is excused */
      ov = pcre2_get_ovector_pointer(d->md);
      d->spans[d->nspans].start = ov[0];
      d->spans[d->nspans].end = ov[1];
      d->nspans++;
      /* Spans may overlap: a second cue inside a capped span ("detects ...,
       * flags ..., and blocks ...") starts a span of its own. */
      start = next_start(text, len, ov[0], ov[0]);
    }
  }
}

static int excused(const struct sk_inject *d, size_t at) {
  size_t i;
  for (i = 0; i < d->nspans; i++)
    if (at >= d->spans[i].start && at < d->spans[i].end)
      return 1;
  return 0;
}

static void scan_one(struct sk_inject *d, const char *field, const char *text,
                     size_t len, int stripped, struct sk_inject_result *r) {
  size_t i;
  /* The exclusions' spans matter only to a hit of a "mention" rule, rare
   * in innocent text: they are found when the first one needs them (the
   * reference path, without prefilters, finds them first, as it was). */
  int spans_found = d->no_prefilter;

  if (d->no_prefilter)
    find_spans(d, text, len);
  else
    sk_prefilter_set_first(d->set, text, len, d->firsts);
  for (i = 0; i < d->nrules; i++) {
    struct rule *rule = &d->rules[i];
    size_t start = 0;
    if (already_hit(r, rule->name, field))
      continue;
    while (start <= len) {
      PCRE2_SIZE *ov;
      size_t ms;
      size_t me;
      int rc = match(d, rule, text, len, start, d->firsts[i]);
      if (rc == PCRE2_ERROR_NOMATCH)
        break;
      if (rc < 0) {
        /* A limit reached (or any other matching error) fails closed: the
         * text is reported for a look rather than passed unread. */
        add_hit(r, rule, field, text, len, start, start, stripped, 1);
        break;
      }
      ov = pcre2_get_ovector_pointer(d->md);
      ms = ov[0];
      me = ov[1]; /* kept: finding the spans reuses the match data */
      if (rule->mention && !spans_found) {
        find_spans(d, text, len);
        spans_found = 1;
      }
      if (rule->mention && excused(d, ms)) {
        start = next_start(text, len, ms, me);
        continue;
      }
      add_hit(r, rule, field, text, len, ms, me, stripped, 0);
      break;
    }
  }
}

int sk_inject_scan_text(struct sk_inject *d, const char *field,
                        const char *text, size_t len,
                        struct sk_inject_result *r) {
  const unsigned char *s = (const unsigned char *)text;
  char *plain = NULL;
  size_t plen = 0;
  size_t i;
  int hidden = 0;

  if (len > SK_INJECT_MAX_TEXT)
    return SK_ETOOBIG;
  scan_one(d, field, text, len, 0, r);
  for (i = 0; i < len;) {
    long cp;
    size_t n = decode(s + i, len - i, &cp);
    if (is_invisible(cp)) {
      hidden = 1;
      break;
    }
    i += n;
  }
  if (hidden) {
    plain = malloc(len + 1);
    if (plain == NULL)
      return SK_ENOMEM;
    for (i = 0; i < len;) {
      long cp;
      size_t n = decode(s + i, len - i, &cp);
      if (cp >= 0xE0020 && cp <= 0xE007E) {
        /* Tag characters mirror ASCII and some models read them: spell the
         * smuggled text out so the rules see it. */
        plain[plen++] = (char)(cp - 0xE0000);
      } else if (!is_invisible(cp)) {
        memcpy(plain + plen, text + i, n);
        plen += n;
      }
      i += n;
    }
    plain[plen] = '\0';
    scan_one(d, field, plain, plen, 1, r);
    free(plain);
  }
  return (int)r->nhits;
}

int sk_inject_scan(struct sk_inject *d, const struct sk_tool *t,
                   struct sk_inject_result *r) {
  static const char *const FIELDS[] = {"name",       "tagline",  "category",
                                       "pricing",    "best_for", "url",
                                       "description"};
  size_t i;

  memset(r, 0, sizeof(*r));
  for (i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++) {
    const char *v = sk_tool_field(t, FIELDS[i]);
    int rc;
    if (v == NULL)
      continue;
    rc = sk_inject_scan_text(d, FIELDS[i], v, strlen(v), r);
    if (rc < 0)
      return rc;
  }
  return (int)r->nhits;
}
