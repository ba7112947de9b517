/* fixture.c: writing, reading and checking recorded exchanges (see
 * fixture.h). */
#include "shipskip/net/fixture.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/util/scrub.h"
#include "shipskip/util/sha256.h"
#include "shipskip/model/tool.h"

#include <cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIXTURE_CAP (16 * 1024 * 1024)
#define SCHEMA "shipskip.fixture/1"
/* Bounds of the numbers a fixture holds: an HTTP status, and counts of sends
 * and attempts within one review (small whole numbers that fit an int). */
#define STATUS_MIN 100
#define STATUS_MAX 599
#define COUNT_MAX 1000000

/* Copies the path of url (no scheme, host, query or fragment) into out. */
static void url_path(const char *url, char *out, size_t size) {
  const char *p = strstr(url, "://");
  size_t n;
  if (p != NULL) {
    p = strchr(p + 3, '/');
    if (p == NULL)
      p = "/";
  } else {
    p = url;
  }
  n = strcspn(p, "?#");
  if (n >= size)
    n = size - 1;
  memcpy(out, p, n);
  out[n] = '\0';
}

/* Parses exactly len bytes as one JSON value with nothing but white space
 * after it, or returns NULL. (cJSON's require_null_terminated wants a NUL
 * inside the length, which a counted buffer does not have.) */
static cJSON *parse_exact(const char *text, size_t len) {
  const char *end = NULL;
  cJSON *v = sk_json_parse(text, len, &end);
  if (v == NULL)
    return NULL;
  for (; end < text + len; end++) {
    if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
      cJSON_Delete(v);
      return NULL;
    }
  }
  return v;
}

/* parse_exact(), but NULL for a text with a string that held a NUL: such a
 * string would print back cut short, so that text is kept as it is (text
 * or hex), never as a tree. */
static cJSON *parse_nul_free(const char *text, size_t len) {
  cJSON *v = parse_exact(text, len);
  if (v != NULL && sk_json_has_nul(v, NULL, 0)) {
    cJSON_Delete(v);
    v = NULL;
  }
  return v;
}

/* The body as keyed: JSON re-printed compactly, anything else as is. */
static char *canonical_body(const char *body, size_t len) {
  cJSON *v = parse_nul_free(body, len);
  char *out;
  if (v != NULL) {
    /* cJSON_PrintUnformatted's bytes (every recorded key depends on them),
     * printed without its allocations. */
    out = sk_json_compact_str(v, NULL);
    cJSON_Delete(v);
    return out;
  }
  out = malloc(len + 1);
  if (out != NULL) {
    memcpy(out, body, len);
    out[len] = '\0';
  }
  return out;
}

static int key_of(const char *provider, const char *method, const char *path,
                  const char *canon, char key[65]) {
  struct sk_sha256 s;
  sk_sha256_init(&s);
  sk_sha256_update(&s, SCHEMA "\n", strlen(SCHEMA) + 1);
  sk_sha256_update(&s, provider, strlen(provider));
  sk_sha256_update(&s, "\n", 1);
  sk_sha256_update(&s, method, strlen(method));
  sk_sha256_update(&s, " ", 1);
  sk_sha256_update(&s, path, strlen(path));
  sk_sha256_update(&s, "\n", 1);
  sk_sha256_update(&s, canon, strlen(canon));
  sk_sha256_final_hex(&s, key);
  return 0;
}

int sk_fixture_key(const char *provider, const char *method, const char *url,
                   const char *body, size_t body_len, char key[65]) {
  char path[1024];
  char *canon = canonical_body(body != NULL ? body : "", body ? body_len : 0);
  if (canon == NULL)
    return SK_ENOMEM;
  url_path(url, path, sizeof(path));
  key_of(provider, method, path, canon, key);
  free(canon);
  return 0;
}

void sk_fixture_name(const char *key, int occurrence, char name[48]) {
  snprintf(name, 48, "%.32s-%d.json", key, occurrence);
}

/* Response headers worth keeping: they drive retries and show limits. None
 * of them carries a credential. */
static int keep_header(const char *name) {
  return strcasecmp(name, "content-type") == 0 ||
         strcasecmp(name, "retry-after") == 0 ||
         strcasecmp(name, "retry-after-ms") == 0 ||
         strncasecmp(name, "x-ratelimit-", 12) == 0 ||
         strncasecmp(name, "anthropic-ratelimit-", 20) == 0;
}

static int add_headers(cJSON *obj, const char *raw) {
  const char *p = raw != NULL ? raw : "";
  while (*p != '\0') {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    const char *colon = memchr(p, ':', len);
    if (colon != NULL && colon > p) {
      char name[128];
      char value[1024];
      size_t nlen = (size_t)(colon - p);
      const char *v = colon + 1;
      const char *end = p + len;
      size_t i;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      while (end > v && (end[-1] == '\r' || end[-1] == ' '))
        end--;
      if (nlen < sizeof(name) && (size_t)(end - v) < sizeof(value)) {
        for (i = 0; i < nlen; i++)
          name[i] = (char)tolower((unsigned char)p[i]);
        name[nlen] = '\0';
        memcpy(value, v, (size_t)(end - v));
        value[end - v] = '\0';
        if (keep_header(name) &&
            cJSON_GetObjectItemCaseSensitive(obj, name) == NULL &&
            cJSON_AddStringToObject(obj, name, value) == NULL)
          return SK_ENOMEM;
      }
    }
    if (eol == NULL)
      break;
    p = eol + 1;
  }
  return 0;
}

/* Stores a body as JSON when it is JSON, as text when it is UTF-8, else as
 * hex, so even a broken reply replays exactly. */
static int add_body(cJSON *obj, const char *body, size_t len) {
  cJSON *v = parse_nul_free(body, len);
  if (v != NULL) {
    cJSON_AddItemToObject(obj, "body", v);
    return 0;
  }
  if (sk_utf8_valid(body, len) && memchr(body, '\0', len) == NULL) {
    char *s = malloc(len + 1);
    cJSON *str;
    if (s == NULL)
      return SK_ENOMEM;
    memcpy(s, body, len);
    s[len] = '\0';
    str = cJSON_AddStringToObject(obj, "body_text", s);
    free(s);
    return str == NULL ? SK_ENOMEM : 0;
  } else {
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(2 * len + 1);
    size_t i;
    cJSON *str;
    if (s == NULL)
      return SK_ENOMEM;
    for (i = 0; i < len; i++) {
      s[2 * i] = hex[(unsigned char)body[i] >> 4];
      s[2 * i + 1] = hex[(unsigned char)body[i] & 15];
    }
    s[2 * len] = '\0';
    str = cJSON_AddStringToObject(obj, "body_hex", s);
    free(s);
    return str == NULL ? SK_ENOMEM : 0;
  }
}

int sk_fixture_write(const char *dir, const char *provider, const char *method,
                     const char *url, const char *req_body, size_t req_len,
                     const char *key, const struct sk_exchange_info *info,
                     long status, const char *headers, const char *body,
                     size_t body_len, int error, const char *message,
                     const char *recorded_at, struct sk_error *err) {
  cJSON *root = cJSON_CreateObject();
  cJSON *meta;
  cJSON *req;
  cJSON *res;
  struct sk_buf out;
  char path[1024];
  char name[48];
  int rc = SK_ENOMEM;

  sk_buf_init(&out, 64 * 1024 * 1024);
  if (root == NULL)
    goto out;
  url_path(url, path, sizeof(path));
  if (cJSON_AddStringToObject(root, "schema", SCHEMA) == NULL ||
      cJSON_AddStringToObject(root, "key", key) == NULL ||
      cJSON_AddNumberToObject(root, "occurrence", info->occurrence) == NULL)
    goto out;
  meta = cJSON_AddObjectToObject(root, "meta");
  if (meta == NULL ||
      cJSON_AddStringToObject(meta, "tool", info->tool ? info->tool : "") ==
          NULL ||
      cJSON_AddStringToObject(meta, "persona",
                              info->persona ? info->persona : "") == NULL ||
      cJSON_AddNumberToObject(meta, "attempt", info->attempt) == NULL ||
      cJSON_AddNumberToObject(meta, "retry", info->retry) == NULL)
    goto out;
  if (recorded_at != NULL &&
      cJSON_AddStringToObject(meta, "recorded_at", recorded_at) == NULL)
    goto out;
  req = cJSON_AddObjectToObject(root, "request");
  if (req == NULL ||
      cJSON_AddStringToObject(req, "provider", provider) == NULL ||
      cJSON_AddStringToObject(req, "method", method) == NULL ||
      cJSON_AddStringToObject(req, "path", path) == NULL ||
      add_body(req, req_body != NULL ? req_body : "", req_body ? req_len : 0) !=
          0)
    goto out;
  res = cJSON_AddObjectToObject(root, "response");
  if (res == NULL)
    goto out;
  if (error != 0) {
    if (cJSON_AddStringToObject(res, "error",
                                error == SK_ETIMEDOUT ? "timeout"
                                                      : "connection") == NULL ||
        cJSON_AddStringToObject(res, "message", message ? message : "") == NULL)
      goto out;
  } else {
    cJSON *h;
    if (cJSON_AddNumberToObject(res, "status", (double)status) == NULL)
      goto out;
    h = cJSON_AddObjectToObject(res, "headers");
    if (h == NULL || add_headers(h, headers) != 0 ||
        add_body(res, body != NULL ? body : "", body ? body_len : 0) != 0)
      goto out;
  }
  if (sk_json_pretty(root, &out) != 0)
    goto out;
  sk_fixture_name(key, info->occurrence, name);
  cJSON_Delete(root);
  root = NULL;
  /* A fixture is shared and checked in: whatever the server echoed of a
   * credential (scrubbed at ingress already) or the request carried is
   * replaced before the file exists. Request headers are never stored. */
  out.len = sk_scrub(out.data, out.len);
  rc = sk_fs_write_atomic(dir, name, out.data, out.len, err);
  sk_buf_cleanup(&out);
  return rc;
out:
  cJSON_Delete(root);
  sk_buf_cleanup(&out);
  return sk_error_set(err, rc, "recording a fixture: %s", sk_strerror(rc));
}

void sk_fixture_response_cleanup(struct sk_fixture_response *r) {
  if (r == NULL)
    return;
  free(r->headers);
  free(r->body);
  r->headers = NULL;
  r->body = NULL;
}

/* Rebuilds the body bytes from body / body_text / body_hex. */
static int body_from(const cJSON *obj, char **out, size_t *len) {
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(obj, "body");
  const char *t =
      sk_json_strval(cJSON_GetObjectItemCaseSensitive(obj, "body_text"));
  const char *h =
      sk_json_strval(cJSON_GetObjectItemCaseSensitive(obj, "body_hex"));
  if (b != NULL) {
    char *s = cJSON_PrintUnformatted(b);
    if (s == NULL)
      return SK_ENOMEM;
    *out = strdup(s);
    cJSON_free(s);
  } else if (t != NULL) {
    *out = strdup(t);
  } else if (h != NULL && strlen(h) % 2 == 0) {
    size_t n = strlen(h) / 2;
    size_t i;
    *out = malloc(n + 1);
    if (*out == NULL)
      return SK_ENOMEM;
    for (i = 0; i < n; i++) {
      unsigned v;
      if (sscanf(h + 2 * i, "%2x", &v) != 1) {
        free(*out);
        *out = NULL;
        return SK_EPARSE;
      }
      (*out)[i] = (char)v;
    }
    (*out)[n] = '\0';
    *len = n;
    return 0;
  } else {
    return SK_EPARSE;
  }
  if (*out == NULL)
    return SK_ENOMEM;
  *len = strlen(*out);
  return 0;
}

int sk_fixture_read(const char *dir, const char *key, int occurrence,
                    struct sk_fixture_response *out, struct sk_error *err) {
  char name[48];
  char path[4096];
  char *text = NULL;
  size_t len;
  cJSON *root = NULL;
  const cJSON *res;
  const cJSON *v;
  long long n;
  int rc;

  memset(out, 0, sizeof(*out));
  sk_fixture_name(key, occurrence, name);
  rc = sk_path_join(path, sizeof(path), dir, name, err);
  if (rc != 0)
    return rc;
  {
    /* A missing file is a miss, for the caller to describe; only other
     * failures are this function's to explain. */
    struct sk_error local;
    sk_error_clear(&local);
    rc = sk_fs_read_file(path, FIXTURE_CAP, &text, &len, &local);
    if (rc == SK_ENOENT)
      return SK_ENOENT;
    if (rc != 0)
      return sk_error_set(err, rc, "%s", local.msg);
  }
  root = parse_exact(text, len);
  if (root == NULL) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: corrupt fixture: not valid JSON (truncated?)", path);
    goto out;
  }
  {
    char where[128];
    if (sk_json_has_nul(root, where, sizeof(where))) {
      rc = sk_error_set(err, SK_EPARSE,
                        "%s: corrupt fixture: %s holds a NUL character "
                        "(\\u0000), which cannot be replayed",
                        path, where);
      goto out;
    }
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "key");
  if (sk_json_strval(v) == NULL || strcmp(sk_json_strval(v), key) != 0) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: its \"key\" does not match its file name", path);
    goto out;
  }
  res = cJSON_GetObjectItemCaseSensitive(root, "response");
  if (!cJSON_IsObject(res)) {
    rc = sk_error_set(err, SK_EPARSE, "%s: no \"response\" object", path);
    goto out;
  }
  v = cJSON_GetObjectItemCaseSensitive(res, "error");
  if (sk_json_strval(v) != NULL) {
    const char *m =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(res, "message"));
    out->error =
        strcmp(sk_json_strval(v), "timeout") == 0 ? SK_ETIMEDOUT : SK_ECONN;
    snprintf(out->message, sizeof(out->message), "%s",
             m != NULL ? m : sk_json_strval(v));
    goto out;
  }
  if (!sk_json_int(cJSON_GetObjectItemCaseSensitive(res, "status"), STATUS_MIN,
                   STATUS_MAX, &n)) {
    rc = sk_error_set(err, SK_EPARSE,
                      "%s: response \"status\" is missing or "
                      "not an HTTP status",
                      path);
    goto out;
  }
  out->status = (long)n;
  {
    struct sk_buf h;
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(res, "headers");
    const cJSON *item;
    sk_buf_init(&h, 1024 * 1024);
    cJSON_ArrayForEach(item, hs) {
      const char *value = sk_json_strval(item);
      if (value != NULL && item->string != NULL &&
          sk_buf_printf(&h, "%s: %s\r\n", item->string, value) != 0) {
        sk_buf_cleanup(&h);
        rc = sk_error_set(err, SK_ENOMEM, "out of memory");
        goto out;
      }
    }
    out->headers = sk_buf_take(&h);
    if (out->headers == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
      goto out;
    }
  }
  rc = body_from(res, &out->body, &out->body_len);
  if (rc != 0)
    rc = sk_error_set(err, rc, "%s: response body is missing or unreadable",
                      path);
out:
  cJSON_Delete(root);
  free(text);
  if (rc != 0)
    sk_fixture_response_cleanup(out);
  return rc;
}

/* ---- check and list --------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the *.json files of dir, sorted. */
static int list_json(const char *dir, char ***names, size_t *n,
                     struct sk_error *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  size_t cap = 0;

  *names = NULL;
  *n = 0;
  if (d == NULL)
    return sk_error_set(err, SK_ENOENT, "%s: cannot read fixture directory: %s",
                        dir, strerror(errno));
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json"))
      continue;
    if (*n == cap) {
      char **p = realloc(*names, (cap ? cap * 2 : 64) * sizeof(*p));
      if (p == NULL) {
        closedir(d);
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      }
      *names = p;
      cap = cap ? cap * 2 : 64;
    }
    (*names)[*n] = strdup(e->d_name);
    if ((*names)[*n] == NULL) {
      closedir(d);
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    }
    (*n)++;
  }
  closedir(d);
  if (*n > 0)
    qsort(*names, *n, sizeof(**names), cmp_str);
  return 0;
}

static void free_names(char **names, size_t n) {
  size_t i;
  for (i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

/* Finds a "Bearer <token>" in text. */
static int has_bearer(const char *text) {
  const char *p = text;
  while ((p = strstr(p, "Bearer ")) != NULL) {
    size_t n = 0;
    p += 7;
    while (isalnum((unsigned char)p[n]) || p[n] == '-' || p[n] == '_' ||
           p[n] == '.')
      n++;
    if (n >= 16)
      return 1;
  }
  return 0;
}

/* Returns a description of the first problem with one fixture, or NULL. */
static const char *check_one(const char *name, const char *text, size_t len,
                             const char *const *secret_envs, char *why,
                             size_t size) {
  cJSON *root = parse_exact(text, len);
  const cJSON *req;
  const cJSON *res;
  const cJSON *v;
  const cJSON *item;
  char key[65];
  char want[48];
  char *canon = NULL;
  size_t i;

  why[0] = '\0';
  if (root == NULL) {
    snprintf(why, size, "not valid JSON (truncated or corrupt)");
    return why;
  }
  {
    char where[128];
    if (sk_json_has_nul(root, where, sizeof(where))) {
      snprintf(why, size, "%s holds a NUL character (\\u0000)", where);
      goto out;
    }
  }
  v = cJSON_GetObjectItemCaseSensitive(root, "schema");
  req = cJSON_GetObjectItemCaseSensitive(root, "request");
  res = cJSON_GetObjectItemCaseSensitive(root, "response");
  if (sk_json_strval(v) == NULL || strcmp(sk_json_strval(v), SCHEMA) != 0) {
    snprintf(why, size, "\"schema\" is not \"%s\"", SCHEMA);
    goto out;
  }
  if (!cJSON_IsObject(req) || !cJSON_IsObject(res)) {
    snprintf(why, size, "no \"request\" or \"response\" object");
    goto out;
  }
  if (cJSON_GetObjectItemCaseSensitive(req, "headers") != NULL) {
    snprintf(why, size,
             "the request stores headers (credentials must never "
             "be recorded)");
    goto out;
  }
  cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(res, "headers")) {
    if (item->string != NULL && !keep_header(item->string)) {
      snprintf(why, size, "response header \"%s\" is not one shipskip records",
               item->string);
      goto out;
    }
  }
  {
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(req, "provider");
    const cJSON *meth = cJSON_GetObjectItemCaseSensitive(req, "method");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(req, "path");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(req, "body");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "key");
    const cJSON *occ = cJSON_GetObjectItemCaseSensitive(root, "occurrence");
    long long occurrence;
    char *s;
    if (sk_json_strval(prov) == NULL || sk_json_strval(meth) == NULL ||
        sk_json_strval(path) == NULL || sk_json_strval(k) == NULL ||
        !cJSON_IsNumber(occ)) {
      snprintf(why, size, "missing key, occurrence, provider, method or path");
      goto out;
    }
    /* Converting a double past INT_MAX to int is undefined behaviour (found
     * by fuzzing): a count of sends is a small whole number or nothing. */
    if (!sk_json_int(occ, 0, COUNT_MAX, &occurrence)) {
      snprintf(why, size, "\"occurrence\" is not a count of sends");
      goto out;
    }
    if (strchr(sk_json_strval(path), '?') != NULL) {
      snprintf(why, size, "the path has a query string (it may carry a key)");
      goto out;
    }
    if (body != NULL) {
      s = cJSON_PrintUnformatted(body);
      canon = s != NULL ? strdup(s) : NULL;
      cJSON_free(s);
    } else {
      v = cJSON_GetObjectItemCaseSensitive(req, "body_text");
      canon = strdup(sk_json_strval(v) != NULL ? sk_json_strval(v) : "");
    }
    if (canon == NULL) {
      snprintf(why, size, "out of memory");
      goto out;
    }
    key_of(sk_json_strval(prov), sk_json_strval(meth), sk_json_strval(path),
           canon, key);
    if (strcmp(key, sk_json_strval(k)) != 0) {
      snprintf(why, size,
               "\"key\" does not match the request (edited by "
               "hand?)");
      goto out;
    }
    sk_fixture_name(key, (int)occurrence, want);
    if (strcmp(want, name) != 0) {
      snprintf(why, size, "file name should be %s", want);
      goto out;
    }
  }
  if (has_bearer(text)) {
    snprintf(why, size, "contains a Bearer token");
    goto out;
  }
  for (i = 0; secret_envs != NULL && secret_envs[i] != NULL; i++) {
    const char *secret = getenv(secret_envs[i]);
    if (secret != NULL && strlen(secret) >= 8 && strstr(text, secret)) {
      snprintf(why, size, "contains the value of $%s", secret_envs[i]);
      goto out;
    }
  }
out:
  free(canon);
  cJSON_Delete(root);
  return why[0] != '\0' ? why : NULL;
}

int sk_fixture_check_dir(const char *dir, const char *const *secret_envs,
                         sk_fixture_problem_cb cb, void *ctx, size_t *checked,
                         struct sk_error *err) {
  char **names;
  size_t n;
  size_t i;
  int bad = 0;
  int rc;

  *checked = 0;
  rc = list_json(dir, &names, &n, err);
  if (rc != 0)
    return rc;
  for (i = 0; i < n; i++) {
    char path[4096];
    char *text = NULL;
    size_t len;
    char why[256];
    char msg[4096 + 256 + 2];
    struct sk_error e;
    sk_error_clear(&e);
    if (sk_path_join(path, sizeof(path), dir, names[i], &e) != 0 ||
        sk_fs_read_file(path, FIXTURE_CAP, &text, &len, &e) != 0) {
      cb(ctx, e.msg);
      bad++;
      continue;
    }
    if (check_one(names[i], text, len, secret_envs, why, sizeof(why))) {
      snprintf(msg, sizeof(msg), "%s: %s", path, why);
      cb(ctx, msg);
      bad++;
    }
    free(text);
  }
  *checked = n;
  free_names(names, n);
  return bad;
}

/* meta's count key (attempt, retry) for the listing, or -1 when it is
 * missing or not a count. */
static int meta_count(const cJSON *meta, const char *key) {
  long long n;
  if (!sk_json_int(cJSON_GetObjectItemCaseSensitive(meta, key), 0, COUNT_MAX,
                   &n))
    return -1;
  return (int)n;
}

/* A string of meta, or "?" when it is missing or not a string. */
static const char *meta_str(const cJSON *meta, const char *key) {
  const char *s = sk_json_strval(cJSON_GetObjectItemCaseSensitive(meta, key));
  return s != NULL ? s : "?";
}

int sk_fixture_list_dir(const char *dir, sk_fixture_entry_cb cb, void *ctx,
                        struct sk_error *err) {
  char **names;
  size_t n;
  size_t i;
  int rc = list_json(dir, &names, &n, err);

  if (rc != 0)
    return rc;
  for (i = 0; i < n; i++) {
    struct sk_fixture_entry ent = {names[i], NULL, "?", "?", -1, -1, "?"};
    char problem[300];
    char path[4096];
    char *text = NULL;
    size_t len;
    struct sk_error e;
    cJSON *root;
    const cJSON *meta;
    const cJSON *res;
    const cJSON *st;
    const cJSON *er;
    long long num;
    char status[32];
    sk_error_clear(&e);
    if (sk_path_join(path, sizeof(path), dir, names[i], &e) != 0 ||
        sk_fs_read_file(path, FIXTURE_CAP, &text, &len, &e) != 0) {
      snprintf(problem, sizeof(problem), "unreadable: %s", e.msg);
      ent.problem = problem;
      cb(ctx, &ent);
      continue;
    }
    root = parse_exact(text, len);
    free(text);
    if (root == NULL) {
      ent.problem = "corrupt: not valid JSON";
      cb(ctx, &ent);
      continue;
    }
    meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    res = cJSON_GetObjectItemCaseSensitive(root, "response");
    st = cJSON_GetObjectItemCaseSensitive(res, "status");
    er = cJSON_GetObjectItemCaseSensitive(res, "error");
    if (sk_json_strval(er) != NULL)
      snprintf(status, sizeof(status), "%s", sk_json_strval(er));
    else if (sk_json_int(st, STATUS_MIN, STATUS_MAX, &num))
      snprintf(status, sizeof(status), "%lld", num);
    else
      snprintf(status, sizeof(status), "?");
    ent.tool = meta_str(meta, "tool");
    ent.persona = meta_str(meta, "persona");
    ent.attempt = meta_count(meta, "attempt");
    ent.retry = meta_count(meta, "retry");
    ent.status = status;
    cb(ctx, &ent);
    cJSON_Delete(root);
  }
  free_names(names, n);
  return (int)n;
}

int sk_fixture_label(const char *dir, char **out, struct sk_error *err) {
  char path[4096];
  char *text = NULL;
  size_t len = 0;
  size_t i;
  int rc;

  *out = NULL;
  if (sk_path_join(path, sizeof(path), dir, "LABEL", err) != 0)
    return err->code;
  rc = sk_fs_read_file(path, SK_FIXTURE_LABEL_MAX + 1, &text, &len, err);
  if (rc == SK_ENOENT) {
    sk_error_clear(err); /* no label: the replies are a model's */
    return 0;
  }
  if (rc != 0)
    return rc;
  if (len > 0 && text[len - 1] == '\n')
    text[--len] = '\0'; /* the one line's own end */
  for (i = 0; i < len; i++)
    if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
      break;
  if (len == 0 || len > SK_FIXTURE_LABEL_MAX || i < len ||
      !sk_utf8_valid(text, len)) {
    free(text);
    return sk_error_set(err, SK_EPARSE,
                        "%s: a label must be one line of 1 to %d bytes of "
                        "UTF-8 text without control characters",
                        path, SK_FIXTURE_LABEL_MAX);
  }
  *out = text;
  return 0;
}
