/* diff.c: word-level paragraph diffs and the scorecard diff report (see
 * diff.h). */
#include "shipskip/desk/diff.h"
#include "shipskip/util/jsonfmt.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RED "\033[31m"
#define GREEN "\033[32m"
#define RESET "\033[0m"

struct word {
  const char *s;
  size_t len;
};

/* Splits s into words (runs of anything but white space). */
static int split_words(const char *s, struct word **out, size_t *n) {
  size_t cap = 0;
  struct word *w = NULL;

  *out = NULL;
  *n = 0;
  while (s != NULL && *s != '\0') {
    size_t len;
    s += strspn(s, " \t\r\n");
    len = strcspn(s, " \t\r\n");
    if (len == 0)
      break;
    if (*n == cap) {
      struct word *nw;
      cap = cap ? cap * 2 : 64;
      nw = realloc(w, cap * sizeof(*nw));
      if (nw == NULL) {
        free(w);
        return SK_ENOMEM;
      }
      w = nw;
    }
    w[*n].s = s;
    w[*n].len = len;
    (*n)++;
    s += len;
  }
  *out = w;
  return 0;
}

static int same(const struct word *a, const struct word *b) {
  return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

struct op {
  enum sk_diff_op op;
  const struct word *w;
};

void sk_diff_chunks_free(struct sk_diff_chunk *c, size_t n) {
  size_t i;
  if (c == NULL)
    return;
  for (i = 0; i < n; i++)
    free(c[i].text);
  free(c);
}

/* Appends a chunk of the words of ops[from, to) whose op is `op`. */
static int add_chunk(struct sk_diff_chunk **c, size_t *n, enum sk_diff_op op,
                     const struct op *ops, size_t from, size_t to) {
  struct sk_buf b;
  struct sk_diff_chunk *nc;
  size_t i;
  int rc = 0;

  sk_buf_init(&b, (size_t)-1);
  for (i = from; i < to && rc == 0; i++) {
    if (ops[i].op != op)
      continue;
    if (b.len > 0)
      rc = sk_buf_add(&b, " ", 1);
    if (rc == 0)
      rc = sk_buf_add(&b, ops[i].w->s, ops[i].w->len);
  }
  if (rc != 0 || b.len == 0) {
    sk_buf_cleanup(&b);
    return rc;
  }
  nc = realloc(*c, (*n + 1) * sizeof(*nc));
  if (nc == NULL) {
    sk_buf_cleanup(&b);
    return SK_ENOMEM;
  }
  *c = nc;
  nc[*n].op = op;
  nc[*n].text = sk_buf_take(&b);
  if (nc[*n].text == NULL)
    return SK_ENOMEM;
  (*n)++;
  return 0;
}

/* Groups ops into chunks: a run of SAME words, then for each changed
 * stretch its deletions and then its insertions. */
static int group(const struct op *ops, size_t nops, struct sk_diff_chunk **c,
                 size_t *n) {
  size_t i = 0;
  int rc = 0;
  while (i < nops && rc == 0) {
    size_t j = i;
    int changed = ops[i].op != SK_DIFF_SAME;
    while (j < nops && (ops[j].op != SK_DIFF_SAME) == changed)
      j++;
    if (!changed) {
      rc = add_chunk(c, n, SK_DIFF_SAME, ops, i, j);
    } else {
      rc = add_chunk(c, n, SK_DIFF_DEL, ops, i, j);
      if (rc == 0)
        rc = add_chunk(c, n, SK_DIFF_INS, ops, i, j);
    }
    i = j;
  }
  return rc;
}

/* The ops for the middles a[0, n) and b[0, m): an LCS when the table fits,
 * else everything deleted and inserted. */
static int lcs(const struct word *a, size_t n, const struct word *b, size_t m,
               struct op *ops, size_t *nops) {
  uint16_t *t;
  size_t i;
  size_t j;
  size_t w = m + 1;

  if (n == 0 || m == 0 || n > 65000 || m > 65000 ||
      (n + 1) * (m + 1) > SK_DIFF_MAX_CELLS) {
    for (i = 0; i < n; i++)
      ops[(*nops)++] = (struct op){SK_DIFF_DEL, &a[i]};
    for (j = 0; j < m; j++)
      ops[(*nops)++] = (struct op){SK_DIFF_INS, &b[j]};
    return 0;
  }
  t = calloc((n + 1) * (m + 1), sizeof(*t));
  if (t == NULL)
    return SK_ENOMEM;
  /* t[i][j]: the LCS length of a[i..] and b[j..]. */
  for (i = n; i-- > 0;)
    for (j = m; j-- > 0;)
      t[i * w + j] =
          same(&a[i], &b[j])
              ? (uint16_t)(t[(i + 1) * w + j + 1] + 1)
              : (t[(i + 1) * w + j] >= t[i * w + j + 1] ? t[(i + 1) * w + j]
                                                        : t[i * w + j + 1]);
  i = 0;
  j = 0;
  while (i < n && j < m) {
    if (same(&a[i], &b[j])) {
      ops[(*nops)++] = (struct op){SK_DIFF_SAME, &a[i]};
      i++;
      j++;
    } else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) {
      ops[(*nops)++] = (struct op){SK_DIFF_DEL, &a[i++]};
    } else {
      ops[(*nops)++] = (struct op){SK_DIFF_INS, &b[j++]};
    }
  }
  while (i < n)
    ops[(*nops)++] = (struct op){SK_DIFF_DEL, &a[i++]};
  while (j < m)
    ops[(*nops)++] = (struct op){SK_DIFF_INS, &b[j++]};
  free(t);
  return 0;
}

int sk_diff_words(const char *a, const char *b, struct sk_diff_chunk **out,
                  size_t *n) {
  struct word *wa = NULL;
  struct word *wb = NULL;
  struct op *ops = NULL;
  size_t na = 0;
  size_t nb = 0;
  size_t pre = 0;
  size_t suf = 0;
  size_t nops = 0;
  size_t i;
  int rc;

  *out = NULL;
  *n = 0;
  rc = split_words(a, &wa, &na);
  if (rc == 0)
    rc = split_words(b, &wb, &nb);
  if (rc != 0)
    goto out;
  while (pre < na && pre < nb && same(&wa[pre], &wb[pre]))
    pre++;
  while (suf < na - pre && suf < nb - pre &&
         same(&wa[na - 1 - suf], &wb[nb - 1 - suf]))
    suf++;
  ops = malloc((na + nb + 1) * sizeof(*ops));
  if (ops == NULL) {
    rc = SK_ENOMEM;
    goto out;
  }
  for (i = 0; i < pre; i++)
    ops[nops++] = (struct op){SK_DIFF_SAME, &wa[i]};
  rc = lcs(wa + pre, na - pre - suf, wb + pre, nb - pre - suf, ops, &nops);
  for (i = na - suf; rc == 0 && i < na; i++)
    ops[nops++] = (struct op){SK_DIFF_SAME, &wa[i]};
  if (rc == 0)
    rc = group(ops, nops, out, n);
  if (rc != 0) {
    sk_diff_chunks_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
out:
  free(ops);
  free(wa);
  free(wb);
  return rc;
}

/* ---- the report ---- */

/* One reviewer, paired across the two sides. */
struct pair {
  const struct sk_review *a; /* NULL: only in b */
  const struct sk_review *b; /* NULL: only in a */
};

static const char *persona_of(const struct pair *p) {
  return p->a != NULL ? p->a->persona->name : p->b->persona->name;
}

static const char *display_of(const struct pair *p) {
  return p->a != NULL ? p->a->persona->display_name
                      : p->b->persona->display_name;
}

static int ok(const struct sk_review *r) {
  return r != NULL && r->status == SK_REVIEW_OK;
}

static int score_changed(const struct pair *p) {
  return ok(p->a) != ok(p->b) || (ok(p->a) && p->a->score != p->b->score);
}

static int verdict_changed(const struct pair *p) {
  return ok(p->a) != ok(p->b) ||
         (ok(p->a) && strcmp(p->a->verdict, p->b->verdict) != 0);
}

static int review_changed(const struct pair *p) {
  return ok(p->a) != ok(p->b) ||
         (ok(p->a) && strcmp(p->a->text, p->b->text) != 0);
}

static int pair_changed(const struct pair *p) {
  return p->a == NULL || p->b == NULL || score_changed(p) ||
         verdict_changed(p) || review_changed(p);
}

/* Pairs the reviewers: a's order, then those only b has, in b's order. */
static int pair_up(const struct sk_scorefile *a, const struct sk_scorefile *b,
                   struct pair **out, size_t *n) {
  struct pair *p = calloc(a->sc->nreviews + b->sc->nreviews + 1, sizeof(*p));
  size_t i;

  *out = p;
  *n = 0;
  if (p == NULL)
    return SK_ENOMEM;
  for (i = 0; i < a->sc->nreviews; i++) {
    long k = sk_scorefile_find(b, a->sc->personas[i].name);
    p[*n].a = &a->sc->reviews[i];
    p[*n].b = k >= 0 ? &b->sc->reviews[k] : NULL;
    (*n)++;
  }
  for (i = 0; i < b->sc->nreviews; i++)
    if (sk_scorefile_find(a, b->sc->personas[i].name) < 0)
      p[(*n)++] = (struct pair){NULL, &b->sc->reviews[i]};
  return 0;
}

static void short_panel(const struct sk_panel_result *p, char *buf,
                        size_t size) {
  if (p->verdict == NULL)
    snprintf(buf, size, "No verdict · %d/%d", p->ships, p->skips);
  else
    snprintf(buf, size, "%s · %d/%d", p->verdict, p->ships, p->skips);
}

static void percent_text(const struct sk_panel_result *p, char *buf,
                         size_t size) {
  if (p->reviewers > 0)
    snprintf(buf, size, "%d%%", p->ship_percent);
  else
    snprintf(buf, size, "—");
}

static void mean_text(const struct sk_panel_result *p, char *buf, size_t size) {
  if (p->reviewers > 0)
    snprintf(buf, size, "%.1f", p->mean_score);
  else
    snprintf(buf, size, "—");
}

static void review_text(const struct sk_review *r, char *buf, size_t size) {
  if (ok(r))
    snprintf(buf, size, "%d/100 %s", r->score, r->verdict);
  else
    snprintf(buf, size, "failed");
}

static int panels_differ(const struct sk_panel_result *x,
                         const struct sk_panel_result *y) {
  return strcmp(x->label, y->label) != 0 || x->failed != y->failed ||
         x->reviewers != y->reviewers ||
         (x->reviewers > 0 && (x->ship_percent != y->ship_percent ||
                               x->mean_score != y->mean_score));
}

/* Appends n words of s from word `from` on (words are single-space
 * separated, as chunks are). */
static int add_words(struct sk_buf *out, const char *s, size_t from, size_t n) {
  const char *p = s;
  const char *end;
  size_t k;
  for (k = 0; k < from && p != NULL; k++) {
    p = strchr(p, ' ');
    p = p != NULL ? p + 1 : NULL;
  }
  if (p == NULL)
    return 0;
  for (end = p, k = 0; k < n && end != NULL; k++) {
    end = strchr(end, ' ');
    end = end != NULL && k + 1 < n ? end + 1 : end;
  }
  return sk_buf_add(out, p, end != NULL ? (size_t)(end - p) : strlen(p));
}

/* Appends an unchanged run, keeping SK_DIFF_CONTEXT words next to each
 * change and eliding the rest with "...": a reader looks for the change,
 * and the JSON form keeps every word. */
static int same_text(struct sk_buf *out, const char *s, int first, int last) {
  size_t words = 1;
  const char *p;
  int rc = 0;

  for (p = s; *p != '\0'; p++)
    words += *p == ' ';
  if (first && last)
    return sk_buf_adds(out, s);
  if (first && words > SK_DIFF_CONTEXT) {
    rc |= sk_buf_adds(out, "... ");
    return rc | add_words(out, s, words - SK_DIFF_CONTEXT, SK_DIFF_CONTEXT);
  }
  if (last && words > SK_DIFF_CONTEXT) {
    rc |= add_words(out, s, 0, SK_DIFF_CONTEXT);
    return rc | sk_buf_adds(out, " ...");
  }
  if (!first && !last && words > 2 * SK_DIFF_CONTEXT + 1) {
    rc |= add_words(out, s, 0, SK_DIFF_CONTEXT);
    rc |= sk_buf_adds(out, " ... ");
    return rc | add_words(out, s, words - SK_DIFF_CONTEXT, SK_DIFF_CONTEXT);
  }
  return sk_buf_adds(out, s);
}

static int words_text(struct sk_buf *out, const struct pair *p, int color) {
  struct sk_diff_chunk *c = NULL;
  size_t n = 0;
  size_t i;
  int rc = sk_diff_words(ok(p->a) ? p->a->text : "", ok(p->b) ? p->b->text : "",
                         &c, &n);
  rc |= sk_buf_adds(out, "  ");
  for (i = 0; i < n && rc == 0; i++) {
    if (i > 0)
      rc |= sk_buf_adds(out, " ");
    if (c[i].op == SK_DIFF_SAME)
      rc |= same_text(out, c[i].text, i == 0, i + 1 == n);
    else if (color)
      rc |= sk_buf_printf(out, "%s%s%s", c[i].op == SK_DIFF_DEL ? RED : GREEN,
                          c[i].text, RESET);
    else if (c[i].op == SK_DIFF_DEL)
      rc |= sk_buf_printf(out, "[-%s-]", c[i].text);
    else
      rc |= sk_buf_printf(out, "{+%s+}", c[i].text);
  }
  rc |= sk_buf_adds(out, "\n");
  sk_diff_chunks_free(c, n);
  return rc;
}

static int render_text(const struct sk_scorefile *a,
                       const struct sk_scorefile *b,
                       const struct sk_diff_opts *o, const struct pair *p,
                       size_t np, struct sk_buf *out) {
  struct sk_panel_result pa;
  struct sk_panel_result pb;
  char x[96];
  char y[96];
  size_t i;
  int any = 0;
  int unchanged = 0;
  int rc = 0;

  sk_scorefile_panel(a, &pa);
  sk_scorefile_panel(b, &pb);
  rc |= sk_buf_printf(out, "a: %s\nb: %s\n", o->label_a ? o->label_a : "a",
                      o->label_b ? o->label_b : "b");
  if (strcmp(a->sc->tool->name, b->sc->tool->name) != 0)
    rc |= sk_buf_printf(out, "Tool    %s → %s\n", a->sc->tool->name,
                        b->sc->tool->name);
  else
    rc |= sk_buf_printf(out, "Tool    %s\n", a->sc->tool->name);
  if (!panels_differ(&pa, &pb)) {
    short_panel(&pa, x, sizeof(x));
    percent_text(&pa, y, sizeof(y));
    rc |= sk_buf_printf(out, "Panel   %s, %s ship", x, y);
    mean_text(&pa, x, sizeof(x));
    rc |= sk_buf_printf(out, ", mean %s (unchanged)\n", x);
  } else {
    any = 1;
    short_panel(&pa, x, sizeof(x));
    short_panel(&pb, y, sizeof(y));
    rc |= sk_buf_printf(out, "Panel   %s → %s\n", x, y);
    percent_text(&pa, x, sizeof(x));
    percent_text(&pb, y, sizeof(y));
    rc |= sk_buf_printf(out, "Ship    %s → %s\n", x, y);
    mean_text(&pa, x, sizeof(x));
    mean_text(&pb, y, sizeof(y));
    rc |= sk_buf_printf(out, "Mean    %s → %s\n", x, y);
  }
  for (i = 0; i < np && rc == 0; i++) {
    const struct pair *q = &p[i];
    if (!pair_changed(q)) {
      unchanged++;
      continue;
    }
    any = 1;
    if (q->b == NULL) {
      review_text(q->a, x, sizeof(x));
      rc |= sk_buf_printf(out, "\n%s: only in a (%s)\n", display_of(q), x);
      continue;
    }
    if (q->a == NULL) {
      review_text(q->b, x, sizeof(x));
      rc |= sk_buf_printf(out, "\n%s: only in b (%s)\n", display_of(q), x);
      continue;
    }
    review_text(q->a, x, sizeof(x));
    review_text(q->b, y, sizeof(y));
    if (score_changed(q) || verdict_changed(q))
      rc |= sk_buf_printf(out, "\n%s: %s → %s\n", display_of(q), x, y);
    else
      rc |=
          sk_buf_printf(out, "\n%s: %s, paragraph changed\n", display_of(q), x);
    if (review_changed(q))
      rc |= words_text(out, q, o->color);
  }
  if (unchanged > 0) {
    int first = 1;
    rc |= sk_buf_adds(out, "\nUnchanged: ");
    for (i = 0; i < np; i++) {
      if (pair_changed(&p[i]))
        continue;
      review_text(p[i].a, x, sizeof(x));
      rc |= sk_buf_printf(out, "%s%s %s", first ? "" : ", ", display_of(&p[i]),
                          x);
      first = 0;
    }
    rc |= sk_buf_adds(out, "\n");
  }
  if (!any)
    rc |= sk_buf_adds(out, "\nNo differences.\n");
  return rc != 0 ? SK_ENOMEM : 0;
}

/* ---- JSON ---- */

static cJSON *side_json(const struct sk_scorefile *s, const char *label) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL)
    return NULL;
  if (cJSON_AddStringToObject(o, "label", label ? label : "") == NULL ||
      cJSON_AddStringToObject(o, "slug", s->sc->tool->slug) == NULL ||
      cJSON_AddStringToObject(o, "name", s->sc->tool->name) == NULL) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *panel_json(const struct sk_panel_result *p) {
  cJSON *o = cJSON_CreateObject();
  int ok_ = o != NULL;
  ok_ = ok_ && (p->verdict != NULL
                    ? cJSON_AddStringToObject(o, "verdict", p->verdict) != NULL
                    : cJSON_AddNullToObject(o, "verdict") != NULL);
  ok_ = ok_ && cJSON_AddStringToObject(o, "label", p->label) != NULL;
  ok_ = ok_ && cJSON_AddNumberToObject(o, "ships", p->ships) != NULL;
  ok_ = ok_ && cJSON_AddNumberToObject(o, "skips", p->skips) != NULL;
  ok_ = ok_ && cJSON_AddNumberToObject(o, "failed", p->failed) != NULL;
  ok_ = ok_ && cJSON_AddNumberToObject(o, "reviewers", p->reviewers) != NULL;
  if (p->reviewers > 0) {
    ok_ = ok_ &&
          cJSON_AddNumberToObject(o, "ship_percent", p->ship_percent) != NULL;
    ok_ =
        ok_ && cJSON_AddNumberToObject(o, "mean_score", p->mean_score) != NULL;
  } else {
    ok_ = ok_ && cJSON_AddNullToObject(o, "ship_percent") != NULL;
    ok_ = ok_ && cJSON_AddNullToObject(o, "mean_score") != NULL;
  }
  if (!ok_) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static cJSON *review_json(const struct sk_review *r) {
  cJSON *o;
  int ok_;
  if (r == NULL)
    return cJSON_CreateNull();
  o = cJSON_CreateObject();
  ok_ = o != NULL;
  ok_ = ok_ &&
        cJSON_AddStringToObject(o, "status", ok(r) ? "ok" : "failed") != NULL;
  if (ok(r)) {
    ok_ = ok_ && cJSON_AddNumberToObject(o, "score", r->score) != NULL;
    ok_ = ok_ && cJSON_AddStringToObject(o, "verdict", r->verdict) != NULL;
    ok_ = ok_ && cJSON_AddStringToObject(o, "review", r->text) != NULL;
  } else {
    ok_ = ok_ && cJSON_AddNullToObject(o, "score") != NULL;
    ok_ = ok_ && cJSON_AddNullToObject(o, "verdict") != NULL;
    ok_ = ok_ && cJSON_AddNullToObject(o, "review") != NULL;
  }
  ok_ = ok_ && (r->model != NULL
                    ? cJSON_AddStringToObject(o, "model", r->model) != NULL
                    : cJSON_AddNullToObject(o, "model") != NULL);
  ok_ = ok_ && cJSON_AddBoolToObject(o, "edited", r->edited) != NULL;
  if (!ok_) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static const char *OP_NAMES[] = {"same", "del", "ins"};

static cJSON *pair_json(const struct pair *p) {
  cJSON *o = cJSON_CreateObject();
  cJSON *a = review_json(p->a);
  cJSON *b = review_json(p->b);
  const char *change = p->a == NULL      ? "only_b"
                       : p->b == NULL    ? "only_a"
                       : pair_changed(p) ? "changed"
                                         : "unchanged";
  int both = p->a != NULL && p->b != NULL;
  int ok_ = o != NULL && a != NULL && b != NULL;

  ok_ = ok_ && cJSON_AddStringToObject(o, "persona", persona_of(p)) != NULL;
  ok_ =
      ok_ && cJSON_AddStringToObject(o, "display_name", display_of(p)) != NULL;
  ok_ = ok_ && cJSON_AddStringToObject(o, "change", change) != NULL;
  if (ok_) {
    cJSON_AddItemToObject(o, "a", a);
    cJSON_AddItemToObject(o, "b", b);
    a = b = NULL;
  }
  ok_ = ok_ && cJSON_AddBoolToObject(o, "score_changed",
                                     both && score_changed(p)) != NULL;
  ok_ = ok_ && cJSON_AddBoolToObject(o, "verdict_changed",
                                     both && verdict_changed(p)) != NULL;
  ok_ = ok_ && cJSON_AddBoolToObject(o, "review_changed",
                                     both && review_changed(p)) != NULL;
  if (ok_ && both && review_changed(p)) {
    struct sk_diff_chunk *c = NULL;
    size_t n = 0;
    size_t i;
    cJSON *words = cJSON_AddArrayToObject(o, "words");
    ok_ =
        words != NULL && sk_diff_words(ok(p->a) ? p->a->text : "",
                                       ok(p->b) ? p->b->text : "", &c, &n) == 0;
    for (i = 0; ok_ && i < n; i++) {
      cJSON *w = cJSON_CreateObject();
      ok_ = w != NULL;
      if (ok_)
        cJSON_AddItemToArray(words, w);
      ok_ = ok_ && cJSON_AddStringToObject(w, "op", OP_NAMES[c[i].op]);
      ok_ = ok_ && cJSON_AddStringToObject(w, "text", c[i].text);
    }
    sk_diff_chunks_free(c, n);
  }
  cJSON_Delete(a);
  cJSON_Delete(b);
  if (!ok_) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static int render_json(const struct sk_scorefile *a,
                       const struct sk_scorefile *b,
                       const struct sk_diff_opts *o, const struct pair *p,
                       size_t np, struct sk_buf *out) {
  struct sk_panel_result pa;
  struct sk_panel_result pb;
  cJSON *root = cJSON_CreateObject();
  cJSON *panel;
  cJSON *reviews;
  cJSON *item;
  size_t i;
  int any;
  int ok_;
  int rc;

  sk_scorefile_panel(a, &pa);
  sk_scorefile_panel(b, &pb);
  any = panels_differ(&pa, &pb);
  for (i = 0; i < np; i++)
    any |= pair_changed(&p[i]);
  ok_ = root != NULL &&
        cJSON_AddStringToObject(root, "schema", "shipskip.diff/1") != NULL;
  if (ok_ && (item = side_json(a, o->label_a)) != NULL)
    cJSON_AddItemToObject(root, "a", item);
  else
    ok_ = 0;
  if (ok_ && (item = side_json(b, o->label_b)) != NULL)
    cJSON_AddItemToObject(root, "b", item);
  else
    ok_ = 0;
  ok_ = ok_ && cJSON_AddBoolToObject(root, "changed", any) != NULL;
  panel = ok_ ? cJSON_AddObjectToObject(root, "panel") : NULL;
  ok_ = panel != NULL && cJSON_AddBoolToObject(panel, "changed",
                                               panels_differ(&pa, &pb)) != NULL;
  if (ok_ && (item = panel_json(&pa)) != NULL)
    cJSON_AddItemToObject(panel, "a", item);
  else
    ok_ = 0;
  if (ok_ && (item = panel_json(&pb)) != NULL)
    cJSON_AddItemToObject(panel, "b", item);
  else
    ok_ = 0;
  reviews = ok_ ? cJSON_AddArrayToObject(root, "reviews") : NULL;
  ok_ = reviews != NULL;
  for (i = 0; ok_ && i < np; i++) {
    item = pair_json(&p[i]);
    if (item == NULL)
      ok_ = 0;
    else
      cJSON_AddItemToArray(reviews, item);
  }
  rc = ok_ ? sk_json_pretty(root, out) : SK_ENOMEM;
  cJSON_Delete(root);
  return rc;
}

int sk_diff_render(const struct sk_scorefile *a, const struct sk_scorefile *b,
                   const struct sk_diff_opts *o, struct sk_buf *out,
                   struct sk_error *err) {
  struct pair *p = NULL;
  size_t np = 0;
  int rc = pair_up(a, b, &p, &np);

  if (rc == 0)
    rc = o->format == SK_DIFF_JSON ? render_json(a, b, o, p, np, out)
                                   : render_text(a, b, o, p, np, out);
  free(p);
  if (rc != 0)
    return sk_error_set(err, rc, "diff: %s", sk_strerror(rc));
  return 0;
}
