/* review.c: the review codec (see review.h): one writer and one reader for
 * a review, whether it sits in a scorecard or in a journal line.
 *
 * Why a module of its own rather than a part of scorecard.c: the journal
 * (review/journal.c) stores a review without a scorecard around it, so the
 * review's keys and checks must be reachable without the scorecard's; and
 * the scorecard codec is already the larger file. The field readers
 * sk_review_get_str() and sk_review_get_int() live here, at the bottom of
 * the two codecs, so every field of both records is checked by the same
 * code and refused with the same words. */
#include "shipskip/util/jsonfmt.h"
#include "shipskip/model/review.h"
#include "shipskip/model/tool.h"
#include "shipskip/util/jsonget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_review_add_error(struct sk_review *r, const char *msg) {
  char **p = realloc(r->errors, (r->nerrors + 1) * sizeof(*p));
  if (p == NULL)
    return SK_ENOMEM;
  r->errors = p;
  p[r->nerrors] = strdup(msg);
  if (p[r->nerrors] == NULL)
    return SK_ENOMEM;
  r->nerrors++;
  return 0;
}

static int push_name(char ***v, size_t *n, const char *name) {
  char **p = realloc(*v, (*n + 1) * sizeof(*p));
  if (p == NULL)
    return SK_ENOMEM;
  *v = p;
  p[*n] = strdup(name);
  if (p[*n] == NULL)
    return SK_ENOMEM;
  (*n)++;
  return 0;
}

int sk_review_add_rubric(struct sk_review *r, int covered, const char *name) {
  r->has_rubric = 1;
  if (covered)
    return push_name(&r->covered, &r->ncovered, name);
  return push_name(&r->missing, &r->nmissing, name);
}

static void free_names(char ***v, size_t *n) {
  size_t i;
  for (i = 0; i < *n; i++)
    free((*v)[i]);
  free(*v);
  *v = NULL;
  *n = 0;
}

int sk_review_add_quote(struct sk_review *r, const char *name,
                        const char *quote) {
  size_t n = r->nquotes;
  if (push_name(&r->quote_names, &n, name) != 0)
    return SK_ENOMEM;
  n = r->nquotes;
  if (push_name(&r->quotes, &n, quote) != 0) {
    free(r->quote_names[r->nquotes]);
    return SK_ENOMEM;
  }
  r->nquotes++;
  return 0;
}

const char *sk_review_quote(const struct sk_review *r, const char *name) {
  size_t k;
  for (k = 0; k < r->nquotes; k++)
    if (strcmp(r->quote_names[k], name) == 0)
      return r->quotes[k];
  return NULL;
}

void sk_review_clear_rubric(struct sk_review *r) {
  size_t n = r->nquotes;
  free_names(&r->covered, &r->ncovered);
  free_names(&r->missing, &r->nmissing);
  free_names(&r->quote_names, &r->nquotes);
  free_names(&r->quotes, &n);
  r->has_rubric = 0;
}

void sk_review_cleanup(struct sk_review *r) {
  size_t i;
  if (r == NULL)
    return;
  sk_review_clear_rubric(r);
  free(r->text);
  free(r->provider);
  free(r->model);
  for (i = 0; i < r->nerrors; i++)
    free(r->errors[i]);
  free(r->errors);
  memset(r, 0, sizeof(*r));
}

/* ---- writing ---------------------------------------------------------- */

/* The scorecard layout, printed straight into w: the one writer of a
 * scorecard's review object (sk_review_to_json reads its output back for a
 * tree). Keys in the order the readers and the draft parser know. */
static void write_rubric(struct sk_jw *w, const struct sk_review *r) {
  size_t i;
  if (!r->has_rubric)
    return;
  sk_jw_open(w, "rubric", '{');
  sk_jw_open(w, "covered", '[');
  for (i = 0; i < r->ncovered; i++)
    sk_jw_str(w, NULL, r->covered[i]);
  sk_jw_close(w, '[');
  sk_jw_open(w, "missing", '[');
  for (i = 0; i < r->nmissing; i++)
    sk_jw_str(w, NULL, r->missing[i]);
  sk_jw_close(w, '[');
  if (r->nquotes > 0) {
    /* "evidence" only when there are quotes (a text reply's scorecard is
     * what it always was). */
    sk_jw_open(w, "evidence", '{');
    for (i = 0; i < r->nquotes; i++)
      sk_jw_str(w, r->quote_names[i], r->quotes[i]);
    sk_jw_close(w, '{');
  }
  sk_jw_close(w, '{');
}

/* The scorecard rounds the cost to the micro-dollar, so float noise never
 * reaches a file that must diff cleanly; null when no price is known. */
static void write_cost(struct sk_jw *w, const char *key, double cost) {
  if (cost < 0)
    sk_jw_null(w, key);
  else
    sk_jw_num(w, key, floor(cost * 1e6 + 0.5) / 1e6);
}

void sk_review_write(struct sk_jw *w, const char *key,
                     const struct sk_review *r) {
  int ok = r->status == SK_REVIEW_OK;
  size_t i;

  sk_jw_open(w, key, '{');
  sk_jw_str(w, "persona", r->persona->name);
  sk_jw_str(w, "display_name", r->persona->display_name);
  if (ok)
    sk_jw_num(w, "score", r->score);
  else
    sk_jw_null(w, "score");
  sk_jw_str(w, "verdict", ok ? r->verdict : NULL);
  sk_jw_str(w, "review", ok ? r->text : NULL);
  sk_jw_str(w, "provider", r->provider);
  sk_jw_str(w, "model", r->model);
  sk_jw_num(w, "attempts", r->attempts);
  sk_jw_num(w, "retries", r->retries);
  sk_jw_str(w, "status", ok ? "ok" : "failed");
  if (r->inputs[0] != '\0')
    sk_jw_str(w, "inputs", r->inputs);
  if (r->edited)
    sk_jw_bool(w, "edited", 1);
  sk_jw_open(w, "errors", '[');
  for (i = 0; i < r->nerrors; i++)
    sk_jw_str(w, NULL, r->errors[i]);
  sk_jw_close(w, '[');
  write_rubric(w, r);
  if (r->cal_repeats > 0) {
    /* "calibration": {"repeats", "score_sd", "verdicts": {"ship",
     * "skip"}}, when the review was calibrated. */
    sk_jw_open(w, "calibration", '{');
    sk_jw_num(w, "repeats", r->cal_repeats);
    sk_jw_num(w, "score_sd", floor(r->cal_score_sd * 10000 + 0.5) / 10000);
    sk_jw_open(w, "verdicts", '{');
    sk_jw_num(w, "ship", r->cal_ships);
    sk_jw_num(w, "skip", r->cal_skips);
    sk_jw_close(w, '{');
    sk_jw_close(w, '{');
  }
  sk_jw_open(w, "usage", '{');
  sk_jw_num(w, "prompt_tokens", (double)r->prompt_tokens);
  sk_jw_num(w, "completion_tokens", (double)r->completion_tokens);
  write_cost(w, "cost_usd", r->cost_usd);
  sk_jw_close(w, '{');
  sk_jw_close(w, '{');
}

void sk_review_write_journal(struct sk_jw *w, const struct sk_review *r,
                             const char *inputs) {
  int ok = r->status == SK_REVIEW_OK;
  size_t i;

  sk_jw_str(w, "persona", r->persona->name);
  sk_jw_str(w, "inputs", inputs);
  sk_jw_str(w, "status", ok ? "ok" : "failed");
  if (ok) {
    sk_jw_num(w, "score", r->score);
    sk_jw_str(w, "verdict", r->verdict);
    sk_jw_str(w, "review", r->text);
  }
  sk_jw_str(w, "provider", r->provider ? r->provider : "");
  sk_jw_str(w, "model", r->model ? r->model : "");
  sk_jw_num(w, "attempts", r->attempts);
  sk_jw_num(w, "retries", r->retries);
  sk_jw_num(w, "prompt_tokens", (double)r->prompt_tokens);
  sk_jw_num(w, "completion_tokens", (double)r->completion_tokens);
  /* The journal keeps the cost unrounded: a resumed run's totals add up
   * to the same figure as an uninterrupted run's. */
  if (r->cost_usd >= 0)
    sk_jw_num(w, "cost_usd", r->cost_usd);
  else
    sk_jw_null(w, "cost_usd");
  sk_jw_open(w, "errors", '[');
  for (i = 0; i < r->nerrors; i++)
    sk_jw_str(w, NULL, r->errors[i]);
  sk_jw_close(w, '[');
  write_rubric(w, r);
}

/* The layout as a tree: the writer's bytes, parsed, so each layout has one
 * writer. Moves the members into o. */
static int tree_of(cJSON *o, const struct sk_review *r, const char *inputs,
                   enum sk_review_layout layout) {
  struct sk_buf buf;
  struct sk_jw w;
  cJSON *tree = NULL;
  int rc;

  sk_buf_init(&buf, SIZE_MAX / 2);
  sk_jw_init_compact(&w, &buf);
  if (layout == SK_REVIEW_IN_JOURNAL) {
    sk_jw_open(&w, NULL, '{');
    sk_review_write_journal(&w, r, inputs);
    sk_jw_close(&w, '{');
  } else {
    sk_review_write(&w, NULL, r);
  }
  rc = sk_jw_done(&w);
  if (rc == 0) {
    tree = sk_json_parse(buf.data, buf.len, NULL);
    if (tree == NULL)
      rc = SK_ENOMEM;
  }
  while (rc == 0 && tree->child != NULL) {
    cJSON *c = cJSON_DetachItemViaPointer(tree, tree->child);
    /* cJSON copies the key before it frees c's own. */
    if (!cJSON_AddItemToObject(o, c->string, c)) {
      cJSON_Delete(c);
      rc = SK_ENOMEM;
    }
  }
  cJSON_Delete(tree);
  sk_buf_cleanup(&buf);
  return rc;
}

int sk_review_to_json(cJSON *o, const struct sk_review *r, const char *inputs,
                      enum sk_review_layout layout) {
  return tree_of(o, r, inputs, layout);
}

/* ---- reading ---------------------------------------------------------- */

int sk_review_get_str(const cJSON *o, const char *key, int required,
                      const char *path, const char *field, char **out,
                      struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  const char *s;
  int rc;

  *out = NULL;
  if (v == NULL || cJSON_IsNull(v)) {
    if (required)
      return sk_error_set(err, SK_EPARSE, "%s: %s is missing", path, field);
    return 0;
  }
  rc = sk_json_str_at(v, path, field, &s, err);
  if (rc < 0)
    return rc;
  if (rc == 0)
    return sk_error_set(err, SK_EPARSE, "%s: %s must be a string", path, field);
  if (!sk_utf8_valid(s, strlen(s)))
    return sk_error_set(err, SK_EPARSE, "%s: %s is not valid UTF-8", path,
                        field);
  if (required && s[0] == '\0')
    return sk_error_set(err, SK_EPARSE, "%s: %s is empty", path, field);
  *out = strdup(s);
  if (*out == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  return 0;
}

int sk_review_get_int(const cJSON *o, const char *key, int required,
                      long long min, long long max, const char *path,
                      const char *field, long long *out, int *present,
                      struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

  if (present != NULL)
    *present = 0;
  if (v == NULL || cJSON_IsNull(v)) {
    if (required)
      return sk_error_set(err, SK_EPARSE, "%s: %s is missing", path, field);
    return 0;
  }
  if (!sk_json_int(v, min, max, out))
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s must be a whole number from %lld to %lld", path,
                        field, min, max);
  if (present != NULL)
    *present = 1;
  return 0;
}

/* "<field>.<key>" for messages, in buf. */
static const char *sub(char *buf, size_t size, const char *field,
                       const char *key) {
  /* Names are short ("reviews[3].score"); a longer one is cut, never
   * overrun, and only a message would show it. */
  if (snprintf(buf, size, "%s.%s", field, key) >= (int)size)
    buf[size - 1] = '\0';
  return buf;
}

/* An int-sized count in [0, SK_REVIEW_MAX_COUNT], 0 when absent. */
static int get_count(const cJSON *o, const char *key, const char *path,
                     const char *field, int *out, struct sk_error *err) {
  char name[96];
  long long v = 0;
  int rc =
      sk_review_get_int(o, key, 0, 0, SK_REVIEW_MAX_COUNT, path,
                        sub(name, sizeof(name), field, key), &v, NULL, err);
  *out = (int)v;
  return rc;
}

/* Token counts and the cost, from the object u ("usage" in a scorecard,
 * the line itself in the journal). */
static int read_usage(const cJSON *u, const char *path, const char *field,
                      struct sk_review *r, struct sk_error *err) {
  const cJSON *cost = cJSON_GetObjectItemCaseSensitive(u, "cost_usd");
  char name[96];
  long long in = 0;
  long long out = 0;
  int rc;

  rc = sk_review_get_int(u, "prompt_tokens", 0, 0, SK_JSON_INT_MAX, path,
                         sub(name, sizeof(name), field, "prompt_tokens"), &in,
                         NULL, err);
  if (rc == 0)
    rc = sk_review_get_int(u, "completion_tokens", 0, 0, SK_JSON_INT_MAX, path,
                           sub(name, sizeof(name), field, "completion_tokens"),
                           &out, NULL, err);
  if (rc != 0)
    return rc;
  r->prompt_tokens = (long)in;
  r->completion_tokens = (long)out;
  r->cost_usd = -1;
  if (cost != NULL && !cJSON_IsNull(cost) &&
      !sk_json_num(cost, 0, 1e9, &r->cost_usd))
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.cost_usd must be a number from 0", path, field);
  return 0;
}

/* status, and for an accepted review its score, verdict and paragraph. */
static int read_outcome(const cJSON *o, const char *path, const char *field,
                        struct sk_review *r, struct sk_error *err) {
  const char *status =
      sk_json_strval(cJSON_GetObjectItemCaseSensitive(o, "status"));
  const char *verdict;
  char name[96];
  long long score = 0;
  int rc;

  if (status == NULL ||
      (strcmp(status, "ok") != 0 && strcmp(status, "failed") != 0))
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.status must be \"ok\" or \"failed\"", path,
                        field);
  if (strcmp(status, "failed") == 0) {
    /* A failed review's score, verdict and paragraph are null: whatever a
     * file says there was never accepted, so it is not read. */
    r->status = SK_REVIEW_FAILED;
    return 0;
  }
  r->status = SK_REVIEW_OK;
  rc = sk_review_get_int(o, "score", 1, 0, 100, path,
                         sub(name, sizeof(name), field, "score"), &score, NULL,
                         err);
  if (rc != 0)
    return rc;
  r->score = (int)score;
  verdict = sk_json_strval(cJSON_GetObjectItemCaseSensitive(o, "verdict"));
  if (verdict == NULL ||
      (strcmp(verdict, "ship") != 0 && strcmp(verdict, "skip") != 0))
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.verdict must be \"ship\" or \"skip\"", path,
                        field);
  memcpy(r->verdict, verdict, 5);
  return sk_review_get_str(o, "review", 1, path,
                           sub(name, sizeof(name), field, "review"), &r->text,
                           err);
}

static int read_errors(const cJSON *o, const char *path, const char *field,
                       struct sk_review *r, struct sk_error *err) {
  const cJSON *errs = cJSON_GetObjectItemCaseSensitive(o, "errors");
  const cJSON *e;

  if (errs == NULL || cJSON_IsNull(errs))
    return 0;
  if (!cJSON_IsArray(errs) || cJSON_GetArraySize(errs) > SK_REVIEW_MAX_COUNT)
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.errors must be an array of strings", path,
                        field);
  cJSON_ArrayForEach(e, errs) {
    const char *s = NULL;
    if (sk_json_str(e, &s) == SK_JSON_NUL)
      return sk_error_set(err, SK_EPARSE,
                          "%s: %s.errors holds a NUL character (\\u0000), "
                          "which is refused",
                          path, field);
    if (s == NULL || !sk_utf8_valid(s, strlen(s)))
      return sk_error_set(err, SK_EPARSE,
                          "%s: %s.errors must be an array of UTF-8 strings",
                          path, field);
    if (sk_review_add_error(r, s) != 0)
      return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  }
  return 0;
}

/* One list of a "rubric" object: an array of non-empty UTF-8 names. */
static int read_names(const cJSON *rub, const char *key, int covered,
                      const char *path, const char *field, struct sk_review *r,
                      struct sk_error *err) {
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rub, key);
  const cJSON *e;

  if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SK_REVIEW_MAX_COUNT)
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.rubric.%s must be an array of names", path,
                        field, key);
  cJSON_ArrayForEach(e, arr) {
    const char *s = sk_json_strval(e);
    if (s == NULL || s[0] == '\0' || !sk_utf8_valid(s, strlen(s)))
      return sk_error_set(err, SK_EPARSE,
                          "%s: %s.rubric.%s must be an array of names", path,
                          field, key);
    if (sk_review_add_rubric(r, covered, s) != 0)
      return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  }
  return 0;
}

/* The optional "evidence" of a "rubric" object: {name: quote}, each name
 * and quote a non-empty UTF-8 string. */
static int read_quotes(const cJSON *rub, const char *path, const char *field,
                       struct sk_review *r, struct sk_error *err) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rub, "evidence");
  const cJSON *e;

  if (ev == NULL || cJSON_IsNull(ev))
    return 0;
  if (!cJSON_IsObject(ev) || cJSON_GetArraySize(ev) > SK_PERSONA_MAX_RUBRIC)
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.rubric.evidence must be an object of quotes",
                        path, field);
  cJSON_ArrayForEach(e, ev) {
    const char *q = sk_json_strval(e);
    if (q == NULL || q[0] == '\0' || e->string[0] == '\0' ||
        !sk_utf8_valid(q, strlen(q)) ||
        !sk_utf8_valid(e->string, strlen(e->string)))
      return sk_error_set(err, SK_EPARSE,
                          "%s: %s.rubric.evidence must be an object of "
                          "quotes",
                          path, field);
    if (sk_review_add_quote(r, e->string, q) != 0)
      return sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  }
  return 0;
}

/* The optional "rubric" object: absent or null means not measured. */
static int read_rubric(const cJSON *o, const char *path, const char *field,
                       struct sk_review *r, struct sk_error *err) {
  const cJSON *rub = cJSON_GetObjectItemCaseSensitive(o, "rubric");
  int rc;

  if (rub == NULL || cJSON_IsNull(rub))
    return 0;
  if (!cJSON_IsObject(rub))
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.rubric must be an object with \"covered\" "
                        "and \"missing\"",
                        path, field);
  rc = read_names(rub, "covered", 1, path, field, r, err);
  if (rc == 0)
    rc = read_names(rub, "missing", 0, path, field, r, err);
  if (rc == 0)
    rc = read_quotes(rub, path, field, r, err);
  r->has_rubric = rc == 0;
  return rc;
}

/* The optional "calibration" object (shipskip calibrate): absent or null
 * means not calibrated; otherwise every field is checked against the
 * others, so a reader never sees more verdicts than repeats. */
static int read_calibration(const cJSON *o, const char *path, const char *field,
                            struct sk_review *r, struct sk_error *err) {
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "calibration");
  const cJSON *v;
  long long repeats;
  long long ships;
  long long skips;
  double sd;

  if (c == NULL || cJSON_IsNull(c))
    return 0;
  v = cJSON_GetObjectItemCaseSensitive(c, "verdicts");
  if (!cJSON_IsObject(c) ||
      !sk_json_int(cJSON_GetObjectItemCaseSensitive(c, "repeats"), 1,
                   SK_REVIEW_MAX_COUNT, &repeats) ||
      !sk_json_num(cJSON_GetObjectItemCaseSensitive(c, "score_sd"), 0, 100,
                   &sd) ||
      !cJSON_IsObject(v) ||
      !sk_json_int(cJSON_GetObjectItemCaseSensitive(v, "ship"), 0, repeats,
                   &ships) ||
      !sk_json_int(cJSON_GetObjectItemCaseSensitive(v, "skip"), 0, repeats,
                   &skips) ||
      ships + skips > repeats)
    return sk_error_set(err, SK_EPARSE,
                        "%s: %s.calibration must be {\"repeats\": N >= 1, "
                        "\"score_sd\": 0-100, \"verdicts\": {\"ship\", "
                        "\"skip\"}} with at most N verdicts",
                        path, field);
  r->cal_repeats = (int)repeats;
  r->cal_score_sd = sd;
  r->cal_ships = (int)ships;
  r->cal_skips = (int)skips;
  return 0;
}

/* The inputs digest: 64 lowercase hex digits, required in a journal line. */
static int read_inputs(const cJSON *o, int required, const char *path,
                       const char *field, struct sk_review *r,
                       struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "inputs");
  const char *s = sk_json_strval(v);
  size_t i;

  r->inputs[0] = '\0';
  if ((v == NULL || cJSON_IsNull(v)) && !required)
    return 0;
  if (s == NULL || strlen(s) != 64)
    goto bad;
  for (i = 0; i < 64; i++)
    if (strchr("0123456789abcdef", s[i]) == NULL)
      goto bad;
  memcpy(r->inputs, s, 65);
  return 0;
bad:
  return sk_error_set(err, SK_EPARSE,
                      "%s: %s.inputs must be 64 lowercase hex digits", path,
                      field);
}

static int read_reviewer(const cJSON *o, const char *path, const char *field,
                         struct sk_persona *p, struct sk_error *err) {
  char name[96];
  int rc = sk_review_get_str(o, "persona", 1, path,
                             sub(name, sizeof(name), field, "persona"),
                             &p->name, err);
  if (rc == 0)
    rc = sk_review_get_str(o, "display_name", 0, path,
                           sub(name, sizeof(name), field, "display_name"),
                           &p->display_name, err);
  if (rc == 0 && p->display_name == NULL) {
    p->display_name = strdup(p->name);
    if (p->display_name == NULL)
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
  }
  return rc;
}

int sk_review_from_json(const cJSON *o, enum sk_review_layout layout,
                        const char *path, const char *field,
                        struct sk_persona *p, struct sk_review *r,
                        struct sk_error *err) {
  int journal = layout == SK_REVIEW_IN_JOURNAL;
  const cJSON *usage =
      journal ? o : cJSON_GetObjectItemCaseSensitive(o, "usage");
  const cJSON *edited = cJSON_GetObjectItemCaseSensitive(o, "edited");
  char name[96];
  int rc;

  memset(r, 0, sizeof(*r));
  r->persona = p;
  r->cost_usd = -1;
  if (!cJSON_IsObject(o))
    return sk_error_set(err, SK_EPARSE, "%s: %s must be an object", path,
                        field);
  rc = read_reviewer(o, path, field, p, err);
  if (rc == 0)
    rc = read_outcome(o, path, field, r, err);
  if (rc == 0)
    rc = sk_review_get_str(o, "provider", 0, path,
                           sub(name, sizeof(name), field, "provider"),
                           &r->provider, err);
  if (rc == 0)
    rc = sk_review_get_str(o, "model", 0, path,
                           sub(name, sizeof(name), field, "model"), &r->model,
                           err);
  if (rc == 0)
    rc = get_count(o, "attempts", path, field, &r->attempts, err);
  if (rc == 0)
    rc = get_count(o, "retries", path, field, &r->retries, err);
  if (rc == 0)
    rc = read_inputs(o, journal, path, field, r, err);
  if (rc == 0)
    rc = read_errors(o, path, field, r, err);
  if (rc == 0)
    rc = read_rubric(o, path, field, r, err);
  if (rc == 0 && !journal)
    rc = read_calibration(o, path, field, r, err);
  if (rc != 0)
    return rc;
  if (edited != NULL && !cJSON_IsBool(edited))
    return sk_error_set(err, SK_EPARSE, "%s: %s.edited must be true or false",
                        path, field);
  r->edited = cJSON_IsTrue(edited);
  if (usage != NULL && !cJSON_IsNull(usage) && !cJSON_IsObject(usage))
    return sk_error_set(err, SK_EPARSE, "%s: %s.usage must be an object", path,
                        field);
  return read_usage(usage, path,
                    journal ? field : sub(name, sizeof(name), field, "usage"),
                    r, err);
}
