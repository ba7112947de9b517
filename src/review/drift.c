/* drift.c: this run against a baseline run's scorecards: flipped verdicts
 * and personas whose ship rate or mean score moved (see drift.h). */
#include "shipskip/review/drift.h"
#include "shipskip/model/card.h"
#include "shipskip/model/panelstats.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One persona, every model together. */
struct agg {
  const char *name;
  unsigned long n;
  unsigned long ships;
  unsigned long hist[101];
};

/* Sums ps's groups by persona name into out (at most cap, in ps's sorted
 * order). Returns how many. */
static size_t aggregate(const struct sk_panelstats *ps, struct agg *out,
                        size_t cap) {
  size_t n = 0;
  size_t i;
  size_t j;
  int s;

  for (i = 0; i < ps->ngroups; i++) {
    const struct sk_panelstats_group *g = &ps->groups[i];
    for (j = 0; j < n && strcmp(out[j].name, g->persona) != 0; j++)
      ;
    if (j == n) {
      if (n == cap)
        continue;
      memset(&out[n], 0, sizeof(out[n]));
      out[n++].name = g->persona;
    }
    out[j].n += g->reviews;
    out[j].ships += g->ships;
    for (s = 0; s <= 100; s++)
      out[j].hist[s] += g->hist[s];
  }
  return n;
}

/* The scores of a histogram as an array (caller frees); NULL when out of
 * memory. */
static double *expand(const struct agg *a) {
  double *v = calloc(a->n + 1, sizeof(*v));
  size_t k = 0;
  unsigned long c;
  int s;
  if (v == NULL)
    return NULL;
  for (s = 0; s <= 100; s++)
    for (c = 0; c < a->hist[s]; c++)
      v[k++] = s;
  return v;
}

static cJSON *test_json(const char *test, enum sk_stats_status st, double base,
                        double now, double p, int moved) {
  cJSON *o = cJSON_CreateObject();
  int ok = o != NULL && cJSON_AddStringToObject(o, "test", test) &&
           cJSON_AddStringToObject(o, "status", sk_stats_status_name(st)) &&
           cJSON_AddNumberToObject(o, "baseline", sk_panelstats_round(base)) &&
           cJSON_AddNumberToObject(o, "now", sk_panelstats_round(now)) &&
           cJSON_AddNumberToObject(o, "p_value", sk_panelstats_round(p)) &&
           cJSON_AddBoolToObject(o, "moved", moved);
  if (ok && st != SK_STATS_OK)
    ok =
        cJSON_AddStringToObject(o, "explanation", sk_stats_explain(st)) != NULL;
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* Tests one persona present in both runs; adds its entry to arr and the
 * names of what moved to moved_text. Returns 0 or SK_ENOMEM. */
static int test_persona(const struct agg *b, const struct agg *a, cJSON *arr,
                        struct sk_drift *out, struct sk_buf *moved_text) {
  struct sk_stats_ptest pt;
  struct sk_stats_ttest tt;
  double *vb = expand(b);
  double *va = expand(a);
  cJSON *o = cJSON_CreateObject();
  int pmoved;
  int tmoved;
  int ok = vb != NULL && va != NULL && o != NULL;

  sk_stats_two_proportions(b->ships, b->n, a->ships, a->n, &pt);
  if (ok)
    sk_stats_welch(vb, b->n, va, a->n, &tt);
  else
    memset(&tt, 0, sizeof(tt));
  pmoved = pt.status == SK_STATS_OK && pt.p_value < SK_DRIFT_ALPHA;
  /* Welch's NO_VARIANCE with different means is a certain change (p 0). */
  tmoved = (tt.status == SK_STATS_OK || tt.status == SK_STATS_NO_VARIANCE) &&
           tt.p_value < SK_DRIFT_ALPHA;
  ok = ok && cJSON_AddStringToObject(o, "persona", a->name) &&
       cJSON_AddItemToObject(
           o, "ship_rate",
           test_json(pt.method == SK_STATS_FISHER ? "fisher_exact"
                                                  : "two_proportion_z",
                     pt.status, pt.p1, pt.p2, pt.p_value, pmoved)) &&
       cJSON_AddItemToObject(o, "mean_score",
                             test_json("welch_t", tt.status, tt.mean1, tt.mean2,
                                       tt.p_value, tmoved)) &&
       cJSON_AddItemToArray(arr, o);
  if (!ok)
    cJSON_Delete(o);
  if (ok && pmoved)
    sk_buf_printf(moved_text, "%s%s ship rate %.0f%% -> %.0f%% (%s, p=%.4f)",
                  out->moved ? "; " : "", a->name, 100 * pt.p1, 100 * pt.p2,
                  pt.method == SK_STATS_FISHER ? "Fisher" : "z-test",
                  pt.p_value);
  out->moved += (unsigned long)pmoved;
  if (ok && tmoved)
    sk_buf_printf(moved_text, "%s%s mean score %.1f -> %.1f (Welch, p=%.4f)",
                  out->moved ? "; " : "", a->name, tt.mean1, tt.mean2,
                  tt.p_value);
  out->moved += (unsigned long)tmoved;
  free(vb);
  free(va);
  return ok ? 0 : SK_ENOMEM;
}

/* Reads the baseline: its cards' verdicts in *set and figures in *ps. */
static int load_baseline(const char *dir, struct sk_card_set *set,
                         struct sk_panelstats *ps, size_t *nbad,
                         struct sk_error *err) {
  size_t i;
  int rc = sk_card_set_load(dir, SK_CARD_SUMMARY, set, nbad, NULL, NULL, err);

  for (i = 0; rc == 0 && i < set->n; i++) {
    struct sk_scorecard *full = NULL;
    struct sk_error e1;
    sk_error_clear(&e1);
    if (sk_scorecard_load(set->cards[i]->path, &full, NULL, &e1) != 0) {
      (*nbad)++; /* vanished or changed since listed */
      continue;
    }
    if (sk_panelstats_add(ps, full->tool->slug, full->reviews,
                          full->nreviews) != 0)
      rc = sk_error_set(err, SK_ENOMEM, "drift: out of memory");
    sk_scorecard_free(full);
  }
  if (rc == 0 && sk_panelstats_finish(ps) != 0)
    rc = sk_error_set(err, SK_ENOMEM, "drift: out of memory");
  return rc;
}

struct flips {
  const struct sk_card_set *set;
  cJSON *arr;
  struct sk_drift *out;
  struct sk_buf *names;
  unsigned long *compared;
};

/* One row of this run against the baseline (sk_summary_each). */
static int flip_cb(void *ctx, const struct sk_summary_row *r) {
  struct flips *f = ctx;
  const struct sk_scorecard *c = sk_card_set_find(f->set, r->slug);
  cJSON *o;
  if (c == NULL)
    return 0;
  (*f->compared)++;
  if (c->panel.verdict == NULL || r->verdict == NULL ||
      strcmp(c->panel.verdict, r->verdict) == 0)
    return 0;
  o = cJSON_CreateObject();
  if (o == NULL || !cJSON_AddStringToObject(o, "slug", r->slug) ||
      !cJSON_AddStringToObject(o, "baseline", c->panel.verdict) ||
      !cJSON_AddStringToObject(o, "now", r->verdict) ||
      !cJSON_AddItemToArray(f->arr, o)) {
    cJSON_Delete(o);
    return SK_ENOMEM;
  }
  if (f->out->flipped < 10)
    sk_buf_printf(f->names, "%s%s", f->out->flipped ? ", " : "", r->slug);
  else if (f->out->flipped == 10)
    sk_buf_adds(f->names, ", ...");
  f->out->flipped++;
  return 0;
}

/* The flipped tools, in slug order whatever order tools finished in (the
 * summary's rows may be spilled to a file: summary.h): arr gets {"slug",
 * "baseline", "now"}, names the first few. Returns 0, or an error set in
 * err. */
static int flips(struct sk_summary *now, const struct sk_card_set *set,
                 cJSON *arr, struct sk_drift *out, struct sk_buf *names,
                 unsigned long *compared, struct sk_error *err) {
  struct flips f;
  int rc;
  f.set = set;
  f.arr = arr;
  f.out = out;
  f.names = names;
  f.compared = compared;
  rc = sk_summary_each(now, flip_cb, &f, err);
  if (rc == SK_ENOMEM)
    sk_error_set(err, SK_ENOMEM, "drift: out of memory");
  return rc;
}

int sk_drift_compare(struct sk_summary *now, const char *basedir,
                     struct sk_drift *out, struct sk_error *err) {
  struct agg base[SK_PANELSTATS_MAX_RATERS];
  struct agg cur[SK_PANELSTATS_MAX_RATERS];
  struct sk_card_set set = {0};
  struct sk_panelstats ps;
  struct sk_buf names;
  struct sk_buf moved;
  cJSON *fl;
  cJSON *pa;
  unsigned long compared = 0;
  size_t nbad = 0;
  size_t nb;
  size_t na;
  size_t i;
  size_t j;
  int rc;

  memset(out, 0, sizeof(*out));
  sk_panelstats_init(&ps);
  sk_buf_init(&names, 4096);
  sk_buf_init(&moved, 4096);
  rc = load_baseline(basedir, &set, &ps, &nbad, err);
  if (rc == 0 && sk_panelstats_finish(&now->panel) != 0)
    rc = sk_error_set(err, SK_ENOMEM, "drift: out of memory");
  if (rc != 0)
    goto out;
  out->json = cJSON_CreateObject();
  if (out->json != NULL &&
      (!cJSON_AddStringToObject(out->json, "baseline", basedir) ||
       !cJSON_AddNumberToObject(out->json, "alpha", SK_DRIFT_ALPHA)))
    rc = SK_ENOMEM;
  fl = out->json && rc == 0 ? cJSON_AddArrayToObject(out->json, "flipped")
                            : NULL;
  pa = out->json ? cJSON_AddArrayToObject(out->json, "personas") : NULL;
  if (fl == NULL || pa == NULL)
    rc = SK_ENOMEM;
  else
    rc = flips(now, &set, fl, out, &names, &compared, err);
  if (rc != 0 && rc != SK_ENOMEM)
    goto out; /* the summary's spilled rows cannot be read: err says so */
  nb = aggregate(&ps, base, SK_PANELSTATS_MAX_RATERS);
  na = aggregate(&now->panel, cur, SK_PANELSTATS_MAX_RATERS);
  for (i = 0; rc == 0 && i < na; i++)
    for (j = 0; j < nb; j++)
      if (strcmp(cur[i].name, base[j].name) == 0)
        rc = test_persona(&base[j], &cur[i], pa, out, &moved);
  if (rc == 0 &&
      (!cJSON_AddNumberToObject(out->json, "tools_compared",
                                (double)compared) ||
       !cJSON_AddNumberToObject(out->json, "baseline_bad", (double)nbad)))
    rc = SK_ENOMEM;
  if (rc != 0) {
    rc = sk_error_set(err, SK_ENOMEM, "drift: out of memory");
    goto out;
  }
  if (out->flipped + out->moved == 0)
    snprintf(out->line, sizeof(out->line),
             "no drift against %s (%lu tools compared)", basedir, compared);
  else
    snprintf(out->line, sizeof(out->line),
             "drift against %s: %lu of %lu tools flipped verdict%s%s%s; %lu "
             "persona figure%s moved (p < %.2f)%s%s",
             basedir, out->flipped, compared, out->flipped ? " (" : "",
             sk_buf_str(&names), out->flipped ? ")" : "", out->moved,
             out->moved == 1 ? "" : "s", SK_DRIFT_ALPHA, out->moved ? ": " : "",
             sk_buf_str(&moved));
out:
  if (rc != 0)
    sk_drift_cleanup(out);
  sk_buf_cleanup(&names);
  sk_buf_cleanup(&moved);
  sk_panelstats_cleanup(&ps);
  sk_card_set_cleanup(&set);
  return rc;
}

void sk_drift_cleanup(struct sk_drift *out) {
  if (out == NULL)
    return;
  cJSON_Delete(out->json);
  out->json = NULL;
}
