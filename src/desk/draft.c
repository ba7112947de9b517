/* draft.c: parsing an editor's Markdown draft back into its parts (see
 * draft.h).
 *
 * The text is split into lines first; each line is then classified by the
 * PCRE2 patterns below (title, scorecard heading, reviewer heading, score
 * line, failed-review line, footer rule, blank). The draft's shape is
 * fixed, so a small state machine over the classified lines is enough: the
 * header runs to "## Reviewer scorecard", each "### " line opens a section,
 * and the first "---" line after the scorecard heading opens the footer.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "shipskip/desk/draft.h"
#include "shipskip/model/tool.h"

#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  P_TITLE,
  P_SCORECARD,
  P_SECTION,
  P_SCORE,
  P_FAILED,
  P_RULE,
  P_BLANK,
  P_COVERAGE,
  P_EVIDENCE,
  P__COUNT
};

/* Every pattern is anchored to a whole line (no newline inside). */
static const char *const PATTERNS[P__COUNT] = {
    "^#[ \\t]+(.*?)[ \\t]*$",
    "^##[ \\t]+Reviewer scorecard[ \\t]*$",
    "^###[ \\t]+(.*?)[ \\t]*$",
    "^[ \\t]*(.*?)[ \\t]*\\x{00B7}[ \\t]*(.*?)[ \\t]*$",
    "^No review: failed after [0-9]+ attempts?\\.[ \\t]*$",
    "^---[ \\t]*$",
    "^[ \\t]*$",
    /* The scorecard's rubric note under a review (scorecard.c): shown to
     * the editor, never part of the review text. */
    "^\\*Not covered: .*\\*[ \\t]*$",
    /* The evidence quotes of a structured reply (scorecard.c): the same. */
    "^\\*Evidence: .*\\*[ \\t]*$",
};

struct parser {
  pcre2_code *re[P__COUNT];
  pcre2_match_data *md;
  struct sk_draft *d;
  /* The lines of the text: start and length (without LF or CR). */
  const char **line;
  size_t *len;
  int *valid; /* valid UTF-8 without control bytes: safe to match */
  size_t n;
  int nomem;
};

static void add_problem(struct parser *p, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void add_problem(struct parser *p, int line, const char *fmt, ...) {
  struct sk_draft *d = p->d;
  struct sk_draft_problem *np;
  va_list ap;

  np = realloc(d->problems, (d->nproblems + 1) * sizeof(*np));
  if (np == NULL) {
    p->nomem = 1;
    return;
  }
  d->problems = np;
  np[d->nproblems].line = line;
  va_start(ap, fmt);
  vsnprintf(np[d->nproblems].msg, sizeof(np[d->nproblems].msg), fmt, ap);
  va_end(ap);
  d->nproblems++;
}

/* Matches line i against pattern k; on a match with captures, cap and
 * caplen (and cap2, cap2len) receive the first (second) group. */
static int match(struct parser *p, int k, size_t i, const char **cap,
                 size_t *caplen, const char **cap2, size_t *cap2len) {
  PCRE2_SIZE *ov;
  int rc;

  if (!p->valid[i])
    return k == P_BLANK && p->len[i] == 0;
  rc = pcre2_match(p->re[k], (PCRE2_SPTR)p->line[i], p->len[i], 0, 0, p->md,
                   NULL);
  if (rc < 0)
    return 0;
  ov = pcre2_get_ovector_pointer(p->md);
  if (cap != NULL && rc >= 2) {
    *cap = p->line[i] + ov[2];
    *caplen = ov[3] - ov[2];
  }
  if (cap2 != NULL && rc >= 3) {
    *cap2 = p->line[i] + ov[4];
    *cap2len = ov[5] - ov[4];
  }
  return 1;
}

static int is_blank(struct parser *p, size_t i) {
  return match(p, P_BLANK, i, NULL, NULL, NULL, NULL);
}

static char *dup_n(const char *s, size_t n) {
  char *out = malloc(n + 1);
  if (out == NULL)
    return NULL;
  memcpy(out, s, n);
  out[n] = '\0';
  return out;
}

/* The line without trailing spaces and tabs. */
static size_t trimmed_len(const char *s, size_t n) {
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    n--;
  return n;
}

int sk_draft_unescape(struct sk_buf *out, const char *s, size_t len) {
  size_t i;
  size_t run = 0; /* start of the bytes not yet copied */
  int rc = 0;

  for (i = 0; i < len && rc == 0; i++) {
    unsigned char c = (unsigned char)s[i];
    unsigned char next = i + 1 < len ? (unsigned char)s[i + 1] : 0;
    if (c != '\\' || next == 0 || next > 0x7E ||
        strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", next) == NULL)
      continue;
    rc = sk_buf_add(out, s + run, i - run);
    run = i + 1; /* keep the escaped character, drop the backslash */
    i++;
  }
  if (rc == 0 && run < len)
    rc = sk_buf_add(out, s + run, len - run);
  if (rc == 0 && out->data == NULL)
    rc = sk_buf_add(out, "", 0);
  return rc;
}

int sk_draft_fold(const char *s, char **out) {
  size_t n = strlen(s);
  char *o = malloc(n + 1);
  size_t w = 0;
  int space = 0;

  *out = NULL;
  if (o == NULL)
    return SK_ENOMEM;
  for (; *s != '\0'; s++) {
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
      space = w > 0;
      continue;
    }
    if (space)
      o[w++] = ' ';
    space = 0;
    o[w++] = *s;
  }
  o[w] = '\0';
  *out = o;
  return 0;
}

/* Unescapes n bytes into a new heap string. */
static char *unescape_dup(const char *s, size_t n) {
  struct sk_buf b;
  sk_buf_init(&b, SK_DRAFT_FILE_CAP);
  if (sk_draft_unescape(&b, s, n) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

/* Appends the non-blank lines [from, to) to *lines. */
static int keep_lines(struct parser *p, size_t from, size_t to,
                      struct sk_draft_line **lines, size_t *n) {
  size_t i;
  for (i = from; i < to; i++) {
    struct sk_draft_line *nl;
    if (is_blank(p, i))
      continue;
    nl = realloc(*lines, (*n + 1) * sizeof(*nl));
    if (nl == NULL)
      return SK_ENOMEM;
    *lines = nl;
    nl[*n].line = (int)i + 1;
    nl[*n].text = dup_n(p->line[i], trimmed_len(p->line[i], p->len[i]));
    if (nl[*n].text == NULL)
      return SK_ENOMEM;
    (*n)++;
  }
  return 0;
}

/* Fills the review text of s from lines [from, to): paragraphs separated by
 * blank lines, each unescaped. */
static int read_paragraphs(struct parser *p, struct sk_draft_section *s,
                           size_t from, size_t to) {
  struct sk_buf raw;
  size_t i;
  int rc = 0;
  int in_block = 0;
  int blocks = 0;

  sk_buf_init(&raw, SK_DRAFT_FILE_CAP);
  /* Unescaping is the same on the whole text as line by line: escapes never
   * span a line break. */
  for (i = from; i < to && rc == 0; i++) {
    if (is_blank(p, i) || match(p, P_COVERAGE, i, NULL, NULL, NULL, NULL) ||
        match(p, P_EVIDENCE, i, NULL, NULL, NULL, NULL)) {
      in_block = 0;
      continue;
    }
    if (!in_block && blocks > 0)
      rc = sk_buf_adds(&raw, "\n\n");
    else if (in_block)
      rc = sk_buf_adds(&raw, "\n");
    if (rc == 0)
      rc = sk_buf_add(&raw, p->line[i], p->len[i]);
    if (!in_block) {
      if (blocks == 0)
        s->review_line = (int)i + 1;
      blocks++;
      if (match(p, P_SCORE, i, NULL, NULL, NULL, NULL) ||
          match(p, P_FAILED, i, NULL, NULL, NULL, NULL)) {
        add_problem(p, (int)i + 1,
                    "%s: a second score line in the section; is a \"### "
                    "Reviewer\" heading missing above it?",
                    s->name);
        s->damaged = 1;
      }
    }
    in_block = 1;
  }
  if (rc == 0 && blocks > 0) {
    s->review = unescape_dup(sk_buf_str(&raw), raw.len);
    if (s->review == NULL || sk_draft_fold(s->review, &s->folded) != 0)
      rc = SK_ENOMEM;
  }
  sk_buf_cleanup(&raw);
  return rc;
}

static int read_body(struct parser *p, struct sk_draft_section *s, size_t from,
                     size_t to) {
  struct sk_buf b;
  size_t i;
  int rc = 0;

  sk_buf_init(&b, SK_DRAFT_FILE_CAP);
  for (i = from; i < to && rc == 0; i++) {
    if (is_blank(p, i))
      continue;
    if (b.len > 0)
      rc = sk_buf_adds(&b, "\n");
    if (rc == 0)
      rc = sk_buf_add(&b, p->line[i], trimmed_len(p->line[i], p->len[i]));
  }
  if (rc == 0)
    s->body = sk_buf_take(&b);
  sk_buf_cleanup(&b);
  return rc != 0 || s->body == NULL ? SK_ENOMEM : 0;
}

/* Parses the section whose heading is line h and whose body is the lines
 * (h, end). */
static int read_section(struct parser *p, size_t h, size_t end) {
  struct sk_draft *d = p->d;
  struct sk_draft_section *s;
  struct sk_draft_section *ns;
  const char *cap = NULL;
  size_t caplen = 0;
  const char *cap2 = NULL;
  size_t cap2len = 0;
  size_t i;
  size_t k;

  ns = realloc(d->sections, (d->nsections + 1) * sizeof(*ns));
  if (ns == NULL)
    return SK_ENOMEM;
  d->sections = ns;
  s = &ns[d->nsections++];
  memset(s, 0, sizeof(*s));
  s->line = (int)h + 1;
  match(p, P_SECTION, h, &cap, &caplen, NULL, NULL);
  s->name = unescape_dup(cap, caplen);
  if (s->name == NULL || read_body(p, s, h + 1, end) != 0)
    return SK_ENOMEM;
  for (k = 0; k + 1 < d->nsections; k++)
    if (strcmp(d->sections[k].name, s->name) == 0)
      add_problem(p, s->line,
                  "a second \"### %s\" section (the first is at line %d)",
                  s->name, d->sections[k].line);
  for (i = h + 1; i < end && is_blank(p, i); i++)
    ;
  if (i == end) {
    add_problem(p, s->line,
                "%s: the section is empty; write \"NN/100 · ship\" or "
                "\"NN/100 · skip\", a blank line and the paragraph",
                s->name);
    return 0;
  }
  if (match(p, P_FAILED, i, NULL, NULL, NULL, NULL)) {
    s->failed = 1;
    s->score_line = (int)i + 1;
    return 0;
  }
  if (match(p, P_SCORE, i, &cap, &caplen, &cap2, &cap2len)) {
    s->score_line = (int)i + 1;
    s->score = dup_n(cap, caplen);
    s->verdict = dup_n(cap2, cap2len);
    if (s->score == NULL || s->verdict == NULL)
      return SK_ENOMEM;
    return read_paragraphs(p, s, i + 1, end);
  }
  add_problem(p, (int)i + 1,
              "%s: no score line; the section starts with \"NN/100 · ship\" "
              "or \"NN/100 · skip\" under its heading",
              s->name);
  return read_paragraphs(p, s, i, end);
}

/* Splits text into lines. */
static int split_lines(struct parser *p, const char *text, size_t len) {
  size_t cap = 64;
  size_t i = 0;

  p->line = malloc(cap * sizeof(*p->line));
  p->len = malloc(cap * sizeof(*p->len));
  p->valid = malloc(cap * sizeof(*p->valid));
  if (p->line == NULL || p->len == NULL || p->valid == NULL)
    return SK_ENOMEM;
  while (i < len) {
    const char *nl = memchr(text + i, '\n', len - i);
    size_t n = nl != NULL ? (size_t)(nl - (text + i)) : len - i;
    size_t j;
    int ok;
    if (p->n == cap) {
      const char **l2;
      size_t *n2;
      int *v2;
      cap *= 2;
      l2 = realloc(p->line, cap * sizeof(*l2));
      if (l2 != NULL)
        p->line = l2;
      n2 = realloc(p->len, cap * sizeof(*n2));
      if (n2 != NULL)
        p->len = n2;
      v2 = realloc(p->valid, cap * sizeof(*v2));
      if (v2 != NULL)
        p->valid = v2;
      if (l2 == NULL || n2 == NULL || v2 == NULL)
        return SK_ENOMEM;
    }
    p->line[p->n] = text + i;
    p->len[p->n] = n > 0 && text[i + n - 1] == '\r' ? n - 1 : n;
    ok = sk_utf8_valid(text + i, p->len[p->n]);
    for (j = 0; ok && j < p->len[p->n]; j++) {
      unsigned char c = (unsigned char)text[i + j];
      if ((c < 0x20 && c != '\t') || c == 0x7F)
        ok = 0;
    }
    p->valid[p->n] = ok;
    p->n++;
    i += n + (nl != NULL);
  }
  return 0;
}

static int compile_all(struct parser *p, struct sk_error *err) {
  size_t k;
  for (k = 0; k < P__COUNT; k++) {
    int code;
    PCRE2_SIZE off;
    p->re[k] = pcre2_compile((PCRE2_SPTR)PATTERNS[k], PCRE2_ZERO_TERMINATED,
                             PCRE2_UTF, &code, &off, NULL);
    if (p->re[k] == NULL) {
      PCRE2_UCHAR msg[120];
      pcre2_get_error_message(code, msg, sizeof(msg));
      return sk_error_set(err, SK_EREGEX, "draft pattern %zu: %s", k,
                          (const char *)msg);
    }
    (void)pcre2_jit_compile(p->re[k], PCRE2_JIT_COMPLETE);
  }
  p->md = pcre2_match_data_create(4, NULL);
  return p->md == NULL ? sk_error_set(err, SK_ENOMEM, "out of memory") : 0;
}

static int parse(struct parser *p, const char *text, size_t len) {
  struct sk_draft *d = p->d;
  const char *cap = NULL;
  size_t caplen = 0;
  size_t first = 0;
  size_t i;
  size_t sections_from;
  size_t end;
  int rc;

  rc = split_lines(p, text, len);
  if (rc != 0)
    return rc;
  for (i = 0; i < p->n; i++)
    if (!p->valid[i])
      add_problem(p, (int)i + 1,
                  "the line is not valid UTF-8 or holds control characters");
  while (first < p->n && is_blank(p, first))
    first++;
  if (first < p->n && match(p, P_TITLE, first, &cap, &caplen, NULL, NULL)) {
    d->title_line = (int)first + 1;
    d->title = unescape_dup(cap, caplen);
    if (d->title == NULL)
      return SK_ENOMEM;
  }
  for (i = 0; i < p->n && d->scorecard_line == 0; i++)
    if (match(p, P_SCORECARD, i, NULL, NULL, NULL, NULL))
      d->scorecard_line = (int)i + 1;
  if (d->title == NULL && d->scorecard_line == 0) {
    d->not_a_draft = 1;
    add_problem(p, first < p->n ? (int)first + 1 : 1,
                "not a shipskip draft: no \"# Tool name\" title and no \"## "
                "Reviewer scorecard\" heading (drafts are the OUTDIR/<slug>.md "
                "files shipskip review writes)");
    return 0;
  }
  if (d->title == NULL)
    add_problem(p, first < p->n ? (int)first + 1 : 1,
                "no \"# Tool name\" title on the first line");
  if (d->scorecard_line == 0) {
    /* Without the heading, sections start at the first "### " line. */
    for (i = 0; i < p->n && !match(p, P_SECTION, i, NULL, NULL, NULL, NULL);
         i++)
      ;
    add_problem(p, i < p->n ? (int)i + 1 : (int)p->n,
                "no \"## Reviewer scorecard\" heading before the reviewer "
                "sections");
    sections_from = i;
    rc = keep_lines(p, 0, i, &d->header, &d->nheader);
  } else {
    sections_from = (size_t)d->scorecard_line;
    rc = keep_lines(p, 0, sections_from, &d->header, &d->nheader);
  }
  if (rc != 0)
    return rc;
  /* The footer starts at the first rule after the sections start. */
  end = p->n;
  for (i = sections_from; i < p->n; i++)
    if (match(p, P_RULE, i, NULL, NULL, NULL, NULL)) {
      end = i;
      d->footer_line = (int)i + 1;
      break;
    }
  if (d->footer_line == 0)
    add_problem(p, (int)p->n,
                "no footer: the draft ends with a \"---\" line and the "
                "models and tokens line");
  else if ((rc = keep_lines(p, end, p->n, &d->footer, &d->nfooter)) != 0)
    return rc;
  /* Text between the scorecard heading and the first section belongs to no
   * reviewer: most likely a heading was deleted. */
  for (i = sections_from; i < end; i++) {
    if (match(p, P_SECTION, i, NULL, NULL, NULL, NULL))
      break;
    if (!is_blank(p, i)) {
      add_problem(p, (int)i + 1,
                  "text outside any reviewer section; is a \"### Reviewer\" "
                  "heading missing above it?");
      while (i < end && !match(p, P_SECTION, i, NULL, NULL, NULL, NULL))
        i++;
      break;
    }
  }
  while (i < end) {
    size_t next = i + 1;
    while (next < end && !match(p, P_SECTION, next, NULL, NULL, NULL, NULL))
      next++;
    rc = read_section(p, i, next);
    if (rc != 0)
      return rc;
    i = next;
  }
  return p->nomem ? SK_ENOMEM : 0;
}

int sk_draft_parse(const char *text, size_t len, struct sk_draft *d,
                   struct sk_error *err) {
  struct parser p;
  size_t k;
  int rc;

  memset(d, 0, sizeof(*d));
  memset(&p, 0, sizeof(p));
  p.d = d;
  rc = compile_all(&p, err);
  if (rc == 0)
    rc = parse(&p, text, len);
  if (rc == 0 && p.nomem)
    rc = SK_ENOMEM;
  if (rc == SK_ENOMEM)
    sk_error_set(err, SK_ENOMEM, "out of memory reading the draft");
  for (k = 0; k < P__COUNT; k++)
    pcre2_code_free(p.re[k]);
  pcre2_match_data_free(p.md);
  free(p.line);
  free(p.len);
  free(p.valid);
  return rc;
}

static void free_lines(struct sk_draft_line *l, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    free(l[i].text);
  free(l);
}

void sk_draft_cleanup(struct sk_draft *d) {
  size_t i;
  if (d == NULL)
    return;
  free(d->title);
  free_lines(d->header, d->nheader);
  free_lines(d->footer, d->nfooter);
  for (i = 0; i < d->nsections; i++) {
    struct sk_draft_section *s = &d->sections[i];
    free(s->name);
    free(s->score);
    free(s->verdict);
    free(s->review);
    free(s->folded);
    free(s->body);
  }
  free(d->sections);
  free(d->problems);
  memset(d, 0, sizeof(*d));
}

const struct sk_draft_section *sk_draft_find(const struct sk_draft *d,
                                             const char *name) {
  size_t i;
  for (i = 0; i < d->nsections; i++)
    if (strcmp(d->sections[i].name, name) == 0)
      return &d->sections[i];
  return NULL;
}
