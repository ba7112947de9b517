/* summary.c: the run summary as JSON and CSV, and merging shards' summaries
 * (see summary.h). */
#include "shipskip/review/summary.h"
#include "shipskip/review/rowspill.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/csv.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/util/strmap.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdint.h>
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
  sk_rowspill_free(s->spill);
  free(s->shards);
  sk_panelstats_cleanup(&s->panel);
  cJSON_Delete(s->drift);
  cJSON_Delete(s->structured_fallback);
  cJSON_Delete(s->batch);
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

static int add_row(struct sk_summary *s, const struct sk_tool *t,
                   const struct sk_review *r, size_t n);

int sk_summary_spill_to(struct sk_summary *s, const char *dir, size_t rows,
                        struct sk_error *err) {
  if (s->spill == NULL)
    s->spill = sk_rowspill_new(dir);
  if (s->spill == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  s->spill_rows = rows > 0 ? rows : SK_SUMMARY_SPILL_ROWS;
  return 0;
}

/* Hands the rows in memory to the spill as one sorted run, and frees
 * them. On failure they stay, and s->err says why. */
static int spill_rows(struct sk_summary *s) {
  size_t i;
  int rc = sk_rowspill_put(s->spill, s->rows, s->n, &s->err);
  if (rc != 0)
    return rc;
  for (i = 0; i < s->n; i++)
    free_row(&s->rows[i]);
  s->n = 0;
  return 0;
}

int sk_summary_add(struct sk_summary *s, const struct sk_tool *t,
                   const struct sk_review *r, size_t n) {
  int rc = add_row(s, t, r, n);
  if (rc != 0)
    return rc;
  if (s->spill != NULL && s->n >= s->spill_rows)
    return spill_rows(s);
  return 0;
}

/* sk_summary_add without the spill. */
static int add_row(struct sk_summary *s, const struct sk_tool *t,
                   const struct sk_review *r, size_t n) {
  struct sk_panel_result p;
  struct sk_summary_row *row;
  struct sk_buf fails;
  size_t i;
  size_t j;

  if (s->err.code != 0)
    return s->err.code; /* a spill failed: the rows are no longer whole */
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

/* Every row in slug order: the rows in memory, sorted, or the merge of
 * the spilled runs. */
struct rows_it {
  struct sk_summary *s;
  size_t i;
  struct sk_rowspill_walk *walk; /* NULL: the rows in memory */
};

/* How many rows the summary holds, in memory and spilled. */
static size_t total_rows(const struct sk_summary *s) {
  return s->n + (s->spill != NULL ? sk_rowspill_rows(s->spill) : 0);
}

/* Starts a walk. Rows in memory beside spilled ones are spilled too, as
 * one more run, so that one merge orders them all. */
static int it_open(struct rows_it *it, struct sk_summary *s,
                   struct sk_error *err) {
  int rc;
  memset(it, 0, sizeof(*it));
  it->s = s;
  if (s->err.code != 0)
    return sk_error_set(err, s->err.code, "%s", s->err.msg);
  if (s->spill == NULL || sk_rowspill_rows(s->spill) == 0) {
    if (s->n > 1)
      qsort(s->rows, s->n, sizeof(*s->rows), cmp_row);
    return 0;
  }
  rc = spill_rows(s);
  if (rc != 0)
    return sk_error_set(err, rc, "%s", s->err.msg);
  return sk_rowspill_walk_open(s->spill, &it->walk, err);
}

/* The next row: 1 and *row, 0 at the end, or an error set in err. */
static int it_next(struct rows_it *it, const struct sk_summary_row **row,
                   struct sk_error *err) {
  if (it->walk != NULL)
    return sk_rowspill_walk_next(it->walk, row, err);
  *row = it->i < it->s->n ? &it->s->rows[it->i++] : NULL;
  return *row != NULL;
}

static void it_close(struct rows_it *it) {
  sk_rowspill_walk_close(it->walk);
  it->walk = NULL;
}

int sk_summary_each(struct sk_summary *s,
                    int (*cb)(void *ctx, const struct sk_summary_row *r),
                    void *ctx, struct sk_error *err) {
  struct rows_it it;
  const struct sk_summary_row *row;
  int rc = it_open(&it, s, err);

  while (rc == 0 && (rc = it_next(&it, &row, err)) == 1)
    rc = cb(ctx, row);
  it_close(&it);
  return rc;
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
      (t->cost_basis == NULL ||
       cJSON_AddStringToObject(o, "cost_basis", t->cost_basis)) &&
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

/* The "shard" object: {"index": I, "count": N, ...} for a run, {"count":
 * N, "merged": [...], "missing": [...], ...} for a merge; NULL (written as
 * null) when the summary records no shard, or when out of memory (*oom). */
static cJSON *shard_json(const struct sk_summary *s, int *oom) {
  const struct sk_summary_totals *t = &s->totals;
  cJSON *o;
  int ok;
  int k;

  *oom = 0;
  if (t->shard_count < 1)
    return NULL;
  o = cJSON_CreateObject();
  ok = o != NULL;
  if (ok && s->shards == NULL)
    ok = cJSON_AddNumberToObject(o, "index", t->shard_index) != NULL;
  ok = ok && cJSON_AddNumberToObject(o, "count", t->shard_count) != NULL;
  if (ok && s->shards != NULL) {
    cJSON *in = cJSON_AddArrayToObject(o, "merged");
    cJSON *out = cJSON_AddArrayToObject(o, "missing");
    ok = in != NULL && out != NULL;
    for (k = 0; ok && k < t->shard_count; k++) {
      cJSON *v = cJSON_CreateNumber(k + 1);
      ok = v != NULL;
      if (ok)
        cJSON_AddItemToArray(s->shards[k] ? in : out, v);
    }
  }
  ok = ok && cJSON_AddNumberToObject(o, "input_tools",
                                     (double)t->input_tools) != NULL;
  ok = ok && cJSON_AddNumberToObject(o, "input_records_bad",
                                     (double)t->input_bad) != NULL;
  if (!ok) {
    cJSON_Delete(o);
    *oom = 1;
    return NULL;
  }
  return o;
}

/* Appends ",\n  "shard": ..., "inputs_digest": ..." at the document's
 * first level. Returns 0 or SK_ENOMEM. */
static int write_shard(const struct sk_summary *s, struct sk_buf *b) {
  int oom;
  cJSON *shard = shard_json(s, &oom);
  int rc = oom ? SK_ENOMEM : 0;

  if (rc == 0)
    rc = sk_buf_adds(b, "\n  \"shard\": ");
  if (rc == 0)
    rc =
        shard != NULL ? sk_json_pretty_at(shard, 1, b) : sk_buf_adds(b, "null");
  if (rc == 0)
    rc = s->totals.inputs_digest[0] != '\0'
             ? sk_buf_printf(b, ",\n  \"inputs_digest\": \"%s\",",
                             s->totals.inputs_digest)
             : sk_buf_adds(b, ",\n  \"inputs_digest\": null,");
  cJSON_Delete(shard);
  return rc != 0 ? SK_ENOMEM : 0;
}

/* summary.json, a row at a time: the same bytes as sk_json_pretty() of the
 * whole document, without holding a tree of every row. */
static int write_json(struct sk_summary *s, const char *outdir,
                      struct sk_buf *b, struct sk_error *err) {
  struct sk_fs_atomic a;
  cJSON *totals = totals_json(&s->totals);
  cJSON *panel = NULL;
  struct rows_it it;
  const struct sk_summary_row *r;
  size_t nrows = total_rows(s);
  size_t i;
  int rc;

  memset(&it, 0, sizeof(it));
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
  if (sk_buf_adds(b, "{\n  \"schema\": \"shipskip.summary/1\",") != 0 ||
      write_shard(s, b) != 0 || sk_buf_adds(b, "\n  \"totals\": ") != 0 ||
      sk_json_pretty_at(totals, 1, b) != 0 ||
      (panel != NULL && (sk_buf_adds(b, ",\n  \"panel\": ") != 0 ||
                         sk_json_pretty_at(panel, 1, b) != 0)) ||
      (s->drift != NULL && (sk_buf_adds(b, ",\n  \"drift\": ") != 0 ||
                            sk_json_pretty_at(s->drift, 1, b) != 0)) ||
      (s->structured_fallback != NULL &&
       (sk_buf_adds(b, ",\n  \"structured_fallback\": ") != 0 ||
        sk_json_pretty_at(s->structured_fallback, 1, b) != 0)) ||
      (s->batch != NULL && (sk_buf_adds(b, ",\n  \"batch\": ") != 0 ||
                            sk_json_pretty_at(s->batch, 1, b) != 0)) ||
      sk_buf_adds(b, nrows > 0 ? ",\n  \"tools\": [\n" : ",\n  \"tools\": []"))
    rc = SK_ENOMEM;
  cJSON_Delete(totals);
  cJSON_Delete(panel);
  if (rc == 0)
    rc = it_open(&it, s, err);
  /* ",\n" goes before every row but the first, "\n  ]" after the last:
   * the bytes of the whole tree printed at once. */
  for (i = 0; rc == 0 && (rc = it_next(&it, &r, err)) == 1; i++) {
    cJSON *row = row_json(r);
    rc = 0;
    if (row == NULL || sk_buf_adds(b, i > 0 ? ",\n    " : "    ") != 0 ||
        sk_json_pretty_at(row, 2, b) != 0)
      rc = SK_ENOMEM;
    cJSON_Delete(row);
    if (rc == 0)
      rc = flush(&a, b, 0, err);
  }
  it_close(&it);
  if (rc == 0 && nrows > 0 && sk_buf_adds(b, "\n  ]") != 0)
    rc = SK_ENOMEM;
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
  struct rows_it it;
  const struct sk_summary_row *r;
  int rc;

  memset(&it, 0, sizeof(it));
  rc = sk_fs_atomic_open(&a, outdir, "summary.csv", err);
  if (rc != 0)
    return rc;
  rc = sk_buf_adds(b, "slug,verdict,ships,skips,failed,ship_percent,"
                      "mean_score,prompt_tokens,completion_tokens,cost_usd,"
                      "failures\n");
  if (rc != 0)
    rc = sk_error_set(err, SK_ENOMEM, "summary: out of memory");
  else
    rc = it_open(&it, s, err);
  while (rc == 0 && (rc = it_next(&it, &r, err)) == 1) {
    char *fails = r->failures ? strdup(r->failures) : NULL;
    char *p;
    rc = 0;
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
  it_close(&it);
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

  /* Rows lost to a spill that failed: say why, before any file is made. */
  if (s->err.code != 0)
    return sk_error_set(err, s->err.code, "%s", s->err.msg);
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

/* Reads and parses a summary.json; returns 0 and *root (the caller
 * deletes it), or an error naming the file. */
static int parse_file(const char *path, cJSON **root, struct sk_error *err) {
  char *text = NULL;
  size_t len;
  int rc = sk_fs_read_file(path, (size_t)1 << 30, &text, &len, err);

  *root = NULL;
  if (rc != 0)
    return rc;
  *root = sk_json_parse(text, len, NULL);
  free(text);
  if (*root == NULL ||
      !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(*root, "totals"))) {
    cJSON_Delete(*root);
    *root = NULL;
    return sk_error_set(err, SK_EPARSE, "%s: not a shipskip summary", path);
  }
  return 0;
}

/* Adds the totals and rows of a parsed summary to s. */
static int add_summary(const cJSON *root, struct sk_summary *s,
                       struct sk_error *err) {
  const cJSON *row;
  s->read_back = 1;
  read_totals(cJSON_GetObjectItemCaseSensitive(root, "totals"), s);
  cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "tools")) {
    if (read_row(row, s) != 0)
      return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  return 0;
}

int sk_summary_read(const char *path, struct sk_summary *s,
                    struct sk_error *err) {
  cJSON *root;
  int rc = parse_file(path, &root, err);
  if (rc == 0)
    rc = add_summary(root, s, err);
  cJSON_Delete(root);
  return rc;
}

/* What a summary says about the part of the batch it holds. */
struct part {
  const char *dir;
  int count;          /* N of I/N; 0: the summary records no shard */
  unsigned char *has; /* has[i]: shard i+1 is in it (count entries) */
  unsigned long input_tools;
  unsigned long input_bad;
  char digest[65]; /* "" when the input was not read whole */
  char stopped[16];
  unsigned long skipped; /* its totals' tools_skipped_by_shard */
  unsigned long bad;     /* its totals' records_bad */
};

/* Reads root's "shard" and "inputs_digest" into p. Returns 0 or SK_ENOMEM.
 */
static int read_part(const cJSON *root, struct part *p) {
  const cJSON *sh = cJSON_GetObjectItemCaseSensitive(root, "shard");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "totals");
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "inputs_digest");
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(t, "stopped");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(sh, "merged");
  const cJSON *v;
  long long count = 0;
  long long index = 0;

  const char *digest = sk_json_strval(d);
  const char *stopped = sk_json_strval(st);

  if (digest != NULL && strlen(digest) == 64)
    memcpy(p->digest, digest, 65);
  snprintf(p->stopped, sizeof(p->stopped), "%s",
           stopped != NULL ? stopped : "");
  if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, "input_done")))
    p->digest[0] = '\0';
  if (!cJSON_IsObject(sh) ||
      !sk_json_int(cJSON_GetObjectItemCaseSensitive(sh, "count"), 1, 10000,
                   &count))
    return 0; /* no shard recorded: check_part says so */
  p->has = calloc((size_t)count, 1);
  if (p->has == NULL)
    return SK_ENOMEM;
  p->count = (int)count;
  p->input_tools = get_ul(sh, "input_tools");
  p->input_bad = get_ul(sh, "input_records_bad");
  p->skipped = get_ul(t, "tools_skipped_by_shard");
  p->bad = get_ul(t, "records_bad");
  if (sk_json_int(cJSON_GetObjectItemCaseSensitive(sh, "index"), 1, count,
                  &index))
    p->has[index - 1] = 1;
  cJSON_ArrayForEach(v, m) {
    if (sk_json_int(v, 1, count, &index))
      p->has[index - 1] = 1;
  }
  return 0;
}

/* The state of one merge: the parts read, who holds each shard, and the
 * problems found so far. */
struct merge {
  const struct sk_summary_merge_opts *o;
  struct sk_summary *out;
  struct part *parts;
  const char **owner;     /* owner[k]: the directory holding shard k+1 */
  const char *count_dir;  /* the first directory that gave N */
  const char *digest_dir; /* the first directory with a whole digest */
  const char *digest;     /* ...and that digest */
  int n;                  /* N, from the first part that records one */
  size_t problems;
  char first[sizeof(((struct sk_error *)0)->msg)];
};

/* Notes a problem of the set: said through the callback, the first kept
 * for the error that refuses the set. */
static void problem(struct merge *m, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void problem(struct merge *m, const char *fmt, ...) {
  char msg[sizeof(m->first)];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (m->problems++ == 0)
    memcpy(m->first, msg, sizeof(msg));
  if (m->o != NULL && m->o->note_cb != NULL)
    m->o->note_cb(m->o->ctx, msg);
}

/* Checks part p against the parts before it. Returns 1 when it is to be
 * counted, 0 when every shard it holds is already in (taken once), or
 * SK_ENOMEM. */
static int check_part(struct merge *m, struct part *p) {
  int k;
  int dup = 0;
  if (p->digest[0] == '\0')
    problem(m, "%s did not read its whole input (stopped: %s)", p->dir,
            p->stopped[0] ? p->stopped : "unknown");
  else if (m->digest == NULL) {
    m->digest = p->digest;
    m->digest_dir = p->dir;
  } else if (strcmp(p->digest, m->digest) != 0)
    problem(m,
            "%s and %s were made from different inputs (their "
            "inputs_digest differs)",
            m->digest_dir, p->dir);
  if (p->count == 0) {
    problem(m,
            "%s/summary.json records no shard (written by an older "
            "shipskip?)",
            p->dir);
    return 1;
  }
  if (m->n == 0) {
    m->n = p->count;
    m->count_dir = p->dir;
    m->owner = calloc((size_t)p->count, sizeof(*m->owner));
    if (m->owner == NULL)
      return SK_ENOMEM;
  } else if (p->count != m->n) {
    problem(m, "%s is a shard of %d, but %s of %d; left out", p->dir, p->count,
            m->count_dir, m->n);
    return 0;
  }
  for (k = 0; k < m->n; k++) {
    if (!p->has[k])
      continue;
    if (m->owner[k] != NULL) {
      problem(m, "shard %d/%d is in both %s and %s; taken once", k + 1, m->n,
              m->owner[k], p->dir);
      dup = 1;
    } else {
      m->owner[k] = p->dir;
    }
  }
  return !dup;
}

/* Reads dirs[i]'s summary, checks it and adds it to the merge unless it
 * repeats shards already in. Rows of two counted parts must not overlap. */
static int merge_one(struct merge *m, const char *dir, struct part *p,
                     struct sk_strmap *seen, struct sk_error *err) {
  char path[4096];
  cJSON *root = NULL;
  size_t before = m->out->n;
  size_t k;
  int rc;

  p->dir = dir;
  rc = sk_path_join(path, sizeof(path), dir, "summary.json", err);
  if (rc == 0)
    rc = parse_file(path, &root, err);
  if (rc == 0 && read_part(root, p) != 0)
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
  if (rc == 0) {
    rc = check_part(m, p);
    if (rc < 0)
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    else if (rc == 0)
      p->count = -1; /* repeated or of another N: left out */
    else
      rc = add_summary(root, m->out, err);
  }
  cJSON_Delete(root);
  for (k = before; rc == 0 && k < m->out->n; k++) {
    int added = 0;
    struct sk_strmap_slot *slot =
        sk_strmap_put(seen, m->out->rows[k].slug, &added);
    if (slot == NULL)
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    else if (!added)
      rc = sk_error_set(err, SK_EINVAL,
                        "tool \"%s\" is in both %s and %s: shards must not "
                        "overlap",
                        m->out->rows[k].slug, (const char *)slot->value, dir);
    else
      slot->value = (void *)(uintptr_t)dir;
  }
  return rc;
}

/* Totals that each shard counts for the whole input, made right for the
 * merge: a tool skipped by one shard was reviewed by another, and each
 * shard read (and refused) the same malformed records. */
static void fix_totals(struct merge *m, size_t n) {
  struct sk_summary_totals *t = &m->out->totals;
  unsigned long own = 0;
  unsigned long bad = 0;
  unsigned long counted = 0;
  size_t i;
  int k;

  t->input_tools = 0;
  t->input_bad = 0;
  for (i = 0; i < n; i++) {
    const struct part *p = &m->parts[i];
    if (p->count != m->n || m->n == 0)
      continue;
    if (p->input_tools > t->input_tools)
      t->input_tools = p->input_tools;
    if (p->input_bad > t->input_bad)
      t->input_bad = p->input_bad;
    own += p->input_tools > p->skipped ? p->input_tools - p->skipped : 0;
    bad += p->bad;
    counted++;
  }
  if (counted > 0) {
    t->tools_skipped_shard = t->input_tools > own ? t->input_tools - own : 0;
    t->records_bad = bad - (counted - 1) * t->input_bad;
    if (t->records_bad > bad) /* inconsistent files: never wrap */
      t->records_bad = 0;
  }
  t->shard_index = 0;
  t->shard_count = m->n;
  t->input_done = m->problems == 0;
  snprintf(t->inputs_digest, sizeof(t->inputs_digest), "%s",
           m->problems == 0 && m->digest != NULL ? m->digest : "");
  for (k = 0; k < m->n; k++)
    m->out->shards[k] = m->owner[k] != NULL;
}

int sk_summary_merge(const char *const *dirs, size_t n,
                     const struct sk_summary_merge_opts *o,
                     struct sk_summary *out, struct sk_error *err) {
  struct merge m;
  struct sk_strmap seen;
  size_t i;
  int k;
  int rc = 0;

  memset(&m, 0, sizeof(m));
  m.o = o;
  m.out = out;
  m.parts = calloc(n ? n : 1, sizeof(*m.parts));
  if (m.parts == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  sk_strmap_init(&seen);
  for (i = 0; i < n && rc == 0; i++)
    rc = merge_one(&m, dirs[i], &m.parts[i], &seen, err);
  for (k = 0; rc == 0 && k < m.n; k++)
    if (m.owner[k] == NULL)
      problem(&m, "shard %d/%d is missing", k + 1, m.n);
  if (rc == 0 && m.problems > 0 && (o == NULL || !o->allow_partial))
    rc = o != NULL && o->note_cb != NULL
             ? sk_error_set(err, SK_EINVAL,
                            "not a complete set of shards of one input (%zu "
                            "problem%s above); --allow-partial merges them "
                            "anyway",
                            m.problems, m.problems == 1 ? "" : "s")
             : sk_error_set(err, SK_EINVAL,
                            "%s: not a complete set of shards of one input; "
                            "--allow-partial merges them anyway",
                            m.first);
  if (rc == 0 && m.n > 0) {
    out->shards = calloc((size_t)m.n, 1);
    if (out->shards == NULL)
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  if (rc == 0)
    fix_totals(&m, n);
  for (i = 0; i < n; i++)
    free(m.parts[i].has);
  free(m.parts);
  free(m.owner);
  sk_strmap_cleanup(&seen, NULL);
  return rc;
}
