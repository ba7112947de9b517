/* summary.c: the run summary as JSON and CSV, and merging shards' summaries
 * (see summary.h). */
#include "shipskip/review/summary.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/csv.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/strmap.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CAUSE_NAMES[] = {
#define SK_RETRY_CAUSE_NAME(name, text) text,
    SK_RETRY_CAUSES(SK_RETRY_CAUSE_NAME)
#undef SK_RETRY_CAUSE_NAME
};

const char *sk_retry_cause_name(enum sk_retry_cause c) {
  return c < SK_RETRY__COUNT ? CAUSE_NAMES[c] : "other";
}

enum sk_retry_cause sk_retry_cause_of(const char *cause) {
  int i;
  for (i = 0; i < SK_RETRY__COUNT; i++)
    if (cause != NULL && strcmp(cause, CAUSE_NAMES[i]) == 0)
      return (enum sk_retry_cause)i;
  return SK_RETRY_OTHER;
}

void sk_summary_init(struct sk_summary *s) {
  memset(s, 0, sizeof(*s));
}

static void free_row(struct sk_summary_row *r) {
  free(r->slug);
  free(r->verdict);
  free(r->failures);
}

void sk_summary_cleanup(struct sk_summary *s) {
  size_t i;
  if (s == NULL)
    return;
  for (i = 0; i < s->n; i++)
    free_row(&s->rows[i]);
  free(s->rows);
  sk_panelstats_cleanup(&s->panel);
  cJSON_Delete(s->drift);
  cJSON_Delete(s->structured_fallback);
  sk_summary_init(s);
}

static struct sk_summary_row *new_row(struct sk_summary *s) {
  if (s->n == s->cap) {
    size_t ncap = s->cap ? s->cap * 2 : 64;
    struct sk_summary_row *p = realloc(s->rows, ncap * sizeof(*p));
    if (p == NULL)
      return NULL;
    s->rows = p;
    s->cap = ncap;
  }
  memset(&s->rows[s->n], 0, sizeof(s->rows[0]));
  return &s->rows[s->n++];
}

int sk_summary_add(struct sk_summary *s, const struct sk_tool *t,
                   const struct sk_review *r, size_t n) {
  struct sk_panel_result p;
  struct sk_summary_row *row;
  struct sk_buf fails;
  size_t i;
  size_t j;

  sk_scorecard_merge(r, n, &p);
  if (sk_panelstats_add(&s->panel, t->slug, r, n) != 0)
    return SK_ENOMEM;
  row = new_row(s);
  if (row == NULL)
    return SK_ENOMEM;
  row->slug = strdup(t->slug);
  row->verdict = p.verdict != NULL ? strdup(p.verdict) : NULL;
  row->ships = p.ships;
  row->skips = p.skips;
  row->failed = p.failed;
  row->reviewers = p.reviewers;
  row->ship_percent = p.ship_percent;
  row->mean_score = p.mean_score;
  sk_buf_init(&fails, 64 * 1024);
  for (i = 0; i < n; i++) {
    row->prompt_tokens += r[i].prompt_tokens;
    row->completion_tokens += r[i].completion_tokens;
    if (r[i].cost_usd < 0 || row->cost_usd < 0)
      row->cost_usd = -1;
    else
      row->cost_usd += r[i].cost_usd;
    if (r[i].status == SK_REVIEW_OK)
      continue;
    /* One line per failed review, its reasons joined: "persona: a; b". */
    sk_buf_printf(&fails, "%s%s: ", fails.len ? "\n" : "", r[i].persona->name);
    for (j = 0; j < r[i].nerrors; j++)
      sk_buf_printf(&fails, "%s%s", j ? "; " : "", r[i].errors[j]);
  }
  row->failures = fails.len ? sk_buf_take(&fails) : NULL;
  sk_buf_cleanup(&fails);
  if (row->slug == NULL || (p.verdict != NULL && row->verdict == NULL))
    return SK_ENOMEM;
  return 0;
}

static int cmp_row(const void *a, const void *b) {
  return strcmp(((const struct sk_summary_row *)a)->slug,
                ((const struct sk_summary_row *)b)->slug);
}

static cJSON *totals_json(const struct sk_summary_totals *t) {
  cJSON *o = cJSON_CreateObject();
  cJSON *causes;
  int i;
  int ok = o != NULL;
#define NUM(k, v) ok = ok && cJSON_AddNumberToObject(o, k, (double)(v)) != NULL
  NUM("tools", t->tools);
  NUM("tools_complete", t->tools_complete);
  NUM("tools_with_failed_reviews", t->tools - t->tools_complete);
  NUM("records_bad", t->records_bad);
  NUM("tools_unfinished", t->tools_unfinished);
  NUM("tools_skipped_by_shard", t->tools_skipped_shard);
  NUM("tools_flagged", t->tools_flagged);
  NUM("tools_refused", t->tools_refused);
  NUM("reviews_ok", t->reviews_ok);
  NUM("reviews_failed", t->reviews_failed);
  NUM("reviews_resumed", t->reviews_resumed);
  NUM("attempts", t->attempts);
  NUM("reasks", t->reasks);
  NUM("requests", t->requests);
  NUM("retries", t->retries);
#undef NUM
  causes = ok ? cJSON_AddObjectToObject(o, "retries_by_cause") : NULL;
  ok = ok && causes != NULL;
  for (i = 0; ok && i < SK_RETRY__COUNT; i++)
    ok = cJSON_AddNumberToObject(causes, CAUSE_NAMES[i],
                                 (double)t->retries_by_cause[i]) != NULL;
  ok =
      ok &&
      cJSON_AddNumberToObject(o, "prompt_tokens", (double)t->prompt_tokens) &&
      cJSON_AddNumberToObject(o, "completion_tokens",
                              (double)t->completion_tokens) &&
      cJSON_AddNumberToObject(
          o, "wall_seconds", (double)(long)(t->wall_seconds * 1000) / 1000.0) &&
      (t->cost_usd >= 0
           ? cJSON_AddNumberToObject(
                 o, "cost_usd",
                 (double)(long long)(t->cost_usd * 1e6 + 0.5) / 1e6)
           : cJSON_AddNullToObject(o, "cost_usd")) &&
      (t->stopped != NULL ? cJSON_AddStringToObject(o, "stopped", t->stopped)
                          : cJSON_AddNullToObject(o, "stopped")) &&
      cJSON_AddBoolToObject(o, "input_done", t->input_done);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *row_json(const struct sk_summary_row *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON *fails;
  int ok = o != NULL;
  ok = ok && cJSON_AddStringToObject(o, "slug", r->slug);
  ok = ok && (r->verdict ? cJSON_AddStringToObject(o, "verdict", r->verdict)
                         : cJSON_AddNullToObject(o, "verdict"));
  ok = ok && cJSON_AddNumberToObject(o, "ships", r->ships);
  ok = ok && cJSON_AddNumberToObject(o, "skips", r->skips);
  ok = ok && cJSON_AddNumberToObject(o, "failed", r->failed);
  if (r->reviewers > 0) {
    ok = ok && cJSON_AddNumberToObject(o, "ship_percent", r->ship_percent);
    ok = ok && cJSON_AddNumberToObject(o, "mean_score", r->mean_score);
  } else {
    ok = ok && cJSON_AddNullToObject(o, "ship_percent");
    ok = ok && cJSON_AddNullToObject(o, "mean_score");
  }
  ok = ok &&
       cJSON_AddNumberToObject(o, "prompt_tokens", (double)r->prompt_tokens);
  ok = ok && cJSON_AddNumberToObject(o, "completion_tokens",
                                     (double)r->completion_tokens);
  ok = ok && (r->cost_usd >= 0
                  ? cJSON_AddNumberToObject(
                        o, "cost_usd",
                        (double)(long long)(r->cost_usd * 1e6 + 0.5) / 1e6)
                  : cJSON_AddNullToObject(o, "cost_usd"));
  fails = ok ? cJSON_AddArrayToObject(o, "failures") : NULL;
  if (ok && fails != NULL && r->failures != NULL) {
    const char *p = r->failures;
    while (ok && *p != '\0') {
      const char *nl = strchr(p, '\n');
      size_t len = nl ? (size_t)(nl - p) : strlen(p);
      char *one = malloc(len + 1);
      cJSON *s;
      if (one == NULL) {
        ok = 0;
        break;
      }
      memcpy(one, p, len);
      one[len] = '\0';
      s = cJSON_CreateString(one);
      free(one);
      if (s == NULL)
        ok = 0;
      else
        cJSON_AddItemToArray(fails, s);
      p = nl ? nl + 1 : p + len;
    }
  }
  if (!ok || fails == NULL) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Appends b to the file and empties b, once b holds enough to be worth a
 * write (or always, with force). */
static int flush(struct sk_fs_atomic *a, struct sk_buf *b, int force,
                 struct sk_error *err) {
  int rc = 0;
  if (b->len > 0 && (force || b->len >= 64 * 1024)) {
    rc = sk_fs_atomic_write(a, b->data, b->len, err);
    sk_buf_reset(b);
  }
  return rc;
}

/* summary.json, a row at a time: the same bytes as sk_json_pretty() of the
 * whole document, without holding a tree of every row. */
static int write_json(struct sk_summary *s, const char *outdir,
                      struct sk_buf *b, struct sk_error *err) {
  struct sk_fs_atomic a;
  cJSON *totals = totals_json(&s->totals);
  cJSON *panel = NULL;
  size_t i;
  int rc;

  if (totals != NULL && !s->read_back)
    panel = sk_panelstats_finish(&s->panel) == 0 ? sk_panelstats_json(&s->panel)
                                                 : NULL;
  if (totals == NULL || (!s->read_back && panel == NULL)) {
    cJSON_Delete(totals);
    cJSON_Delete(panel);
    return sk_error_set(err, SK_ENOMEM, "summary: out of memory");
  }
  rc = sk_fs_atomic_open(&a, outdir, "summary.json", err);
  if (rc != 0) {
    cJSON_Delete(totals);
    cJSON_Delete(panel);
    return rc;
  }
  if (sk_buf_adds(b, "{\n  \"schema\": \"shipskip.summary/1\",\n  "
                     "\"totals\": ") != 0 ||
      sk_json_pretty_at(totals, 1, b) != 0 ||
      (panel != NULL && (sk_buf_adds(b, ",\n  \"panel\": ") != 0 ||
                         sk_json_pretty_at(panel, 1, b) != 0)) ||
      (s->drift != NULL && (sk_buf_adds(b, ",\n  \"drift\": ") != 0 ||
                            sk_json_pretty_at(s->drift, 1, b) != 0)) ||
      (s->structured_fallback != NULL &&
       (sk_buf_adds(b, ",\n  \"structured_fallback\": ") != 0 ||
        sk_json_pretty_at(s->structured_fallback, 1, b) != 0)) ||
      sk_buf_adds(b, s->n > 0 ? ",\n  \"tools\": [\n" : ",\n  \"tools\": []"))
    rc = SK_ENOMEM;
  cJSON_Delete(totals);
  cJSON_Delete(panel);
  for (i = 0; i < s->n && rc == 0; i++) {
    cJSON *row = row_json(&s->rows[i]);
    if (row == NULL || sk_buf_adds(b, "    ") != 0 ||
        sk_json_pretty_at(row, 2, b) != 0 ||
        sk_buf_adds(b, i + 1 < s->n ? ",\n" : "\n  ]") != 0)
      rc = SK_ENOMEM;
    cJSON_Delete(row);
    if (rc == 0)
      rc = flush(&a, b, 0, err);
  }
  if (rc == 0 && sk_buf_adds(b, "\n}\n") != 0)
    rc = SK_ENOMEM;
  if (rc == SK_ENOMEM)
    rc = sk_error_set(err, SK_ENOMEM, "summary: out of memory");
  if (rc == 0)
    rc = flush(&a, b, 1, err);
  if (rc == 0)
    rc = sk_fs_atomic_commit(&a, err);
  sk_fs_atomic_abort(&a);
  return rc;
}

/* summary.csv, a row at a time. */
static int write_csv(struct sk_summary *s, const char *outdir, struct sk_buf *b,
                     struct sk_error *err) {
  struct sk_fs_atomic a;
  size_t i;
  int rc = sk_fs_atomic_open(&a, outdir, "summary.csv", err);

  if (rc != 0)
    return rc;
  rc = sk_buf_adds(b, "slug,verdict,ships,skips,failed,ship_percent,"
                      "mean_score,prompt_tokens,completion_tokens,cost_usd,"
                      "failures\n");
  for (i = 0; i < s->n && rc == 0; i++) {
    const struct sk_summary_row *r = &s->rows[i];
    char *fails = r->failures ? strdup(r->failures) : NULL;
    char *p;
    if (r->failures != NULL && fails == NULL)
      rc = SK_ENOMEM;
    for (p = fails; p != NULL && *p != '\0'; p++)
      if (*p == '\n')
        *p = '|';
    rc |= sk_csv_field(b, r->slug);
    rc |= sk_buf_add(b, ",", 1);
    rc |= sk_csv_field(b, r->verdict);
    if (r->reviewers > 0)
      rc |= sk_buf_printf(b, ",%d,%d,%d,%d,%.1f,%ld,%ld,", r->ships, r->skips,
                          r->failed, r->ship_percent, r->mean_score,
                          r->prompt_tokens, r->completion_tokens);
    else
      rc |= sk_buf_printf(b, ",%d,%d,%d,,,%ld,%ld,", r->ships, r->skips,
                          r->failed, r->prompt_tokens, r->completion_tokens);
    if (r->cost_usd >= 0)
      rc |= sk_buf_printf(b, "%.6f", r->cost_usd);
    rc |= sk_buf_add(b, ",", 1);
    rc |= sk_csv_field(b, fails);
    rc |= sk_buf_add(b, "\n", 1);
    free(fails);
    if (rc != 0)
      rc = sk_error_set(err, SK_ENOMEM, "summary: out of memory");
    else
      rc = flush(&a, b, 0, err);
  }
  if (rc == 0)
    rc = flush(&a, b, 1, err);
  if (rc == 0)
    rc = sk_fs_atomic_commit(&a, err);
  sk_fs_atomic_abort(&a);
  return rc;
}

int sk_summary_write(struct sk_summary *s, const char *outdir,
                     struct sk_error *err) {
  struct sk_buf b;
  int rc;

  if (s->n > 1)
    qsort(s->rows, s->n, sizeof(*s->rows), cmp_row);
  /* Rows go out as they are printed: memory stays a buffer's worth, not
   * the whole document, however long the batch. */
  sk_buf_init(&b, (size_t)1 << 30);
  rc = write_json(s, outdir, &b, err);
  sk_buf_reset(&b);
  if (rc == 0)
    rc = write_csv(s, outdir, &b, err);
  sk_buf_cleanup(&b);
  return rc;
}

/* A count from a summary file; out-of-range values (a hand-edited or
 * corrupt file) read as 0 rather than as an undefined cast. */
static unsigned long get_ul(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e15
             ? (unsigned long)v->valuedouble
             : 0;
}

/* Adds the "totals" object t of a summary read back to s's totals. */
static void read_totals(const cJSON *t, struct sk_summary *s) {
  const cJSON *causes = cJSON_GetObjectItemCaseSensitive(t, "retries_by_cause");
  const cJSON *cst = cJSON_GetObjectItemCaseSensitive(t, "cost_usd");
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(t, "wall_seconds");
  int i;

  s->totals.tools += get_ul(t, "tools");
  s->totals.tools_complete += get_ul(t, "tools_complete");
  s->totals.records_bad += get_ul(t, "records_bad");
  s->totals.tools_unfinished += get_ul(t, "tools_unfinished");
  s->totals.tools_skipped_shard += get_ul(t, "tools_skipped_by_shard");
  s->totals.tools_flagged += get_ul(t, "tools_flagged");
  s->totals.tools_refused += get_ul(t, "tools_refused");
  s->totals.reviews_ok += get_ul(t, "reviews_ok");
  s->totals.reviews_failed += get_ul(t, "reviews_failed");
  s->totals.reviews_resumed += get_ul(t, "reviews_resumed");
  s->totals.attempts += get_ul(t, "attempts");
  s->totals.reasks += get_ul(t, "reasks");
  s->totals.requests += get_ul(t, "requests");
  s->totals.retries += get_ul(t, "retries");
  for (i = 0; i < SK_RETRY__COUNT; i++)
    s->totals.retries_by_cause[i] += get_ul(causes, CAUSE_NAMES[i]);
  /* One shard without a price makes the whole cost unknown. */
  if (!cJSON_IsNumber(cst) || s->totals.cost_usd < 0)
    s->totals.cost_usd = -1;
  else
    s->totals.cost_usd += cst->valuedouble;
  s->totals.prompt_tokens += (long)get_ul(t, "prompt_tokens");
  s->totals.completion_tokens += (long)get_ul(t, "completion_tokens");
  /* Shards run side by side: the wall time is the longest of them. */
  if (cJSON_IsNumber(w) && w->valuedouble > s->totals.wall_seconds)
    s->totals.wall_seconds = w->valuedouble;
  s->totals.input_done =
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "input_done"));
}

/* Adds one row of a summary read back to s. Returns 0 or SK_ENOMEM. */
static int read_row(const cJSON *row, struct sk_summary *s) {
  struct sk_summary_row *r = new_row(s);
  const cJSON *v;
  const cJSON *f;
  struct sk_buf fails;

  if (r == NULL)
    return SK_ENOMEM;
  v = cJSON_GetObjectItemCaseSensitive(row, "slug");
  r->slug = strdup(sk_json_strval(v) != NULL ? sk_json_strval(v) : "");
  v = cJSON_GetObjectItemCaseSensitive(row, "verdict");
  r->verdict = sk_json_strval(v) != NULL ? strdup(sk_json_strval(v)) : NULL;
  r->ships = (int)get_ul(row, "ships");
  r->skips = (int)get_ul(row, "skips");
  r->failed = (int)get_ul(row, "failed");
  r->reviewers = r->ships + r->skips;
  r->ship_percent = (int)get_ul(row, "ship_percent");
  v = cJSON_GetObjectItemCaseSensitive(row, "mean_score");
  r->mean_score = cJSON_IsNumber(v) ? v->valuedouble : 0;
  r->prompt_tokens = (long)get_ul(row, "prompt_tokens");
  r->completion_tokens = (long)get_ul(row, "completion_tokens");
  v = cJSON_GetObjectItemCaseSensitive(row, "cost_usd");
  r->cost_usd = cJSON_IsNumber(v) ? v->valuedouble : -1;
  sk_buf_init(&fails, 1 << 20);
  cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(row, "failures")) {
    if (sk_json_strval(f) != NULL)
      sk_buf_printf(&fails, "%s%s", fails.len ? "\n" : "", sk_json_strval(f));
  }
  r->failures = fails.len ? sk_buf_take(&fails) : NULL;
  sk_buf_cleanup(&fails);
  return 0;
}

int sk_summary_read(const char *path, struct sk_summary *s,
                    struct sk_error *err) {
  char *text = NULL;
  size_t len;
  cJSON *root;
  const cJSON *t;
  const cJSON *row;
  int rc;

  s->read_back = 1;
  rc = sk_fs_read_file(path, (size_t)1 << 30, &text, &len, err);
  if (rc != 0)
    return rc;
  root = sk_json_parse(text, len, NULL);
  free(text);
  t = cJSON_GetObjectItemCaseSensitive(root, "totals");
  if (root == NULL || !cJSON_IsObject(t)) {
    cJSON_Delete(root);
    return sk_error_set(err, SK_EPARSE, "%s: not a shipskip summary", path);
  }
  read_totals(t, s);
  cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "tools")) {
    if (read_row(row, s) != 0) {
      cJSON_Delete(root);
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    }
  }
  cJSON_Delete(root);
  return 0;
}

int sk_summary_merge(const char *const *dirs, size_t n, struct sk_summary *out,
                     struct sk_error *err) {
  struct sk_strmap seen;
  size_t i;
  size_t k;
  int rc = 0;

  sk_strmap_init(&seen);
  for (i = 0; i < n && rc == 0; i++) {
    char path[4096];
    size_t before = out->n;
    snprintf(path, sizeof(path), "%s/summary.json", dirs[i]);
    rc = sk_summary_read(path, out, err);
    for (k = before; rc == 0 && k < out->n; k++) {
      int added = 0;
      struct sk_strmap_slot *slot =
          sk_strmap_put(&seen, out->rows[k].slug, &added);
      if (slot == NULL) {
        rc = sk_error_set(err, SK_ENOMEM, "out of memory");
      } else if (!added) {
        rc =
            sk_error_set(err, SK_EINVAL,
                         "tool \"%s\" is in both %s and %s: shards must not "
                         "overlap",
                         out->rows[k].slug, (const char *)slot->value, dirs[i]);
      } else {
        slot->value = (void *)(uintptr_t)dirs[i];
      }
    }
  }
  sk_strmap_cleanup(&seen, NULL);
  return rc;
}
