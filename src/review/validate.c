/* validate.c: the reply contract, checked with PCRE2 (see validate.h).
 *
 * Labels are found with multiline patterns anchored at line starts, so a
 * "SCORE:" inside the paragraph is still seen (and counted: two SCORE lines
 * are an error, not a choice between them). Values are then parsed with
 * stricter patterns so the message can say exactly what was wrong; the
 * compact "78/100 · ship" value goes through the same score and verdict
 * checks as the two-line form. A JSON reply is parsed with cJSON and its
 * three fields are checked with the same messages. Whatever the form, the
 * paragraph goes through one function: paragraphs, length, the tool's name
 * and rubric coverage. Given the request's fence, a reply that repeats it
 * (or any TOOL-DATA fence) is refused as quoting the untrusted tool text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "shipskip/review/validate.h"
#include "shipskip/review/evidence.h"
#include "shipskip/review/prefilter.h"
#include "shipskip/review/subject.h"
#include "shipskip/model/tool.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A label line: optional decoration, the label, a colon, the value. A CR
 * before the line end (a CRLF reply) is not part of the value. */
#define LABEL(name)                                                            \
  "^[ \\t>#*_`-]*" name "[ \\t*_`]*:[ \\t*_`]*(.*?)[ \\t\\r*_`]*$"

/* The separators the compact form allows between score and verdict: the
 * seed pages' middle dot, a hyphen, en and em dashes, a bar and a comma. */
#define SEP "[ \\t]*(?:\\x{b7}|-|\\x{2013}|\\x{2014}|\\||,)[ \\t]*"

/* "SCORE: 72/100, VERDICT: ship" on one line: the verdict's own label may
 * follow the separator. */
#define VERDICT_LABEL "(?:[*_`]*(?i)verdict[ \\t*_`]*:[ \\t*_`]*)?"

/* A score value: a number, optionally "/ NN" (capture 1 and 2). */
#define NUMBER "(-?[0-9]+(?:[.,][0-9]+)?)"

/* Options for matching text already checked as UTF-8 (every public entry
 * point checks first): PCRE2 would otherwise check the whole subject again
 * on every call, and a reply is matched about a dozen times. */
#define CHECKED PCRE2_NO_UTF_CHECK

struct sk_validator {
  const struct sk_panel_def *panel;
  struct sk_validate_opts opts;
  pcre2_code *score_line;
  pcre2_code *verdict_line;
  pcre2_code *review_line;
  pcre2_code *score_value;
  pcre2_code *compact_value;
  pcre2_code *bare_compact;
  pcre2_code *fence_like;
  pcre2_match_data *md;
  pcre2_code ***rubric; /* [persona][element] */
  /* [persona][element]: where each rubric match can start (NULL: from the
   * start); used unless a test turned them off (sk_validator_set_prefilter). */
  struct sk_prefilter ***pre;
  int no_prefilter;
};

static pcre2_code *compile(const char *pattern, uint32_t flags,
                           const char *what, struct sk_error *err) {
  int errcode;
  PCRE2_SIZE offset;
  pcre2_code *code =
      pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                    flags | PCRE2_UTF | PCRE2_UCP, &errcode, &offset, NULL);
  if (code == NULL) {
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(errcode, msg, sizeof(msg));
    sk_error_set(err, SK_EREGEX,
                 "%s: pattern does not compile at offset %zu: %s", what,
                 (size_t)offset, (const char *)msg);
    return NULL;
  }
  /* JIT is an optimisation: where it is unavailable the interpreter runs the
   * same pattern, so a JIT failure is not an error. */
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return code;
}

void sk_validator_free(struct sk_validator *v) {
  size_t i;
  size_t j;

  if (v == NULL)
    return;
  pcre2_code_free(v->score_line);
  pcre2_code_free(v->verdict_line);
  pcre2_code_free(v->review_line);
  pcre2_code_free(v->score_value);
  pcre2_code_free(v->compact_value);
  pcre2_code_free(v->bare_compact);
  pcre2_code_free(v->fence_like);
  pcre2_match_data_free(v->md);
  if (v->rubric != NULL) {
    for (i = 0; i < v->panel->n; i++) {
      if (v->rubric[i] == NULL)
        continue;
      for (j = 0; j < v->panel->personas[i].nrubric; j++)
        pcre2_code_free(v->rubric[i][j]);
      free(v->rubric[i]);
    }
    free(v->rubric);
  }
  if (v->pre != NULL) {
    for (i = 0; i < v->panel->n; i++) {
      if (v->pre[i] == NULL)
        continue;
      for (j = 0; j < v->panel->personas[i].nrubric; j++)
        sk_prefilter_free(v->pre[i][j]);
      free(v->pre[i]);
    }
    free(v->pre);
  }
  free(v);
}

int sk_validator_new(const struct sk_panel_def *panel,
                     const struct sk_validate_opts *opts,
                     struct sk_validator **out, struct sk_error *err) {
  struct sk_validator *v;
  size_t i;
  size_t j;

  *out = NULL;
  v = calloc(1, sizeof(*v));
  if (v == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  v->panel = panel;
  v->opts = *opts;
  if (v->opts.min_words <= 0)
    v->opts.min_words = 60;
  if (v->opts.max_words <= 0)
    v->opts.max_words = 260;
  if (v->opts.max_reply == 0)
    v->opts.max_reply = 64 * 1024;
  v->score_line = compile(LABEL("SCORE"), PCRE2_CASELESS | PCRE2_MULTILINE,
                          "SCORE line", err);
  v->verdict_line = compile(LABEL("VERDICT"), PCRE2_CASELESS | PCRE2_MULTILINE,
                            "VERDICT line", err);
  v->review_line =
      compile("^[ \\t>#*_`-]*REVIEW[ \\t*_`]*:[ \\t*_`]*",
              PCRE2_CASELESS | PCRE2_MULTILINE, "REVIEW line", err);
  v->score_value =
      compile("^" NUMBER "\\s*(?:/\\s*([0-9]+))?$", 0, "score value", err);
  /* The seed pages' "78/100 · ship": the same number, then a verdict word
   * (capture 3, checked as a VERDICT value is). */
  v->compact_value =
      compile("^" NUMBER "\\s*(?:/\\s*([0-9]+))?" SEP VERDICT_LABEL "(.+?)$", 0,
              "compact score value", err);
  /* The same line without the label, as the pages print it: only as the
   * first line, with the "/NN" and a separator, so prose is never read. */
  v->bare_compact = compile("\\A\\s*[>#*_`]*[ \\t]*" NUMBER
                            "\\s*/\\s*([0-9]+)" SEP "(.+?)[ \\t\\r*_`]*$",
                            PCRE2_MULTILINE, "bare compact line", err);
  /* Any fence of the prompt's shape, not only this request's: tool text may
   * carry a forged one, and a reply that repeats it is quoting the data. */
  v->fence_like =
      compile("TOOL-DATA-[0-9a-f]{16}", PCRE2_CASELESS, "fence line", err);
  v->md = pcre2_match_data_create(8, NULL);
  v->rubric = calloc(panel->n ? panel->n : 1, sizeof(*v->rubric));
  v->pre = calloc(panel->n ? panel->n : 1, sizeof(*v->pre));
  if (v->score_line == NULL || v->verdict_line == NULL ||
      v->review_line == NULL || v->score_value == NULL ||
      v->compact_value == NULL || v->bare_compact == NULL ||
      v->fence_like == NULL || v->md == NULL || v->rubric == NULL ||
      v->pre == NULL)
    goto fail;
  for (i = 0; i < panel->n; i++) {
    const struct sk_persona *p = &panel->personas[i];
    v->rubric[i] = calloc(p->nrubric ? p->nrubric : 1, sizeof(pcre2_code *));
    v->pre[i] = calloc(p->nrubric ? p->nrubric : 1, sizeof(*v->pre[i]));
    if (v->rubric[i] == NULL || v->pre[i] == NULL)
      goto fail;
    for (j = 0; j < p->nrubric; j++) {
      char what[512];
      snprintf(what, sizeof(what), "%s: rubric \"%s\"", p->source,
               p->rubric[j].name);
      v->rubric[i][j] =
          compile(p->rubric[j].pattern, PCRE2_CASELESS, what, err);
      if (v->rubric[i][j] == NULL)
        goto fail;
      if (sk_prefilter_new(p->rubric[j].pattern, &v->pre[i][j]) != 0) {
        sk_error_set(err, SK_ENOMEM, "out of memory");
        goto fail;
      }
    }
  }
  *out = v;
  return 0;
fail:
  sk_validator_free(v);
  if (err != NULL && err->code != 0)
    return err->code;
  return sk_error_set(err, SK_ENOMEM, "out of memory");
}

/* Frees every evidence quote of r. */
static void drop_evidence(struct sk_reply *r) {
  size_t j;
  for (j = 0; j < SK_PERSONA_MAX_RUBRIC; j++) {
    free(r->evidence[j]);
    r->evidence[j] = NULL;
  }
}

void sk_reply_cleanup(struct sk_reply *r) {
  if (r == NULL)
    return;
  free(r->review);
  r->review = NULL;
  drop_evidence(r);
}

int sk_rubric_policy_parse(const char *s, enum sk_rubric_policy *out) {
  if (s == NULL)
    return SK_EINVAL;
  if (strcmp(s, "default") == 0)
    *out = SK_RUBRIC_DEFAULT;
  else if (strcmp(s, "strict") == 0)
    *out = SK_RUBRIC_STRICT;
  else if (strcmp(s, "off") == 0)
    *out = SK_RUBRIC_OFF;
  else
    return SK_EINVAL;
  return 0;
}

const char *sk_rubric_policy_name(enum sk_rubric_policy p) {
  switch (p) {
  case SK_RUBRIC_STRICT:
    return "strict";
  case SK_RUBRIC_OFF:
    return "off";
  case SK_RUBRIC_DEFAULT:
    break;
  }
  return "default";
}

int sk_reply_covers(const struct sk_reply *r, size_t j) {
  if (r == NULL || !r->rubric_checked || j >= r->nrubric || j >= 32)
    return 0;
  return (r->covered >> j) & 1u;
}

static void add_errorv(struct sk_reply *r, int format, const char *fmt,
                       va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;

/* Stores one message; format errors are counted even past the cap, so
 * nformat > 0 always means the reply failed on its form, not its rubric. */
static void add_errorv(struct sk_reply *r, int format, const char *fmt,
                       va_list ap) {
  if (format)
    r->nformat++;
  if (r->nerrors >= SK_REPLY_MAX_ERRORS)
    return;
  vsnprintf(r->errors[r->nerrors], SK_REPLY_ERROR_LEN, fmt, ap);
  r->nerrors++;
}

static void add_error(struct sk_reply *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A format failure: hard, whatever the rubric policy. */
static void add_error(struct sk_reply *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_errorv(r, 1, fmt, ap);
  va_end(ap);
}

static void add_rubric_error(struct sk_reply *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A coverage failure: only ever added below the threshold. */
static void add_rubric_error(struct sk_reply *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  add_errorv(r, 0, fmt, ap);
  va_end(ap);
}

static int find_label(struct sk_validator *v, pcre2_code *code,
                      const char *text, size_t len, const char **val,
                      size_t *vlen, size_t *line_end) {
  PCRE2_SIZE start = 0;
  int count = 0;

  while (start <= len) {
    int rc =
        pcre2_match(code, (PCRE2_SPTR)text, len, start, CHECKED, v->md, NULL);
    PCRE2_SIZE *ov;
    if (rc < 0)
      break;
    ov = pcre2_get_ovector_pointer(v->md);
    if (count == 0) {
      if (rc >= 2 && val != NULL) {
        *val = text + ov[2];
        *vlen = ov[3] - ov[2];
      }
      if (line_end != NULL)
        *line_end = ov[1];
    }
    count++;
    start = ov[1];
    if (ov[1] == ov[0]) {
      /* An empty match: step on one character, not into one (the subject
       * is not checked again, so the offset must stay on a boundary). */
      start++;
      while (start < len && ((unsigned char)text[start] & 0xC0) == 0x80)
        start++;
    }
  }
  return count;
}

/* Prints at most 40 bytes of a value for a message, cut on a UTF-8 boundary. */
static int shown(const char *val, size_t len) {
  size_t n = len > 40 ? 40 : len;
  while (n > 0 && n < len && ((unsigned char)val[n] & 0xC0) == 0x80)
    n--;
  return (int)n;
}

/* Where the text form found its score: the compact form's verdict word (NULL
 * in the two-line form), and where the score line ends (the paragraph of a
 * compact reply without a REVIEW label starts there). */
struct score_found {
  const char *verdict;
  size_t vlen;
  size_t line_end;
  int compact;
};

/* Checks the number (capture 1) and the denominator (capture 2) of a
 * matched score value; sets r->score or adds the precise message. */
static void score_number(struct sk_reply *r, const char *val, int rc,
                         const PCRE2_SIZE *ov) {
  char num[32];

  if (rc >= 3 && ov[4] != PCRE2_UNSET &&
      !(ov[5] - ov[4] == 3 && memcmp(val + ov[4], "100", 3) == 0)) {
    add_error(r, "score must be out of 100, not out of %.*s",
              (int)(ov[5] - ov[4] < 12 ? ov[5] - ov[4] : 12), val + ov[4]);
    return;
  }
  snprintf(num, sizeof(num), "%.*s",
           (int)(ov[3] - ov[2] < 31 ? ov[3] - ov[2] : 31), val + ov[2]);
  if (strchr(num, '.') != NULL || strchr(num, ',') != NULL) {
    add_error(r, "score %s is not a whole number", num);
    return;
  }
  if (strlen(num) > 4 || atoi(num) < 0 || atoi(num) > 100) {
    add_error(r, "score %s is out of range 0-100", num);
    return;
  }
  r->score = atoi(num);
}

/* Reads a score value: "78/100", or the compact "78/100 · ship", whose
 * verdict word is left in *f for the verdict check. */
static void score_value(struct sk_validator *v, const char *val, size_t vlen,
                        struct score_found *f, struct sk_reply *r) {
  int rc = pcre2_match(v->score_value, (PCRE2_SPTR)val, vlen, 0, CHECKED, v->md,
                       NULL);
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(v->md);

  if (rc < 0) {
    rc = pcre2_match(v->compact_value, (PCRE2_SPTR)val, vlen, 0, CHECKED, v->md,
                     NULL);
    if (rc < 4) {
      add_error(r, "SCORE \"%.*s\" is not a number out of 100 (write NN/100)",
                shown(val, vlen), val);
      return;
    }
    f->compact = 1;
    f->verdict = val + ov[6];
    f->vlen = ov[7] - ov[6];
  }
  score_number(r, val, rc, ov);
}

static void check_score(struct sk_validator *v, const char *text, size_t len,
                        struct score_found *f, struct sk_reply *r) {
  const char *val = NULL;
  size_t vlen = 0;
  int n = find_label(v, v->score_line, text, len, &val, &vlen, &f->line_end);
  int rc;

  if (n > 1) {
    add_error(r, "%d SCORE lines; give exactly one", n);
    return;
  }
  if (n == 1) {
    r->form = SK_REPLY_FORM_LINES;
    score_value(v, val, vlen, f, r);
    if (f->compact)
      r->form = SK_REPLY_FORM_COMPACT;
    return;
  }
  /* No label: the pages' own "78/100 · ship" as the first line. */
  rc = pcre2_match(v->bare_compact, (PCRE2_SPTR)text, len, 0, CHECKED, v->md,
                   NULL);
  if (rc >= 4) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(v->md);
    f->compact = 1;
    f->verdict = text + ov[6];
    f->vlen = ov[7] - ov[6];
    f->line_end = ov[1];
    r->form = SK_REPLY_FORM_COMPACT;
    score_number(r, text, rc, ov);
    return;
  }
  add_error(r, "no SCORE line (write SCORE: NN/100)");
}

/* Reads a verdict value into out ("ship" or "skip"); returns 0, or -1
 * after adding the message. */
static int verdict_value(const char *val, size_t vlen, char out[5],
                         struct sk_reply *r) {
  size_t i;

  /* A trailing full stop or exclamation is decoration, not a new word. */
  while (vlen > 0 && (val[vlen - 1] == '.' || val[vlen - 1] == '!'))
    vlen--;
  if (vlen == 4) {
    for (i = 0; i < 4; i++)
      out[i] = (char)(val[i] >= 'A' && val[i] <= 'Z' ? val[i] + 32 : val[i]);
    out[4] = '\0';
    if (strcmp(out, "ship") == 0 || strcmp(out, "skip") == 0)
      return 0;
  }
  out[0] = '\0';
  add_error(r, "verdict \"%.*s\" is not ship or skip", shown(val, vlen), val);
  return -1;
}

/* The verdict of the text forms: a VERDICT line, or the compact score
 * line's word; both may be given when they agree. */
static void check_verdict(struct sk_validator *v, const char *text, size_t len,
                          const struct score_found *f, struct sk_reply *r) {
  const char *val = NULL;
  size_t vlen = 0;
  int n = find_label(v, v->verdict_line, text, len, &val, &vlen, NULL);
  char word[5];

  if (n > 1) {
    add_error(r, "%d VERDICT lines; give exactly one", n);
    return;
  }
  if (f->verdict != NULL) {
    if (verdict_value(f->verdict, f->vlen, r->verdict, r) != 0 || n == 0)
      return;
    if (verdict_value(val, vlen, word, r) == 0 && strcmp(word, r->verdict) != 0)
      add_error(r,
                "the SCORE line says %s but the VERDICT line says %s; "
                "give one verdict",
                r->verdict, word);
    return;
  }
  if (n == 0) {
    add_error(r, "no VERDICT line (write VERDICT: ship or VERDICT: skip)");
    return;
  }
  verdict_value(val, vlen, r->verdict, r);
}

/* Folds runs of white space into single spaces; returns the word count. */
static size_t fold_words(const char *in, size_t len, char *out) {
  size_t words = 0;
  size_t o = 0;
  size_t i;
  int space = 1;

  for (i = 0; i < len; i++) {
    char c = in[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = 1;
      continue;
    }
    if (space) {
      if (o > 0)
        out[o++] = ' ';
      words++;
      space = 0;
    }
    out[o++] = c;
  }
  out[o] = '\0';
  return words;
}

/* Counts paragraphs: blocks of text separated by blank lines. */
static int count_paragraphs(const char *s, size_t len) {
  int paras = 0;
  int in_text = 0;
  int blank_run = 0;
  size_t i;
  int line_has_text = 0;

  for (i = 0; i <= len; i++) {
    char c = i < len ? s[i] : '\n';
    if (c == '\n') {
      if (line_has_text) {
        if (!in_text || blank_run)
          paras++;
        in_text = 1;
        blank_run = 0;
      } else if (in_text) {
        blank_run = 1;
      }
      line_has_text = 0;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      line_has_text = 1;
    }
  }
  return paras;
}

/* Rejects control characters other than tab, LF and CR: they have no place
 * in a review and can hide text from an editor. */
static int check_bytes(const char *text, size_t len, struct sk_reply *r) {
  size_t i;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      add_error(r, "the reply contains control character 0x%02x", c);
      return -1;
    }
  }
  return 0;
}

/* Returns 1 if the n bytes of needle occur in the len bytes of hay. */
static int contains(const char *hay, size_t len, const char *needle, size_t n) {
  size_t i;
  if (n == 0 || n > len)
    return 0;
  for (i = 0; i + n <= len; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
      return 1;
  return 0;
}

/* A reply that repeats the fence is quoting the tool data, and whatever it
 * says around it may be the submitter's words rather than the reviewer's. */
static void check_fence(struct sk_validator *v, const char *text, size_t len,
                        const char *fence, struct sk_reply *r) {
  if (contains(text, len, fence, strlen(fence)) ||
      pcre2_match(v->fence_like, (PCRE2_SPTR)text, len, 0, CHECKED, v->md,
                  NULL) >= 0)
    add_error(r, "the reply quotes the fenced tool text (a TOOL-DATA fence "
                 "line); answer with the SCORE, VERDICT and REVIEW lines "
                 "only");
}

/* The subject check of sk_validator_check_tool on the folded paragraph
 * (see subject.h). */
static int check_subject(const char *review, const struct sk_tool *tool,
                         struct sk_reply *r) {
  int rc = sk_subject_check(review, tool);
  if (rc < 0)
    return rc;
  if (rc == 0)
    add_error(r,
              "the review never names %.60s and hardly speaks of what its "
              "description says; review the tool in the data block",
              tool->name);
  return 0;
}

/* ---- the paragraph: one, within bounds, about the tool, covering enough */

static size_t threshold(const struct sk_validator *v,
                        const struct sk_persona *p) {
  switch (v->opts.rubric) {
  case SK_RUBRIC_STRICT:
    return p->nrubric;
  case SK_RUBRIC_OFF:
    return 0;
  case SK_RUBRIC_DEFAULT:
    break;
  }
  return sk_persona_min_rubric(p);
}

void sk_validator_set_prefilter(struct sk_validator *v, int on) {
  v->no_prefilter = !on;
}

/* Matches rubric element j of persona against the folded paragraph (len
 * bytes): pcre2_match's result. The prefilter, where the pattern has one,
 * says where a match can start, or that none can; matching from there
 * finds what matching from 0 would (see prefilter.h). */
static int rubric_match(struct sk_validator *v, size_t persona, size_t j,
                        const char *folded, size_t len) {
  const struct sk_prefilter *pf = v->no_prefilter ? NULL : v->pre[persona][j];
  size_t start = 0;

  if (pf != NULL) {
    start = sk_prefilter_first(pf, folded, len);
    if (start == SK_PREFILTER_NONE)
      return PCRE2_ERROR_NOMATCH;
  }
  return pcre2_match(v->rubric[persona][j], (PCRE2_SPTR)folded, len, start,
                     CHECKED, v->md, NULL);
}

/* Matches every rubric element against the folded paragraph and records
 * the coverage; below the threshold, one error per missing element. */
static void check_rubric(struct sk_validator *v, size_t persona,
                         const char *folded, struct sk_reply *r) {
  const struct sk_persona *p = &v->panel->personas[persona];
  int codes[SK_PERSONA_MAX_RUBRIC];
  size_t len = strlen(folded);
  size_t j;

  r->rubric_checked = 1;
  r->nrubric = p->nrubric;
  r->min_rubric = threshold(v, p);
  for (j = 0; j < p->nrubric && j < SK_PERSONA_MAX_RUBRIC; j++) {
    if (r->evidence[j] != NULL && sk_evidence_occurs(r->evidence[j], folded)) {
      /* The model named the words that cover it, and they are there. */
      codes[j] = 1;
      r->quoted |= 1u << j;
    } else {
      free(r->evidence[j]);
      r->evidence[j] = NULL;
      codes[j] = rubric_match(v, persona, j, folded, len);
    }
    if (codes[j] >= 0) {
      r->covered |= 1u << j;
      r->ncovered++;
    } else {
      r->missing |= 1u << j;
      if (codes[j] != PCRE2_ERROR_NOMATCH)
        r->unchecked |= 1u << j;
    }
  }
  if (r->ncovered >= r->min_rubric)
    return;
  r->rubric_short = 1;
  for (j = 0; j < p->nrubric && j < SK_PERSONA_MAX_RUBRIC; j++) {
    if (codes[j] == PCRE2_ERROR_NOMATCH)
      add_rubric_error(r, "rubric: %s", p->rubric[j].missing);
    else if (codes[j] < 0)
      add_rubric_error(r,
                       "rubric: \"%s\" could not be checked (PCRE2 error "
                       "%d)",
                       p->rubric[j].name, codes[j]);
  }
}

static int check_paragraph(struct sk_validator *v, size_t persona,
                           const char *para, size_t len,
                           const struct sk_tool *tool, struct sk_reply *r) {
  char *folded;
  size_t words;
  int paras = count_paragraphs(para, len);

  if (paras == 0) {
    add_error(r, "the REVIEW paragraph is empty");
    return 0;
  }
  if (paras > 1)
    add_error(r, "the review has %d paragraphs; write exactly one", paras);
  folded = malloc(len + 1);
  if (folded == NULL)
    return SK_ENOMEM;
  words = fold_words(para, len, folded);
  if ((int)words < v->opts.min_words || (int)words > v->opts.max_words)
    add_error(r, "the review is %zu words; write %d to %d", words,
              v->opts.min_words, v->opts.max_words);
  if (check_subject(folded, tool, r) != 0) {
    free(folded);
    return SK_ENOMEM;
  }
  check_rubric(v, persona, folded, r);
  if (r->nerrors == 0)
    r->review = folded;
  else
    free(folded);
  return 0;
}

/* Takes the quotes of a JSON reply's "evidence" object (see the top of
 * validate.h) into r->evidence, white space folded, by element; anything
 * malformed is left out. Returns 0 or SK_ENOMEM. */
static int take_evidence(const struct sk_validator *v, size_t persona,
                         const cJSON *ev, struct sk_reply *r) {
  const struct sk_persona *p = &v->panel->personas[persona];
  size_t j;

  if (!cJSON_IsObject(ev))
    return 0;
  for (j = 0; j < p->nrubric && j < SK_PERSONA_MAX_RUBRIC; j++) {
    /* A quote cut at a NUL could match where the whole would not: a
     * quote that held one is malformed, so left out. */
    const char *q =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(ev, p->rubric[j].name));
    size_t len;
    if (q == NULL || !sk_utf8_valid(q, strlen(q)))
      continue;
    len = strlen(q);
    r->evidence[j] = malloc(len + 1);
    if (r->evidence[j] == NULL)
      return SK_ENOMEM;
    fold_words(q, len, r->evidence[j]);
  }
  return 0;
}

/* ---- the JSON form ---- */

/* Where a JSON reply's object is: [*start, *end) of text. Returns 1 for a
 * JSON reply (errors about its framing already added), 0 for a text one. */
static int find_json(const char *text, size_t len, size_t *start, size_t *end,
                     struct sk_reply *r) {
  size_t i = 0;
  size_t line = 0;

  while (i < len && strchr(" \t\r\n", text[i]) != NULL)
    i++;
  if (i < len && text[i] == '{') {
    *start = i;
    *end = len;
    return 1;
  }
  /* The first line that opens a ``` fence, if what follows it is "{". */
  while (line < len) {
    const char *nl = memchr(text + line, '\n', len - line);
    size_t next = nl != NULL ? (size_t)(nl - text) + 1 : len;
    size_t k = line;
    while (k < next && (text[k] == ' ' || text[k] == '\t'))
      k++;
    if (next - k >= 3 && memcmp(text + k, "```", 3) == 0) {
      size_t body = next;
      size_t close = next;
      while (body < len && strchr(" \t\r\n", text[body]) != NULL)
        body++;
      if (body >= len || text[body] != '{')
        return 0;
      /* The closing fence: the next line that starts with ```. */
      while (close < len) {
        const char *cl = memchr(text + close, '\n', len - close);
        size_t cnext = cl != NULL ? (size_t)(cl - text) + 1 : len;
        size_t c = close;
        while (c < cnext && (text[c] == ' ' || text[c] == '\t'))
          c++;
        if (cnext - c >= 3 && memcmp(text + c, "```", 3) == 0) {
          *start = body;
          *end = close;
          for (c += 3; c < len; c++)
            if (strchr(" \t\r\n", text[c]) == NULL) {
              add_error(r, "text after the JSON code fence; send the JSON "
                           "object only");
              break;
            }
          return 1;
        }
        close = cnext;
      }
      add_error(r, "the JSON code fence is not closed (end it with ```)");
      return 1;
    }
    line = next;
  }
  return 0;
}

/* Returns 1 if the JSON text holds an escaped NUL: cJSON would cut the
 * string there, and the review would silently lose its end. */
static int escaped_nul(const char *s, size_t len) {
  size_t i;
  for (i = 0; i + 1 < len; i++) {
    if (s[i] != '\\')
      continue;
    if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
      return 1;
    i++; /* the escaped character is not a new escape */
  }
  return 0;
}

static const char *json_type(const cJSON *v) {
  if (cJSON_IsString(v))
    return "a string";
  if (cJSON_IsNumber(v))
    return "a number";
  if (cJSON_IsBool(v))
    return "true or false";
  if (cJSON_IsNull(v))
    return "null";
  if (cJSON_IsArray(v))
    return "an array";
  return "an object";
}

/* The one member called key, or NULL after adding why not. */
static const cJSON *json_member(const cJSON *obj, const char *key,
                                struct sk_reply *r) {
  const cJSON *c;
  const cJSON *found = NULL;
  int n = 0;

  cJSON_ArrayForEach(c, obj) {
    if (c->string != NULL && strcmp(c->string, key) == 0) {
      found = found != NULL ? found : c;
      n++;
    }
  }
  if (n == 0)
    add_error(r,
              "the JSON reply has no \"%s\" (write {\"score\": NN, "
              "\"verdict\": \"ship\" or \"skip\", \"review\": \"...\"})",
              key);
  else if (n > 1)
    add_error(r, "%d \"%s\" keys in the JSON reply; give exactly one", n, key);
  return n == 1 ? found : NULL;
}

static void json_score(const cJSON *s, struct sk_reply *r) {
  long long n;
  double d;

  if (!cJSON_IsNumber(s)) {
    add_error(r, "\"score\" must be a number, not %s", json_type(s));
    return;
  }
  d = s->valuedouble;
  if (isfinite(d) && d != floor(d))
    add_error(r, "score %g is not a whole number", d);
  else if (!sk_json_int(s, 0, 100, &n))
    add_error(r, "score %g is out of range 0-100", d);
  else
    r->score = (int)n;
}

static int check_json(struct sk_validator *v, size_t persona, const char *json,
                      size_t len, const struct sk_tool *tool,
                      struct sk_reply *r) {
  const char *end = NULL;
  cJSON *root;
  const cJSON *m;
  int rc = 0;

  r->form = SK_REPLY_FORM_JSON;
  if (escaped_nul(json, len)) {
    add_error(r, "the JSON reply contains an escaped NUL (\\u0000)");
    return 0;
  }
  root = sk_json_parse(json, len, &end);
  if (root == NULL) {
    add_error(r, "the reply looks like JSON but does not parse (at byte %zu)",
              end != NULL && end >= json ? (size_t)(end - json) : (size_t)0);
    return 0;
  }
  while (end != NULL && end < json + len && strchr(" \t\r\n", *end) != NULL)
    end++;
  if (end != NULL && end < json + len)
    add_error(r, "text after the JSON object; send one JSON object only");
  if (!cJSON_IsObject(root)) {
    add_error(r,
              "the reply is JSON but %s, not an object with score, "
              "verdict and review",
              json_type(root));
    goto out;
  }
  m = json_member(root, "score", r);
  if (m != NULL)
    json_score(m, r);
  /* escaped_nul() refused "\u0000" above; sk_json_strval() refuses a raw
   * NUL byte inside a string as well, as not a string. */
  m = json_member(root, "verdict", r);
  if (m != NULL && sk_json_strval(m) == NULL)
    add_error(r, "\"verdict\" must be a string (\"ship\" or \"skip\"), not %s",
              json_type(m));
  else if (m != NULL)
    verdict_value(sk_json_strval(m), strlen(sk_json_strval(m)), r->verdict, r);
  m = json_member(root, "review", r);
  if (m != NULL && sk_json_strval(m) == NULL)
    add_error(r, "\"review\" must be a string (one paragraph), not %s",
              json_type(m));
  else if (m != NULL &&
           check_bytes(sk_json_strval(m), strlen(sk_json_strval(m)), r) == 0) {
    rc = take_evidence(v, persona,
                       cJSON_GetObjectItemCaseSensitive(root, "evidence"), r);
    if (rc == 0)
      rc = check_paragraph(v, persona, sk_json_strval(m),
                           strlen(sk_json_strval(m)), tool, r);
  }
out:
  cJSON_Delete(root);
  return rc;
}

/* ---- the text forms ---- */

static int check_text(struct sk_validator *v, size_t persona, const char *text,
                      size_t len, const struct sk_tool *tool,
                      struct sk_reply *r) {
  struct score_found f = {NULL, 0, 0, 0};
  size_t review_start = 0;
  int nreview;

  check_score(v, text, len, &f, r);
  check_verdict(v, text, len, &f, r);
  nreview = find_label(v, v->review_line, text, len, NULL, NULL, &review_start);
  if (nreview > 1) {
    add_error(r, "%d REVIEW lines; give exactly one", nreview);
    return 0;
  }
  if (nreview == 0 && !f.compact) {
    add_error(r, "no REVIEW line (write REVIEW: followed by one paragraph)");
    return 0;
  }
  /* A compact reply may put the paragraph straight after its score line. */
  if (nreview == 0)
    review_start = f.line_end;
  {
    /* The paragraph runs from the label to the end, but a SCORE or VERDICT
     * line after it is not part of it (and was counted above). */
    const char *para = text + review_start;
    size_t plen = len - review_start;
    const char *s = NULL;
    size_t slen = 0;
    size_t cut = plen;
    size_t end;
    if (find_label(v, v->score_line, para, plen, &s, &slen, &end) > 0)
      cut = (size_t)(s - para);
    if (find_label(v, v->verdict_line, para, plen, &s, &slen, &end) > 0 &&
        (size_t)(s - para) < cut)
      cut = (size_t)(s - para);
    if (cut < plen) {
      /* Step back to the start of the label's line. */
      while (cut > 0 && para[cut - 1] != '\n')
        cut--;
    }
    return check_paragraph(v, persona, para, cut, tool, r);
  }
}

static void reply_reset(struct sk_reply *r) {
  memset(r, 0, sizeof(*r));
  r->score = -1;
}

int sk_validator_check(struct sk_validator *v, size_t persona, const char *text,
                       size_t len, struct sk_reply *r) {
  return sk_validator_check_tool(v, persona, text, len, NULL, NULL, r);
}

int sk_validator_check_ex(struct sk_validator *v, size_t persona,
                          const char *text, size_t len, const char *fence,
                          struct sk_reply *r) {
  return sk_validator_check_tool(v, persona, text, len, fence, NULL, r);
}

int sk_validator_check_tool(struct sk_validator *v, size_t persona,
                            const char *text, size_t len, const char *fence,
                            const struct sk_tool *tool, struct sk_reply *r) {
  size_t start = 0;
  size_t end = 0;
  int rc;

  reply_reset(r);
  if (persona >= v->panel->n)
    return SK_EINVAL;
  if (len > v->opts.max_reply) {
    add_error(r, "the reply is %zu bytes; the limit is %zu", len,
              v->opts.max_reply);
    return SK_EREPLY;
  }
  if (!sk_utf8_valid(text, len)) {
    add_error(r, "the reply is not valid UTF-8");
    return SK_EREPLY;
  }
  if (check_bytes(text, len, r) != 0)
    return SK_EREPLY;
  if (fence != NULL && fence[0] != '\0')
    check_fence(v, text, len, fence, r);
  /* A label line anywhere makes it a text reply, whatever else it holds. */
  if (find_label(v, v->score_line, text, len, NULL, NULL, NULL) == 0 &&
      find_label(v, v->verdict_line, text, len, NULL, NULL, NULL) == 0 &&
      find_label(v, v->review_line, text, len, NULL, NULL, NULL) == 0 &&
      find_json(text, len, &start, &end, r))
    rc = check_json(v, persona, text + start, end - start, tool, r);
  else
    rc = check_text(v, persona, text, len, tool, r);
  if (rc != 0)
    return rc;
  if (r->nerrors > 0) {
    free(r->review);
    r->review = NULL;
    return SK_EREPLY;
  }
  return 0;
}

int sk_validator_check_review(struct sk_validator *v, size_t persona,
                              const char *review, size_t len,
                              struct sk_reply *r) {
  int rc;

  reply_reset(r);
  if (persona >= v->panel->n)
    return SK_EINVAL;
  if (!sk_utf8_valid(review, len)) {
    add_error(r, "the review is not valid UTF-8");
    return SK_EREPLY;
  }
  rc = check_paragraph(v, persona, review, len, NULL, r);
  if (rc != 0)
    return rc;
  return r->nerrors > 0 ? SK_EREPLY : 0;
}

int sk_validator_rubric_hits(struct sk_validator *v, size_t persona,
                             const char *review, size_t len, int *hits) {
  const struct sk_persona *p;
  char *folded;
  size_t j;
  int n = 0;

  if (persona >= v->panel->n)
    return SK_EINVAL;
  p = &v->panel->personas[persona];
  folded = malloc(len + 1);
  if (folded == NULL)
    return SK_ENOMEM;
  fold_words(review, len, folded);
  for (j = 0; j < p->nrubric; j++) {
    int rc = pcre2_match(v->rubric[persona][j], (PCRE2_SPTR)folded,
                         strlen(folded), 0, 0, v->md, NULL);
    hits[j] = rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
    n += hits[j] == 1;
  }
  free(folded);
  return n;
}
