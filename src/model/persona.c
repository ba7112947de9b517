/* persona.c: loading and checking persona files (see persona.h). */
#include "shipskip/model/persona.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/util/names.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERSONA_FILE_CAP (256 * 1024)

void sk_persona_cleanup(struct sk_persona *p) {
  size_t i;

  if (p == NULL)
    return;
  for (i = 0; i < p->nrubric; i++) {
    free(p->rubric[i].name);
    free(p->rubric[i].ask);
    free(p->rubric[i].missing);
    free(p->rubric[i].pattern);
  }
  free(p->rubric);
  free(p->name);
  free(p->display_name);
  free(p->lens);
  free(p->provider);
  free(p->model);
  free(p->source);
  memset(p, 0, sizeof(*p));
}

/* Copies a string member into *dst. Absent is fine unless required. */
static int get_str(const cJSON *obj, const char *key, int required, char **dst,
                   const char *source, const char *where,
                   struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

  *dst = NULL;
  if (v == NULL || cJSON_IsNull(v)) {
    if (required)
      return sk_error_set(err, SK_EMISSING, "%s: %s\"%s\" is missing", source,
                          where, key);
    return 0;
  }
  if (sk_json_strval(v) == NULL || sk_json_strval(v)[0] == '\0')
    return sk_error_set(
        err, SK_EPARSE, "%s: %s\"%s\" must be a non-empty string%s", source,
        where, key, cJSON_IsString(v) ? " without NUL (\\u0000)" : "");
  *dst = strdup(sk_json_strval(v));
  if (*dst == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  return 0;
}

size_t sk_persona_min_rubric(const struct sk_persona *p) {
  if (p->has_min_rubric && p->min_rubric >= 0)
    return (size_t)p->min_rubric < p->nrubric ? (size_t)p->min_rubric
                                              : p->nrubric;
  return p->nrubric > 0 ? p->nrubric - 1 : 0;
}

/* Reads the optional "min_rubric" once the rubric is known: it counts
 * elements, so it cannot be more than the file has. */
static int get_min_rubric(const cJSON *root, struct sk_persona *p,
                          struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "min_rubric");
  long long n;

  if (v == NULL)
    return 0;
  if (!sk_json_int(v, 0, (long long)p->nrubric, &n))
    return sk_error_set(err, SK_EPARSE,
                        "%s: \"min_rubric\" must be an integer from 0 to %zu "
                        "(the number of rubric elements)",
                        p->source, p->nrubric);
  p->has_min_rubric = 1;
  p->min_rubric = (int)n;
  return 0;
}

int sk_persona_parse(const char *json, size_t len, const char *name,
                     const char *source, struct sk_persona *p,
                     struct sk_error *err) {
  cJSON *root;
  const cJSON *v;
  const cJSON *item;
  int rc = 0;
  size_t i = 0;

  memset(p, 0, sizeof(*p));
  p->temperature = -1;
  root = sk_json_parse(json, len, NULL);
  if (root == NULL)
    return sk_error_set(err, SK_EPARSE, "%s: malformed JSON", source);
  if (!cJSON_IsObject(root)) {
    rc = sk_error_set(err, SK_EPARSE, "%s: not a JSON object", source);
    goto out;
  }
  p->name = strdup(name);
  p->source = strdup(source);
  if (p->name == NULL || p->source == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto out;
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "name");
  if (v != NULL &&
      (sk_json_strval(v) == NULL || strcmp(sk_json_strval(v), name) != 0)) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: \"name\" must match the file name \"%s\"", source,
                      name);
    goto out;
  }
  if ((rc = get_str(root, "display_name", 1, &p->display_name, source, "",
                    err)) != 0 ||
      (rc = get_str(root, "lens", 1, &p->lens, source, "", err)) != 0 ||
      (rc = get_str(root, "provider", 0, &p->provider, source, "", err)) != 0 ||
      (rc = get_str(root, "model", 0, &p->model, source, "", err)) != 0)
    goto out;

  /* Numbers go through sk_json_int/sk_json_num: a cast of 1e300 to int is
   * undefined behaviour, not an error message. */
  v = cJSON_GetObjectItemCaseSensitive(root, "order");
  p->order = 1000;
  if (v != NULL) {
    long long order;
    if (!sk_json_int(v, INT_MIN, INT_MAX, &order)) {
      rc = sk_error_set(err, SK_EPARSE, "%s: \"order\" must be an integer",
                        source);
      goto out;
    }
    p->order = (int)order;
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "temperature");
  if (v != NULL && !cJSON_IsNull(v) && !sk_json_num(v, 0, 2, &p->temperature)) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: \"temperature\" must be a number from 0 to 2",
                      source);
    goto out;
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "max_tokens");
  if (v != NULL && !cJSON_IsNull(v)) {
    long long max_tokens;
    if (!sk_json_int(v, 1, 1000000, &max_tokens)) {
      rc =
          sk_error_set(err, SK_EPARSE,
                       "%s: \"max_tokens\" must be a positive integer", source);
      goto out;
    }
    p->max_tokens = (long)max_tokens;
  }

  v = cJSON_GetObjectItemCaseSensitive(root, "rubric");
  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: \"rubric\" must be a non-empty array", source);
    goto out;
  }
  if (cJSON_GetArraySize(v) > SK_PERSONA_MAX_RUBRIC) {
    rc = sk_error_set(err, SK_EPARSE, "%s: \"rubric\" has more than %d items",
                      source, SK_PERSONA_MAX_RUBRIC);
    goto out;
  }
  p->rubric = calloc((size_t)cJSON_GetArraySize(v), sizeof(*p->rubric));
  if (p->rubric == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto out;
  }
  cJSON_ArrayForEach(item, v) {
    struct sk_rubric_item *r = &p->rubric[i];
    char where[64];
    snprintf(where, sizeof(where), "rubric item %zu: ", i + 1);
    p->nrubric = ++i;
    if (!cJSON_IsObject(item)) {
      rc = sk_error_set(err, SK_EPARSE, "%s: %smust be an object", source,
                        where);
      goto out;
    }
    if ((rc = get_str(item, "name", 1, &r->name, source, where, err)) != 0 ||
        (rc = get_str(item, "ask", 1, &r->ask, source, where, err)) != 0 ||
        (rc = get_str(item, "missing", 1, &r->missing, source, where, err)) !=
            0 ||
        (rc = get_str(item, "pattern", 1, &r->pattern, source, where, err)) !=
            0)
      goto out;
  }
  rc = get_min_rubric(root, p, err);
out:
  cJSON_Delete(root);
  if (rc != 0)
    sk_persona_cleanup(p);
  return rc;
}

void sk_panel_def_cleanup(struct sk_panel_def *panel) {
  size_t i;

  if (panel == NULL)
    return;
  for (i = 0; i < panel->n; i++)
    sk_persona_cleanup(&panel->personas[i]);
  free(panel->personas);
  panel->personas = NULL;
  panel->n = 0;
}

static int cmp_persona(const void *a, const void *b) {
  const struct sk_persona *x = a;
  const struct sk_persona *y = b;
  if (x->order != y->order)
    return x->order < y->order ? -1 : 1;
  return strcmp(x->name, y->name);
}

const struct sk_persona *sk_panel_def_find(const struct sk_panel_def *panel,
                                           const char *name) {
  size_t i;
  for (i = 0; i < panel->n; i++)
    if (strcmp(panel->personas[i].name, name) == 0)
      return &panel->personas[i];
  return NULL;
}

/* Checks that every name in only exists in the panel; known lists every
 * persona the directory has, for the message. */
static int check_only(const struct sk_panel_def *panel, const char *only,
                      const char *dir, const char *known,
                      struct sk_error *err) {
  const char *cur = only;
  const char *item;
  size_t len;
  while (sk_names_next(&cur, &item, &len)) {
    size_t i;
    int found = 0;
    for (i = 0; i < panel->n; i++)
      if (strlen(panel->personas[i].name) == len &&
          strncmp(panel->personas[i].name, item, len) == 0)
        found = 1;
    if (!found)
      return sk_error_set(err, SK_ECONFIG,
                          "unknown persona \"%.*s\" (%s has: %s)", (int)len,
                          item, dir, known);
  }
  return 0;
}

/* Sorts a loaded panel and keeps the personas named in only (all when
 * NULL). dir names where they came from, for messages. An empty panel or an
 * unknown name is SK_ECONFIG; the caller frees the panel on error. */
static int finish_panel(struct sk_panel_def *panel, const char *only,
                        const char *dir, struct sk_error *err) {
  char known[512] = "";
  size_t used = 0;
  size_t i;
  size_t kept;
  int rc;

  if (panel->n == 0)
    return sk_error_set(err, SK_ECONFIG, "%s: no persona files (*.json)", dir);
  qsort(panel->personas, panel->n, sizeof(*panel->personas), cmp_persona);
  if (only == NULL)
    return 0;
  for (i = 0; i < panel->n && used < sizeof(known) - 1; i++) {
    int w = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
                     panel->personas[i].name);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  rc = check_only(panel, only, dir, known, err);
  if (rc != 0)
    return rc;
  /* Keep the selected personas, in panel order. */
  for (i = 0, kept = 0; i < panel->n; i++) {
    if (sk_names_has(only, panel->personas[i].name))
      panel->personas[kept++] = panel->personas[i];
    else
      sk_persona_cleanup(&panel->personas[i]);
  }
  panel->n = kept;
  return 0;
}

int sk_panel_def_load(const char *dir, const char *only,
                      struct sk_panel_def *panel, struct sk_error *err) {
  DIR *d;
  struct dirent *e;
  size_t cap = 0;
  int rc = 0;

  panel->personas = NULL;
  panel->n = 0;
  d = opendir(dir);
  if (d == NULL)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: cannot read persona directory: %s (use "
                        "--personas-dir)",
                        dir, strerror(errno));
  /* Every file is loaded, selected or not: a broken persona file is a
   * broken panel, and the full list makes a good "unknown persona" hint. */
  while ((e = readdir(d)) != NULL) {
    char path[4096];
    char name[256];
    size_t len = strlen(e->d_name);
    char *text = NULL;
    size_t tlen = 0;
    if (e->d_name[0] == '.' || len < 6 || len - 5 >= sizeof(name) ||
        strcmp(e->d_name + len - 5, ".json") != 0)
      continue;
    memcpy(name, e->d_name, len - 5);
    name[len - 5] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    if (panel->n == cap) {
      size_t ncap = cap ? cap * 2 : 8;
      struct sk_persona *p = realloc(panel->personas, ncap * sizeof(*p));
      if (p == NULL) {
        rc = sk_error_set(err, SK_ENOMEM, "out of memory");
        goto out;
      }
      panel->personas = p;
      cap = ncap;
    }
    rc = sk_fs_read_file(path, PERSONA_FILE_CAP, &text, &tlen, err);
    if (rc == 0)
      rc = sk_persona_parse(text, tlen, name, path, &panel->personas[panel->n],
                            err);
    free(text);
    if (rc != 0) {
      if (err != NULL)
        err->code = SK_ECONFIG;
      rc = SK_ECONFIG;
      goto out;
    }
    panel->n++;
  }
  rc = finish_panel(panel, only, dir, err);
out:
  closedir(d);
  if (rc != 0)
    sk_panel_def_cleanup(panel);
  return rc;
}

int sk_panel_def_load_texts(const struct sk_persona_text *files, size_t n,
                            const char *where, const char *only,
                            struct sk_panel_def *panel, struct sk_error *err) {
  size_t i;
  int rc = 0;

  panel->personas = calloc(n > 0 ? n : 1, sizeof(*panel->personas));
  panel->n = 0;
  if (panel->personas == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  for (i = 0; i < n && rc == 0; i++) {
    char name[256];
    char source[512];
    const char *base = strrchr(files[i].file, '/');
    size_t len;
    base = base != NULL ? base + 1 : files[i].file;
    len = strlen(base);
    /* The same names as a directory gives: the stem of a *.json file. */
    if (len < 6 || len - 5 >= sizeof(name) ||
        strcmp(base + len - 5, ".json") != 0)
      continue;
    memcpy(name, base, len - 5);
    name[len - 5] = '\0';
    snprintf(source, sizeof(source), "%s:%s", where, files[i].file);
    rc = sk_persona_parse(files[i].text, files[i].len, name, source,
                          &panel->personas[panel->n], err);
    if (rc != 0) {
      if (err != NULL)
        err->code = SK_ECONFIG;
      rc = SK_ECONFIG;
    } else {
      panel->n++;
    }
  }
  if (rc == 0)
    rc = finish_panel(panel, only, where, err);
  if (rc != 0)
    sk_panel_def_cleanup(panel);
  return rc;
}
