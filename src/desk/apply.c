/* apply.c: an edited draft checked against its scorecard and taken back
 * into it (see apply.h).
 *
 * The draft is compared with the draft the scorecard renders now, parsed
 * by the same parser: the header and footer line by line (blank lines
 * aside), each failed review's block as a whole, and each accepted
 * review's score, verdict and paragraph by value, after the validator has
 * checked them exactly as it checks a model's reply: the section is turned
 * into "SCORE: ...\nVERDICT: ...\nREVIEW: ..." and handed to
 * sk_validator_check(), so an editor meets the very messages a model would.
 */
#include "shipskip/desk/apply.h"
#include "shipskip/util/buf.h"
#include "shipskip/desk/draft.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/review/validate.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct problem {
  int line;
  size_t seq; /* order of finding, to keep the sort stable */
  char msg[320];
};

struct ctx {
  const char *label;
  struct problem *p;
  size_t n;
  int nomem;
};

static void problem(struct ctx *c, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void problem(struct ctx *c, int line, const char *fmt, ...) {
  struct problem *np = realloc(c->p, (c->n + 1) * sizeof(*np));
  va_list ap;
  if (np == NULL) {
    c->nomem = 1;
    return;
  }
  c->p = np;
  np[c->n].line = line;
  np[c->n].seq = c->n;
  va_start(ap, fmt);
  vsnprintf(np[c->n].msg, sizeof(np[c->n].msg), fmt, ap);
  va_end(ap);
  c->n++;
}

static int by_line(const void *a, const void *b) {
  const struct problem *x = a;
  const struct problem *y = b;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Moves the problems into res as "LABEL:LINE: message", in line order. */
static int take_problems(struct ctx *c, struct sk_apply_result *res) {
  size_t i;
  qsort(c->p, c->n, sizeof(*c->p), by_line);
  res->problems = calloc(c->n + 1, sizeof(*res->problems));
  if (res->problems == NULL)
    return SK_ENOMEM;
  for (i = 0; i < c->n; i++) {
    size_t size = strlen(c->label) + strlen(c->p[i].msg) + 32;
    char *s = malloc(size);
    if (s == NULL)
      return SK_ENOMEM;
    snprintf(s, size, "%s:%d: %s", c->label, c->p[i].line, c->p[i].msg);
    res->problems[res->nproblems++] = s;
  }
  return 0;
}

/* Prints at most 60 bytes of s, cut on a UTF-8 boundary, for a message. */
static int shown(const char *s) {
  size_t n = strlen(s);
  size_t k = n > 60 ? 60 : n;
  while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
    k--;
  return (int)k;
}

static const char *ellipsis(const char *s) {
  return strlen(s) > 60 ? "..." : "";
}

/* Returns 1 when the lines from index skip hold the same words on both
 * sides, however they are wrapped. */
static int same_words(const struct sk_draft_line *got, size_t ngot,
                      const struct sk_draft_line *want, size_t nwant,
                      size_t skip) {
  struct sk_buf a;
  struct sk_buf b;
  char *fa = NULL;
  char *fb = NULL;
  size_t k;
  int same = 0;

  sk_buf_init(&a, SK_DRAFT_FILE_CAP);
  sk_buf_init(&b, SK_DRAFT_FILE_CAP);
  for (k = skip; k < ngot; k++)
    if (sk_buf_adds(&a, got[k].text) != 0 || sk_buf_adds(&a, "\n") != 0)
      goto out;
  for (k = skip; k < nwant; k++)
    if (sk_buf_adds(&b, want[k].text) != 0 || sk_buf_adds(&b, "\n") != 0)
      goto out;
  if (sk_draft_fold(sk_buf_str(&a), &fa) == 0 &&
      sk_draft_fold(sk_buf_str(&b), &fb) == 0)
    same = strcmp(fa, fb) == 0;
out:
  free(fa);
  free(fb);
  sk_buf_cleanup(&a);
  sk_buf_cleanup(&b);
  return same;
}

/* Compares the non-blank lines of a part of the draft (header or footer)
 * with the ones the scorecard renders, from index skip on. With as many
 * lines on both sides every differing line is reported; otherwise lines
 * were added or removed, and everything after the first difference would
 * differ, so only that one is. */
static void compare_lines(struct ctx *c, const struct sk_draft_line *got,
                          size_t ngot, const struct sk_draft_line *want,
                          size_t nwant, size_t skip, int end_line,
                          const char *what) {
  size_t k;
  if (same_words(got, ngot, want, nwant, skip))
    return; /* rewrapped, nothing more */
  for (k = skip; k < ngot || k < nwant; k++) {
    if (k < ngot && k < nwant && strcmp(got[k].text, want[k].text) == 0)
      continue;
    if (k < nwant)
      problem(c, k < ngot ? got[k].line : end_line,
              "%s come%s from the scorecard and cannot be edited in the "
              "draft: this line should read \"%.*s%s\" (or the draft is "
              "older than the scorecard)",
              what, strcmp(what, "the footer") == 0 ? "s" : "",
              shown(want[k].text), want[k].text, ellipsis(want[k].text));
    else
      problem(c, got[k].line,
              "%s come%s from the scorecard and cannot be edited in the "
              "draft: this line is not in it (\"%.*s%s\")",
              what, strcmp(what, "the footer") == 0 ? "s" : "",
              shown(got[k].text), got[k].text, ellipsis(got[k].text));
    if (ngot != nwant)
      return;
  }
}

/* The scorecard's review for a section heading: the display name, else the
 * display name or persona name in any case. Returns the index or -1. */
static long review_for(const struct sk_scorefile *sf, const char *name) {
  size_t i;
  for (i = 0; i < sf->sc->nreviews; i++)
    if (strcmp(sf->sc->personas[i].display_name, name) == 0)
      return (long)i;
  for (i = 0; i < sf->sc->nreviews; i++)
    if (strcasecmp(sf->sc->personas[i].display_name, name) == 0 ||
        strcasecmp(sf->sc->personas[i].name, name) == 0)
      return (long)i;
  return -1;
}

static void panel_names(const struct sk_scorefile *sf, char *buf, size_t size) {
  size_t i;
  size_t used = 0;
  buf[0] = '\0';
  for (i = 0; i < sf->sc->nreviews && used + 1 < size; i++) {
    int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                     sf->sc->personas[i].display_name);
    if (w < 0)
      break;
    used += (size_t)w;
  }
}

/* The section as a reply in the contract's format. A paragraph's lines are
 * joined with spaces, so a wrapped line that happens to start with "Score:"
 * is not taken for a label; paragraphs stay apart, so a second one is still
 * seen (and refused) as the validator refuses it in a reply. */
static char *as_reply(const struct sk_draft_section *s) {
  struct sk_buf b;
  const char *p;
  int rc;

  sk_buf_init(&b, SK_DRAFT_FILE_CAP + 1024);
  rc = sk_buf_printf(&b, "SCORE: %s\nVERDICT: %s\nREVIEW: ", s->score,
                     s->verdict);
  for (p = s->review; rc == 0 && p != NULL && *p != '\0'; p++) {
    if (p[0] == '\n' && p[1] == '\n') {
      rc = sk_buf_adds(&b, "\n\n");
      p++;
    } else {
      rc = sk_buf_add(&b, *p == '\n' ? " " : p, 1);
    }
  }
  if (rc != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

/* Reports one validator message at the line it is about. */
static void report_reply_error(struct ctx *c, const struct sk_draft_section *s,
                               const char *msg) {
  int on_score = strncmp(msg, "score ", 6) == 0 ||
                 strncmp(msg, "SCORE \"", 7) == 0 ||
                 strncmp(msg, "verdict ", 8) == 0;
  int line = on_score || s->review_line == 0 ? s->score_line : s->review_line;

  if (strncmp(msg, "the reply ", 10) == 0)
    problem(c, line, "%s: the review %s", s->name, msg + 10);
  else if (strcmp(msg, "the REVIEW paragraph is empty") == 0)
    problem(c, line,
            "%s: the review paragraph is missing; write it under the score "
            "line",
            s->name);
  else
    problem(c, line, "%s: %s", s->name, msg);
}

/* Builds the panel the validator checks against: each reviewer of the
 * scorecard with its persona file's rubric (or none with no_rubric). The
 * personas are shallow copies: only the array is freed. */
static int validation_panel(const struct sk_scorefile *sf,
                            const struct sk_apply_opts *o,
                            struct sk_panel_def *vp, struct sk_error *err) {
  size_t i;
  vp->n = sf->sc->nreviews;
  vp->personas = calloc(sf->sc->nreviews + 1, sizeof(*vp->personas));
  if (vp->personas == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  for (i = 0; i < sf->sc->nreviews; i++) {
    const struct sk_persona *file =
        o->panel != NULL ? sk_panel_def_find(o->panel, sf->sc->personas[i].name)
                         : NULL;
    if (file != NULL) {
      vp->personas[i] = *file;
    } else if (o->no_rubric) {
      vp->personas[i].name = sf->sc->personas[i].name;
      vp->personas[i].display_name = sf->sc->personas[i].display_name;
      vp->personas[i].source = sf->sc->path;
    } else {
      return sk_error_set(err, SK_ECONFIG,
                          "%s: reviewer \"%s\" has no persona file, so its "
                          "rubric cannot be checked (give --personas-dir, "
                          "or --no-rubric to check scores and lengths only)",
                          sf->sc->path, sf->sc->personas[i].name);
    }
    if (o->no_rubric)
      vp->personas[i].nrubric = 0;
  }
  return 0;
}

/* Checks one accepted-review section; on success with a change, records it
 * in res and its folded text in *text. */
static int check_section(struct ctx *c, struct sk_validator *v, size_t i,
                         const struct sk_scorefile *sf,
                         const struct sk_draft_section *s,
                         struct sk_apply_result *res, char **text) {
  const struct sk_review *r = &sf->sc->reviews[i];
  struct sk_reply reply;
  struct sk_apply_change *ch;
  char *reply_text = as_reply(s);
  char *old = NULL;
  size_t k;
  int rc;

  *text = NULL;
  if (reply_text == NULL)
    return SK_ENOMEM;
  rc = sk_validator_check(v, i, reply_text, strlen(reply_text), &reply);
  free(reply_text);
  if (rc == SK_ENOMEM)
    return rc;
  if (rc != 0) {
    for (k = 0; k < reply.nerrors; k++)
      report_reply_error(c, s, reply.errors[k]);
    sk_reply_cleanup(&reply);
    return 0;
  }
  if (r->status == SK_REVIEW_OK && sk_draft_fold(r->text, &old) != 0) {
    sk_reply_cleanup(&reply);
    return SK_ENOMEM;
  }
  if (r->status == SK_REVIEW_OK && r->score == reply.score &&
      strcmp(r->verdict, reply.verdict) == 0 &&
      strcmp(old, reply.review) == 0) {
    /* Unchanged, or only rewrapped. */
    free(old);
    sk_reply_cleanup(&reply);
    return 0;
  }
  ch = realloc(res->changes, (res->nchanges + 1) * sizeof(*ch));
  if (ch == NULL) {
    free(old);
    sk_reply_cleanup(&reply);
    return SK_ENOMEM;
  }
  res->changes = ch;
  ch = &ch[res->nchanges++];
  memset(ch, 0, sizeof(*ch));
  snprintf(ch->persona, sizeof(ch->persona), "%s", sf->sc->personas[i].name);
  snprintf(ch->display_name, sizeof(ch->display_name), "%s",
           sf->sc->personas[i].display_name);
  ch->old_ok = r->status == SK_REVIEW_OK;
  ch->old_score = ch->old_ok ? r->score : 0;
  snprintf(ch->old_verdict, sizeof(ch->old_verdict), "%s",
           ch->old_ok ? r->verdict : "");
  ch->score = reply.score;
  snprintf(ch->verdict, sizeof(ch->verdict), "%s", reply.verdict);
  ch->review_changed = !ch->old_ok || strcmp(old, reply.review) != 0;
  free(old);
  *text = reply.review; /* handed over */
  reply.review = NULL;
  sk_reply_cleanup(&reply);
  return 0;
}

/* Where a missing section should have been: the heading of the next
 * reviewer that has one, else the footer, else the last line. */
static int missing_line(const struct sk_draft *d,
                        const struct sk_draft_section **sec, size_t i,
                        size_t n) {
  size_t j;
  for (j = i + 1; j < n; j++)
    if (sec[j] != NULL)
      return sec[j]->line;
  if (d->footer_line > 0)
    return d->footer_line;
  return d->scorecard_line > 0 ? d->scorecard_line : 1;
}

int sk_apply_text(const char *text, size_t len, const char *label,
                  struct sk_scorefile *sf, const struct sk_apply_opts *o,
                  struct sk_apply_result *res, struct sk_error *err) {
  struct ctx c;
  struct sk_draft d;
  struct sk_draft want;
  struct sk_buf rendered;
  struct sk_panel_def vp = {NULL, 0};
  struct sk_validator *v = NULL;
  struct sk_validate_opts vo;
  const struct sk_draft_section **sec = NULL;
  char **texts = NULL;
  size_t *index = NULL;
  const char *name;
  size_t i;
  int rc;

  memset(res, 0, sizeof(*res));
  memset(&c, 0, sizeof(c));
  memset(&want, 0, sizeof(want));
  c.label = label;
  sk_buf_init(&rendered, 64u * 1024 * 1024);
  sk_scorefile_panel(sf, &res->before);
  res->after = res->before;
  rc = sk_draft_parse(text, len, &d, err);
  if (rc != 0)
    goto out;
  for (i = 0; i < d.nproblems; i++)
    problem(&c, d.problems[i].line, "%s", d.problems[i].msg);
  /* The draft as the scorecard renders it now, read by the same parser:
   * names are compared as rendered, since a draft can only hold a name
   * that way (a line feed in it is a space on the title line, a bidi
   * control is shown as "<U+202E>"). */
  rc = sk_scorefile_markdown(sf, &rendered, err);
  if (rc == 0)
    rc = sk_draft_parse(sk_buf_str(&rendered), rendered.len, &want, err);
  if (rc != 0)
    goto out;
  name = want.title != NULL ? want.title : sf->sc->tool->name;
  if (!d.not_a_draft && d.scorecard_line == 0 &&
      (d.title == NULL || strcmp(d.title, name) != 0)) {
    /* Neither its title nor its shape: not this scorecard's draft, and a
     * list of everything it lacks would only bury that. */
    c.n = 0;
    problem(&c, d.title_line > 0 ? d.title_line : 1,
            "not a shipskip draft of %s: no \"## Reviewer scorecard\" "
            "heading, and the title is %s%.*s%s%s (drafts are the "
            "OUTDIR/<slug>.md files shipskip review writes)",
            name, d.title != NULL ? "\"" : "missing",
            d.title != NULL ? shown(d.title) : 0, d.title ? d.title : "",
            d.title ? ellipsis(d.title) : "", d.title != NULL ? "\"" : "");
    goto done;
  }
  if (d.not_a_draft)
    goto done;
  if (d.title != NULL && strcmp(d.title, name) != 0)
    problem(&c, d.title_line,
            "the title \"%.*s%s\" is not this scorecard's tool (\"%s\"); is "
            "this the draft of another tool?",
            shown(d.title), d.title, ellipsis(d.title), name);
  if (d.title != NULL && d.scorecard_line > 0)
    compare_lines(&c, d.header, d.nheader, want.header, want.nheader, 1,
                  d.scorecard_line,
                  "the tool's details, decision table and description");
  if (d.footer_line > 0)
    compare_lines(&c, d.footer, d.nfooter, want.footer, want.nfooter, 0,
                  d.footer_line, "the footer");

  sec = calloc(sf->sc->nreviews + 1, sizeof(*sec));
  texts = calloc(sf->sc->nreviews + 1, sizeof(*texts));
  index = calloc(sf->sc->nreviews + 1, sizeof(*index));
  if (sec == NULL || texts == NULL || index == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto out;
  }
  for (i = 0; i < d.nsections; i++) {
    const struct sk_draft_section *s = &d.sections[i];
    long k = review_for(sf, s->name);
    if (k < 0) {
      char names[256];
      panel_names(sf, names, sizeof(names));
      problem(&c, s->line,
              "reviewer \"%.*s%s\" is not on this scorecard's panel (it has "
              "%s); a reviewer is added by a persona file and a review run, "
              "not in the draft",
              shown(s->name), s->name, ellipsis(s->name), names);
    } else if (sec[k] == NULL) {
      sec[k] = s;
    }
  }
  for (i = 0; i < sf->sc->nreviews; i++)
    if (sec[i] == NULL)
      problem(&c, missing_line(&d, sec, i, sf->sc->nreviews),
              "no \"### %s\" section: every reviewer of the scorecard keeps "
              "one (its score line and paragraph)",
              sf->sc->personas[i].display_name);

  rc = validation_panel(sf, o, &vp, err);
  if (rc != 0)
    goto out;
  memset(&vo, 0, sizeof(vo));
  vo.min_words = o->min_words;
  vo.max_words = o->max_words;
  rc = sk_validator_new(&vp, &vo, &v, err);
  if (rc != 0) {
    if (rc == SK_EREGEX && err != NULL)
      err->code = SK_ECONFIG;
    rc = rc == SK_EREGEX ? SK_ECONFIG : rc;
    goto out;
  }
  for (i = 0; i < sf->sc->nreviews; i++) {
    const struct sk_draft_section *s = sec[i];
    const struct sk_review *r = &sf->sc->reviews[i];
    size_t before = res->nchanges;
    if (s == NULL)
      continue;
    if (s->failed) {
      const struct sk_draft_section *w = sk_draft_find(&want, s->name);
      if (r->status == SK_REVIEW_OK)
        problem(&c, s->score_line,
                "%s: \"No review\" is for a review that failed, and this one "
                "was accepted; keep its score line and paragraph",
                s->name);
      else if (w == NULL || strcmp(w->body, s->body) != 0)
        problem(&c, s->score_line,
                "%s: why a review failed is the record of the run and cannot "
                "be edited; to write this review yourself, replace the "
                "block with \"NN/100 · ship|skip\" and the paragraph",
                s->name);
      continue;
    }
    if (s->score == NULL || s->damaged)
      continue; /* reported by the parser */
    rc = check_section(&c, v, i, sf, s, res, &texts[i]);
    if (rc != 0) {
      sk_error_set(err, rc, "out of memory");
      goto out;
    }
    if (res->nchanges > before)
      index[before] = i;
  }
done:
  if (c.nomem) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto out;
  }
  if (c.n > 0) {
    /* Nothing is applied when anything is wrong. */
    free(res->changes);
    res->changes = NULL;
    res->nchanges = 0;
    rc = take_problems(&c, res);
    if (rc != 0)
      sk_error_set(err, rc, "out of memory");
    else
      rc = sk_error_set(err, SK_EREPLY, "%s: %zu problem%s", label, c.n,
                        c.n == 1 ? "" : "s");
    goto out;
  }
  for (i = 0; i < res->nchanges && rc == 0; i++) {
    size_t k = index[i];
    rc = sk_scorefile_set_review(
        sf, k, res->changes[i].score, res->changes[i].verdict, texts[k],
        o->now_utc != NULL ? o->now_utc : "", "edited", err);
  }
  sk_scorefile_panel(sf, &res->after);
out:
  for (i = 0; texts != NULL && i < sf->sc->nreviews; i++)
    free(texts[i]);
  free(texts);
  free(index);
  free(sec);
  sk_validator_free(v);
  free(vp.personas);
  sk_draft_cleanup(&d);
  sk_draft_cleanup(&want);
  sk_buf_cleanup(&rendered);
  free(c.p);
  return rc;
}

/* Splits "dir/stem.md" into dir ("." when there is none) and stem. */
static int split_path(const char *md_path, char *dir, size_t dsize, char *stem,
                      size_t ssize) {
  const char *slash = strrchr(md_path, '/');
  const char *base = slash != NULL ? slash + 1 : md_path;
  size_t blen = strlen(base);

  if (blen < 4 || strcmp(base + blen - 3, ".md") != 0 || base[0] == '.')
    return -1;
  if (slash == NULL)
    snprintf(dir, dsize, ".");
  else if (slash == md_path)
    snprintf(dir, dsize, "/");
  else if ((size_t)(slash - md_path) < dsize)
    snprintf(dir, dsize, "%.*s", (int)(slash - md_path), md_path);
  else
    return -1;
  if (blen - 3 >= ssize)
    return -1;
  snprintf(stem, ssize, "%.*s", (int)(blen - 3), base);
  return 0;
}

int sk_apply_file(const char *md_path, const struct sk_apply_opts *o,
                  struct sk_apply_result *res, struct sk_error *err) {
  struct sk_scorefile sf;
  char dir[PATH_MAX];
  char stem[256];
  char json_path[PATH_MAX];
  char *text = NULL;
  size_t len = 0;
  int rc;

  memset(res, 0, sizeof(*res));
  memset(&sf, 0, sizeof(sf));
  if (split_path(md_path, dir, sizeof(dir), stem, sizeof(stem)) != 0)
    return sk_error_set(err, SK_EINVAL,
                        "%s: not a draft's name; drafts are "
                        "OUTDIR/<slug>.md, beside OUTDIR/<slug>.json",
                        md_path);
  if (strlen(md_path) + 3 > sizeof(json_path))
    return sk_error_set(err, SK_EINVAL, "%s: path too long", md_path);
  snprintf(json_path, sizeof(json_path), "%.*s.json",
           (int)(strlen(md_path) - 3), md_path);
  rc = sk_fs_read_file(md_path, SK_DRAFT_FILE_CAP, &text, &len, err);
  if (rc == 0) {
    struct sk_error local;
    sk_error_clear(&local);
    rc = sk_scorefile_load(json_path, &sf, &local);
    if (rc == SK_ENOENT)
      sk_error_set(err, rc, "%s: no scorecard beside the draft (%s is missing)",
                   md_path, json_path);
    else if (rc != 0)
      sk_error_set(err, rc, "%s", local.msg);
  }
  if (rc == 0)
    rc = sk_apply_text(text, len, md_path, &sf, o, res, err);
  if (rc == 0 && res->nchanges > 0 && !o->dry_run) {
    rc = sk_scorefile_save(&sf, dir, stem, err);
    res->written = rc == 0;
  }
  free(text);
  sk_scorefile_cleanup(&sf);
  return rc;
}

void sk_apply_result_cleanup(struct sk_apply_result *res) {
  size_t i;
  if (res == NULL)
    return;
  for (i = 0; i < res->nproblems; i++)
    free(res->problems[i]);
  free(res->problems);
  free(res->changes);
  memset(res, 0, sizeof(*res));
}
