/* scorefile.c: a scorecard file opened for editing: read by the scorecard
 * codec, which hands over its JSON tree too, and changed review by review
 * in both (see scorefile.h). Nothing here checks a field: the codec has. */
#include "shipskip/model/scorefile.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/model/prior.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const cJSON *o, const char *k) {
  return sk_json_strval(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Copies s (NULL stays NULL) into *dst; returns 0 or SK_ENOMEM. */
static int dup_into(char **dst, const char *s) {
  *dst = NULL;
  if (s == NULL)
    return 0;
  *dst = strdup(s);
  return *dst == NULL ? SK_ENOMEM : 0;
}

int sk_scorefile_parse(const char *text, size_t len, const char *path,
                       struct sk_scorefile *sf, struct sk_error *err) {
  memset(sf, 0, sizeof(*sf));
  return sk_scorecard_parse(text, len, path, &sf->sc, &sf->root, err);
}

int sk_scorefile_load(const char *path, struct sk_scorefile *sf,
                      struct sk_error *err) {
  memset(sf, 0, sizeof(*sf));
  return sk_scorecard_load(path, &sf->sc, &sf->root, err);
}

void sk_scorefile_cleanup(struct sk_scorefile *sf) {
  if (sf == NULL)
    return;
  sk_scorecard_free(sf->sc);
  cJSON_Delete(sf->root);
  memset(sf, 0, sizeof(*sf));
}

long sk_scorefile_find(const struct sk_scorefile *sf, const char *persona) {
  size_t i;
  for (i = 0; i < sf->sc->nreviews; i++)
    if (sf->sc->personas[i].name != NULL &&
        strcmp(sf->sc->personas[i].name, persona) == 0)
      return (long)i;
  return -1;
}

void sk_scorefile_panel(const struct sk_scorefile *sf,
                        struct sk_panel_result *out) {
  sk_scorecard_merge(sf->sc->reviews, sf->sc->nreviews, out);
}

/* Sets obj[key] to item, keeping the key's place; a new key goes after the
 * key `after` when there is one (else at the end). Takes item. */
static int set_key(cJSON *obj, const char *key, cJSON *item,
                   const char *after) {
  cJSON *holder;
  cJSON *named;
  cJSON *c;
  int idx = 0;
  int at = -1;

  if (item == NULL)
    return SK_ENOMEM;
  if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL) {
    if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item)) {
      cJSON_Delete(item);
      return SK_ENOMEM;
    }
    return 0;
  }
  /* cJSON names an item only when it is added to an object; add it to a
   * holder, then move it to its place. */
  holder = cJSON_CreateObject();
  if (holder == NULL) {
    cJSON_Delete(item);
    return SK_ENOMEM;
  }
  cJSON_AddItemToObject(holder, key, item);
  named = cJSON_DetachItemFromObjectCaseSensitive(holder, key);
  cJSON_Delete(holder);
  if (named == NULL || named->string == NULL) {
    cJSON_Delete(named);
    return SK_ENOMEM;
  }
  for (c = obj->child; c != NULL; c = c->next, idx++)
    if (after != NULL && c->string != NULL && strcmp(c->string, after) == 0)
      at = idx + 1;
  if (at < 0)
    at = idx;
  /* cJSON_InsertItemInArray() refuses objects in some builds of cJSON:
   * move the items after the place to the end, behind the new one. */
  c = cJSON_GetArrayItem(obj, at);
  cJSON_AddItemToArray(obj, named);
  while (c != NULL && c != named) {
    cJSON *next = c->next;
    cJSON_AddItemToArray(obj, cJSON_DetachItemViaPointer(obj, c));
    c = next;
  }
  return 0;
}

static cJSON *str_or_null(const char *s) {
  return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* Writes the merged panel into the tree's "panel" object, as
 * sk_scorecard_json() writes it. */
static int update_panel(struct sk_scorefile *sf) {
  struct sk_panel_result p;
  cJSON *panel = cJSON_GetObjectItemCaseSensitive(sf->root, "panel");
  int rc = 0;

  sk_scorefile_panel(sf, &p);
  if (!cJSON_IsObject(panel))
    return SK_EINVAL;
  rc |= set_key(panel, "verdict", str_or_null(p.verdict), NULL);
  rc |= set_key(panel, "label", cJSON_CreateString(p.label), NULL);
  rc |= set_key(panel, "ships", cJSON_CreateNumber(p.ships), NULL);
  rc |= set_key(panel, "skips", cJSON_CreateNumber(p.skips), NULL);
  rc |= set_key(panel, "failed", cJSON_CreateNumber(p.failed), NULL);
  rc |= set_key(panel, "reviewers", cJSON_CreateNumber(p.reviewers), NULL);
  rc |= set_key(panel, "ship_percent",
                p.reviewers > 0 ? cJSON_CreateNumber(p.ship_percent)
                                : cJSON_CreateNull(),
                NULL);
  rc |= set_key(panel, "mean_score",
                p.reviewers > 0 ? cJSON_CreateNumber(p.mean_score)
                                : cJSON_CreateNull(),
                NULL);
  rc |= set_key(panel, "complete", cJSON_CreateBool(p.complete), NULL);
  return rc != 0 ? SK_ENOMEM : 0;
}

static cJSON *review_obj(struct sk_scorefile *sf, size_t i) {
  return cJSON_GetArrayItem(
      cJSON_GetObjectItemCaseSensitive(sf->root, "reviews"), (int)i);
}

/* The history array, made (at the end of the scorecard, where
 * sk_scorecard_json() puts it) when there is none. */
static cJSON *history(struct sk_scorefile *sf) {
  cJSON *h = cJSON_GetObjectItemCaseSensitive(sf->root, "history");
  if (cJSON_IsArray(h))
    return h;
  h = cJSON_CreateArray();
  if (h == NULL || set_key(sf->root, "history", h, NULL) != 0)
    return NULL;
  return cJSON_GetObjectItemCaseSensitive(sf->root, "history");
}

int sk_scorefile_set_review(struct sk_scorefile *sf, size_t i, int score,
                            const char *verdict, const char *text,
                            const char *when, const char *reason,
                            struct sk_error *err) {
  struct sk_review *r;
  cJSON *o;
  cJSON *h;
  char *copy;
  int rc = 0;

  if (i >= sf->sc->nreviews || score < 0 || score > 100 ||
      (strcmp(verdict, "ship") != 0 && strcmp(verdict, "skip") != 0))
    return sk_error_set(err, SK_EINVAL, "%s: no such review or bad values",
                        sf->sc->path);
  r = &sf->sc->reviews[i];
  o = review_obj(sf, i);
  h = history(sf);
  copy = strdup(text);
  if (o == NULL || h == NULL || copy == NULL) {
    free(copy);
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", sf->sc->path);
  }
  rc = sk_prior_add_history(h, r, when, reason);
  free(r->text);
  r->text = copy;
  r->status = SK_REVIEW_OK;
  r->score = score;
  snprintf(r->verdict, sizeof(r->verdict), "%s", verdict);
  r->edited = 1;
  /* The coverage measured the model's paragraph, not the editor's: it no
   * longer describes the text, so it goes (the old review keeps its text in
   * the history; personas check measures a new one). */
  sk_review_clear_rubric(r);
  cJSON_DeleteItemFromObjectCaseSensitive(o, "rubric");
  rc |= set_key(o, "score", cJSON_CreateNumber(score), "display_name");
  rc |= set_key(o, "verdict", cJSON_CreateString(verdict), "score");
  rc |= set_key(o, "review", cJSON_CreateString(text), "verdict");
  rc |= set_key(o, "status", cJSON_CreateString("ok"), NULL);
  /* Where sk_scorecard_json() writes it: after "inputs", else "status". */
  rc |=
      set_key(o, "edited", cJSON_CreateTrue(),
              cJSON_GetObjectItemCaseSensitive(o, "inputs") != NULL ? "inputs"
                                                                    : "status");
  if (rc == 0)
    rc = update_panel(sf);
  if (rc != 0)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", sf->sc->path);
  return 0;
}

size_t sk_scorefile_history_count(const struct sk_scorefile *sf) {
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(sf->root, "history");
  return cJSON_IsArray(h) ? (size_t)cJSON_GetArraySize(h) : 0;
}

const cJSON *sk_scorefile_history_entry(const struct sk_scorefile *sf,
                                        size_t i) {
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(sf->root, "history");
  if (!cJSON_IsArray(h) || i >= (size_t)cJSON_GetArraySize(h))
    return NULL;
  return cJSON_GetArrayItem(h, (int)i);
}

/* Restores review i to what history entry e recorded. */
static int restore(struct sk_scorefile *sf, size_t i, const cJSON *e) {
  struct sk_review *r = &sf->sc->reviews[i];
  cJSON *o = review_obj(sf, i);
  long long score = 0;
  const char *verdict = str(e, "verdict");
  const char *text = str(e, "review");
  const char *model = str(e, "model");
  /* The codec checked the entry; a null score marks a failed review. */
  int ok = sk_json_int(cJSON_GetObjectItemCaseSensitive(e, "score"), 0, 100,
                       &score) &&
           verdict != NULL && text != NULL;
  int rc = 0;

  if (o == NULL)
    return SK_EPARSE;
  /* History keeps no coverage: a restored text's is not known. */
  sk_review_clear_rubric(r);
  cJSON_DeleteItemFromObjectCaseSensitive(o, "rubric");
  free(r->text);
  r->text = NULL;
  free(r->model);
  r->model = NULL;
  if (dup_into(&r->model, model) != 0)
    return SK_ENOMEM;
  if (ok) {
    r->status = SK_REVIEW_OK;
    r->score = (int)score;
    snprintf(r->verdict, sizeof(r->verdict), "%s", verdict);
    if (dup_into(&r->text, text) != 0)
      return SK_ENOMEM;
  } else {
    r->status = SK_REVIEW_FAILED;
    r->score = 0;
    r->verdict[0] = '\0';
  }
  rc |= set_key(o, "score",
                ok ? cJSON_CreateNumber(r->score) : cJSON_CreateNull(),
                "display_name");
  rc |= set_key(o, "verdict", str_or_null(ok ? verdict : NULL), "score");
  rc |= set_key(o, "review", str_or_null(ok ? text : NULL), "verdict");
  rc |= set_key(o, "model", str_or_null(model), NULL);
  rc |= set_key(o, "status", cJSON_CreateString(ok ? "ok" : "failed"), NULL);
  return rc != 0 ? SK_ENOMEM : 0;
}

/* Sets review i's "edited" flag from the history that remains: a review
 * was written by hand when the change that made it, the persona's last
 * remaining entry, was an edit (a review no entry replaced yet is the
 * model's). */
static int restore_edited(struct sk_scorefile *sf, size_t i) {
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(sf->root, "history");
  const cJSON *e;
  const char *reason = NULL;
  cJSON *o = review_obj(sf, i);

  cJSON_ArrayForEach(e, h) {
    const char *p = str(e, "persona");
    if (p != NULL && strcmp(p, sf->sc->personas[i].name) == 0)
      reason = str(e, "reason");
  }
  sf->sc->reviews[i].edited = reason != NULL && strcmp(reason, "edited") == 0;
  if (!sf->sc->reviews[i].edited) {
    cJSON_DeleteItemFromObjectCaseSensitive(o, "edited");
    return 0;
  }
  return set_key(o, "edited", cJSON_CreateTrue(),
                 cJSON_GetObjectItemCaseSensitive(o, "inputs") != NULL
                     ? "inputs"
                     : "status");
}

int sk_scorefile_rewind(struct sk_scorefile *sf, size_t entry,
                        struct sk_error *err) {
  cJSON *h = cJSON_GetObjectItemCaseSensitive(sf->root, "history");
  size_t count = sk_scorefile_history_count(sf);
  unsigned char *touched;
  size_t k;
  int rc = 0;

  if (entry >= count)
    return sk_error_set(err, SK_EINVAL, "%s: no history entry %zu (it has %zu)",
                        sf->sc->path, entry + 1, count);
  touched = calloc(sf->sc->nreviews + 1, 1);
  if (touched == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", sf->sc->path);
  for (k = count; k-- > entry;) {
    cJSON *e = cJSON_GetArrayItem(h, (int)k);
    const char *persona = str(e, "persona");
    long i = persona != NULL ? sk_scorefile_find(sf, persona) : -1;
    if (!cJSON_IsObject(e) || persona == NULL) {
      free(touched);
      return sk_error_set(err, SK_EPARSE, "%s: history[%zu] has no \"persona\"",
                          sf->sc->path, k);
    }
    if (i >= 0) {
      rc = restore(sf, (size_t)i, e);
      touched[i] = 1;
      if (rc != 0) {
        free(touched);
        return sk_error_set(err, rc, "%s: history[%zu]: %s", sf->sc->path, k,
                            sk_strerror(rc));
      }
    }
    cJSON_DeleteItemFromArray(h, (int)k);
  }
  /* The scorecard had no "history" key before its first entry. */
  if (cJSON_GetArraySize(h) == 0)
    cJSON_DeleteItemFromObjectCaseSensitive(sf->root, "history");
  for (k = 0; k < sf->sc->nreviews && rc == 0; k++)
    if (touched[k])
      rc = restore_edited(sf, k);
  free(touched);
  if (rc == 0)
    rc = update_panel(sf);
  if (rc != 0)
    return sk_error_set(err, rc, "%s: %s", sf->sc->path, sk_strerror(rc));
  return 0;
}

int sk_scorefile_json(const struct sk_scorefile *sf, struct sk_buf *out,
                      struct sk_error *err) {
  int rc = sk_json_pretty(sf->root, out);
  if (rc != 0)
    return sk_error_set(err, rc, "%s: %s", sf->sc->path, sk_strerror(rc));
  return 0;
}

int sk_scorefile_markdown(const struct sk_scorefile *sf, struct sk_buf *out,
                          struct sk_error *err) {
  struct sk_scorecard_meta meta;
  struct sk_inject_result inj;

  sk_scorecard_meta_of(sf->sc, &inj, &meta);
  meta.history = cJSON_GetObjectItemCaseSensitive(sf->root, "history");
  return sk_scorecard_markdown(sf->sc->tool, sf->sc->reviews, sf->sc->nreviews,
                               &meta, out, err);
}

int sk_scorefile_save(const struct sk_scorefile *sf, const char *dir,
                      const char *stem, struct sk_error *err) {
  struct sk_buf b;
  char name[PATH_MAX];
  int rc;

  if (strlen(stem) + 6 > sizeof(name))
    return sk_error_set(err, SK_EINVAL, "%s: name too long", stem);
  sk_buf_init(&b, SK_SCORECARD_CAP);
  rc = sk_scorefile_json(sf, &b, err);
  if (rc == 0) {
    snprintf(name, sizeof(name), "%s.json", stem);
    rc = sk_fs_write_atomic(dir, name, b.data, b.len, err);
  }
  if (rc == 0) {
    sk_buf_reset(&b);
    rc = sk_scorefile_markdown(sf, &b, err);
  }
  if (rc == 0) {
    snprintf(name, sizeof(name), "%s.md", stem);
    rc = sk_fs_write_atomic(dir, name, b.data, b.len, err);
  }
  sk_buf_cleanup(&b);
  return rc;
}
