/* validate.c: the reply contract, checked with PCRE2 (see validate.h).
 *
 * Labels are found with multiline patterns anchored at line starts, so a
 * "SCORE:" inside the paragraph is still seen (and counted: two SCORE lines
 * are an error, not a choice between them). Values are then parsed with
 * stricter patterns so the message can say exactly what was wrong. Given
 * the request's fence, a reply that repeats it (or any TOOL-DATA fence) is
 * refused as quoting the untrusted tool text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "shipskip/review/validate.h"
#include "shipskip/model/tool.h"

#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A label line: optional decoration, the label, a colon, the value. A CR
 * before the line end (a CRLF reply) is not part of the value. */
#define LABEL(name)                                                            \
  "^[ \\t>#*_`-]*" name "[ \\t*_`]*:[ \\t*_`]*(.*?)[ \\t\\r*_`]*$"

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
  pcre2_code *fence_like;
  pcre2_match_data *md;
  pcre2_code ***rubric; /* [persona][element] */
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
  v->score_value = compile("^(-?[0-9]+(?:[.,][0-9]+)?)\\s*(?:/\\s*([0-9]+))?$",
                           0, "score value", err);
  /* Any fence of the prompt's shape, not only this request's: tool text may
   * carry a forged one, and a reply that repeats it is quoting the data. */
  v->fence_like =
      compile("TOOL-DATA-[0-9a-f]{16}", PCRE2_CASELESS, "fence line", err);
  v->md = pcre2_match_data_create(8, NULL);
  v->rubric = calloc(panel->n ? panel->n : 1, sizeof(*v->rubric));
  if (v->score_line == NULL || v->verdict_line == NULL ||
      v->review_line == NULL || v->score_value == NULL ||
      v->fence_like == NULL || v->md == NULL || v->rubric == NULL)
    goto fail;
  for (i = 0; i < panel->n; i++) {
    const struct sk_persona *p = &panel->personas[i];
    v->rubric[i] = calloc(p->nrubric ? p->nrubric : 1, sizeof(pcre2_code *));
    if (v->rubric[i] == NULL)
      goto fail;
    for (j = 0; j < p->nrubric; j++) {
      char what[512];
      snprintf(what, sizeof(what), "%s: rubric \"%s\"", p->source,
               p->rubric[j].name);
      v->rubric[i][j] =
          compile(p->rubric[j].pattern, PCRE2_CASELESS, what, err);
      if (v->rubric[i][j] == NULL)
        goto fail;
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

void sk_reply_cleanup(struct sk_reply *r) {
  if (r == NULL)
    return;
  free(r->review);
  r->review = NULL;
}

static void add_error(struct sk_reply *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void add_error(struct sk_reply *r, const char *fmt, ...) {
  va_list ap;

  if (r->nerrors >= SK_REPLY_MAX_ERRORS)
    return;
  va_start(ap, fmt);
  vsnprintf(r->errors[r->nerrors], SK_REPLY_ERROR_LEN, fmt, ap);
  va_end(ap);
  r->nerrors++;
}

/* Counts matches of a multiline label pattern; stores the first value. */
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

static void check_score(struct sk_validator *v, const char *text, size_t len,
                        struct sk_reply *r) {
  const char *val = NULL;
  size_t vlen = 0;
  int n = find_label(v, v->score_line, text, len, &val, &vlen, NULL);
  int rc;
  PCRE2_SIZE *ov;
  char num[32];

  if (n == 0) {
    add_error(r, "no SCORE line (write SCORE: NN/100)");
    return;
  }
  if (n > 1) {
    add_error(r, "%d SCORE lines; give exactly one", n);
    return;
  }
  rc = pcre2_match(v->score_value, (PCRE2_SPTR)val, vlen, 0, CHECKED, v->md,
                   NULL);
  if (rc < 0) {
    add_error(r, "SCORE \"%.*s\" is not a number out of 100 (write NN/100)",
              shown(val, vlen), val);
    return;
  }
  ov = pcre2_get_ovector_pointer(v->md);
  if (rc >= 3 && ov[4] != PCRE2_UNSET &&
      !(ov[5] - ov[4] == 3 && memcmp(val + ov[4], "100", 3) == 0)) {
    add_error(r, "score must be out of 100, not out of %.*s",
              (int)(ov[5] - ov[4]), val + ov[4]);
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

static void check_verdict(struct sk_validator *v, const char *text, size_t len,
                          struct sk_reply *r) {
  const char *val = NULL;
  size_t vlen = 0;
  int n = find_label(v, v->verdict_line, text, len, &val, &vlen, NULL);
  char word[8];
  size_t i;

  if (n == 0) {
    add_error(r, "no VERDICT line (write VERDICT: ship or VERDICT: skip)");
    return;
  }
  if (n > 1) {
    add_error(r, "%d VERDICT lines; give exactly one", n);
    return;
  }
  /* A trailing full stop or exclamation is decoration, not a new word. */
  while (vlen > 0 && (val[vlen - 1] == '.' || val[vlen - 1] == '!'))
    vlen--;
  if (vlen == 4) {
    for (i = 0; i < 4; i++)
      word[i] = (char)(val[i] >= 'A' && val[i] <= 'Z' ? val[i] + 32 : val[i]);
    word[4] = '\0';
    if (strcmp(word, "ship") == 0 || strcmp(word, "skip") == 0) {
      memcpy(r->verdict, word, 5);
      return;
    }
  }
  add_error(r, "verdict \"%.*s\" is not ship or skip", shown(val, vlen), val);
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

static int check_paragraph(struct sk_validator *v, size_t persona,
                           const char *para, size_t len, struct sk_reply *r) {
  const struct sk_persona *p = &v->panel->personas[persona];
  char *folded;
  size_t words;
  size_t j;
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
  for (j = 0; j < p->nrubric; j++) {
    int rc = pcre2_match(v->rubric[persona][j], (PCRE2_SPTR)folded,
                         strlen(folded), 0, CHECKED, v->md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH)
      add_error(r, "rubric: %s", p->rubric[j].missing);
    else if (rc < 0)
      add_error(r, "rubric: \"%s\" could not be checked (PCRE2 error %d)",
                p->rubric[j].name, rc);
  }
  if (r->nerrors == 0)
    r->review = folded;
  else
    free(folded);
  return 0;
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

int sk_validator_check(struct sk_validator *v, size_t persona, const char *text,
                       size_t len, struct sk_reply *r) {
  return sk_validator_check_ex(v, persona, text, len, NULL, r);
}

int sk_validator_check_ex(struct sk_validator *v, size_t persona,
                          const char *text, size_t len, const char *fence,
                          struct sk_reply *r) {
  size_t review_start = 0;
  int nreview;
  int rc;

  memset(r, 0, sizeof(*r));
  r->score = -1;
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
  check_score(v, text, len, r);
  check_verdict(v, text, len, r);
  nreview = find_label(v, v->review_line, text, len, NULL, NULL, &review_start);
  if (nreview == 0) {
    add_error(r, "no REVIEW line (write REVIEW: followed by one paragraph)");
  } else if (nreview > 1) {
    add_error(r, "%d REVIEW lines; give exactly one", nreview);
  } else {
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
    rc = check_paragraph(v, persona, para, cut, r);
    if (rc != 0)
      return rc;
  }
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

  memset(r, 0, sizeof(*r));
  r->score = -1;
  if (persona >= v->panel->n)
    return SK_EINVAL;
  if (!sk_utf8_valid(review, len)) {
    add_error(r, "the review is not valid UTF-8");
    return SK_EREPLY;
  }
  rc = check_paragraph(v, persona, review, len, r);
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
