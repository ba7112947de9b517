/* votes.c: loading community votes from JSON or CSV, with FILE:LINE errors
 * (see votes.h). cJSON does not keep positions, so the line of each JSON
 * entry comes from a small scan of the text that follows strings and
 * nesting the way the parser does. */
#include "shipskip/model/votes.h"
#include "shipskip/util/csv.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/model/tool.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VOTES_FILE_CAP (64u * 1024 * 1024)

/* Growing list of entries while a file is read. */
struct list {
  struct sk_vote *v;
  size_t n;
  size_t size;
};

static void list_free(struct list *l) {
  size_t i;
  for (i = 0; i < l->n; i++)
    free(l->v[i].slug);
  free(l->v);
  memset(l, 0, sizeof(*l));
}

static int list_add(struct list *l, const char *slug, long long ship,
                    long long skip, long line) {
  if (l->n == l->size) {
    size_t nsize = l->size ? l->size * 2 : 16;
    struct sk_vote *p = realloc(l->v, nsize * sizeof(*p));
    if (p == NULL)
      return SK_ENOMEM;
    l->v = p;
    l->size = nsize;
  }
  l->v[l->n].slug = strdup(slug);
  if (l->v[l->n].slug == NULL)
    return SK_ENOMEM;
  l->v[l->n].ship = ship;
  l->v[l->n].skip = skip;
  l->v[l->n].line = line;
  l->n++;
  return 0;
}

static int by_slug_then_line(const void *a, const void *b) {
  const struct sk_vote *x = a;
  const struct sk_vote *y = b;
  int c = strcmp(x->slug, y->slug);
  if (c != 0)
    return c;
  return (x->line > y->line) - (x->line < y->line);
}

/* Sorts the entries, refuses duplicates, and hands them over as *out. */
static int finish(struct list *l, const char *name, struct sk_votes **out,
                  struct sk_error *err) {
  struct sk_votes *v;
  size_t i;

  if (l->n > 1)
    qsort(l->v, l->n, sizeof(l->v[0]), by_slug_then_line);
  for (i = 1; i < l->n; i++)
    if (strcmp(l->v[i - 1].slug, l->v[i].slug) == 0)
      return sk_error_set(err, SK_EPARSE,
                          "%s:%ld: \"%s\" has votes already (line %ld); give "
                          "each slug once",
                          name, l->v[i].line, l->v[i].slug, l->v[i - 1].line);
  v = malloc(sizeof(*v));
  if (v == NULL)
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", name);
  v->v = l->v;
  v->n = l->n;
  memset(l, 0, sizeof(*l));
  *out = v;
  return 0;
}

static int check_slug(const char *slug, const char *name, long line,
                      struct sk_error *err) {
  if (sk_slug_is_safe(slug))
    return 0;
  return sk_error_set(err, SK_EPARSE,
                      "%s:%ld: \"%.80s\" is not a slug (lowercase letters, "
                      "digits and '-', as in the scorecard's file name)",
                      name, line, slug);
}

/* ---- JSON ---- */

/* Returns the line (from 1) of offset off in text. */
static long line_of(const char *text, size_t off) {
  long line = 1;
  size_t i;
  for (i = 0; i < off; i++)
    if (text[i] == '\n')
      line++;
  return line;
}

/* Fills lines[0..n) with the line on which each element (array item or
 * object member) of the top-level container starts. Entries past the ones
 * found keep line 0. */
static void element_lines(const char *text, size_t len, long *lines, size_t n) {
  size_t i;
  size_t k = 0;
  int depth = 0;
  int in_string = 0;
  int want = 0; /* the next non-space byte at depth 1 starts an element */
  long line = 1;

  for (i = 0; i < n; i++)
    lines[i] = 0;
  for (i = 0; i < len && k < n; i++) {
    char c = text[i];
    if (c == '\n')
      line++;
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = 0;
      continue;
    }
    if (want && depth == 1 && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      lines[k++] = line;
      want = 0;
    }
    if (c == '"')
      in_string = 1;
    else if (c == '{' || c == '[') {
      depth++;
      if (depth == 1)
        want = 1;
    } else if (c == '}' || c == ']')
      depth--;
    else if (c == ',' && depth == 1)
      want = 1;
  }
}

/* Reads the count key of obj into *n, or fails naming what is wrong. */
static int json_count(const cJSON *obj, const char *key, const char *slug,
                      const char *name, long line, long long *n,
                      struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  double d;

  if (v == NULL)
    return sk_error_set(err, SK_EPARSE, "%s:%ld: \"%s\" has no %s count", name,
                        line, slug, key);
  if (!cJSON_IsNumber(v))
    return sk_error_set(err, SK_EPARSE,
                        "%s:%ld: \"%s\": %s must be a number, not %s", name,
                        line, slug, key,
                        cJSON_IsString(v)   ? "a string"
                        : cJSON_IsNull(v)   ? "null"
                        : cJSON_IsBool(v)   ? "true/false"
                        : cJSON_IsArray(v)  ? "an array"
                        : cJSON_IsObject(v) ? "an object"
                                            : "this");
  if (sk_json_int(v, 0, SK_VOTES_MAX, n))
    return 0;
  /* Out of bounds or not whole: say which, in a count's terms. */
  d = v->valuedouble;
  if (d < 0)
    return sk_error_set(err, SK_EPARSE,
                        "%s:%ld: \"%s\": %s is %g; a count is a whole number "
                        "from 0",
                        name, line, slug, key, d);
  if (d != floor(d))
    return sk_error_set(err, SK_EPARSE,
                        "%s:%ld: \"%s\": %s is %g, not a whole number", name,
                        line, slug, key, d);
  return sk_error_set(err, SK_EPARSE,
                      "%s:%ld: \"%s\": %s is %g, more than the %lld limit",
                      name, line, slug, key, d, SK_VOTES_MAX);
}

/* Checks that obj holds only the allowed keys. */
static int json_only_keys(const cJSON *obj, const char *const *allowed,
                          const char *slug, const char *name, long line,
                          struct sk_error *err) {
  const cJSON *m;
  for (m = obj->child; m != NULL; m = m->next) {
    size_t i;
    int ok = 0;
    for (i = 0; allowed[i] != NULL; i++)
      if (strcmp(m->string, allowed[i]) == 0)
        ok = 1;
    if (!ok)
      return sk_error_set(err, SK_EPARSE,
                          "%s:%ld: \"%s\": unknown field \"%.60s\" (allowed: "
                          "%s)",
                          name, line, slug, m->string,
                          allowed[0] != NULL && strcmp(allowed[0], "slug") == 0
                              ? "slug, ship, skip"
                              : "ship, skip");
  }
  return 0;
}

static int parse_json(const char *text, size_t len, const char *name,
                      struct list *l, struct sk_error *err) {
  static const char *const COUNTS[] = {"ship", "skip", NULL};
  static const char *const ITEM[] = {"slug", "ship", "skip", NULL};
  const char *end = NULL;
  cJSON *root = sk_json_parse(text, len, &end);
  long *lines = NULL;
  const cJSON *e;
  size_t n;
  size_t i;
  int rc = 0;

  if (root == NULL) {
    const char *at = cJSON_GetErrorPtr();
    size_t off =
        at != NULL && at >= text && at <= text + len ? (size_t)(at - text) : 0;
    return sk_error_set(err, SK_EPARSE,
                        "%s:%ld: malformed JSON (expected an object of "
                        "{\"ship\": N, \"skip\": M} by slug, or an array of "
                        "{\"slug\", \"ship\", \"skip\"})",
                        name, line_of(text, off));
  }
  if (!cJSON_IsObject(root) && !cJSON_IsArray(root)) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s:1: votes must be a JSON object or array", name);
    goto out;
  }
  n = (size_t)cJSON_GetArraySize(root);
  lines = calloc(n ? n : 1, sizeof(*lines));
  if (lines == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", name);
    goto out;
  }
  element_lines(text, len, lines, n);
  for (e = root->child, i = 0; e != NULL && rc == 0; e = e->next, i++) {
    long line = lines[i];
    const char *slug;
    long long ship = 0;
    long long skip = 0;

    if (cJSON_IsArray(root)) {
      const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "slug");
      const char *s_text = NULL;
      if (!cJSON_IsObject(e)) {
        rc = sk_error_set(err, SK_EPARSE,
                          "%s:%ld: item %zu is not an object like {\"slug\": "
                          "..., \"ship\": N, \"skip\": M}",
                          name, line, i + 1);
        break;
      }
      if (sk_json_str(s, &s_text) == SK_JSON_NUL) {
        rc = sk_error_set(err, SK_EPARSE,
                          "%s:%ld: item %zu: \"slug\" holds a NUL character "
                          "(\\u0000), which is refused",
                          name, line, i + 1);
        break;
      }
      if (s_text == NULL) {
        rc = sk_error_set(err, SK_EPARSE,
                          "%s:%ld: item %zu has no \"slug\" string", name, line,
                          i + 1);
        break;
      }
      slug = s_text;
      rc = check_slug(slug, name, line, err);
      if (rc == 0)
        rc = json_only_keys(e, ITEM, slug, name, line, err);
    } else {
      slug = e->string;
      rc = check_slug(slug, name, line, err);
      if (rc == 0 && !cJSON_IsObject(e))
        rc = sk_error_set(err, SK_EPARSE,
                          "%s:%ld: \"%s\" must map to {\"ship\": N, "
                          "\"skip\": M}",
                          name, line, slug);
      if (rc == 0)
        rc = json_only_keys(e, COUNTS, slug, name, line, err);
    }
    if (rc == 0)
      rc = json_count(e, "ship", slug, name, line, &ship, err);
    if (rc == 0)
      rc = json_count(e, "skip", slug, name, line, &skip, err);
    if (rc == 0 && list_add(l, slug, ship, skip, line) != 0)
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", name);
  }
out:
  free(lines);
  cJSON_Delete(root);
  return rc;
}

/* ---- CSV ---- */

static void trim(char **s) {
  char *p = *s;
  size_t n;
  while (*p == ' ' || *p == '\t')
    p++;
  n = strlen(p);
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
    p[--n] = '\0';
  *s = p;
}

static int csv_count(char *field, const char *key, const char *slug,
                     const char *name, long line, long long *n,
                     struct sk_error *err) {
  const char *p;
  long long v = 0;

  trim(&field);
  if (*field == '\0')
    return sk_error_set(err, SK_EPARSE, "%s:%ld: \"%s\": %s is empty", name,
                        line, slug, key);
  p = field;
  if (*p == '-' || *p == '+')
    p++;
  if (*p == '\0' || strspn(p, "0123456789") != strlen(p)) {
    char *end;
    double d = strtod(field, &end);
    if (*end == '\0' && end != field && d == d)
      return sk_error_set(err, SK_EPARSE,
                          "%s:%ld: \"%s\": %s is %.40s, not a whole number",
                          name, line, slug, key, field);
    return sk_error_set(err, SK_EPARSE,
                        "%s:%ld: \"%s\": %s is \"%.40s\", not a number", name,
                        line, slug, key, field);
  }
  if (*field == '-') {
    int zero = strspn(p, "0") == strlen(p);
    if (!zero)
      return sk_error_set(err, SK_EPARSE,
                          "%s:%ld: \"%s\": %s is %.40s; a count is a whole "
                          "number from 0",
                          name, line, slug, key, field);
  }
  for (; *p != '\0'; p++) {
    v = v * 10 + (*p - '0');
    if (v > SK_VOTES_MAX)
      return sk_error_set(err, SK_EPARSE,
                          "%s:%ld: \"%s\": %s is %.40s, more than the %lld "
                          "limit",
                          name, line, slug, key, field, SK_VOTES_MAX);
  }
  *n = v;
  return 0;
}

static int parse_csv(const char *text, size_t len, const char *name,
                     struct list *l, struct sk_error *err) {
  struct sk_csv_reader r;
  struct sk_csv_record rec;
  int col_slug = -1;
  int col_ship = -1;
  int col_skip = -1;
  size_t ncols;
  size_t i;
  int rc;

  sk_csv_reader_init(&r, text, len, name);
  sk_csv_record_init(&rec);
  rc = sk_csv_next(&r, &rec, err);
  if (rc == 0)
    rc = sk_error_set(err, SK_EPARSE,
                      "%s:1: empty file; expected the header slug,ship,skip",
                      name);
  if (rc < 0)
    goto out;
  ncols = rec.n;
  for (i = 0; i < rec.n; i++) {
    char *h = rec.fields[i];
    int *col;
    trim(&h);
    col = strcmp(h, "slug") == 0   ? &col_slug
          : strcmp(h, "ship") == 0 ? &col_ship
          : strcmp(h, "skip") == 0 ? &col_skip
                                   : NULL;
    if (col == NULL) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s:%ld: unknown column \"%.60s\"; the header must be "
                        "slug,ship,skip",
                        name, rec.line, h);
      goto out;
    }
    if (*col >= 0) {
      rc = sk_error_set(err, SK_EPARSE, "%s:%ld: column \"%s\" given twice",
                        name, rec.line, h);
      goto out;
    }
    *col = (int)i;
  }
  if (col_slug < 0 || col_ship < 0 || col_skip < 0) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s:%ld: the header must name the columns slug, ship "
                      "and skip",
                      name, rec.line);
    goto out;
  }
  for (;;) {
    char *slug;
    long long ship = 0;
    long long skip = 0;

    rc = sk_csv_next(&r, &rec, err);
    if (rc <= 0)
      break;
    if (rec.n != ncols) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s:%ld: %zu field%s; the header has %zu (slug,ship,"
                        "skip)",
                        name, rec.line, rec.n, rec.n == 1 ? "" : "s", ncols);
      break;
    }
    slug = rec.fields[col_slug];
    trim(&slug);
    rc = check_slug(slug, name, rec.line, err);
    if (rc == 0)
      rc = csv_count(rec.fields[col_ship], "ship", slug, name, rec.line, &ship,
                     err);
    if (rc == 0)
      rc = csv_count(rec.fields[col_skip], "skip", slug, name, rec.line, &skip,
                     err);
    if (rc == 0 && list_add(l, slug, ship, skip, rec.line) != 0)
      rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", name);
    if (rc != 0)
      break;
  }
out:
  sk_csv_record_cleanup(&rec);
  return rc < 0 ? rc : 0;
}

int sk_votes_parse(const char *text, size_t len, const char *name,
                   struct sk_votes **out, struct sk_error *err) {
  struct list l = {0};
  size_t i = 0;
  int rc;

  *out = NULL;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                     text[i] == '\r'))
    i++;
  if (i < len && (text[i] == '{' || text[i] == '['))
    rc = parse_json(text, len, name, &l, err); /* cJSON skips a BOM too */
  else
    rc = parse_csv(text, len, name, &l, err);
  if (rc == 0)
    rc = finish(&l, name, out, err);
  list_free(&l);
  return rc;
}

int sk_votes_load(const char *path, struct sk_votes **out,
                  struct sk_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc;

  *out = NULL;
  rc = sk_fs_read_file(path, VOTES_FILE_CAP, &text, &len, err);
  if (rc == 0)
    rc = sk_votes_parse(text, len, path, out, err);
  free(text);
  return rc;
}

static int cmp_key(const void *key, const void *elem) {
  const struct sk_vote *v = elem;
  return strcmp(key, v->slug);
}

const struct sk_vote *sk_votes_find(const struct sk_votes *v,
                                    const char *slug) {
  if (v == NULL || v->n == 0 || slug == NULL)
    return NULL;
  return bsearch(slug, v->v, v->n, sizeof(v->v[0]), cmp_key);
}

void sk_votes_free(struct sk_votes *v) {
  size_t i;
  if (v == NULL)
    return;
  for (i = 0; i < v->n; i++)
    free(v->v[i].slug);
  free(v->v);
  free(v);
}

int sk_votes_percent(long long ship, long long skip) {
  long long total = ship + skip;
  if (total <= 0)
    return 0;
  /* Integer arithmetic, halves up, as the panel's ship percent. */
  return (int)((ship * 200 + total) / (2 * total));
}

void sk_votes_format(long long ship, long long skip, char *buf, size_t size) {
  long long total = ship + skip;
  if (total <= 0) {
    snprintf(buf, size, "No community votes yet");
    return;
  }
  snprintf(buf, size, "%d%% ship · %lld vote%s", sk_votes_percent(ship, skip),
           total, total == 1 ? "" : "s");
}
