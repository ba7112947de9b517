/* prior.c: reading a tool's existing scorecard back (see prior.h). */
#include "shipskip/model/prior.h"
#include "shipskip/util/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCORECARD_CAP (64 * 1024 * 1024)

void sk_prior_cleanup(struct sk_prior *p) {
  size_t i;
  if (p == NULL)
    return;
  for (i = 0; p->reviews != NULL && i < p->n; i++)
    sk_review_cleanup(&p->reviews[i]);
  free(p->reviews);
  cJSON_Delete(p->history);
  memset(p, 0, sizeof(*p));
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A count from the file, or 0: out-of-range values never reach a cast. */
static long num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15
             ? (long)v->valuedouble
             : 0;
}

static char *dup_or_null(const char *s) {
  return s != NULL ? strdup(s) : NULL;
}

/* Fills r from one scorecard review object. Returns 0 or SK_EPARSE. */
static int read_review(const cJSON *o, const struct sk_persona *persona,
                       struct sk_review *r) {
  const char *status = str(o, "status");
  const cJSON *usage = cJSON_GetObjectItemCaseSensitive(o, "usage");
  const cJSON *cost = cJSON_GetObjectItemCaseSensitive(usage, "cost_usd");
  const cJSON *errs = cJSON_GetObjectItemCaseSensitive(o, "errors");
  const cJSON *item;
  const char *in = str(o, "inputs");

  memset(r, 0, sizeof(*r));
  r->persona = persona;
  if (status != NULL && strcmp(status, "ok") == 0) {
    const char *verdict = str(o, "verdict");
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(o, "score");
    if (verdict == NULL || str(o, "review") == NULL || !cJSON_IsNumber(score) ||
        score->valuedouble < 0 || score->valuedouble > 100 ||
        (strcmp(verdict, "ship") != 0 && strcmp(verdict, "skip") != 0))
      return SK_EPARSE;
    r->status = SK_REVIEW_OK;
    r->score = (int)score->valuedouble;
    memcpy(r->verdict, verdict, 5);
    r->text = strdup(str(o, "review"));
  } else if (status != NULL && strcmp(status, "failed") == 0) {
    r->status = SK_REVIEW_FAILED;
  } else {
    return SK_EPARSE;
  }
  r->provider = dup_or_null(str(o, "provider"));
  r->model = dup_or_null(str(o, "model"));
  r->attempts = (int)num(o, "attempts");
  r->retries = (int)num(o, "retries");
  r->prompt_tokens = num(usage, "prompt_tokens");
  r->completion_tokens = num(usage, "completion_tokens");
  r->cost_usd =
      cJSON_IsNumber(cost) && cost->valuedouble >= 0 ? cost->valuedouble : -1;
  r->edited = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "edited"));
  if (in != NULL && strlen(in) == 64)
    memcpy(r->inputs, in, 65);
  cJSON_ArrayForEach(item, errs) {
    if (cJSON_IsString(item) && sk_review_add_error(r, item->valuestring))
      return SK_ENOMEM;
  }
  if ((r->status == SK_REVIEW_OK && r->text == NULL))
    return SK_ENOMEM;
  return 0;
}

int sk_prior_load(const char *outdir, const char *slug,
                  const struct sk_panel_def *panel, struct sk_prior *p,
                  struct sk_error *err) {
  char path[4096];
  char *text = NULL;
  size_t len;
  cJSON *root = NULL;
  const cJSON *reviews;
  const cJSON *o;
  int rc;

  memset(p, 0, sizeof(*p));
  snprintf(path, sizeof(path), "%s/%s.json", outdir, slug);
  {
    struct sk_error local;
    sk_error_clear(&local);
    rc = sk_fs_read_file(path, SCORECARD_CAP, &text, &len, &local);
    if (rc == SK_ENOENT)
      return SK_ENOENT;
    if (rc != 0)
      return sk_error_set(err, rc, "%s", local.msg);
  }
  p->n = panel->n;
  p->reviews = calloc(panel->n ? panel->n : 1, sizeof(*p->reviews));
  if (p->reviews == NULL) {
    free(text);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  root = cJSON_ParseWithLengthOpts(text, len, NULL, 0);
  free(text);
  reviews = cJSON_GetObjectItemCaseSensitive(root, "reviews");
  if (root == NULL || !cJSON_IsArray(reviews)) {
    rc = sk_error_set(err, SK_EPARSE, "%s: not a shipskip scorecard", path);
    goto out;
  }
  cJSON_ArrayForEach(o, reviews) {
    const char *name = str(o, "persona");
    size_t i;
    for (i = 0; name != NULL && i < panel->n; i++) {
      if (strcmp(panel->personas[i].name, name) != 0)
        continue;
      sk_review_cleanup(&p->reviews[i]);
      rc = read_review(o, &panel->personas[i], &p->reviews[i]);
      if (rc != 0) {
        rc =
            sk_error_set(err, rc, "%s: review of %s is unreadable", path, name);
        goto out;
      }
    }
  }
  o = cJSON_GetObjectItemCaseSensitive(root, "history");
  p->history = cJSON_IsArray(o) ? cJSON_Duplicate(o, 1) : cJSON_CreateArray();
  if (p->history == NULL)
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
out:
  cJSON_Delete(root);
  return rc;
}

int sk_prior_up_to_date(const struct sk_prior *p, char (*inputs)[65]) {
  size_t i;
  for (i = 0; i < p->n; i++)
    if (p->reviews[i].status != SK_REVIEW_OK ||
        strcmp(p->reviews[i].inputs, inputs[i]) != 0)
      return 0;
  return p->n > 0;
}

int sk_prior_add_history(cJSON *history, const struct sk_review *r,
                         const char *when, const char *reason) {
  cJSON *o = cJSON_CreateObject();
  int ok = o != NULL;
  int accepted = r->status == SK_REVIEW_OK;
  ok = ok && cJSON_AddStringToObject(o, "persona", r->persona->name);
  ok = ok && (accepted ? cJSON_AddNumberToObject(o, "score", r->score)
                       : cJSON_AddNullToObject(o, "score"));
  ok = ok && (accepted ? cJSON_AddStringToObject(o, "verdict", r->verdict)
                       : cJSON_AddNullToObject(o, "verdict"));
  ok = ok && (accepted ? cJSON_AddStringToObject(o, "review", r->text)
                       : cJSON_AddNullToObject(o, "review"));
  ok = ok && (r->model != NULL ? cJSON_AddStringToObject(o, "model", r->model)
                               : cJSON_AddNullToObject(o, "model"));
  ok = ok && cJSON_AddStringToObject(o, "replaced_at", when);
  ok = ok && cJSON_AddStringToObject(o, "reason", reason);
  if (!ok) {
    cJSON_Delete(o);
    return SK_ENOMEM;
  }
  cJSON_AddItemToArray(history, o);
  return 0;
}
