/* provider.c: the provider registry and what all wire formats share: the
 * retry policy for HTTP statuses, reading retry and rate-limit headers into
 * a result, the one parse path every provider's parse() is (parse the body,
 * the error-status branch, accepting a reply, bounded token counts), and the
 * small builders every provider uses for URLs, headers and one-line error
 * text (see provider.h). */
#include "shipskip/providers/provider.h"

#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const struct sk_provider sk_provider_openai;
extern const struct sk_provider sk_provider_mistral;
extern const struct sk_provider sk_provider_azure;
extern const struct sk_provider sk_provider_anthropic;
extern const struct sk_provider sk_provider_gemini;
extern const struct sk_provider sk_provider_ollama;
extern const struct sk_provider sk_provider_llamacpp;

static const struct sk_provider *const PROVIDERS[] = {
    &sk_provider_openai, &sk_provider_anthropic, &sk_provider_gemini,
    &sk_provider_ollama, &sk_provider_mistral,   &sk_provider_llamacpp,
    &sk_provider_azure};

const struct sk_provider *sk_provider_find(const char *name) {
  size_t i;
  if (name == NULL)
    return NULL;
  for (i = 0; i < sizeof(PROVIDERS) / sizeof(PROVIDERS[0]); i++)
    if (strcmp(PROVIDERS[i]->name, name) == 0)
      return PROVIDERS[i];
  return NULL;
}

void sk_wire_request_cleanup(struct sk_wire_request *w) {
  size_t i;
  if (w == NULL)
    return;
  free(w->url);
  for (i = 0; i < w->nheaders; i++) {
    /* The credential header holds the key, and other secret headers hold
     * theirs: wipe them before freeing. */
    if (((int)i == w->secret_header || (w->secret_mask >> i & 1u) != 0) &&
        w->headers[i] != NULL)
      memset(w->headers[i], 0, strlen(w->headers[i]));
    free(w->headers[i]);
  }
  free(w->body);
  memset(w, 0, sizeof(*w));
  w->secret_header = -1;
}

void sk_chat_result_cleanup(struct sk_chat_result *r) {
  if (r == NULL)
    return;
  free(r->content);
  r->content = NULL;
}

void sk_chat_result_init(struct sk_chat_result *out) {
  memset(out, 0, sizeof(*out));
  out->retry_after_ms = -1;
  sk_ratelimit_init(&out->ratelimit);
}

long sk_retry_after_ms(const char *value, long long now_unix) {
  return sk_ratelimit_retry_after_ms(value, now_unix * 1000);
}

void sk_provider_classify(long status, sk_header_fn header, void *hctx,
                          struct sk_chat_result *out) {
  if (header != NULL)
    out->retry_after_ms =
        sk_ratelimit_retry_ms(header, hctx, sk_ratelimit_now_ms());

  if (status == 429) {
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "429");
  } else if (status == 408) {
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "408");
  } else if (status >= 500 && status <= 599) {
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "5xx");
  } else {
    out->outcome = SK_OUTCOME_FINAL;
    snprintf(out->cause, sizeof(out->cause), "%ld", status);
  }
}

void sk_provider_read_headers(long status, enum sk_ratelimit_style style,
                              sk_header_fn header, void *hctx,
                              struct sk_chat_result *out) {
  long long now = sk_ratelimit_now_ms();
  long exhausted;

  out->retry_after_ms = sk_ratelimit_retry_ms(header, hctx, now);
  exhausted = sk_ratelimit_read(style, header, hctx, now, &out->ratelimit);
  /* A 429 that names no wait but shows an empty bucket: wait for the
   * bucket, not for a guess. Only on a 429: a success can report an empty
   * bucket and still have been served. */
  if (status == 429 && out->retry_after_ms < 0)
    out->retry_after_ms = exhausted;
}

void sk_provider_malformed(struct sk_chat_result *out, const char *why) {
  out->outcome = SK_OUTCOME_RETRY;
  snprintf(out->cause, sizeof(out->cause), "malformed");
  snprintf(out->error, sizeof(out->error), "malformed reply: %s", why);
}

void sk_provider_nul(struct sk_chat_result *out, const char *what) {
  char why[160];
  snprintf(why, sizeof(why), "%s holds a NUL character (\\u0000)", what);
  sk_provider_malformed(out, why);
}

void sk_provider_one_line(char *dst, size_t size, const char *s) {
  size_t i;
  if (size == 0)
    return;
  for (i = 0; s != NULL && s[i] != '\0' && i + 1 < size && i < 200; i++)
    dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
  dst[i] = '\0';
}

int sk_wire_request_add_header(struct sk_wire_request *w, const char *name,
                               const char *value) {
  size_t len;
  char *h;
  if (w->nheaders >= SK_MAX_HEADERS)
    return SK_EINVAL;
  len = strlen(name) + strlen(value) + 3;
  h = malloc(len);
  if (h == NULL)
    return SK_ENOMEM;
  snprintf(h, len, "%s: %s", name, value);
  w->headers[w->nheaders++] = h;
  return 0;
}

int sk_wire_request_add_secret(struct sk_wire_request *w, const char *name,
                               const char *prefix, const char *value) {
  size_t len = strlen(prefix) + strlen(value) + 1;
  char *v;
  int rc;

  v = malloc(len);
  if (v == NULL)
    return SK_ENOMEM;
  snprintf(v, len, "%s%s", prefix, value);
  rc = sk_wire_request_add_header(w, name, v);
  if (rc == 0) {
    w->secret_header = (int)w->nheaders - 1;
    w->secret_mask |= 1u << w->secret_header;
  }
  /* The key should live in one place: wipe this copy before freeing. */
  memset(v, 0, len);
  free(v);
  return rc;
}

/* Appends s to b percent-encoded: everything but RFC 3986's unreserved
 * characters, so a value holding '&', '=', '#' or a space cannot change
 * the query's shape. */
static char *put_encoded(char *b, const char *s) {
  static const char HEX[] = "0123456789ABCDEF";
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      *b++ = (char)c;
    } else {
      *b++ = '%';
      *b++ = HEX[c >> 4];
      *b++ = HEX[c & 15];
    }
  }
  return b;
}

int sk_url_join(const char *base, const char *path, const char *const *query,
                size_t nquery, char **out) {
  const char *q = strchr(base, '?');
  size_t blen = q != NULL ? (size_t)(q - base) : strlen(base);
  size_t qlen = q != NULL ? strlen(q) : 0; /* with its '?' */
  size_t len = blen + strlen(path) + qlen + 1;
  size_t i;
  char *url;
  char *b;

  /* Worst case every query byte becomes %XX, plus '&' and '=' per pair. */
  for (i = 0; i < 2 * nquery; i++)
    len += 3 * strlen(query[i]) + 1;
  *out = NULL;
  url = malloc(len);
  if (url == NULL)
    return SK_ENOMEM;
  if (blen > 0 && base[blen - 1] == '/')
    blen--;
  memcpy(url, base, blen);
  b = url + blen;
  memcpy(b, path, strlen(path));
  b += strlen(path);
  /* A bare '?' (or none) leaves nothing to keep but the separator. */
  if (qlen > 1) {
    memcpy(b, q, qlen);
    b += qlen;
  }
  for (i = 0; i < nquery; i++) {
    *b++ = qlen > 1 || i > 0 ? '&' : '?';
    b = put_encoded(b, query[2 * i]);
    *b++ = '=';
    b = put_encoded(b, query[2 * i + 1]);
  }
  *b = '\0';
  *out = url;
  return 0;
}

int sk_wire_request_set_url(struct sk_wire_request *w, const char *base,
                            const char *path) {
  char *url;
  int rc = sk_url_join(base, path, NULL, 0, &url);
  if (rc != 0)
    return rc;
  free(w->url);
  w->url = url;
  return 0;
}

/* Whether the query string of url has a parameter called name. */
static int url_has_param(const char *url, const char *name) {
  const char *p = strchr(url, '?');
  size_t n = strlen(name);
  while (p != NULL) {
    p++;
    if (strncmp(p, name, n) == 0 && (p[n] == '=' || p[n] == '&' || !p[n]))
      return 1;
    p = strchr(p, '&');
  }
  return 0;
}

/* Appends n query pairs to w's URL. Returns 0 or SK_ENOMEM. */
static int append_query(struct sk_wire_request *w, const char *const *query,
                        size_t n) {
  char *url;
  int rc;
  if (n == 0)
    return 0;
  rc = sk_url_join(w->url, "", query, n, &url);
  if (rc != 0)
    return rc;
  free(w->url);
  w->url = url;
  return 0;
}

/* Adds gw's query parameters and headers, and impl's default query
 * parameter, to a built w. */
static int add_gateway_extras(const struct sk_provider *impl,
                              const struct sk_gateway *gw,
                              struct sk_wire_request *w) {
  static const struct sk_gateway NONE = {NULL, 0, 0, NULL, 0};
  size_t i;
  int rc;

  if (gw == NULL)
    gw = &NONE;
  rc = append_query(w, gw->query, gw->nquery);
  if (rc == 0 && impl->default_query_name != NULL &&
      !url_has_param(w->url, impl->default_query_name)) {
    const char *const def[] = {impl->default_query_name,
                               impl->default_query_value};
    rc = append_query(w, def, 1);
  }
  for (i = 0; i < gw->nheaders && rc == 0; i++) {
    rc = sk_wire_request_add_header(w, gw->headers[2 * i],
                                    gw->headers[2 * i + 1]);
    if (rc == 0 && (gw->headers_secret >> i & 1u) != 0)
      w->secret_mask |= 1u << (w->nheaders - 1);
  }
  return rc;
}

int sk_provider_build(const struct sk_provider_conf *conf,
                      const struct sk_gateway *gw,
                      const struct sk_chat_request *req,
                      struct sk_wire_request *out, struct sk_error *err) {
  int rc = conf->impl->build(conf, req, out, err);
  if (rc != 0)
    return rc;
  rc = add_gateway_extras(conf->impl, gw, out);
  if (rc == SK_EINVAL)
    sk_error_set(err, rc, "building the request: more than %d headers",
                 SK_MAX_HEADERS);
  return sk_wire_request_built(out, rc, err);
}

int sk_provider_add_messages(cJSON *root, const struct sk_chat_request *req) {
  cJSON *msgs = cJSON_AddArrayToObject(root, "messages");
  size_t i;
  if (msgs == NULL)
    return SK_ENOMEM;
  for (i = 0; i < req->nmessages; i++) {
    cJSON *m = cJSON_CreateObject();
    if (m == NULL)
      return SK_ENOMEM;
    cJSON_AddItemToArray(msgs, m);
    if (cJSON_AddStringToObject(m, "role", req->messages[i].role) == NULL ||
        cJSON_AddStringToObject(m, "content", req->messages[i].content) == NULL)
      return SK_ENOMEM;
  }
  return 0;
}

void sk_provider_parse(const struct sk_provider_wire *wire, long status,
                       const char *body, size_t len, sk_header_fn header,
                       void *hctx, struct sk_chat_result *out) {
  cJSON *root;

  sk_chat_result_init(out);
  sk_provider_read_headers(status, wire->ratelimit, header, hctx, out);
  /* The length bounds the parse: a body is not NUL-terminated. */
  root = body != NULL ? sk_json_parse(body, len, NULL) : NULL;
  if (status != 200) {
    sk_provider_classify(status, NULL, NULL, out);
    if (root == NULL || wire->error_body(status, root, out) != 0)
      snprintf(out->error, sizeof(out->error), "HTTP %ld (no JSON error body)",
               status);
  } else if (root == NULL) {
    sk_provider_malformed(out, wire->reply_any_json
                                   ? "the body is not JSON"
                                   : "the body is not a JSON object");
  } else if (!wire->reply_any_json && !cJSON_IsObject(root)) {
    sk_provider_malformed(out, "the body is not a JSON object");
  } else if (wire->error_in_reply != NULL && wire->error_in_reply(root)) {
    /* An error where the reply belongs: the request was fine, the server
     * failed after it had answered 200, so the same request may work. */
    (void)wire->error_body(status, root, out);
    out->outcome = SK_OUTCOME_RETRY;
    snprintf(out->cause, sizeof(out->cause), "error");
  } else {
    wire->reply(root, out);
  }
  cJSON_Delete(root);
}

void sk_provider_error_text(struct sk_chat_result *out, long status,
                            const cJSON *kind, const cJSON *message,
                            char *line) {
  char m[SK_PROVIDER_LINE] = "";
  char k[64] = "";

  /* A label cut at a NUL is still a label: error text is for people,
   * and the part before the NUL is all one line would show anyway. */
  if (sk_json_strval(message) != NULL)
    sk_provider_one_line(m, sizeof(m), sk_json_strval(message));
  if (sk_json_strval(kind) != NULL)
    sk_provider_one_line(k, sizeof(k), sk_json_strval(kind));
  snprintf(out->error, sizeof(out->error), "HTTP %ld%s%s%s%s", status,
           k[0] ? " " : "", k, m[0] ? ": " : "", m);
  if (line != NULL)
    memcpy(line, m, sizeof(m));
}

long sk_provider_tokens(const cJSON *obj, const char *key) {
  long long n;
  /* cJSON's getter returns NULL for a NULL or non-object obj. */
  if (!sk_json_int(cJSON_GetObjectItemCaseSensitive(obj, key), 0,
                   SK_PROVIDER_TOKENS_MAX, &n))
    return 0;
  return (long)n;
}

void sk_provider_finish_reason(struct sk_chat_result *out, const cJSON *v) {
  if (sk_json_strval(v) != NULL)
    snprintf(out->finish_reason, sizeof(out->finish_reason), "%s",
             sk_json_strval(v));
}

void sk_provider_accept_take(struct sk_chat_result *out, char *text) {
  if (text == NULL) {
    sk_provider_malformed(out, "out of memory");
    return;
  }
  free(out->content);
  out->content = text;
  out->outcome = SK_OUTCOME_OK;
}

void sk_provider_accept(struct sk_chat_result *out, const char *text) {
  size_t n = strlen(text) + 1;
  char *copy = malloc(n);
  if (copy != NULL)
    memcpy(copy, text, n);
  sk_provider_accept_take(out, copy);
}

/* The text of item when join_text() keeps it, else NULL; *nul is set when
 * a kept text held a NUL. */
static const char *kept_text(const cJSON *item, int (*keep)(const cJSON *),
                             int *nul) {
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(item, "text");
  const char *s;
  int rc;
  if (!cJSON_IsString(text) || (keep != NULL && !keep(item)))
    return NULL;
  rc = sk_json_str(text, &s);
  if (rc == SK_JSON_NUL)
    *nul = 1;
  return s;
}

int sk_provider_join_text(const cJSON *array, int (*keep)(const cJSON *item),
                          char **out) {
  const cJSON *item;
  size_t len = 0;
  int nul = 0;
  char *s;

  *out = NULL;
  /* Two passes over the same items: measure, then copy. */
  cJSON_ArrayForEach(item, array) {
    const char *t = kept_text(item, keep, &nul);
    if (t != NULL)
      len += strlen(t);
  }
  if (nul)
    return SK_EPARSE;
  s = malloc(len + 1);
  if (s == NULL)
    return SK_ENOMEM;
  len = 0;
  cJSON_ArrayForEach(item, array) {
    const char *t = kept_text(item, keep, &nul);
    if (t != NULL) {
      size_t n = strlen(t);
      memcpy(s + len, t, n);
      len += n;
    }
  }
  s[len] = '\0';
  *out = s;
  return 0;
}

void sk_wire_request_init(struct sk_wire_request *w) {
  memset(w, 0, sizeof(*w));
  w->secret_header = -1;
}

int sk_wire_request_set_json(struct sk_wire_request *w, const cJSON *root) {
  size_t len = 0;
  /* The bytes cJSON_PrintUnformatted prints (fixture keys and recorded
   * bodies depend on them), at a fraction of its cost. */
  char *body = sk_json_compact_str(root, &len);
  if (body == NULL)
    return SK_ENOMEM;
  free(w->body);
  w->body = body;
  w->body_len = len;
  return 0;
}

int sk_wire_request_add_key(struct sk_wire_request *w,
                            const struct sk_provider_conf *conf,
                            const char *name, const char *prefix) {
  if (conf->api_key == NULL || conf->api_key[0] == '\0')
    return 0;
  return sk_wire_request_add_secret(w, name, prefix, conf->api_key);
}

int sk_wire_request_built(struct sk_wire_request *w, int rc,
                          struct sk_error *err) {
  if (rc == 0)
    return 0;
  sk_wire_request_cleanup(w);
  return sk_error_set(err, rc, "building the request: %s", sk_strerror(rc));
}

/* In the order of enum sk_structured. */
static const char *const STRUCTURED_NAMES[] = {"auto", "on", "off"};

int sk_structured_parse(const char *s, enum sk_structured *out) {
  size_t i;
  for (i = 0; s != NULL && i < 3; i++) {
    if (strcmp(s, STRUCTURED_NAMES[i]) == 0) {
      *out = (enum sk_structured)i;
      return 0;
    }
  }
  return SK_EINVAL;
}

const char *sk_structured_name(enum sk_structured m) {
  return (unsigned)m < 3 ? STRUCTURED_NAMES[m] : "auto";
}

int sk_finish_is_cut_off(const char *finish) {
  return finish != NULL &&
         (strcmp(finish, "length") == 0 || strcmp(finish, "max_tokens") == 0 ||
          strcmp(finish, "MAX_TOKENS") == 0);
}

int sk_provider_error_names(const char *error, const char *const *names) {
  size_t i;
  if (error == NULL || strncmp(error, "HTTP 400", 8) != 0)
    return 0;
  for (i = 0; names[i] != NULL; i++)
    if (strstr(error, names[i]) != NULL)
      return 1;
  return 0;
}
