/* scorecard.c: panel merge and the JSON and Markdown scorecards (see
 * scorecard.h). */
#include "shipskip/model/scorecard.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/markdown.h"
#include "shipskip/model/votes.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_review_add_error(struct sk_review *r, const char *msg) {
  char **p = realloc(r->errors, (r->nerrors + 1) * sizeof(*p));
  if (p == NULL)
    return SK_ENOMEM;
  r->errors = p;
  p[r->nerrors] = strdup(msg);
  if (p[r->nerrors] == NULL)
    return SK_ENOMEM;
  r->nerrors++;
  return 0;
}

void sk_review_cleanup(struct sk_review *r) {
  size_t i;
  if (r == NULL)
    return;
  free(r->text);
  free(r->provider);
  free(r->model);
  for (i = 0; i < r->nerrors; i++)
    free(r->errors[i]);
  free(r->errors);
  memset(r, 0, sizeof(*r));
}

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

static int add_str_or_null(cJSON *obj, const char *key, const char *v) {
  cJSON *item = v != NULL ? cJSON_CreateString(v) : cJSON_CreateNull();
  if (item == NULL)
    return SK_ENOMEM;
  cJSON_AddItemToObject(obj, key, item);
  return 0;
}

static int add_num(cJSON *obj, const char *key, double v) {
  return cJSON_AddNumberToObject(obj, key, v) == NULL ? SK_ENOMEM : 0;
}

/* A cost in USD, to the micro-dollar (so float noise never reaches a
 * file), or null when no price is known. */
static int add_cost(cJSON *obj, const char *key, double cost) {
  if (cost < 0)
    return add_str_or_null(obj, key, NULL);
  return add_num(obj, key, floor(cost * 1e6 + 0.5) / 1e6);
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

static const char *const TOOL_KEYS[] = {"slug",     "name",    "tagline",
                                        "category", "pricing", "entry",
                                        "best_for", "url",     "description"};

static cJSON *review_json(const struct sk_review *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON *errs;
  cJSON *usage;
  size_t i;
  int ok = r->status == SK_REVIEW_OK;
  int rc = 0;

  if (o == NULL)
    return NULL;
  rc |= add_str_or_null(o, "persona", r->persona->name);
  rc |= add_str_or_null(o, "display_name", r->persona->display_name);
  if (ok)
    rc |= add_num(o, "score", r->score);
  else
    rc |= add_str_or_null(o, "score", NULL);
  rc |= add_str_or_null(o, "verdict", ok ? r->verdict : NULL);
  rc |= add_str_or_null(o, "review", ok ? r->text : NULL);
  rc |= add_str_or_null(o, "provider", r->provider);
  rc |= add_str_or_null(o, "model", r->model);
  rc |= add_num(o, "attempts", r->attempts);
  rc |= add_num(o, "retries", r->retries);
  rc |= add_str_or_null(o, "status", ok ? "ok" : "failed");
  if (r->inputs[0] != '\0')
    rc |= add_str_or_null(o, "inputs", r->inputs);
  if (r->edited && cJSON_AddBoolToObject(o, "edited", 1) == NULL)
    rc = SK_ENOMEM;
  errs = cJSON_AddArrayToObject(o, "errors");
  if (errs == NULL)
    rc = SK_ENOMEM;
  for (i = 0; errs != NULL && i < r->nerrors; i++) {
    cJSON *s = cJSON_CreateString(r->errors[i]);
    if (s == NULL)
      rc = SK_ENOMEM;
    else
      cJSON_AddItemToArray(errs, s);
  }
  usage = cJSON_AddObjectToObject(o, "usage");
  if (usage == NULL)
    rc = SK_ENOMEM;
  else {
    rc |= add_num(usage, "prompt_tokens", (double)r->prompt_tokens);
    rc |= add_num(usage, "completion_tokens", (double)r->completion_tokens);
    rc |= add_cost(usage, "cost_usd", r->cost_usd);
  }
  if (rc != 0) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* The injection findings as JSON, or null when no detector ran. */
static int add_injection(cJSON *root, const struct sk_inject_result *inj) {
  cJSON *o;
  cJSON *list;
  size_t i;
  int rc = 0;
  if (inj == NULL)
    return add_str_or_null(root, "injection", NULL);
  o = cJSON_AddObjectToObject(root, "injection");
  if (o == NULL || cJSON_AddBoolToObject(o, "flagged", inj->nhits > 0) == NULL)
    return SK_ENOMEM;
  list = cJSON_AddArrayToObject(o, "findings");
  if (list == NULL)
    return SK_ENOMEM;
  for (i = 0; i < inj->nhits && rc == 0; i++) {
    cJSON *h = cJSON_CreateObject();
    if (h == NULL)
      return SK_ENOMEM;
    cJSON_AddItemToArray(list, h);
    rc |= add_str_or_null(h, "rule", inj->hits[i].rule);
    rc |= add_str_or_null(h, "field", inj->hits[i].field);
    rc |= add_str_or_null(h, "excerpt", inj->hits[i].excerpt);
  }
  return rc;
}

int sk_scorecard_json(const struct sk_tool *t, const struct sk_review *r,
                      size_t n, const struct sk_scorecard_meta *meta,
                      struct sk_buf *out, struct sk_error *err) {
  const struct sk_vote *community = meta != NULL ? meta->community : NULL;
  const char *generated_at = meta != NULL ? meta->generated_at : NULL;
  struct sk_panel_result p;
  cJSON *root = cJSON_CreateObject();
  cJSON *tool;
  cJSON *panel;
  cJSON *usage;
  cJSON *reviews;
  long pin = 0;
  long pout = 0;
  size_t i;
  int rc = 0;

  sk_scorecard_merge(r, n, &p);
  if (root == NULL)
    goto nomem;
  rc |= add_str_or_null(root, "schema", "shipskip.scorecard/1");
  if (generated_at != NULL)
    rc |= add_str_or_null(root, "generated_at", generated_at);
  tool = cJSON_AddObjectToObject(root, "tool");
  if (tool == NULL)
    goto nomem;
  for (i = 0; i < sizeof(TOOL_KEYS) / sizeof(TOOL_KEYS[0]); i++)
    rc |= add_str_or_null(tool, TOOL_KEYS[i], sk_tool_field(t, TOOL_KEYS[i]));
  panel = cJSON_AddObjectToObject(root, "panel");
  if (panel == NULL)
    goto nomem;
  rc |= add_str_or_null(panel, "verdict", p.verdict);
  rc |= add_str_or_null(panel, "label", p.label);
  rc |= add_num(panel, "ships", p.ships);
  rc |= add_num(panel, "skips", p.skips);
  rc |= add_num(panel, "failed", p.failed);
  rc |= add_num(panel, "reviewers", p.reviewers);
  if (p.reviewers > 0) {
    rc |= add_num(panel, "ship_percent", p.ship_percent);
    rc |= add_num(panel, "mean_score", p.mean_score);
  } else {
    rc |= add_str_or_null(panel, "ship_percent", NULL);
    rc |= add_str_or_null(panel, "mean_score", NULL);
  }
  if (cJSON_AddBoolToObject(panel, "complete", p.complete) == NULL)
    goto nomem;
  rc |= add_injection(root, meta != NULL ? meta->injection : NULL);
  if (community != NULL) {
    cJSON *cm = cJSON_AddObjectToObject(root, "community");
    if (cm == NULL)
      goto nomem;
    rc |= add_num(cm, "ship", (double)community->ship);
    rc |= add_num(cm, "skip", (double)community->skip);
  } else {
    rc |= add_str_or_null(root, "community", NULL);
  }
  for (i = 0; i < n; i++) {
    pin += r[i].prompt_tokens;
    pout += r[i].completion_tokens;
  }
  usage = cJSON_AddObjectToObject(root, "usage");
  if (usage == NULL)
    goto nomem;
  rc |= add_num(usage, "prompt_tokens", (double)pin);
  rc |= add_num(usage, "completion_tokens", (double)pout);
  rc |= add_cost(usage, "cost_usd", total_cost(r, n));
  reviews = cJSON_AddArrayToObject(root, "reviews");
  if (reviews == NULL)
    goto nomem;
  for (i = 0; i < n; i++) {
    cJSON *o = review_json(&r[i]);
    if (o == NULL)
      goto nomem;
    cJSON_AddItemToArray(reviews, o);
  }
  if (meta != NULL && meta->history != NULL &&
      cJSON_GetArraySize(meta->history) > 0) {
    cJSON *h = cJSON_Duplicate(meta->history, 1);
    if (h == NULL)
      goto nomem;
    cJSON_AddItemToObject(root, "history", h);
  }
  if (rc != 0)
    goto nomem;
  rc = sk_json_pretty(root, out);
  cJSON_Delete(root);
  if (rc != 0)
    return sk_error_set(err, rc, "%s: scorecard JSON: %s", t->slug,
                        sk_strerror(rc));
  return 0;
nomem:
  cJSON_Delete(root);
  return sk_error_set(err, SK_ENOMEM, "%s: scorecard JSON: out of memory",
                      t->slug);
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
    pin += rv->prompt_tokens;
    pout += rv->completion_tokens;
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
  sk_buf_init(&f->json, 64 * 1024 * 1024);
  sk_buf_init(&f->md, 64 * 1024 * 1024);
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
