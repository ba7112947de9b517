/* card.c: reading scorecard JSON files back into cards for the publishing
 * renderers, checking every field, and finding cards by slug, name or path
 * (see card.h). */
#include "shipskip/model/card.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/model/tool.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SCHEMA "shipskip.scorecard/1"

/* Largest count of reviewers, reviews or errors believed. */
#define MAX_COUNT 10000

void sk_card_strip(struct sk_card *c) {
  size_t i;
  for (i = 0; i < c->nreviews; i++) {
    struct sk_card_review *r = &c->reviews[i];
    size_t j;
    free(r->persona);
    free(r->display_name);
    free(r->review);
    free(r->provider);
    free(r->model);
    for (j = 0; j < r->nerrors; j++)
      free(r->errors[j]);
    free(r->errors);
  }
  for (i = 0; i < c->nfindings; i++) {
    free(c->findings[i].rule);
    free(c->findings[i].field);
    free(c->findings[i].excerpt);
  }
  free(c->findings);
  c->findings = NULL;
  c->nfindings = 0;
  free(c->reviews);
  free(c->pricing);
  free(c->best_for);
  free(c->url);
  free(c->description);
  c->reviews = NULL;
  c->nreviews = 0;
  c->pricing = c->best_for = c->url = c->description = NULL;
}

void sk_card_free(struct sk_card *c) {
  if (c == NULL)
    return;
  sk_card_strip(c);
  free(c->path);
  free(c->slug);
  free(c->name);
  free(c->tagline);
  free(c->category);
  free(c->entry);
  free(c->verdict);
  free(c->label);
  free(c);
}

/* Field readers. Each takes the object, the key, the path and the field's
 * dotted name for messages; a missing optional field is not an error. */

/* Copies a string field into *out; NULL when absent or null and !required.
 */
static int get_str(const cJSON *obj, const char *key, int required,
                   const char *path, const char *field, char **out,
                   struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

  *out = NULL;
  if (v == NULL || cJSON_IsNull(v)) {
    if (required)
      return sk_error_set(err, SK_EPARSE, "%s: %s is missing", path, field);
    return 0;
  }
  if (!cJSON_IsString(v))
    return sk_error_set(err, SK_EPARSE, "%s: %s must be a string", path, field);
  if (!sk_utf8_valid(v->valuestring, strlen(v->valuestring)))
    return sk_error_set(err, SK_EPARSE, "%s: %s is not valid UTF-8", path,
                        field);
  if (required && v->valuestring[0] == '\0')
    return sk_error_set(err, SK_EPARSE, "%s: %s is empty", path, field);
  *out = strdup(v->valuestring);
  if (*out == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  return 0;
}

/* Reads a whole number in [min, max] into *out. *present says whether it was
 * there (absent or null leaves *out alone); required makes absence an error.
 */
static int get_int(const cJSON *obj, const char *key, int required,
                   long long min, long long max, const char *path,
                   const char *field, long long *out, int *present,
                   struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

  if (present != NULL)
    *present = 0;
  if (v == NULL || cJSON_IsNull(v)) {
    if (required)
      return sk_error_set(err, SK_EPARSE, "%s: %s is missing", path, field);
    return 0;
  }
  if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
      v->valuedouble < (double)min || v->valuedouble > (double)max)
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s must be a whole number from %lld to %lld", path,
                        field, min, max);
  *out = (long long)v->valuedouble;
  if (present != NULL)
    *present = 1;
  return 0;
}

static int get_small(const cJSON *obj, const char *key, int required, int max,
                     const char *path, const char *field, int *out,
                     struct sk_error *err) {
  long long v = 0;
  int rc = get_int(obj, key, required, 0, max, path, field, &v, NULL, err);
  if (rc == 0)
    *out = (int)v;
  return rc;
}

static int parse_review(const cJSON *o, size_t i, const char *path,
                        struct sk_card_review *r, struct sk_error *err) {
  char field[64];
  const cJSON *status;
  const cJSON *errs;
  int rc;

#define FIELD(k)                                                               \
  (snprintf(field, sizeof(field), "reviews[%zu].%s", i, k), field)
  if (!cJSON_IsObject(o))
    return sk_error_set(err, SK_EPARSE, "%s: reviews[%zu] must be an object",
                        path, i);
  rc = get_str(o, "persona", 1, path, FIELD("persona"), &r->persona, err);
  if (rc == 0)
    rc = get_str(o, "display_name", 0, path, FIELD("display_name"),
                 &r->display_name, err);
  if (rc == 0 && r->display_name == NULL) {
    r->display_name = strdup(r->persona);
    if (r->display_name == NULL)
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  }
  if (rc == 0)
    rc = get_str(o, "provider", 0, path, FIELD("provider"), &r->provider, err);
  if (rc == 0)
    rc = get_str(o, "model", 0, path, FIELD("model"), &r->model, err);
  if (rc == 0)
    rc = get_small(o, "attempts", 0, MAX_COUNT, path, FIELD("attempts"),
                   &r->attempts, err);
  if (rc != 0)
    return rc;
  status = cJSON_GetObjectItemCaseSensitive(o, "status");
  if (!cJSON_IsString(status) || (strcmp(status->valuestring, "ok") != 0 &&
                                  strcmp(status->valuestring, "failed") != 0))
    return sk_error_set(err, SK_EPARSE,
                        "%s: reviews[%zu].status must be \"ok\" or \"failed\"",
                        path, i);
  r->ok = strcmp(status->valuestring, "ok") == 0;
  if (r->ok) {
    const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(o, "verdict");
    rc = get_small(o, "score", 1, 100, path, FIELD("score"), &r->score, err);
    if (rc != 0)
      return rc;
    if (!cJSON_IsString(verdict) ||
        (strcmp(verdict->valuestring, "ship") != 0 &&
         strcmp(verdict->valuestring, "skip") != 0))
      return sk_error_set(err, SK_EPARSE,
                          "%s: reviews[%zu].verdict must be \"ship\" or "
                          "\"skip\"",
                          path, i);
    memcpy(r->verdict, verdict->valuestring, 5);
    rc = get_str(o, "review", 1, path, FIELD("review"), &r->review, err);
    if (rc != 0)
      return rc;
  }
  errs = cJSON_GetObjectItemCaseSensitive(o, "errors");
  if (errs != NULL && !cJSON_IsNull(errs)) {
    const cJSON *e;
    int n = cJSON_GetArraySize(errs);
    if (!cJSON_IsArray(errs) || n > MAX_COUNT)
      return sk_error_set(err, SK_EPARSE,
                          "%s: reviews[%zu].errors must be an array of "
                          "strings",
                          path, i);
    r->errors = calloc((size_t)n + 1, sizeof(*r->errors));
    if (r->errors == NULL)
      return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
    cJSON_ArrayForEach(e, errs) {
      if (!cJSON_IsString(e) ||
          !sk_utf8_valid(e->valuestring, strlen(e->valuestring)))
        return sk_error_set(err, SK_EPARSE,
                            "%s: reviews[%zu].errors must be an array of "
                            "UTF-8 strings",
                            path, i);
      r->errors[r->nerrors] = strdup(e->valuestring);
      if (r->errors[r->nerrors] == NULL)
        return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
      r->nerrors++;
    }
  }
#undef FIELD
  return 0;
}

static int parse_tool(const cJSON *tool, const char *path, struct sk_card *c,
                      struct sk_error *err) {
  int rc;

  if (!cJSON_IsObject(tool))
    return sk_error_set(err, SK_EPARSE, "%s: tool must be an object", path);
  rc = get_str(tool, "slug", 1, path, "tool.slug", &c->slug, err);
  if (rc == 0 && !sk_slug_is_safe(c->slug))
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: tool.slug \"%.64s\" is not a safe slug", path,
                      c->slug);
  if (rc == 0)
    rc = get_str(tool, "name", 1, path, "tool.name", &c->name, err);
  if (rc == 0)
    rc = get_str(tool, "tagline", 0, path, "tool.tagline", &c->tagline, err);
  if (rc == 0)
    rc = get_str(tool, "category", 0, path, "tool.category", &c->category, err);
  if (rc == 0)
    rc = get_str(tool, "pricing", 0, path, "tool.pricing", &c->pricing, err);
  if (rc == 0)
    rc = get_str(tool, "entry", 0, path, "tool.entry", &c->entry, err);
  if (rc == 0)
    rc = get_str(tool, "best_for", 0, path, "tool.best_for", &c->best_for, err);
  if (rc == 0)
    rc = get_str(tool, "url", 0, path, "tool.url", &c->url, err);
  if (rc == 0)
    rc = get_str(tool, "description", 0, path, "tool.description",
                 &c->description, err);
  return rc;
}

static int parse_panel(const cJSON *panel, const char *path, struct sk_card *c,
                       struct sk_error *err) {
  const cJSON *mean;
  long long pct = 0;
  int has_pct = 0;
  char label[96];
  int rc;

  if (!cJSON_IsObject(panel))
    return sk_error_set(err, SK_EPARSE, "%s: panel must be an object", path);
  rc = get_str(panel, "verdict", 0, path, "panel.verdict", &c->verdict, err);
  if (rc == 0 && c->verdict != NULL && strcmp(c->verdict, "Ship") != 0 &&
      strcmp(c->verdict, "Skip") != 0 && strcmp(c->verdict, "Split") != 0)
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: panel.verdict must be \"Ship\", \"Skip\", "
                      "\"Split\" or null",
                      path);
  if (rc == 0)
    rc = get_small(panel, "ships", 1, MAX_COUNT, path, "panel.ships", &c->ships,
                   err);
  if (rc == 0)
    rc = get_small(panel, "skips", 1, MAX_COUNT, path, "panel.skips", &c->skips,
                   err);
  if (rc == 0)
    rc = get_small(panel, "failed", 0, MAX_COUNT, path, "panel.failed",
                   &c->failed, err);
  if (rc == 0)
    rc = get_small(panel, "reviewers", 0, MAX_COUNT, path, "panel.reviewers",
                   &c->reviewers, err);
  if (rc == 0)
    rc = get_int(panel, "ship_percent", 0, 0, 100, path, "panel.ship_percent",
                 &pct, &has_pct, err);
  if (rc != 0)
    return rc;
  if (cJSON_GetObjectItemCaseSensitive(panel, "reviewers") == NULL)
    c->reviewers = c->ships + c->skips;
  if (c->reviewers != c->ships + c->skips)
    return sk_error_set(err, SK_EPARSE,
                        "%s: panel.reviewers (%d) is not ships + skips (%d)",
                        path, c->reviewers, c->ships + c->skips);
  if ((c->reviewers > 0) != (c->verdict != NULL) ||
      (c->reviewers > 0) != has_pct)
    return sk_error_set(err, SK_EPARSE,
                        "%s: panel.verdict and panel.ship_percent must be "
                        "given exactly when there are accepted reviews",
                        path);
  c->ship_percent = (int)pct;
  mean = cJSON_GetObjectItemCaseSensitive(panel, "mean_score");
  if (c->reviewers > 0) {
    if (!cJSON_IsNumber(mean) || !(mean->valuedouble >= 0) ||
        mean->valuedouble > 100)
      return sk_error_set(err, SK_EPARSE,
                          "%s: panel.mean_score must be a number from 0 to "
                          "100",
                          path);
    c->mean_score = mean->valuedouble;
  }
  /* The label is composed from the figures, as the merge writes it. */
  snprintf(label, sizeof(label), "%s · %d ship / %d skip",
           c->verdict != NULL ? c->verdict : "No verdict", c->ships, c->skips);
  c->label = strdup(label);
  if (c->label == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  return 0;
}

/* "injection": null or absent (no detector ran), or {"flagged": bool,
 * "findings": [{"rule", "field", "excerpt"}, ...]}. flagged must agree with
 * the findings, so a hand-edited file cannot hide them or flag nothing. */
static int parse_injection(const cJSON *v, const char *path, struct sk_card *c,
                           struct sk_error *err) {
  const cJSON *flagged;
  const cJSON *list;
  const cJSON *f;
  char field[64];
  int n;
  int rc = 0;

  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsObject(v))
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection must be null or {\"flagged\": "
                        "true|false, \"findings\": [...]}",
                        path);
  flagged = cJSON_GetObjectItemCaseSensitive(v, "flagged");
  if (!cJSON_IsBool(flagged))
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.flagged must be true or false", path);
  list = cJSON_GetObjectItemCaseSensitive(v, "findings");
  n = cJSON_GetArraySize(list);
  if (list != NULL && !cJSON_IsNull(list) &&
      (!cJSON_IsArray(list) || n > MAX_COUNT))
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.findings must be an array of "
                        "{\"rule\", \"field\", \"excerpt\"}",
                        path);
  if (!cJSON_IsArray(list))
    n = 0;
  if (cJSON_IsTrue(flagged) && n == 0)
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.flagged is true but there are no "
                        "findings",
                        path);
  if (!cJSON_IsTrue(flagged) && n > 0)
    return sk_error_set(err, SK_EPARSE,
                        "%s: injection.flagged is false but there %s %d "
                        "finding%s",
                        path, n == 1 ? "is" : "are", n, n == 1 ? "" : "s");
  c->scanned = 1;
  c->flagged = cJSON_IsTrue(flagged);
  if (n == 0)
    return 0;
  c->findings = calloc((size_t)n + 1, sizeof(*c->findings));
  if (c->findings == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
#define FIELD(k)                                                               \
  (snprintf(field, sizeof(field), "injection.findings[%zu].%s", i, k), field)
  cJSON_ArrayForEach(f, list) {
    size_t i = c->nfindings;
    struct sk_card_finding *d = &c->findings[i];
    if (!cJSON_IsObject(f))
      return sk_error_set(err, SK_EPARSE,
                          "%s: injection.findings[%zu] must be an object", path,
                          i);
    /* Counted before reading, so a half-filled finding is freed too. */
    c->nfindings++;
    rc = get_str(f, "rule", 1, path, FIELD("rule"), &d->rule, err);
    if (rc == 0)
      rc = get_str(f, "field", 1, path, FIELD("field"), &d->field, err);
    if (rc == 0)
      rc = get_str(f, "excerpt", 1, path, FIELD("excerpt"), &d->excerpt, err);
    if (rc != 0)
      return rc;
  }
#undef FIELD
  return 0;
}

int sk_card_parse(const char *text, size_t len, const char *path,
                  struct sk_card **out, struct sk_error *err) {
  cJSON *root;
  const cJSON *schema;
  const cJSON *v;
  struct sk_card *c = NULL;
  int rc = 0;

  *out = NULL;
  root = cJSON_ParseWithLengthOpts(text, len, NULL, 0);
  if (root == NULL)
    return sk_error_set(err, SK_EPARSE, "%s: malformed JSON", path);
  schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
  if (!cJSON_IsObject(root) || !cJSON_IsString(schema) ||
      strcmp(schema->valuestring, SCHEMA) != 0) {
    rc = sk_error_set(err, SK_EINVAL, "%s: not a scorecard (schema is not %s)",
                      path, SCHEMA);
    goto out;
  }
  c = calloc(1, sizeof(*c));
  if (c == NULL || (c->path = strdup(path)) == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
    goto out;
  }
  rc = parse_tool(cJSON_GetObjectItemCaseSensitive(root, "tool"), path, c, err);
  if (rc == 0)
    rc = parse_panel(cJSON_GetObjectItemCaseSensitive(root, "panel"), path, c,
                     err);
  if (rc != 0)
    goto out;
  v = cJSON_GetObjectItemCaseSensitive(root, "community");
  if (v != NULL && !cJSON_IsNull(v)) {
    if (!cJSON_IsObject(v)) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s: community must be null or {\"ship\": N, "
                        "\"skip\": M}",
                        path);
      goto out;
    }
    rc = get_int(v, "ship", 1, 0, SK_VOTES_MAX, path, "community.ship",
                 &c->community_ship, NULL, err);
    if (rc == 0)
      rc = get_int(v, "skip", 1, 0, SK_VOTES_MAX, path, "community.skip",
                   &c->community_skip, NULL, err);
    if (rc != 0)
      goto out;
    c->has_community = 1;
  }
  rc = parse_injection(cJSON_GetObjectItemCaseSensitive(root, "injection"),
                       path, c, err);
  if (rc != 0)
    goto out;
  v = cJSON_GetObjectItemCaseSensitive(root, "usage");
  if (cJSON_IsObject(v)) {
    const cJSON *cost = cJSON_GetObjectItemCaseSensitive(v, "cost_usd");
    rc = get_int(v, "prompt_tokens", 0, 0, LLONG_MAX / 4, path,
                 "usage.prompt_tokens", &c->prompt_tokens, NULL, err);
    if (rc == 0)
      rc = get_int(v, "completion_tokens", 0, 0, LLONG_MAX / 4, path,
                   "usage.completion_tokens", &c->completion_tokens, NULL, err);
    if (rc != 0)
      goto out;
    if (cost != NULL && !cJSON_IsNull(cost)) {
      if (!cJSON_IsNumber(cost) || !(cost->valuedouble >= 0) ||
          cost->valuedouble > 1e9) {
        rc = sk_error_set(err, SK_EPARSE,
                          "%s: usage.cost_usd must be a number from 0", path);
        goto out;
      }
      c->has_cost = 1;
      c->cost_usd = cost->valuedouble;
    }
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "reviews");
  if (v != NULL && !cJSON_IsNull(v)) {
    const cJSON *r;
    int n = cJSON_GetArraySize(v);
    if (!cJSON_IsArray(v) || n > MAX_COUNT) {
      rc = sk_error_set(err, SK_EPARSE, "%s: reviews must be an array", path);
      goto out;
    }
    c->reviews = calloc((size_t)n + 1, sizeof(*c->reviews));
    if (c->reviews == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
      goto out;
    }
    cJSON_ArrayForEach(r, v) {
      /* Counted before parsing, so a half-filled review is freed too. */
      c->nreviews++;
      rc = parse_review(r, c->nreviews - 1, path, &c->reviews[c->nreviews - 1],
                        err);
      if (rc != 0)
        goto out;
    }
  }
  *out = c;
  c = NULL;
out:
  sk_card_free(c);
  cJSON_Delete(root);
  return rc;
}

int sk_card_load(const char *path, struct sk_card **out, struct sk_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc;

  *out = NULL;
  rc = sk_fs_read_file(path, SK_CARD_FILE_CAP, &text, &len, err);
  if (rc == 0)
    rc = sk_card_parse(text, len, path, out, err);
  free(text);
  return rc;
}

void sk_card_apply_votes(struct sk_card *c, const struct sk_votes *votes) {
  const struct sk_vote *v;
  if (votes == NULL)
    return;
  v = sk_votes_find(votes, c->slug);
  c->has_community = 1;
  c->community_ship = v != NULL ? v->ship : 0;
  c->community_skip = v != NULL ? v->skip : 0;
}

/* Joins dir and name into a new heap string, or NULL on out of memory. */
static char *join_path(const char *dir, const char *name) {
  size_t ld = strlen(dir);
  size_t ln = strlen(name);
  char *p = malloc(ld + ln + 2);
  if (p == NULL)
    return NULL;
  memcpy(p, dir, ld);
  p[ld] = '/';
  memcpy(p + ld + 1, name, ln + 1);
  return p;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix) {
  size_t ls = strlen(s);
  size_t lx = strlen(suffix);
  return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* Orders cards by slug, then by path, so of two cards with one slug the
 * one from the file that sorts first comes first. */
static int by_slug_then_path(const void *a, const void *b) {
  const struct sk_card *x = *(const struct sk_card *const *)a;
  const struct sk_card *y = *(const struct sk_card *const *)b;
  int c = strcmp(x->slug, y->slug);
  return c != 0 ? c : strcmp(x->path, y->path);
}

int sk_card_set_load(const char *dir, unsigned flags, struct sk_card_set *set,
                     size_t *nbad, void (*report)(void *ctx, const char *msg),
                     void *ctx, struct sk_error *err) {
  DIR *d;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0;
  size_t size = 0;
  size_t i;
  size_t k;
  int rc = 0;

  memset(set, 0, sizeof(*set));
  if (nbad != NULL)
    *nbad = 0;
  d = opendir(dir);
  if (d == NULL)
    return sk_error_set(err, errno == ENOENT ? SK_ENOENT : SK_EIO,
                        "%s: cannot read the directory: %s", dir,
                        strerror(errno));
  /* Names first, sorted, so the order (and which duplicate wins) does not
   * depend on the file system. */
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json"))
      continue;
    if (n == size) {
      size_t nsize = size ? size * 2 : 64;
      char **p = realloc(names, nsize * sizeof(*p));
      if (p == NULL) {
        rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
        goto out;
      }
      names = p;
      size = nsize;
    }
    names[n] = strdup(e->d_name);
    if (names[n] == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
      goto out;
    }
    n++;
  }
  if (n > 1)
    qsort(names, n, sizeof(*names), cmp_names);
  set->cards = calloc(n + 1, sizeof(*set->cards));
  if (set->cards == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
    goto out;
  }
  for (i = 0; i < n; i++) {
    struct sk_error e1;
    struct sk_card *c = NULL;
    char *path = join_path(dir, names[i]);
    int r;
    if (path == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", dir);
      goto out;
    }
    sk_error_clear(&e1);
    r = sk_card_load(path, &c, &e1);
    free(path);
    if (r == SK_ENOMEM) {
      rc = sk_error_set(err, SK_ENOMEM, "%s", e1.msg);
      goto out;
    }
    if (r == SK_EINVAL)
      continue; /* another schema: not ours to publish */
    if (r != 0) {
      if (report != NULL)
        report(ctx, e1.msg);
      if (nbad != NULL)
        (*nbad)++;
      continue;
    }
    if (flags & SK_CARD_SUMMARY)
      sk_card_strip(c);
    set->cards[set->n++] = c;
  }
  /* Sorted by slug for lookups; a slug taken twice keeps its first file. */
  if (set->n > 1)
    qsort(set->cards, set->n, sizeof(*set->cards), by_slug_then_path);
  for (i = 1, k = set->n ? 1 : 0; i < set->n; i++) {
    struct sk_card *c = set->cards[i];
    if (strcmp(c->slug, set->cards[k - 1]->slug) != 0) {
      set->cards[k++] = c;
      continue;
    }
    if (report != NULL) {
      char msg[sizeof(err->msg)];
      snprintf(msg, sizeof(msg),
               "%.120s: slug \"%s\" is already taken by %.80s; skipped",
               c->path, c->slug, set->cards[k - 1]->path);
      report(ctx, msg);
    }
    if (nbad != NULL)
      (*nbad)++;
    sk_card_free(c);
  }
  set->n = k;
out:
  for (i = 0; i < n; i++)
    free(names[i]);
  free(names);
  closedir(d);
  if (rc != 0)
    sk_card_set_cleanup(set);
  return rc;
}

void sk_card_set_cleanup(struct sk_card_set *set) {
  size_t i;
  if (set == NULL)
    return;
  for (i = 0; i < set->n; i++)
    sk_card_free(set->cards[i]);
  free(set->cards);
  memset(set, 0, sizeof(*set));
}

static int find_cmp(const void *key, const void *elem) {
  const struct sk_card *c = *(const struct sk_card *const *)elem;
  return strcmp(key, c->slug);
}

struct sk_card *sk_card_set_find(const struct sk_card_set *set,
                                 const char *slug) {
  struct sk_card **found;
  if (set->n == 0)
    return NULL;
  found = bsearch(slug, set->cards, set->n, sizeof(*set->cards), find_cmp);
  return found != NULL ? *found : NULL;
}

static int ascii_caseeq(const char *a, const char *b) {
  for (; *a != '\0' && *b != '\0'; a++, b++) {
    char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
    char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
    if (x != y)
      return 0;
  }
  return *a == *b;
}

/* Appends ", " and s to buf (size bytes) while it fits. */
static void list_append(char *buf, size_t size, const char *s) {
  size_t len = strlen(buf);
  if (len + strlen(s) + 8 >= size) {
    if (len + 5 < size && !ends_with(buf, "..."))
      memcpy(buf + len, ", ...", 6);
    return;
  }
  snprintf(buf + len, size - len, "%s%s", len ? ", " : "", s);
}

struct sk_card *sk_card_set_match(const struct sk_card_set *set,
                                  const char *what, struct sk_error *err) {
  struct sk_card *found = sk_card_set_find(set, what);
  char known[160];
  size_t nmatch = 0;
  size_t i;

  if (found != NULL)
    return found;
  known[0] = '\0';
  for (i = 0; i < set->n; i++) {
    if (set->cards[i] != NULL && ascii_caseeq(set->cards[i]->name, what)) {
      found = set->cards[i];
      nmatch++;
      list_append(known, sizeof(known), set->cards[i]->slug);
    }
  }
  if (nmatch == 1)
    return found;
  if (nmatch > 1) {
    sk_error_set(err, SK_EINVAL,
                 "\"%.80s\" names %zu tools (%s); give a slug instead", what,
                 nmatch, known);
    return NULL;
  }
  for (i = 0; i < set->n; i++)
    if (set->cards[i] != NULL)
      list_append(known, sizeof(known), set->cards[i]->slug);
  sk_error_set(err, SK_ENOENT,
               "no scorecard has the slug or tool name \"%.80s\" (known: %s)",
               what, set->n ? known : "none");
  return NULL;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int sk_card_resolve(const char *what, const char *dir, struct sk_card **out,
                    struct sk_error *err) {
  struct sk_card_set set;
  struct sk_card *c;
  char *path = NULL;
  int rc;

  *out = NULL;
  if (strchr(what, '/') != NULL || ends_with(what, ".json")) {
    if (strchr(what, '/') == NULL && !file_exists(what)) {
      path = join_path(dir, what);
      if (path == NULL)
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      rc = sk_card_load(path, out, err);
      free(path);
      return rc;
    }
    return sk_card_load(what, out, err);
  }
  if (sk_slug_is_safe(what)) {
    char name[SK_TOOL_MAX_SLUG + 8];
    snprintf(name, sizeof(name), "%s.json", what);
    path = join_path(dir, name);
    if (path == NULL)
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    if (file_exists(path)) {
      rc = sk_card_load(path, out, err);
      free(path);
      return rc;
    }
    free(path);
  }
  /* Match on summaries, then read the one card in full. */
  rc = sk_card_set_load(dir, SK_CARD_SUMMARY, &set, NULL, NULL, NULL, err);
  if (rc != 0)
    return rc;
  c = sk_card_set_match(&set, what, err);
  if (c == NULL)
    rc = err != NULL && err->code != 0 ? err->code : SK_ENOENT;
  else
    rc = sk_card_load(c->path, out, err);
  sk_card_set_cleanup(&set);
  return rc;
}

void sk_card_percent_text(const struct sk_card *c, char *buf, size_t size) {
  if (c->reviewers > 0)
    snprintf(buf, size, "%d%%", c->ship_percent);
  else
    snprintf(buf, size, "—");
}

void sk_card_mean_text(const struct sk_card *c, char *buf, size_t size) {
  if (c->reviewers > 0)
    snprintf(buf, size, "%.1f", c->mean_score);
  else
    snprintf(buf, size, "—");
}

void sk_card_community_text(const struct sk_card *c, char *buf, size_t size) {
  if (c->has_community)
    sk_votes_format(c->community_ship, c->community_skip, buf, size);
  else
    sk_votes_format(0, 0, buf, size);
}

void sk_card_score_text(const struct sk_card_review *r, char *buf,
                        size_t size) {
  if (r->ok)
    snprintf(buf, size, "%d/100 · %s", r->score, r->verdict);
  else
    snprintf(buf, size, "failed");
}
