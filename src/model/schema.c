/* schema.c: the reply schema of a persona (see schema.h): score, verdict,
 * review and one evidence string per rubric element, in the strict JSON
 * Schema form every provider can translate from. */
#include "shipskip/model/schema.h"

#include "shipskip/util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds {"type": type, "description": desc} as key of props; returns the new
 * object or NULL. */
static cJSON *add_prop(cJSON *props, const char *key, const char *type,
                       const char *desc) {
  cJSON *o = cJSON_AddObjectToObject(props, key);
  if (o == NULL || cJSON_AddStringToObject(o, "type", type) == NULL ||
      (desc != NULL && cJSON_AddStringToObject(o, "description", desc) == NULL))
    return NULL;
  return o;
}

/* Appends key to the array req; returns 0 or SK_ENOMEM. */
static int add_required(cJSON *req, const char *key) {
  cJSON *s = cJSON_CreateString(key);
  if (s == NULL)
    return SK_ENOMEM;
  cJSON_AddItemToArray(req, s);
  return 0;
}

/* Adds the "evidence" object: one required string per rubric element of p,
 * described with the element's ask. Returns 0 or SK_ENOMEM. */
static int add_evidence(cJSON *props, const struct sk_persona *p) {
  cJSON *ev = add_prop(props, "evidence", "object",
                       "for each rubric element, the exact words of your "
                       "review that cover it");
  cJSON *eprops;
  cJSON *ereq;
  size_t j;

  if (ev == NULL)
    return SK_ENOMEM;
  eprops = cJSON_AddObjectToObject(ev, "properties");
  ereq = cJSON_AddArrayToObject(ev, "required");
  if (eprops == NULL || ereq == NULL ||
      cJSON_AddFalseToObject(ev, "additionalProperties") == NULL)
    return SK_ENOMEM;
  for (j = 0; j < p->nrubric; j++) {
    const char *ask =
        p->rubric[j].ask != NULL ? p->rubric[j].ask : p->rubric[j].name;
    size_t len = strlen(ask) + 64;
    char *desc = malloc(len);
    cJSON *o;
    if (desc == NULL)
      return SK_ENOMEM;
    snprintf(desc, len, "the exact words of your review that cover %s", ask);
    o = add_prop(eprops, p->rubric[j].name, "string", desc);
    free(desc);
    if (o == NULL || add_required(ereq, p->rubric[j].name) != 0)
      return SK_ENOMEM;
  }
  return 0;
}

/* Fills root (an object) with the schema of p. Returns 0 or SK_ENOMEM. */
static int fill(cJSON *root, const struct sk_persona *p) {
  cJSON *props;
  cJSON *req;
  cJSON *score;
  cJSON *verdict;
  cJSON *en;

  if (cJSON_AddStringToObject(root, "type", "object") == NULL)
    return SK_ENOMEM;
  props = cJSON_AddObjectToObject(root, "properties");
  if (props == NULL)
    return SK_ENOMEM;
  score = add_prop(props, "score", "integer",
                   "your score out of 100, a whole number from 0 to 100");
  if (score == NULL || cJSON_AddNumberToObject(score, "minimum", 0) == NULL ||
      cJSON_AddNumberToObject(score, "maximum", 100) == NULL)
    return SK_ENOMEM;
  verdict = add_prop(props, "verdict", "string", "ship or skip");
  en = verdict != NULL ? cJSON_AddArrayToObject(verdict, "enum") : NULL;
  if (en == NULL || add_required(en, "ship") != 0 ||
      add_required(en, "skip") != 0)
    return SK_ENOMEM;
  if (add_prop(props, "review", "string",
               "your review: one paragraph of plain prose") == NULL)
    return SK_ENOMEM;
  if (p->nrubric > 0 && add_evidence(props, p) != 0)
    return SK_ENOMEM;
  req = cJSON_AddArrayToObject(root, "required");
  if (req == NULL || add_required(req, "score") != 0 ||
      add_required(req, "verdict") != 0 || add_required(req, "review") != 0 ||
      (p->nrubric > 0 && add_required(req, "evidence") != 0))
    return SK_ENOMEM;
  if (cJSON_AddFalseToObject(root, "additionalProperties") == NULL)
    return SK_ENOMEM;
  return 0;
}

int sk_schema_build(const struct sk_persona *p, cJSON **out) {
  cJSON *root = cJSON_CreateObject();
  *out = NULL;
  if (root == NULL || fill(root, p) != 0) {
    cJSON_Delete(root);
    return SK_ENOMEM;
  }
  *out = root;
  return 0;
}
