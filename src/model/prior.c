/* prior.c: the scorecard a tool already has, as resume and --redo see it
 * (see prior.h). A policy module: the file is read by the scorecard codec
 * (sk_scorecard_load()) with the checks every reader shares; this module
 * only pairs its reviews with the panel and decides what may be kept. */
#include "shipskip/model/prior.h"
#include "shipskip/util/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Moves the scorecard's reviews into p->reviews, aligned with the panel
 * (a persona the panel lacks is left behind; the last of a name wins, as
 * before), and its history into p->history. */
static void take_reviews(struct sk_scorecard *sc,
                         const struct sk_panel_def *panel, struct sk_prior *p) {
  size_t i;
  size_t k;
  for (k = 0; k < sc->nreviews; k++) {
    for (i = 0; i < panel->n; i++) {
      if (strcmp(panel->personas[i].name, sc->personas[k].name) != 0)
        continue;
      sk_review_cleanup(&p->reviews[i]);
      p->reviews[i] = sc->reviews[k];
      p->reviews[i].persona = &panel->personas[i];
      memset(&sc->reviews[k], 0, sizeof(sc->reviews[k]));
      break;
    }
  }
  p->history = sc->history;
  sc->history = NULL;
}

int sk_prior_load(const char *outdir, const char *slug,
                  const struct sk_panel_def *panel, struct sk_prior *p,
                  struct sk_error *err) {
  char name[SK_TOOL_MAX_SLUG + 8];
  char path[4096];
  struct sk_scorecard *sc = NULL;
  int rc;

  memset(p, 0, sizeof(*p));
  snprintf(name, sizeof(name), "%s.json", slug);
  rc = sk_path_join(path, sizeof(path), outdir, name, err);
  if (rc != 0)
    return rc;
  {
    /* No scorecard yet is the usual case, not an error to report. */
    struct sk_error local;
    sk_error_clear(&local);
    rc = sk_scorecard_load(path, &sc, NULL, &local);
    if (rc == SK_ENOENT)
      return SK_ENOENT;
    if (rc != 0)
      return sk_error_set(err, rc, "%s", local.msg);
  }
  p->n = panel->n;
  p->reviews = calloc(panel->n ? panel->n : 1, sizeof(*p->reviews));
  if (p->reviews == NULL) {
    sk_scorecard_free(sc);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  take_reviews(sc, panel, p);
  sk_scorecard_free(sc);
  if (p->history == NULL)
    p->history = cJSON_CreateArray();
  if (p->history == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  return 0;
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
