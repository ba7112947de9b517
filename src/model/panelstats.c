/* panelstats.c: aggregating a run's reviews into the panel figures (see
 * panelstats.h): running counts and exact score histograms per persona and
 * model, a bounded tools x personas matrix for the agreement figures, and
 * their JSON form. */
#include "shipskip/model/panelstats.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/util/error.h"
#include "shipskip/util/jsonget.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sk_panelstats_init(struct sk_panelstats *ps) {
  memset(ps, 0, sizeof(*ps));
}

void sk_panelstats_cleanup(struct sk_panelstats *ps) {
  size_t i;
  if (ps == NULL)
    return;
  for (i = 0; i < ps->ngroups; i++) {
    free(ps->groups[i].persona);
    free(ps->groups[i].model);
  }
  free(ps->groups);
  for (i = 0; i < ps->nraters; i++)
    free(ps->raters[i]);
  free(ps->cells);
  free(ps->keys);
  sk_panelstats_init(ps);
}

double sk_panelstats_round(double x) {
  double r;
  if (!isfinite(x))
    return 0;
  r = round(x * 10000.0) / 10000.0;
  return r == 0 ? 0 : r; /* never "-0" */
}

/* The group of persona with model, created on first sight; NULL past
 * SK_PANELSTATS_MAX_GROUPS or out of memory (*oom says which). */
static struct sk_panelstats_group *group_of(struct sk_panelstats *ps,
                                            const char *persona,
                                            const char *model, int *oom) {
  struct sk_panelstats_group *g;
  size_t i;

  for (i = 0; i < ps->ngroups; i++)
    if (strcmp(ps->groups[i].persona, persona) == 0 &&
        strcmp(ps->groups[i].model, model) == 0)
      return &ps->groups[i];
  if (ps->ngroups == SK_PANELSTATS_MAX_GROUPS)
    return NULL;
  /* Grown one at a time: there are a handful of groups. */
  g = realloc(ps->groups, (ps->ngroups + 1) * sizeof(*g));
  if (g == NULL) {
    *oom = 1;
    return NULL;
  }
  ps->groups = g;
  g = &ps->groups[ps->ngroups];
  memset(g, 0, sizeof(*g));
  g->persona = strdup(persona);
  g->model = strdup(model);
  if (g->persona == NULL || g->model == NULL) {
    free(g->persona);
    free(g->model);
    *oom = 1;
    return NULL;
  }
  ps->ngroups++;
  for (i = 0; i + 1 < ps->ngroups; i++)
    if (strcmp(ps->groups[i].model, model) != 0)
      ps->mixed_models = 1;
  return g;
}

/* The matrix column of persona, added on first sight; -1 past the cap. */
static int rater_of(struct sk_panelstats *ps, const char *persona, int *oom) {
  size_t i;
  for (i = 0; i < ps->nraters; i++)
    if (strcmp(ps->raters[i], persona) == 0)
      return (int)i;
  if (ps->nraters == SK_PANELSTATS_MAX_RATERS)
    return -1;
  ps->raters[ps->nraters] = strdup(persona);
  if (ps->raters[ps->nraters] == NULL) {
    *oom = 1;
    return -1;
  }
  return (int)ps->nraters++;
}

/* A new matrix row, all missing; NULL past SK_PANELSTATS_MAX_TOOLS or out
 * of memory (*oom). Sets *row to its index. */
static int matrix_row(struct sk_panelstats *ps, const char *slug, size_t *row,
                      int *oom) {
  unsigned long long hash = 1469598103934665603ULL; /* FNV-1a */
  if (ps->matrix_tools == SK_PANELSTATS_MAX_TOOLS)
    return -1;
  if (ps->matrix_tools == ps->matrix_cap) {
    size_t ncap = ps->matrix_cap ? ps->matrix_cap * 2 : 64;
    unsigned char *c;
    unsigned long long *h;
    if (ncap > SK_PANELSTATS_MAX_TOOLS)
      ncap = SK_PANELSTATS_MAX_TOOLS;
    c = realloc(ps->cells, ncap * SK_PANELSTATS_MAX_RATERS);
    if (c != NULL)
      ps->cells = c;
    h = c != NULL ? realloc(ps->keys, ncap * sizeof(*h)) : NULL;
    if (h == NULL) {
      *oom = 1;
      return -1;
    }
    ps->keys = h;
    ps->matrix_cap = ncap;
  }
  *row = ps->matrix_tools++;
  for (; *slug != '\0'; slug++)
    hash = (hash ^ (unsigned char)*slug) * 1099511628211ULL;
  ps->keys[*row] = hash;
  memset(ps->cells + *row * SK_PANELSTATS_MAX_RATERS, SK_PANELSTATS_NONE,
         SK_PANELSTATS_MAX_RATERS);
  return 0;
}

int sk_panelstats_add(struct sk_panelstats *ps, const char *slug,
                      const struct sk_review *r, size_t n) {
  struct sk_panel_result panel;
  const char *side = NULL;
  size_t row = 0;
  int have_row;
  int oom = 0;
  size_t i;

  ps->tools++;
  sk_scorecard_merge(r, n, &panel);
  if (panel.verdict != NULL && strcmp(panel.verdict, "Split") != 0)
    side = strcmp(panel.verdict, "Ship") == 0 ? "ship" : "skip";
  have_row = matrix_row(ps, slug, &row, &oom) == 0;
  for (i = 0; i < n && !oom; i++) {
    const struct sk_review *rv = &r[i];
    struct sk_panelstats_group *g;
    int ship;
    int col;
    if (rv->status != SK_REVIEW_OK || rv->persona == NULL || rv->score < 0 ||
        rv->score > 100)
      continue;
    ship = strcmp(rv->verdict, "ship") == 0;
    g = group_of(ps, rv->persona->name, rv->model ? rv->model : "", &oom);
    if (g == NULL) {
      ps->groups_dropped += !oom;
    } else {
      g->reviews++;
      g->ships += (unsigned long)ship;
      g->hist[rv->score]++;
      if (side != NULL) {
        g->compared++;
        g->disagree += (unsigned long)(strcmp(rv->verdict, side) != 0);
      }
    }
    col = have_row && !oom ? rater_of(ps, rv->persona->name, &oom) : -1;
    if (col >= 0) {
      ps->cells[row * SK_PANELSTATS_MAX_RATERS + (size_t)col] =
          (unsigned char)(rv->score | (ship ? SK_PANELSTATS_SHIP : 0));
    }
  }
  return oom ? SK_ENOMEM : 0;
}

/* The verdict the editor replaced: the latest "edited" history entry of
 * persona, or NULL. */
static const char *edited_from(const cJSON *history, const char *persona) {
  const cJSON *h;
  const char *found = NULL;
  cJSON_ArrayForEach(h, history) {
    const char *p =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(h, "persona"));
    const char *why =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(h, "reason"));
    const char *v =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(h, "verdict"));
    if (p != NULL && strcmp(p, persona) == 0 && why != NULL &&
        strcmp(why, "edited") == 0 && v != NULL)
      found = v;
  }
  return found;
}

/* The group a review was counted in by sk_panelstats_add(), or NULL. */
static struct sk_panelstats_group *find_group(struct sk_panelstats *ps,
                                              const struct sk_review *rv) {
  const char *model = rv->model ? rv->model : "";
  size_t i;
  for (i = 0; i < ps->ngroups; i++)
    if (strcmp(ps->groups[i].persona, rv->persona->name) == 0 &&
        strcmp(ps->groups[i].model, model) == 0)
      return &ps->groups[i];
  return NULL;
}

void sk_panelstats_add_humans(struct sk_panelstats *ps,
                              const struct sk_review *r, size_t n,
                              long long ship, long long skip,
                              const cJSON *history) {
  const char *crowd = ship > skip ? "ship" : skip > ship ? "skip" : NULL;
  struct sk_panel_result panel;
  int any_edit = 0;
  size_t i;

  sk_scorecard_merge(r, n, &panel);
  if (crowd != NULL && panel.verdict != NULL &&
      strcmp(panel.verdict, "Split") != 0) {
    ps->panel_community_compared++;
    ps->panel_community_agree +=
        (unsigned long)((strcmp(panel.verdict, "Ship") == 0) ==
                        (strcmp(crowd, "ship") == 0));
  }
  for (i = 0; i < n; i++) {
    const struct sk_review *rv = &r[i];
    struct sk_panelstats_group *g;
    const char *before;
    if (rv->status != SK_REVIEW_OK || rv->persona == NULL)
      continue;
    g = find_group(ps, rv);
    if (g == NULL)
      continue;
    if (crowd != NULL) {
      g->community_compared++;
      g->community_agree += (unsigned long)(strcmp(rv->verdict, crowd) == 0);
    }
    if (!rv->edited)
      continue;
    any_edit = 1;
    g->edited++;
    before = edited_from(history, rv->persona->name);
    g->editor_flips +=
        (unsigned long)(before != NULL && strcmp(before, rv->verdict) != 0);
  }
  ps->tools_edited += (unsigned long)any_edit;
}

/* Mean, sample SD, min and max from an exact histogram of whole scores,
 * with sk_stats_describe()'s statuses. */
static void describe_hist(const unsigned long *hist,
                          struct sk_stats_summary *out) {
  double sum = 0;
  double ss = 0;
  size_t n = 0;
  int s;

  memset(out, 0, sizeof(*out));
  for (s = 0; s <= 100; s++) {
    if (hist[s] == 0)
      continue;
    if (n == 0)
      out->min = s;
    out->max = s;
    n += hist[s];
    sum += (double)hist[s] * s;
  }
  out->n = n;
  if (n == 0) {
    out->status = SK_STATS_EMPTY;
    return;
  }
  out->mean = sum / (double)n;
  if (n == 1) {
    out->status = SK_STATS_TOO_FEW;
    return;
  }
  for (s = 0; s <= 100; s++)
    ss += (double)hist[s] * (s - out->mean) * (s - out->mean);
  out->sd = sqrt(ss / (double)(n - 1));
  out->status = SK_STATS_OK;
}

static int cmp_group(const void *a, const void *b) {
  const struct sk_panelstats_group *x = a;
  const struct sk_panelstats_group *y = b;
  int c = strcmp(x->persona, y->persona);
  return c != 0 ? c : strcmp(x->model, y->model);
}

struct keyed {
  unsigned long long key;
  size_t row;
};

static int cmp_keyed(const void *a, const void *b) {
  const struct keyed *x = a;
  const struct keyed *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->row < y->row ? -1 : x->row > y->row;
}

/* Kappa and alpha over the matrix, its rows in slug-hash order. */
static int agreement(struct sk_panelstats *ps) {
  const size_t stride = SK_PANELSTATS_MAX_RATERS;
  size_t nr = ps->nraters;
  size_t nt = ps->matrix_tools;
  unsigned *counts = calloc(nt * 2 + 1, sizeof(*counts));
  double *data = calloc(nt * (nr ? nr : 1) + 1, sizeof(*data));
  struct keyed *order = calloc(nt + 1, sizeof(*order));
  size_t i;
  size_t k;

  if (counts == NULL || data == NULL || order == NULL) {
    free(counts);
    free(data);
    free(order);
    return SK_ENOMEM;
  }
  for (i = 0; i < nt; i++) {
    order[i].key = ps->keys[i];
    order[i].row = i;
  }
  if (nt > 1)
    qsort(order, nt, sizeof(*order), cmp_keyed);
  /* Fleiss' kappa needs the same raters on every tool: only the tools
   * every persona judged. Alpha takes missing values as they are. */
  ps->kappa_tools = 0;
  for (i = 0; i < nt; i++) {
    size_t r = order[i].row;
    unsigned ships = 0;
    unsigned skips = 0;
    for (k = 0; k < nr; k++) {
      unsigned char c = ps->cells[r * stride + k];
      int none = c == SK_PANELSTATS_NONE;
      ships += !none && (c & SK_PANELSTATS_SHIP) != 0;
      skips += !none && (c & SK_PANELSTATS_SHIP) == 0;
      data[i * nr + k] = none ? NAN : (double)(c & ~SK_PANELSTATS_SHIP);
    }
    if (nr > 0 && ships + skips == nr) {
      counts[ps->kappa_tools * 2] = ships;
      counts[ps->kappa_tools * 2 + 1] = skips;
      ps->kappa_tools++;
    }
  }
  sk_stats_fleiss(counts, ps->kappa_tools, 2, &ps->kappa);
  sk_stats_alpha(data, nt, nr, SK_STATS_INTERVAL, &ps->alpha);
  free(counts);
  free(data);
  free(order);
  return 0;
}

int sk_panelstats_finish(struct sk_panelstats *ps) {
  size_t i;

  if (ps->ngroups > 1)
    qsort(ps->groups, ps->ngroups, sizeof(*ps->groups), cmp_group);
  for (i = 0; i < ps->ngroups; i++) {
    struct sk_panelstats_group *g = &ps->groups[i];
    sk_stats_wilson(g->ships, g->reviews, SK_STATS_Z95, &g->ship_rate);
    sk_stats_wilson(g->disagree, g->compared, SK_STATS_Z95, &g->disagreement);
    describe_hist(g->hist, &g->scores);
    sk_stats_wilson(g->community_agree, g->community_compared, SK_STATS_Z95,
                    &g->community);
  }
  sk_stats_wilson(ps->panel_community_agree, ps->panel_community_compared,
                  SK_STATS_Z95, &ps->panel_community);
  return agreement(ps);
}

/* Adds "status" and, unless OK, "explanation" to o. */
static int add_status(cJSON *o, enum sk_stats_status st) {
  if (cJSON_AddStringToObject(o, "status", sk_stats_status_name(st)) == NULL)
    return 0;
  return st == SK_STATS_OK ||
         cJSON_AddStringToObject(o, "explanation", sk_stats_explain(st)) !=
             NULL;
}

/* Adds key = x rounded when ok, else null. */
static int add_num(cJSON *o, const char *key, double x, int ok) {
  return (ok ? cJSON_AddNumberToObject(o, key, sk_panelstats_round(x))
             : cJSON_AddNullToObject(o, key)) != NULL;
}

static cJSON *proportion_json(const struct sk_stats_proportion *p) {
  cJSON *o = cJSON_CreateObject();
  int ok = o != NULL && add_status(o, p->status);
  int has = p->status == SK_STATS_OK;
  ok = ok && cJSON_AddNumberToObject(o, "k", (double)p->k) &&
       cJSON_AddNumberToObject(o, "n", (double)p->n) &&
       add_num(o, "p", p->p, has) && add_num(o, "low", p->low, has) &&
       add_num(o, "high", p->high, has);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *group_json(const struct sk_panelstats_group *g) {
  cJSON *o = cJSON_CreateObject();
  cJSON *sc = NULL;
  cJSON *ed = NULL;
  const struct sk_stats_summary *s = &g->scores;
  int ok = o != NULL;

  ok = ok && cJSON_AddStringToObject(o, "persona", g->persona) &&
       cJSON_AddStringToObject(o, "model", g->model) &&
       cJSON_AddNumberToObject(o, "reviews", (double)g->reviews);
  ok = ok &&
       cJSON_AddItemToObject(o, "ship_rate", proportion_json(&g->ship_rate));
  sc = ok ? cJSON_AddObjectToObject(o, "score") : NULL;
  ok = ok && sc != NULL && add_status(sc, s->status) &&
       cJSON_AddNumberToObject(sc, "n", (double)s->n) &&
       add_num(sc, "mean", s->mean, s->n > 0) &&
       add_num(sc, "sd", s->sd, s->status == SK_STATS_OK) &&
       add_num(sc, "min", s->min, s->n > 0) &&
       add_num(sc, "max", s->max, s->n > 0);
  ok = ok && cJSON_AddItemToObject(o, "disagrees_with_panel",
                                   proportion_json(&g->disagreement));
  ok = ok && cJSON_AddItemToObject(o, "agrees_with_community",
                                   proportion_json(&g->community));
  ed = ok ? cJSON_AddObjectToObject(o, "editor_edits") : NULL;
  ok = ok && ed != NULL &&
       cJSON_AddNumberToObject(ed, "edited", (double)g->edited) &&
       cJSON_AddNumberToObject(ed, "verdict_changed", (double)g->editor_flips);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *agreement_json(const struct sk_panelstats *ps) {
  cJSON *o = cJSON_CreateObject();
  cJSON *v = o ? cJSON_AddObjectToObject(o, "verdicts") : NULL;
  cJSON *s = o ? cJSON_AddObjectToObject(o, "scores") : NULL;
  int kok = ps->kappa.status == SK_STATS_OK;
  int aok = ps->alpha.status == SK_STATS_OK;
  int ok = v != NULL && s != NULL;

  ok = ok && cJSON_AddStringToObject(v, "statistic", "fleiss_kappa") &&
       add_status(v, ps->kappa.status) &&
       cJSON_AddNumberToObject(v, "tools", (double)ps->kappa_tools) &&
       cJSON_AddNumberToObject(v, "raters", (double)ps->nraters) &&
       add_num(v, "kappa", ps->kappa.kappa, kok) &&
       add_num(v, "ci_low", ps->kappa.ci_low, kok) &&
       add_num(v, "ci_high", ps->kappa.ci_high, kok) &&
       add_num(v, "p_value", ps->kappa.p_value, kok);
  ok = ok &&
       cJSON_AddStringToObject(s, "statistic", "krippendorff_alpha_interval") &&
       add_status(s, ps->alpha.status) &&
       cJSON_AddNumberToObject(s, "tools", (double)ps->alpha.units) &&
       cJSON_AddNumberToObject(s, "values", (double)ps->alpha.values) &&
       cJSON_AddNumberToObject(s, "raters", (double)ps->nraters) &&
       add_num(s, "alpha", ps->alpha.alpha, aok);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

cJSON *sk_panelstats_json(const struct sk_panelstats *ps) {
  cJSON *h = NULL;
  cJSON *o = cJSON_CreateObject();
  cJSON *b = o ? cJSON_AddObjectToObject(o, "bounds") : NULL;
  cJSON *arr = NULL;
  size_t i;
  int ok = b != NULL;

  ok = ok && cJSON_AddNumberToObject(o, "tools", (double)ps->tools) &&
       cJSON_AddBoolToObject(o, "mixed_models", ps->mixed_models);
  ok =
      ok &&
      cJSON_AddNumberToObject(b, "matrix_tools", (double)ps->matrix_tools) &&
      cJSON_AddNumberToObject(b, "max_matrix_tools", SK_PANELSTATS_MAX_TOOLS) &&
      cJSON_AddNumberToObject(b, "max_personas", SK_PANELSTATS_MAX_RATERS) &&
      cJSON_AddNumberToObject(b, "reviews_left_out",
                              (double)ps->groups_dropped);
  arr = ok ? cJSON_AddArrayToObject(o, "personas") : NULL;
  ok = ok && arr != NULL;
  for (i = 0; ok && i < ps->ngroups; i++) {
    cJSON *g = group_json(&ps->groups[i]);
    ok = g != NULL && cJSON_AddItemToArray(arr, g);
  }
  ok = ok && cJSON_AddItemToObject(o, "agreement", agreement_json(ps));
  h = ok ? cJSON_AddObjectToObject(o, "humans") : NULL;
  ok = ok && h != NULL &&
       cJSON_AddItemToObject(h, "panel_agrees_with_community",
                             proportion_json(&ps->panel_community)) &&
       cJSON_AddNumberToObject(h, "tools_edited", (double)ps->tools_edited);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}
