/* scorecard.c: the scorecard codec (see scorecard.h): the panel merge, the
 * one writer of the JSON (and the Markdown draft rendered from the same
 * structs), and the one reader every user of a scorecard goes through.
 *
 * The writer and the reader share this file so that a key written and the
 * check that reads it sit side by side; each review inside is left to the
 * review codec (review.c), which the journal shares. What is not a
 * scorecard's concern -- whether a prior scorecard may be reused (prior.c),
 * editing one key in place (scorefile.c), sets of scorecards in a
 * directory (card.c) -- lives with its user and parses nothing. */
#include "shipskip/model/scorecard.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/markdown.h"
#include "shipskip/model/votes.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_scorecard_merge(const struct sk_review *r, size_t n,
                        struct sk_panel_result *out) {
  size_t i;
  long sum = 0;

  memset(out, 0, sizeof(*out));
  for (i = 0; i < n; i++) {
    if (r[i].status != SK_REVIEW_OK) {
      out->failed++;
      continue;
    }
    out->reviewers++;
    sum += r[i].score;
    if (strcmp(r[i].verdict, "ship") == 0)
      out->ships++;
    else
      out->skips++;
  }
  out->complete = out->failed == 0 && n > 0;
  if (out->reviewers == 0) {
    out->verdict = NULL;
    snprintf(out->label, sizeof(out->label), "No verdict · 0 ship / 0 skip");
    return;
  }
  out->verdict = out->ships > out->skips   ? "Ship"
                 : out->skips > out->ships ? "Skip"
                                           : "Split";
  /* Integer arithmetic, so 2/3 is 67 on every machine. */
  out->ship_percent =
      (out->ships * 200 + out->reviewers) / (2 * out->reviewers);
  out->mean_score = floor((double)sum * 10.0 / out->reviewers + 0.5) / 10.0;
  snprintf(out->label, sizeof(out->label), "%s · %d ship / %d skip",
           out->verdict, out->ships, out->skips);
}

/* A cost in USD, to the micro-dollar (so float noise never reaches a
 * file), or null when no price is known. */
static void write_cost(struct sk_jw *w, const char *key, double cost) {
  if (cost < 0)
    sk_jw_null(w, key);
  else
    sk_jw_num(w, key, floor(cost * 1e6 + 0.5) / 1e6);
}

/* The sum of the reviews' costs, or -1 when any is unknown. */
static double total_cost(const struct sk_review *r, size_t n) {
  double sum = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    if (r[i].cost_usd < 0)
      return -1;
    sum += r[i].cost_usd;
  }
  return sum;
}

/* a + b for token totals, held at SK_JSON_INT_MAX: a count read back from
 * a file may be that large, and a sum of them must neither overflow nor
 * write a total the reader would refuse. Real counts never get near. */
static long add_tokens(long a, long b) {
  return b > SK_JSON_INT_MAX - a ? (long)SK_JSON_INT_MAX : a + b;
}

static const char *const TOOL_KEYS[] = {"slug",     "name",    "tagline",
                                        "category", "pricing", "entry",
                                        "best_for", "url",     "description"};

/* The injection findings, or null when no detector ran. */
static void write_injection(struct sk_jw *w,
                            const struct sk_inject_result *inj) {
  size_t i;
  if (inj == NULL) {
    sk_jw_null(w, "injection");
    return;
  }
  sk_jw_open(w, "injection", '{');
  sk_jw_bool(w, "flagged", inj->nhits > 0);
  sk_jw_open(w, "findings", '[');
  for (i = 0; i < inj->nhits; i++) {
    sk_jw_open(w, NULL, '{');
    sk_jw_str(w, "rule", inj->hits[i].rule);
    sk_jw_str(w, "field", inj->hits[i].field);
    sk_jw_str(w, "excerpt", inj->hits[i].excerpt);
    sk_jw_close(w, '{');
  }
  sk_jw_close(w, '[');
  sk_jw_close(w, '{');
}

/* "panel": the merged verdict p. */
static void write_panel(struct sk_jw *w, const struct sk_panel_result *p) {
  sk_jw_open(w, "panel", '{');
  sk_jw_str(w, "verdict", p->verdict);
  sk_jw_str(w, "label", p->label);
  sk_jw_num(w, "ships", p->ships);
  sk_jw_num(w, "skips", p->skips);
  sk_jw_num(w, "failed", p->failed);
  sk_jw_num(w, "reviewers", p->reviewers);
  if (p->reviewers > 0) {
    sk_jw_num(w, "ship_percent", p->ship_percent);
    sk_jw_num(w, "mean_score", p->mean_score);
  } else {
    sk_jw_null(w, "ship_percent");
    sk_jw_null(w, "mean_score");
  }
  sk_jw_bool(w, "complete", p->complete);
  sk_jw_close(w, '{');
}

/* The scorecard is printed as it is built (util/jsonfmt.h's writer): no
 * tree, no allocation per value; the bytes are the tree's. */
int sk_scorecard_json(const struct sk_tool *t, const struct sk_review *r,
                      size_t n, const struct sk_scorecard_meta *meta,
                      struct sk_buf *out, struct sk_error *err) {
  const struct sk_vote *community = meta != NULL ? meta->community : NULL;
  struct sk_panel_result p;
  struct sk_jw w;
  size_t start = out->len;
  long pin = 0;
  long pout = 0;
  size_t i;
  int rc;

  sk_scorecard_merge(r, n, &p);
  sk_jw_init(&w, out, 0);
  sk_jw_open(&w, NULL, '{');
  sk_jw_str(&w, "schema", "shipskip.scorecard/1");
  if (meta != NULL && meta->generated_at != NULL)
    sk_jw_str(&w, "generated_at", meta->generated_at);
  if (meta != NULL && meta->source != NULL)
    sk_jw_str(&w, "source", meta->source);
  sk_jw_open(&w, "tool", '{');
  for (i = 0; i < sizeof(TOOL_KEYS) / sizeof(TOOL_KEYS[0]); i++)
    sk_jw_str(&w, TOOL_KEYS[i], sk_tool_field(t, TOOL_KEYS[i]));
  sk_jw_close(&w, '{');
  write_panel(&w, &p);
  write_injection(&w, meta != NULL ? meta->injection : NULL);
  if (community != NULL) {
    sk_jw_open(&w, "community", '{');
    sk_jw_num(&w, "ship", (double)community->ship);
    sk_jw_num(&w, "skip", (double)community->skip);
    sk_jw_close(&w, '{');
  } else {
    sk_jw_null(&w, "community");
  }
  for (i = 0; i < n; i++) {
    pin = add_tokens(pin, r[i].prompt_tokens);
    pout = add_tokens(pout, r[i].completion_tokens);
  }
  sk_jw_open(&w, "usage", '{');
  sk_jw_num(&w, "prompt_tokens", (double)pin);
  sk_jw_num(&w, "completion_tokens", (double)pout);
  write_cost(&w, "cost_usd", total_cost(r, n));
  sk_jw_close(&w, '{');
  sk_jw_open(&w, "reviews", '[');
  for (i = 0; i < n; i++)
    sk_review_write(&w, NULL, &r[i]);
  sk_jw_close(&w, '[');
  if (meta != NULL && meta->history != NULL &&
      cJSON_GetArraySize(meta->history) > 0)
    sk_jw_tree(&w, "history", meta->history);
  sk_jw_close(&w, '{');
  rc = sk_jw_done(&w);
  if (rc == 0)
    rc = sk_buf_add(out, "\n", 1);
  /* The one cap: never write what the reader would refuse. */
  if (rc == 0 && out->len - start > SK_SCORECARD_CAP)
    rc = SK_ETOOBIG;
  if (rc != 0)
    return sk_error_set(err, rc, "%s: scorecard JSON: %s", t->slug,
                        rc == SK_ENOMEM ? "out of memory" : sk_strerror(rc));
  return 0;
}

/* "*Not covered: moat, buyer.*" under a review whose paragraph missed
 * rubric elements, so the editor sees what the reviewer left out. The
 * draft parser (desk/draft.c) knows the line and keeps it out of the
 * review text. Nothing when coverage is complete or was not measured. */
static int md_not_covered(struct sk_buf *out, const struct sk_review *rv) {
  size_t j;
  int rc = 0;

  if (!rv->has_rubric || rv->nmissing == 0)
    return 0;
  rc |= sk_buf_adds(out, "\n*Not covered: ");
  for (j = 0; j < rv->nmissing; j++) {
    if (j > 0)
      rc |= sk_buf_adds(out, ", ");
    rc |= sk_markdown_cell(out, rv->missing[j]);
  }
  rc |= sk_buf_adds(out, ".*\n");
  return rc;
}

/* "*Evidence: the buyer: \"...\"; the moat: \"...\".*" under a review
 * whose structured reply quoted the words covering its rubric elements,
 * for the editor to check against the paragraph (the draft parser keeps
 * the line out of the review text too). Nothing without quotes. */
static int md_evidence(struct sk_buf *out, const struct sk_review *rv) {
  size_t k;
  int rc = 0;

  if (rv->nquotes == 0)
    return 0;
  rc |= sk_buf_adds(out, "\n*Evidence: ");
  for (k = 0; k < rv->nquotes; k++) {
    rc |= sk_buf_adds(out, k > 0 ? "; " : "");
    rc |= sk_markdown_cell(out, rv->quote_names[k]);
    rc |= sk_buf_adds(out, ": \"");
    rc |= sk_markdown_cell(out, rv->quotes[k]);
    rc |= sk_buf_adds(out, "\"");
  }
  rc |= sk_buf_adds(out, ".*\n");
  return rc;
}

static int md_row(struct sk_buf *out, const char *label, const char *value) {
  int rc;
  if (value == NULL)
    return 0;
  rc = sk_buf_printf(out, "| %s | ", label);
  if (rc == 0)
    rc = sk_markdown_cell(out, value);
  if (rc == 0)
    rc = sk_buf_adds(out, " |\n");
  return rc;
}

int sk_scorecard_markdown(const struct sk_tool *t, const struct sk_review *r,
                          size_t n, const struct sk_scorecard_meta *meta,
                          struct sk_buf *out, struct sk_error *err) {
  const struct sk_vote *community = meta != NULL ? meta->community : NULL;
  const struct sk_inject_result *inj = meta != NULL ? meta->injection : NULL;
  struct sk_panel_result p;
  char pct[32];
  char mean[32];
  size_t i;
  int rc = 0;
  long pin = 0;
  long pout = 0;

  sk_scorecard_merge(r, n, &p);
  rc |= sk_buf_adds(out, "# ");
  rc |= sk_markdown_cell(out, t->name);
  rc |= sk_buf_adds(out, "\n\n");
  if (meta != NULL && meta->source != NULL) {
    rc |= sk_buf_adds(out, "> **Sample data, not a model's output:** ");
    rc |= sk_markdown_cell(out, meta->source);
    rc |= sk_buf_adds(out, ".\n\n");
  }
  if (inj != NULL && inj->nhits > 0) {
    /* The editor must see this before reading the reviews. */
    size_t k;
    rc |= sk_buf_adds(out, "> **Flagged for the editor:** the submission "
                           "looks like it addresses the model. It was "
                           "reviewed anyway; read the reviews with that in "
                           "mind.\n");
    for (k = 0; k < inj->nhits; k++) {
      rc |= sk_buf_adds(out, "> - ");
      rc |= sk_markdown_cell(out, inj->hits[k].rule);
      rc |= sk_buf_adds(out, " in ");
      rc |= sk_markdown_cell(out, inj->hits[k].field);
      rc |= sk_buf_adds(out, ": ");
      rc |= sk_markdown_cell(out, inj->hits[k].excerpt);
      rc |= sk_buf_adds(out, "\n");
    }
    rc |= sk_buf_adds(out, "\n");
  }
  if (t->tagline != NULL) {
    rc |= sk_buf_adds(out, "*");
    rc |= sk_markdown_cell(out, t->tagline);
    rc |= sk_buf_adds(out, "*\n\n");
  }
  if (p.reviewers > 0) {
    snprintf(pct, sizeof(pct), "%d%%", p.ship_percent);
    snprintf(mean, sizeof(mean), "%.1f/100", p.mean_score);
  } else {
    snprintf(pct, sizeof(pct), "—");
    snprintf(mean, sizeof(mean), "—");
  }
  rc |= sk_buf_adds(out, "| Decision | |\n| --- | --- |\n");
  rc |= md_row(out, "Panel verdict", p.label);
  rc |= md_row(out, "Panel ship", pct);
  rc |= md_row(out, "Mean score", mean);
  {
    char votes[96] = "No community votes yet";
    if (community != NULL)
      sk_votes_format(community->ship, community->skip, votes, sizeof(votes));
    rc |= md_row(out, "Community", votes);
  }
  rc |= md_row(out, "Entry", t->entry);
  rc |= md_row(out, "Pricing", t->pricing);
  rc |= md_row(out, "Best for", t->best_for);
  rc |= md_row(out, "Category", t->category);
  rc |= md_row(out, "URL", t->url);
  rc |= sk_buf_adds(out, "\n");
  rc |= sk_markdown_text(out, t->description);
  rc |= sk_buf_adds(out, "\n\n## Reviewer scorecard\n");
  for (i = 0; i < n && rc == 0; i++) {
    const struct sk_review *rv = &r[i];
    rc |= sk_buf_adds(out, "\n### ");
    rc |= sk_markdown_cell(out, rv->persona->display_name);
    rc |= sk_buf_adds(out, "\n\n");
    if (rv->status == SK_REVIEW_OK) {
      rc |= sk_buf_printf(out, "%d/100 · %s\n\n", rv->score, rv->verdict);
      rc |= sk_markdown_text(out, rv->text);
      rc |= sk_buf_adds(out, "\n");
      rc |= md_not_covered(out, rv);
      rc |= md_evidence(out, rv);
    } else {
      size_t j;
      rc |= sk_buf_printf(out, "No review: failed after %d attempt%s.\n\n",
                          rv->attempts, rv->attempts == 1 ? "" : "s");
      for (j = 0; j < rv->nerrors; j++) {
        rc |= sk_buf_adds(out, "- ");
        rc |= sk_markdown_cell(out, rv->errors[j]);
        rc |= sk_buf_adds(out, "\n");
      }
    }
    pin = add_tokens(pin, rv->prompt_tokens);
    pout = add_tokens(pout, rv->completion_tokens);
  }
  rc |= sk_buf_adds(out, "\n---\n\n");
  for (i = 0; i < n && rc == 0; i++) {
    rc |= sk_buf_adds(out, i == 0 ? "*Models: " : "; ");
    rc |= sk_markdown_cell(out, r[i].persona->display_name);
    rc |= sk_buf_adds(out, " ");
    rc |= sk_markdown_cell(out, r[i].model != NULL ? r[i].model : "unknown");
  }
  rc |= sk_buf_printf(out, ". Tokens: %ld in, %ld out", pin, pout);
  if (total_cost(r, n) >= 0)
    rc |= sk_buf_printf(out, "; estimated cost $%.4f", total_cost(r, n));
  rc |= sk_buf_adds(out, ".*\n");
  if (rc != 0)
    return sk_error_set(err, SK_ENOMEM, "%s: Markdown: out of memory", t->slug);
  return 0;
}

void sk_scorecard_files_init(struct sk_scorecard_files *f) {
  f->json_name[0] = '\0';
  f->md_name[0] = '\0';
  sk_buf_init(&f->json, SK_SCORECARD_CAP);
  sk_buf_init(&f->md, SK_SCORECARD_CAP);
}

void sk_scorecard_files_cleanup(struct sk_scorecard_files *f) {
  if (f == NULL)
    return;
  sk_buf_cleanup(&f->json);
  sk_buf_cleanup(&f->md);
}

int sk_scorecard_render(const struct sk_tool *t, const struct sk_review *r,
                        size_t n, const struct sk_scorecard_meta *meta,
                        struct sk_scorecard_files *f, struct sk_error *err) {
  int rc;

  if (!sk_slug_is_safe(t->slug))
    return sk_error_set(err, SK_EINVAL, "refusing unsafe slug \"%s\"", t->slug);
  snprintf(f->json_name, sizeof(f->json_name), "%s.json", t->slug);
  snprintf(f->md_name, sizeof(f->md_name), "%s.md", t->slug);
  sk_buf_reset(&f->json);
  sk_buf_reset(&f->md);
  rc = sk_scorecard_json(t, r, n, meta, &f->json, err);
  if (rc == 0)
    rc = sk_scorecard_markdown(t, r, n, meta, &f->md, err);
  return rc;
}

int sk_scorecard_files_write(const char *outdir,
                             const struct sk_scorecard_files *f,
                             struct sk_error *err) {
  int rc =
      sk_fs_write_atomic(outdir, f->json_name, f->json.data, f->json.len, err);
  if (rc == 0)
    rc = sk_fs_write_atomic(outdir, f->md_name, f->md.data, f->md.len, err);
  return rc;
}

int sk_scorecard_write(const char *outdir, const struct sk_tool *t,
                       const struct sk_review *r, size_t n,
                       const struct sk_scorecard_meta *meta,
                       struct sk_error *err) {
  struct sk_scorecard_files f;
  int rc;

  sk_scorecard_files_init(&f);
  rc = sk_scorecard_render(t, r, n, meta, &f, err);
  if (rc == 0)
    rc = sk_scorecard_files_write(outdir, &f, err);
  sk_scorecard_files_cleanup(&f);
  return rc;
}

/* ---- Reading ---------------------------------------------------------- */

#define SCHEMA "shipskip.scorecard/1"

void sk_scorecard_strip(struct sk_scorecard *sc) {
  size_t i;
  for (i = 0; i < sc->nreviews; i++) {
    sk_review_cleanup(&sc->reviews[i]);
    free(sc->personas[i].name);
    free(sc->personas[i].display_name);
  }
  free(sc->reviews);
  free(sc->personas);
  sc->reviews = NULL;
  sc->personas = NULL;
  sc->nreviews = 0;
  for (i = 0; i < sc->nfindings; i++) {
    free(sc->findings[i].rule);
    free(sc->findings[i].field);
    free(sc->findings[i].excerpt);
  }
  free(sc->findings);
  sc->findings = NULL;
  sc->nfindings = 0;
  if (sc->tool != NULL) {
    free(sc->tool->pricing);
    free(sc->tool->best_for);
    free(sc->tool->url);
    free(sc->tool->description);
    sc->tool->pricing = sc->tool->best_for = NULL;
    sc->tool->url = sc->tool->description = NULL;
  }
}

void sk_scorecard_free(struct sk_scorecard *sc) {
  if (sc == NULL)
    return;
  sk_scorecard_strip(sc);
  sk_tool_free(sc->tool);
  cJSON_Delete(sc->history);
  free(sc->generated_at);
  free(sc->source);
  free(sc->path);
  free(sc);
}

void sk_scorecard_meta_of(const struct sk_scorecard *sc,
                          struct sk_inject_result *inj,
                          struct sk_scorecard_meta *meta) {
  size_t i;

  memset(meta, 0, sizeof(*meta));
  memset(inj, 0, sizeof(*inj));
  for (i = 0; i < sc->nfindings; i++) {
    struct sk_inject_hit *h;
    if (inj->nhits >= SK_INJECT_MAX_HITS) {
      inj->dropped++;
      continue;
    }
    h = &inj->hits[inj->nhits];
    snprintf(h->rule, sizeof(h->rule), "%s", sc->findings[i].rule);
    snprintf(h->field, sizeof(h->field), "%s", sc->findings[i].field);
    snprintf(h->excerpt, sizeof(h->excerpt), "%s", sc->findings[i].excerpt);
    inj->nhits++;
  }
  meta->community = sc->has_community ? &sc->community : NULL;
  meta->injection = sc->scanned ? inj : NULL;
  meta->source = sc->source;
  meta->generated_at = sc->generated_at;
  meta->history = sc->history;
}

static int read_tool(const cJSON *o, const char *path, struct sk_tool *t,
                     struct sk_error *err) {
  char **slot[] = {&t->slug,     &t->name,    &t->tagline,
                   &t->category, &t->pricing, &t->entry,
                   &t->best_for, &t->url,     &t->description};
  char field[32];
  size_t i;
  int rc = 0;

  if (!cJSON_IsObject(o))
    return sk_error_set(err, SK_EPARSE, "%s: tool must be an object", path);
  for (i = 0; i < sizeof(TOOL_KEYS) / sizeof(TOOL_KEYS[0]) && rc == 0; i++) {
    snprintf(field, sizeof(field), "tool.%s", TOOL_KEYS[i]);
    /* slug and name are required; the rest are optional, as for a tool. */
    rc = sk_review_get_str(o, TOOL_KEYS[i], i < 2, path, field, slot[i], err);
    if (rc == 0 && i == 0 && !sk_slug_is_safe(t->slug))
      rc = sk_error_set(err, SK_EPARSE,
                        "%s: tool.slug \"%.64s\" is not a safe slug", path,
                        t->slug);
  }
  if (rc == 0) {
    t->origin = strdup(path);
    if (t->origin == NULL)
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  }
  return rc;
}

static int small(const cJSON *o, const char *key, int required,
                 const char *path, const char *field, int *out,
                 struct sk_error *err) {
  long long v = 0;
  int rc = sk_review_get_int(o, key, required, 0, SK_REVIEW_MAX_COUNT, path,
                             field, &v, NULL, err);
  *out = (int)v;
  return rc;
}

/* The panel figures, checked against each other; the label is composed
 * from them as the merge writes it. */
static int read_panel(const cJSON *o, const char *path,
                      struct sk_panel_result *p, struct sk_error *err) {
  const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(o, "verdict");
  const cJSON *complete = cJSON_GetObjectItemCaseSensitive(o, "complete");
  long long pct = 0;
  int has_pct = 0;
  int rc;

  if (!cJSON_IsObject(o))
    return sk_error_set(err, SK_EPARSE, "%s: panel must be an object", path);
  if (verdict != NULL && !cJSON_IsNull(verdict)) {
    static const char *const names[] = {"Ship", "Skip", "Split"};
    size_t i;
    for (i = 0; i < 3 && sk_json_strval(verdict) != NULL; i++)
      if (strcmp(sk_json_strval(verdict), names[i]) == 0)
        p->verdict = names[i];
    if (p->verdict == NULL)
      return sk_error_set(err, SK_EPARSE,
                          "%s: panel.verdict must be \"Ship\", \"Skip\", "
                          "\"Split\" or null",
                          path);
  }
  rc = small(o, "ships", 1, path, "panel.ships", &p->ships, err);
  if (rc == 0)
    rc = small(o, "skips", 1, path, "panel.skips", &p->skips, err);
  if (rc == 0)
    rc = small(o, "failed", 0, path, "panel.failed", &p->failed, err);
  p->reviewers = p->ships + p->skips;
  if (rc == 0)
    rc = small(o, "reviewers", 0, path, "panel.reviewers", &p->reviewers, err);
  if (rc == 0 && cJSON_GetObjectItemCaseSensitive(o, "reviewers") == NULL)
    p->reviewers = p->ships + p->skips;
  if (rc == 0)
    rc = sk_review_get_int(o, "ship_percent", 0, 0, 100, path,
                           "panel.ship_percent", &pct, &has_pct, err);
  if (rc != 0)
    return rc;
  if (p->reviewers != p->ships + p->skips)
    return sk_error_set(err, SK_EPARSE,
                        "%s: panel.reviewers (%d) is not ships + skips (%d)",
                        path, p->reviewers, p->ships + p->skips);
  if ((p->reviewers > 0) != (p->verdict != NULL) ||
      (p->reviewers > 0) != has_pct)
    return sk_error_set(err, SK_EPARSE,
                        "%s: panel.verdict and panel.ship_percent must be "
                        "given exactly when there are accepted reviews",
                        path);
  p->ship_percent = (int)pct;
  if (p->reviewers > 0 &&
      !sk_json_num(cJSON_GetObjectItemCaseSensitive(o, "mean_score"), 0, 100,
                   &p->mean_score))
    return sk_error_set(err, SK_EPARSE,
                        "%s: panel.mean_score must be a number from 0 to 100",
                        path);
  if (complete != NULL && !cJSON_IsBool(complete))
    return sk_error_set(err, SK_EPARSE,
                        "%s: panel.complete must be true or false", path);
  p->complete = complete != NULL ? cJSON_IsTrue(complete)
                                 : p->failed == 0 && p->reviewers > 0;
  snprintf(p->label, sizeof(p->label), "%s · %d ship / %d skip",
           p->verdict != NULL ? p->verdict : "No verdict", p->ships, p->skips);
  return 0;
}

static int read_finding(const cJSON *f, size_t i, const char *path,
                        struct sk_scorecard_finding *d, struct sk_error *err) {
  char field[64];
  int rc;

  if (!cJSON_IsObject(f))
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.findings[%zu] must be an object", path,
                        i);
  snprintf(field, sizeof(field), "injection.findings[%zu].rule", i);
  rc = sk_review_get_str(f, "rule", 1, path, field, &d->rule, err);
  if (rc == 0) {
    snprintf(field, sizeof(field), "injection.findings[%zu].field", i);
    rc = sk_review_get_str(f, "field", 1, path, field, &d->field, err);
  }
  if (rc == 0) {
    snprintf(field, sizeof(field), "injection.findings[%zu].excerpt", i);
    rc = sk_review_get_str(f, "excerpt", 1, path, field, &d->excerpt, err);
  }
  return rc;
}

/* "injection": null or absent (no detector ran), or {"flagged": bool,
 * "findings": [{"rule", "field", "excerpt"}, ...]}. flagged must agree with
 * the findings, so a hand-edited file cannot hide them or flag nothing. */
static int read_injection(const cJSON *v, const char *path,
                          struct sk_scorecard *sc, struct sk_error *err) {
  const cJSON *flagged;
  const cJSON *list;
  const cJSON *f;
  int n;
  int rc = 0;

  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsObject(v))
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection must be null or {\"flagged\": "
                        "true|false, \"findings\": [...]}",
                        path);
  flagged = cJSON_GetObjectItemCaseSensitive(v, "flagged");
  if (!cJSON_IsBool(flagged))
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.flagged must be true or false", path);
  list = cJSON_GetObjectItemCaseSensitive(v, "findings");
  n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 0;
  if (list != NULL && !cJSON_IsNull(list) && !cJSON_IsArray(list))
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.findings must be an array of "
                        "{\"rule\", \"field\", \"excerpt\"}",
                        path);
  if (n > SK_REVIEW_MAX_COUNT)
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.findings must be an array of "
                        "{\"rule\", \"field\", \"excerpt\"}",
                        path);
  if (cJSON_IsTrue(flagged) && n == 0)
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.flagged is true but there are no "
                        "findings",
                        path);
  if (!cJSON_IsTrue(flagged) && n > 0)
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.flagged is false but there %s %d "
                        "finding%s",
                        path, n == 1 ? "is" : "are", n, n == 1 ? "" : "s");
  sc->scanned = 1;
  sc->flagged = cJSON_IsTrue(flagged);
  if (n == 0)
    return 0;
  sc->findings = calloc((size_t)n + 1, sizeof(*sc->findings));
  if (sc->findings == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  cJSON_ArrayForEach(f, list) {
    size_t i = sc->nfindings++; /* counted first: a half-read one is freed */
    rc = read_finding(f, i, path, &sc->findings[i], err);
    if (rc != 0)
      return rc;
  }
  return 0;
}

static int read_community(const cJSON *v, const char *path,
                          struct sk_scorecard *sc, struct sk_error *err) {
  int rc;
  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsObject(v))
    return sk_error_set(err, SK_EPARSE,
                        "%s: community must be null or {\"ship\": N, "
                        "\"skip\": M}",
                        path);
  rc = sk_review_get_int(v, "ship", 1, 0, SK_VOTES_MAX, path, "community.ship",
                         &sc->community.ship, NULL, err);
  if (rc == 0)
    rc = sk_review_get_int(v, "skip", 1, 0, SK_VOTES_MAX, path,
                           "community.skip", &sc->community.skip, NULL, err);
  sc->has_community = rc == 0;
  return rc;
}

static int read_usage(const cJSON *v, const char *path, struct sk_scorecard *sc,
                      struct sk_error *err) {
  const cJSON *cost = cJSON_GetObjectItemCaseSensitive(v, "cost_usd");
  int rc;
  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsObject(v))
    return sk_error_set(err, SK_EPARSE, "%s: usage must be an object", path);
  rc = sk_review_get_int(v, "prompt_tokens", 0, 0, SK_JSON_INT_MAX, path,
                         "usage.prompt_tokens", &sc->prompt_tokens, NULL, err);
  if (rc == 0)
    rc = sk_review_get_int(v, "completion_tokens", 0, 0, SK_JSON_INT_MAX, path,
                           "usage.completion_tokens", &sc->completion_tokens,
                           NULL, err);
  if (rc != 0 || cost == NULL || cJSON_IsNull(cost))
    return rc;
  if (!sk_json_num(cost, 0, 1e9, &sc->cost_usd))
    return sk_error_set(err, SK_EPARSE,
                        "%s: usage.cost_usd must be a number from 0", path);
  sc->has_cost = 1;
  return 0;
}

static int read_reviews(const cJSON *v, const char *path,
                        struct sk_scorecard *sc, struct sk_error *err) {
  const cJSON *o;
  char field[32];
  int n;

  if (v == NULL || cJSON_IsNull(v))
    return 0;
  n = cJSON_GetArraySize(v);
  if (!cJSON_IsArray(v) || n > SK_REVIEW_MAX_COUNT)
    return sk_error_set(err, SK_EPARSE, "%s: reviews must be an array", path);
  sc->reviews = calloc((size_t)n + 1, sizeof(*sc->reviews));
  sc->personas = calloc((size_t)n + 1, sizeof(*sc->personas));
  if (sc->reviews == NULL || sc->personas == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  cJSON_ArrayForEach(o, v) {
    size_t i = sc->nreviews++; /* counted first: a half-read one is freed */
    int rc;
    snprintf(field, sizeof(field), "reviews[%zu]", i);
    rc = sk_review_from_json(o, SK_REVIEW_IN_SCORECARD, path, field,
                             &sc->personas[i], &sc->reviews[i], err);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* "history": an array of replaced reviews, each {"persona", "score",
 * "verdict", "review", "model", "replaced_at", "reason"} as
 * sk_prior_add_history() writes them; a failed review's score, verdict and
 * review are null. */
static int read_history(const cJSON *v, const char *path,
                        struct sk_scorecard *sc, struct sk_error *err) {
  const cJSON *e;
  size_t i = 0;

  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsArray(v))
    return sk_error_set(err, SK_EPARSE, "%s: history must be an array", path);
  cJSON_ArrayForEach(e, v) {
    static const char *const keys[] = {"persona", "replaced_at", "reason",
                                       "review", "model"};
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(e, "score");
    const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(e, "verdict");
    long long ignored;
    char field[64];
    size_t k;
    if (!cJSON_IsObject(e))
      return sk_error_set(err, SK_EPARSE, "%s: history[%zu] must be an object",
                          path, i);
    for (k = 0; k < 5; k++) {
      char *s = NULL;
      int rc;
      snprintf(field, sizeof(field), "history[%zu].%s", i, keys[k]);
      /* Only the persona is needed to rewind; the rest may be null. */
      rc = sk_review_get_str(e, keys[k], k == 0, path, field, &s, err);
      free(s);
      if (rc != 0)
        return rc;
    }
    if (score != NULL && !cJSON_IsNull(score) &&
        !sk_json_int(score, 0, 100, &ignored))
      return sk_error_set(err, SK_EPARSE,
                          "%s: history[%zu].score must be a whole number "
                          "from 0 to 100",
                          path, i);
    if (verdict != NULL && !cJSON_IsNull(verdict) &&
        (sk_json_strval(verdict) == NULL ||
         (strcmp(sk_json_strval(verdict), "ship") != 0 &&
          strcmp(sk_json_strval(verdict), "skip") != 0)))
      return sk_error_set(err, SK_EPARSE,
                          "%s: history[%zu].verdict must be \"ship\", "
                          "\"skip\" or null",
                          path, i);
    i++;
  }
  sc->history = cJSON_Duplicate(v, 1);
  if (sc->history == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  return 0;
}

/* Reads every part of the parsed root into sc. */
static int read_root(const cJSON *root, const char *path,
                     struct sk_scorecard *sc, struct sk_error *err) {
  int rc;

  sc->tool = calloc(1, sizeof(*sc->tool));
  if (sc->tool == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  rc = sk_review_get_str(root, "generated_at", 0, path, "generated_at",
                         &sc->generated_at, err);
  if (rc == 0)
    rc = sk_review_get_str(root, "source", 0, path, "source", &sc->source, err);
  if (rc == 0)
    rc = read_tool(cJSON_GetObjectItemCaseSensitive(root, "tool"), path,
                   sc->tool, err);
  if (rc == 0)
    rc = read_panel(cJSON_GetObjectItemCaseSensitive(root, "panel"), path,
                    &sc->panel, err);
  if (rc == 0)
    rc = read_community(cJSON_GetObjectItemCaseSensitive(root, "community"),
                        path, sc, err);
  if (rc == 0)
    rc = read_injection(cJSON_GetObjectItemCaseSensitive(root, "injection"),
                        path, sc, err);
  if (rc == 0)
    rc = read_usage(cJSON_GetObjectItemCaseSensitive(root, "usage"), path, sc,
                    err);
  if (rc == 0)
    rc = read_reviews(cJSON_GetObjectItemCaseSensitive(root, "reviews"), path,
                      sc, err);
  if (rc == 0)
    rc = read_history(cJSON_GetObjectItemCaseSensitive(root, "history"), path,
                      sc, err);
  return rc;
}

int sk_scorecard_parse(const char *text, size_t len, const char *path,
                       struct sk_scorecard **out, cJSON **tree,
                       struct sk_error *err) {
  cJSON *root = NULL;
  const cJSON *schema;
  struct sk_scorecard *sc = NULL;
  int rc = 0;

  *out = NULL;
  if (tree != NULL)
    *tree = NULL;
  if (len > SK_SCORECARD_CAP)
    return sk_error_set(err, SK_ETOOBIG, "%s: larger than the %zu-byte limit",
                        path, (size_t)SK_SCORECARD_CAP);
  root = sk_json_parse(text, len, NULL);
  if (root == NULL)
    return sk_error_set(err, SK_EPARSE, "%s: malformed JSON", path);
  schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
  if (!cJSON_IsObject(root) || sk_json_strval(schema) == NULL ||
      strcmp(sk_json_strval(schema), SCHEMA) != 0) {
    rc = sk_error_set(err, SK_EINVAL, "%s: not a scorecard (schema is not %s)",
                      path, SCHEMA);
    goto out;
  }
  /* We never write a NUL, and the tree is handed on (history, the editor's
   * copy) to be printed again, where a cut string would be written cut: a
   * scorecard holding one is refused whole. */
  rc = sk_json_refuse_nul(root, path, SK_EPARSE, err);
  if (rc != 0)
    goto out;
  sc = calloc(1, sizeof(*sc));
  if (sc == NULL || (sc->path = strdup(path)) == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
    goto out;
  }
  rc = read_root(root, path, sc, err);
  if (rc != 0)
    goto out;
  *out = sc;
  sc = NULL;
  if (tree != NULL) {
    *tree = root;
    root = NULL;
  }
out:
  sk_scorecard_free(sc);
  cJSON_Delete(root);
  return rc;
}

int sk_scorecard_load(const char *path, struct sk_scorecard **out, cJSON **tree,
                      struct sk_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc;

  *out = NULL;
  if (tree != NULL)
    *tree = NULL;
  rc = sk_fs_read_file(path, SK_SCORECARD_CAP, &text, &len, err);
  if (rc == 0)
    rc = sk_scorecard_parse(text, len, path, out, tree, err);
  free(text);
  return rc;
}
