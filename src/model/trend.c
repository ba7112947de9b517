/* trend.c: the panel figures of earlier runs (see trend.h). Each summary is
 * parsed whole with cJSON and only its "panel" object is read: nightly
 * summaries are a few MB, and a site is built once a night. */
#include "shipskip/model/trend.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The subfolder names of root that hold a summary.json, sorted. */
static int list_runs(const char *root, char ***out, size_t *n,
                     struct sk_error *err) {
  DIR *d = opendir(root);
  struct dirent *e;
  char **v = NULL;
  size_t cap = 0;
  int rc = 0;

  *n = 0;
  if (d == NULL)
    return sk_error_set(err, SK_ENOENT, "%s: cannot read: %s", root,
                        strerror(errno));
  while (rc == 0 && (e = readdir(d)) != NULL) {
    char *dir;
    char *sum;
    int keep;
    if (e->d_name[0] == '.')
      continue;
    dir = sk_path_join_dup(root, e->d_name);
    sum = dir != NULL ? sk_path_join_dup(dir, "summary.json") : NULL;
    keep = dir != NULL && sk_fs_is_dir(dir) && sum != NULL &&
           access(sum, R_OK) == 0;
    free(dir);
    free(sum);
    if (!keep)
      continue;
    if (*n == cap) {
      char **nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*nv));
      if (nv == NULL) {
        rc = SK_ENOMEM;
        break;
      }
      v = nv;
    }
    v[*n] = strdup(e->d_name);
    if (v[*n] == NULL)
      rc = SK_ENOMEM;
    else
      (*n)++;
  }
  closedir(d);
  if (*n > 1)
    qsort(v, *n, sizeof(*v), by_name);
  *out = v;
  return rc != 0 ? sk_error_set(err, rc, "%s: out of memory", root) : 0;
}

/* The slot of persona name, added if new. Returns 0 with *slot set,
 * 0 with *slot SIZE_MAX when the personas are full (the chart shows the
 * first ones), or SK_ENOMEM. */
static int persona_slot(struct sk_trend *t, const char *name, size_t *slot) {
  size_t i;
  for (i = 0; i < t->npersonas; i++) {
    if (strcmp(t->personas[i], name) == 0) {
      *slot = i;
      return 0;
    }
  }
  *slot = SIZE_MAX;
  if (t->npersonas == SK_TREND_MAX_PERSONAS)
    return 0;
  t->personas[t->npersonas] = strdup(name);
  if (t->personas[t->npersonas] == NULL)
    return SK_ENOMEM;
  for (i = 0; i < SK_TREND_MAX_NIGHTS; i++)
    t->ship_rate[t->npersonas][i] = NAN;
  *slot = t->npersonas++;
  return 0;
}

/* A statistic of "agreement": its value when its status is "ok". */
static double agreement_value(const cJSON *agree, const char *which,
                              const char *key) {
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(agree, which);
  const char *st =
      sk_json_strval(cJSON_GetObjectItemCaseSensitive(o, "status"));
  double v;
  if (st == NULL || strcmp(st, "ok") != 0 ||
      !sk_json_num(cJSON_GetObjectItemCaseSensitive(o, key), -1, 1, &v))
    return NAN;
  return v;
}

/* Reads night's figures from one "panel" object. Returns 0, SK_EPARSE
 * when its shape is not the one panelstats writes (or its counts add up
 * past what a double holds exactly), or SK_ENOMEM. */
static int read_panel(struct sk_trend *t, size_t night, const cJSON *panel) {
  const cJSON *personas = cJSON_GetObjectItemCaseSensitive(panel, "personas");
  const cJSON *agree = cJSON_GetObjectItemCaseSensitive(panel, "agreement");
  long long k[SK_TREND_MAX_PERSONAS] = {0};
  long long n[SK_TREND_MAX_PERSONAS] = {0};
  const cJSON *g;
  size_t i;

  if (!cJSON_IsArray(personas))
    return SK_EPARSE;
  cJSON_ArrayForEach(g, personas) {
    const char *name =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(g, "persona"));
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(g, "ship_rate");
    long long gk;
    long long gn;
    size_t slot;
    if (name == NULL || name[0] == '\0' ||
        !sk_json_int(cJSON_GetObjectItemCaseSensitive(rate, "k"), 0,
                     SK_JSON_INT_MAX, &gk) ||
        !sk_json_int(cJSON_GetObjectItemCaseSensitive(rate, "n"), gk,
                     SK_JSON_INT_MAX, &gn))
      return SK_EPARSE;
    if (persona_slot(t, name, &slot) != 0)
      return SK_ENOMEM;
    if (slot == SIZE_MAX)
      continue; /* past the cap: the chart shows the first personas */
    /* A persona's entries (one per model) are summed: a file with many
     * huge counts must not overflow the sum. */
    if (n[slot] > SK_JSON_INT_MAX - gn)
      return SK_EPARSE;
    k[slot] += gk;
    n[slot] += gn;
  }
  for (i = 0; i < t->npersonas; i++)
    if (n[i] > 0)
      t->ship_rate[i][night] = 100.0 * (double)k[i] / (double)n[i];
  t->kappa[night] = agreement_value(agree, "verdicts", "kappa");
  t->alpha[night] = agreement_value(agree, "scores", "alpha");
  return 0;
}

int sk_trend_add_night(struct sk_trend *t, const char *label, const char *text,
                       size_t len) {
  cJSON *root;
  size_t known = t->npersonas;
  int rc = SK_EPARSE;

  if (t->nights == SK_TREND_MAX_NIGHTS)
    return SK_EINVAL;
  root = sk_json_parse(text, len, NULL);
  if (root != NULL)
    rc = read_panel(t, t->nights,
                    cJSON_GetObjectItemCaseSensitive(root, "panel"));
  cJSON_Delete(root);
  if (rc == 0) {
    t->labels[t->nights] = strdup(label);
    rc = t->labels[t->nights] == NULL ? SK_ENOMEM : 0;
  }
  if (rc != 0) {
    size_t p;
    /* A broken panel may have filled part of the column: clear it, so the
     * next night read into the same column starts clean. */
    for (p = 0; p < t->npersonas; p++)
      t->ship_rate[p][t->nights] = NAN;
    /* ...and forget personas only it named. */
    while (t->npersonas > known) {
      t->npersonas--;
      free(t->personas[t->npersonas]);
      t->personas[t->npersonas] = NULL;
    }
    return rc;
  }
  t->nights++;
  return 0;
}

/* Reads root/name/summary.json as the next night; *used says whether it
 * had a usable panel. Returns 0 or SK_ENOMEM. */
static int read_night(struct sk_trend *t, const char *root, const char *name,
                      int *used, struct sk_error *err) {
  char *dir = sk_path_join_dup(root, name);
  char *path = dir != NULL ? sk_path_join_dup(dir, "summary.json") : NULL;
  char *text = NULL;
  size_t len = 0;
  struct sk_error local;
  int rc = 0;

  *used = 0;
  sk_error_clear(&local);
  if (path == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", root);
  } else if (sk_fs_read_file(path, SK_TREND_FILE_CAP, &text, &len, &local) ==
             0) {
    /* Unreadable or too big is skipped and counted, like a broken one. */
    rc = sk_trend_add_night(t, name, text, len);
    *used = rc == 0;
    if (rc == SK_ENOMEM)
      sk_error_set(err, rc, "%s: out of memory", path);
    else
      rc = 0;
  }
  free(text);
  free(path);
  free(dir);
  return rc;
}

static void swap_d(double *a, double *b) {
  double x = *a;
  *a = *b;
  *b = x;
}

/* Nights were read newest first: turn every per-night array around. */
static void oldest_first(struct sk_trend *t) {
  size_t i;
  for (i = 0; i < t->nights / 2; i++) {
    size_t j = t->nights - 1 - i;
    size_t p;
    char *l = t->labels[i];
    t->labels[i] = t->labels[j];
    t->labels[j] = l;
    swap_d(&t->kappa[i], &t->kappa[j]);
    swap_d(&t->alpha[i], &t->alpha[j]);
    for (p = 0; p < t->npersonas; p++)
      swap_d(&t->ship_rate[p][i], &t->ship_rate[p][j]);
  }
}

int sk_trend_load(const char *root, size_t max_nights, struct sk_trend *t,
                  struct sk_error *err) {
  char **runs = NULL;
  size_t nruns = 0;
  size_t i;
  int rc;

  memset(t, 0, sizeof(*t));
  if (max_nights < 1 || max_nights > SK_TREND_MAX_NIGHTS)
    return sk_error_set(err, SK_EINVAL, "nights must be 1 to %d",
                        SK_TREND_MAX_NIGHTS);
  rc = list_runs(root, &runs, &nruns, err);
  /* The newest runs that hold a panel: walk back from the end until
   * max_nights are found. */
  for (i = nruns; rc == 0 && i > 0 && t->nights < max_nights; i--) {
    int used = 0;
    rc = read_night(t, root, runs[i - 1], &used, err);
    if (rc == 0 && !used)
      t->skipped++;
  }
  oldest_first(t);
  for (i = 0; i < nruns; i++)
    free(runs[i]);
  free(runs);
  return rc;
}

void sk_trend_cleanup(struct sk_trend *t) {
  size_t i;
  if (t == NULL)
    return;
  for (i = 0; i < SK_TREND_MAX_NIGHTS; i++)
    free(t->labels[i]);
  for (i = 0; i < SK_TREND_MAX_PERSONAS; i++)
    free(t->personas[i]);
  memset(t, 0, sizeof(*t));
}
