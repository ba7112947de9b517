/* config.c: loading shipskip.json (JSON with comments) and resolving each
 * persona's provider, model and price (see config.h). */
#include "shipskip/model/config.h"
#include "shipskip/providers/batch.h"
#include "shipskip/model/pricetable.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_CAP (1024 * 1024)

/* A provider's own rate limits take the bounds --rpm and --tpm take. */
#define RATE_MIN 0.01
#define RATE_MAX 1e9
/* A price past a million USD per million tokens is a typo, not a model. */
#define PRICE_MAX 1e6
/* Configured headers and query parameters per provider: a gateway needs a
 * few, and the wire request has room for SK_MAX_HEADERS in all. */
#define EXTRAS_MAX 8

/* Every provider type is also a provider of that name, except "llamacpp"
 * (OpenAI-compatible with llama.cpp's own structured field), which a
 * config names as a type: the built-in set and its messages stay as they
 * were. */
static const char *const BUILTIN[] = {"openai", "anthropic", "gemini",
                                      "ollama", "mistral",   "azure"};

/* Frees n name/value pairs, wiping the values marked in secret first. */
static void free_pairs(char **pairs, size_t n, unsigned secret) {
  size_t i;
  for (i = 0; pairs != NULL && i < n; i++) {
    free(pairs[2 * i]);
    if ((secret >> i & 1u) != 0 && pairs[2 * i + 1] != NULL)
      memset(pairs[2 * i + 1], 0, strlen(pairs[2 * i + 1]));
    free(pairs[2 * i + 1]);
  }
  free(pairs);
}

static void def_cleanup(struct sk_provider_def *d) {
  free(d->name);
  free(d->base_url);
  free(d->key_env);
  free_pairs(d->headers, d->nheaders, d->headers_secret);
  free_pairs(d->query, d->nquery, 0);
  free(d->missing_env);
  memset(d, 0, sizeof(*d));
}

void sk_config_cleanup(struct sk_config *c) {
  size_t i;
  if (c == NULL)
    return;
  for (i = 0; i < c->nproviders; i++)
    def_cleanup(&c->providers[i]);
  free(c->providers);
  for (i = 0; i < c->npersonas; i++) {
    free(c->persona_names[i]);
    free(c->persona_providers[i]);
    free(c->persona_models[i]);
  }
  free(c->persona_names);
  free(c->persona_providers);
  free(c->persona_models);
  for (i = 0; i < c->nprices; i++)
    free(c->prices[i].model);
  free(c->prices);
  for (i = 0; i < c->nlist_prices; i++)
    free(c->list_prices[i].model);
  free(c->list_prices);
  free(c->default_provider);
  free(c->default_model);
  free(c->source);
  free(c->ca_file);
  memset(c, 0, sizeof(*c));
}

/* Points the key at the environment: the def's variable, else the
 * provider's fallback variable. */
static void refresh_key(struct sk_provider_def *d) {
  const char *v = d->key_env != NULL ? getenv(d->key_env) : NULL;
  if ((v == NULL || v[0] == '\0') && d->impl->key_env_fallback != NULL &&
      (d->key_env == NULL || strcmp(d->key_env, d->impl->key_env) == 0))
    v = getenv(d->impl->key_env_fallback);
  d->api_key = v != NULL && v[0] != '\0' ? v : NULL;
  d->conf.impl = d->impl;
  d->conf.base_url = d->base_url;
  d->conf.api_key = d->api_key;
  d->gateway.headers = (const char *const *)d->headers;
  d->gateway.nheaders = d->nheaders;
  d->gateway.headers_secret = d->headers_secret;
  d->gateway.query = (const char *const *)d->query;
  d->gateway.nquery = d->nquery;
}

int sk_provider_def_set_base_url(struct sk_provider_def *d, const char *url) {
  char *copy = strdup(url);
  if (copy == NULL)
    return SK_ENOMEM;
  free(d->base_url);
  d->base_url = copy;
  refresh_key(d);
  return 0;
}

int sk_provider_def_set_key_env(struct sk_provider_def *d, const char *var) {
  char *copy = strdup(var);
  if (copy == NULL)
    return SK_ENOMEM;
  free(d->key_env);
  d->key_env = copy;
  refresh_key(d);
  return 0;
}

static int def_init(struct sk_provider_def *d, const char *name,
                    const struct sk_provider *impl, const char *base_url,
                    const char *key_env) {
  const char *env_url =
      impl->base_url_env != NULL ? getenv(impl->base_url_env) : NULL;
  memset(d, 0, sizeof(*d));
  d->impl = impl;
  d->name = strdup(name);
  if (base_url == NULL)
    base_url = env_url != NULL && env_url[0] != '\0' ? env_url
                                                     : impl->default_base_url;
  d->base_url = strdup(base_url);
  if (key_env == NULL)
    key_env = impl->key_env;
  d->key_env = key_env != NULL ? strdup(key_env) : NULL;
  if (d->name == NULL || d->base_url == NULL ||
      (key_env != NULL && d->key_env == NULL))
    return SK_ENOMEM;
  return 0;
}

struct sk_provider_def *sk_config_provider(struct sk_config *c,
                                           const char *name) {
  size_t i;
  for (i = 0; i < c->nproviders; i++)
    if (strcmp(c->providers[i].name, name) == 0)
      return &c->providers[i];
  return NULL;
}

const struct sk_price *sk_config_price(const struct sk_config *c,
                                       const char *model) {
  size_t i;
  /* The config's own price wins over the list price. */
  for (i = 0; i < c->nprices; i++)
    if (strcmp(c->prices[i].model, model) == 0)
      return &c->prices[i];
  for (i = 0; i < c->nlist_prices; i++)
    if (strcmp(c->list_prices[i].model, model) == 0)
      return &c->list_prices[i];
  return NULL;
}

/* Copies the built-in list prices into c, each naming where it came from.
 * Returns 0 or SK_ENOMEM. */
static int add_list_prices(struct sk_config *c) {
  static const char SOURCE[] = "list price of " SK_PRICETABLE_DATE;
  size_t n;
  size_t i;
  const struct sk_list_price *rows = sk_pricetable_rows(&n);

  c->list_prices = calloc(n, sizeof(*c->list_prices));
  if (c->list_prices == NULL)
    return SK_ENOMEM;
  for (i = 0; i < n; i++) {
    struct sk_price *p = &c->list_prices[c->nlist_prices];
    p->model = strdup(rows[i].model);
    if (p->model == NULL)
      return SK_ENOMEM;
    p->input_per_m = rows[i].input_per_m;
    p->output_per_m = rows[i].output_per_m;
    p->source = SOURCE;
    c->nlist_prices++;
  }
  return 0;
}

double sk_price_cost(const struct sk_price *price, long prompt_tokens,
                     long completion_tokens) {
  if (price == NULL)
    return -1;
  return ((double)prompt_tokens * price->input_per_m +
          (double)completion_tokens * price->output_per_m) /
         1e6;
}

static void known_types(char *buf, size_t size) {
  size_t i;
  size_t used = 0;
  buf[0] = '\0';
  for (i = 0; i < sizeof(BUILTIN) / sizeof(BUILTIN[0]); i++) {
    int w;
    if (sk_provider_find(BUILTIN[i]) == NULL)
      continue;
    w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", BUILTIN[i]);
    if (w < 0 || (size_t)w >= size - used)
      break;
    used += (size_t)w;
  }
}

/* Adds or replaces a provider definition. */
static int put_provider(struct sk_config *c, const char *name,
                        const struct sk_provider *impl, const char *base_url,
                        const char *key_env, struct sk_provider_def **out) {
  struct sk_provider_def *d = sk_config_provider(c, name);
  if (d == NULL) {
    struct sk_provider_def *p =
        realloc(c->providers, (c->nproviders + 1) * sizeof(*p));
    if (p == NULL)
      return SK_ENOMEM;
    c->providers = p;
    d = &c->providers[c->nproviders++];
    memset(d, 0, sizeof(*d));
  } else {
    def_cleanup(d);
  }
  *out = d;
  return def_init(d, name, impl, base_url, key_env);
}

static const char *opt_str(const cJSON *o, const char *key, int *bad) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  const char *s = sk_json_strval(v);
  if (v == NULL || cJSON_IsNull(v))
    return NULL;
  if (s == NULL || s[0] == '\0') {
    *bad = 1;
    return NULL;
  }
  return s;
}

/* Refuses any key of obj not in allowed (NULL-terminated), naming it, so a
 * typo ("baseurl") is an error rather than a silent fallback, and a key
 * pasted into the file ("api_key") is refused wherever it is. */
static int only_keys(const cJSON *obj, const char *const *allowed,
                     const char *path, const char *where,
                     struct sk_error *err) {
  const cJSON *item;
  cJSON_ArrayForEach(item, obj) {
    size_t i;
    int ok = 0;
    if (strcmp(item->string, "api_key") == 0 ||
        strcmp(item->string, "key") == 0)
      return sk_error_set(err, SK_ECONFIG,
                          "%s: %s.%s: keys do not belong in the config; name "
                          "the variable that holds it with \"api_key_env\"",
                          path, where, item->string);
    for (i = 0; allowed[i] != NULL; i++)
      if (strcmp(item->string, allowed[i]) == 0)
        ok = 1;
    if (!ok)
      return sk_error_set(err, SK_ECONFIG, "%s: %s: unknown key \"%s\"", path,
                          where, item->string);
  }
  return 0;
}

/* Reads the optional rate limit key of providers.NAME into *out: absent,
 * null or 0 is none (0); otherwise a number from RATE_MIN to RATE_MAX.
 * Returns 0 or SK_ECONFIG naming the key. */
static int opt_rate(const cJSON *item, const char *key, const char *path,
                    double *out, struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, key);
  double d;

  *out = 0;
  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (sk_json_num(v, 0, 0, &d))
    return 0;
  if (!sk_json_num(v, RATE_MIN, RATE_MAX, &d))
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.%s: must be a number from %g to %g "
                        "(per minute), or 0 for none",
                        path, item->string, key, RATE_MIN, RATE_MAX);
  *out = d;
  return 0;
}

/* Reads providers.NAME.max_retry_time (seconds, the bounds
 * --max-retry-time takes; 0 for no limit) into d. Returns 0 or
 * SK_ECONFIG. */
static int opt_retry_time(const cJSON *item, const char *path,
                          struct sk_provider_def *d, struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "max_retry_time");
  long long secs;

  if (v == NULL || cJSON_IsNull(v))
    return 0;
  if (!sk_json_int(v, 0, 604800, &secs))
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.max_retry_time: must be a whole "
                        "number of seconds from 0 (no limit) to 604800",
                        path, item->string);
  d->has_max_retry_time = 1;
  d->max_retry_time_ms = (long)secs * 1000;
  return 0;
}

/* Reads prices.MODEL: {"input", "output"} in USD per million tokens. Returns
 * 0 or SK_ECONFIG naming the model. */
static int read_price(const cJSON *item, const char *path, double *in,
                      double *out, struct sk_error *err) {
  if (!sk_json_num(cJSON_GetObjectItemCaseSensitive(item, "input"), 0,
                   PRICE_MAX, in) ||
      !sk_json_num(cJSON_GetObjectItemCaseSensitive(item, "output"), 0,
                   PRICE_MAX, out))
    return sk_error_set(err, SK_ECONFIG,
                        "%s: prices.%s: needs \"input\" and \"output\", USD "
                        "per million tokens, >= 0 and <= %g",
                        path, item->string, PRICE_MAX);
  return 0;
}

/* Whether a header's name says its value is a credential. */
static int credential_name(const char *name) {
  static const char *const WORDS[] = {"key",   "token",  "auth",     "secret",
                                      "passw", "cookie", "signature"};
  size_t i;
  size_t j;
  for (i = 0; i < sizeof(WORDS) / sizeof(WORDS[0]); i++) {
    size_t wl = strlen(WORDS[i]);
    for (j = 0; name[j] != '\0'; j++)
      if (strncasecmp(name + j, WORDS[i], wl) == 0)
        return 1;
  }
  return 0;
}

/* Whether name is an HTTP token (RFC 9110): nothing that could end the
 * header line or fake another one. */
static int header_token(const char *name) {
  const char *p;
  if (name[0] == '\0')
    return 0;
  for (p = name; *p != '\0'; p++)
    if (!isalnum((unsigned char)*p) && strchr("!#$%&'*+-.^_`|~", *p) == NULL)
      return 0;
  return 1;
}

/* The variable a value "${VAR}" names, copied into var (size bytes), or 0
 * when value is not of that form. */
static int env_ref(const char *value, char *var, size_t size) {
  size_t n = strlen(value);
  if (n < 4 || strncmp(value, "${", 2) != 0 || value[n - 1] != '}' ||
      n - 3 >= size)
    return 0;
  memcpy(var, value + 2, n - 3);
  var[n - 3] = '\0';
  return var[0] != '\0';
}

/* Appends one name/value pair to *pairs. Returns 0 or SK_ENOMEM. */
static int push_pair(char ***pairs, size_t *n, const char *name,
                     const char *value) {
  char **p = realloc(*pairs, (*n + 1) * 2 * sizeof(*p));
  if (p == NULL)
    return SK_ENOMEM;
  *pairs = p;
  p[2 * *n] = strdup(name);
  p[2 * *n + 1] = strdup(value);
  (*n)++;
  return p[2 * *n - 2] == NULL || p[2 * *n - 1] == NULL ? SK_ENOMEM : 0;
}

/* Reads providers.NAME.headers: {"Name": "value" or "${VAR}"}. A value
 * from the environment is a credential; a credential-named header must
 * take its value that way. An unset variable leaves the header out and is
 * remembered for sk_config_check_keys(). Returns 0, SK_ECONFIG or
 * SK_ENOMEM. */
static int read_headers(struct sk_provider_def *d, const cJSON *obj,
                        const char *path, struct sk_error *err) {
  const cJSON *h;
  char var[128];

  if (obj == NULL || cJSON_IsNull(obj))
    return 0;
  if (!cJSON_IsObject(obj) || cJSON_GetArraySize(obj) > EXTRAS_MAX)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.headers: must be an object of at "
                        "most %d \"Name\": \"value\" strings",
                        path, d->name, EXTRAS_MAX);
  cJSON_ArrayForEach(h, obj) {
    const char *v = sk_json_strval(h);
    int from_env;
    if (!header_token(h->string) || v == NULL || strpbrk(v, "\r\n") != NULL)
      return sk_error_set(err, SK_ECONFIG,
                          "%s: providers.%s.headers.%s: needs a header name "
                          "and a one-line string value",
                          path, d->name, h->string);
    from_env = env_ref(v, var, sizeof(var));
    if (!from_env && credential_name(h->string))
      return sk_error_set(err, SK_ECONFIG,
                          "%s: providers.%s.headers.%s: credentials do not "
                          "belong in the config; write \"${VARIABLE}\" to "
                          "read it from the environment",
                          path, d->name, h->string);
    if (from_env) {
      v = getenv(var);
      if (v == NULL || v[0] == '\0' || strpbrk(v, "\r\n") != NULL) {
        if (d->missing_env == NULL && (d->missing_env = strdup(var)) == NULL)
          return sk_error_set(err, SK_ENOMEM, "out of memory");
        continue;
      }
      d->headers_secret |= 1u << d->nheaders;
    }
    if (push_pair(&d->headers, &d->nheaders, h->string, v) != 0)
      return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  return 0;
}

/* Reads providers.NAME.query: {"name": "value"}, appended to every URL
 * percent-encoded. Returns 0, SK_ECONFIG or SK_ENOMEM. */
static int read_query(struct sk_provider_def *d, const cJSON *obj,
                      const char *path, struct sk_error *err) {
  const cJSON *q;
  if (obj == NULL || cJSON_IsNull(obj))
    return 0;
  if (!cJSON_IsObject(obj) || cJSON_GetArraySize(obj) > EXTRAS_MAX)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.query: must be an object of at "
                        "most %d \"name\": \"value\" strings",
                        path, d->name, EXTRAS_MAX);
  cJSON_ArrayForEach(q, obj) {
    const char *qv = sk_json_strval(q);
    if (qv == NULL || q->string[0] == '\0')
      return sk_error_set(err, SK_ECONFIG,
                          "%s: providers.%s.query.%s: must be a string", path,
                          d->name, q->string);
    if (push_pair(&d->query, &d->nquery, q->string, qv) != 0)
      return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  return 0;
}

static const char *const ROUTE_KEYS[] = {"provider", "model", NULL};

/* Reads providers.NAME.structured ("auto", "on" or "off"; absent: auto)
 * into d. Returns 0 or SK_ECONFIG. */
static int opt_structured(const cJSON *item, const char *path,
                          struct sk_provider_def *d, struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "structured");
  if (v == NULL)
    return 0;
  if (sk_json_strval(v) == NULL ||
      sk_structured_parse(sk_json_strval(v), &d->structured) != 0)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.structured must be \"auto\", "
                        "\"on\" or \"off\"",
                        path, item->string);
  return 0;
}

/* Reads providers.NAME.mode ("online", the default, or "batch": requests
 * go through the provider's batch API, net/batcher.h) into d. Returns 0
 * or SK_ECONFIG. */
static int opt_mode(const cJSON *item, const char *path,
                    struct sk_provider_def *d, struct sk_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, "mode");
  const char *s = sk_json_strval(v);
  if (v == NULL)
    return 0;
  if (s != NULL && strcmp(s, "online") == 0)
    d->batch = 0;
  else if (s != NULL && strcmp(s, "batch") == 0)
    d->batch = 1;
  else
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.mode must be \"online\" or "
                        "\"batch\"",
                        path, item->string);
  if (d->batch && sk_batch_api_of(d->impl) == SK_BATCH_NONE)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.mode: type %s has no batch API "
                        "shipskip speaks (batch mode works with openai, "
                        "anthropic and gemini)",
                        path, item->string, d->impl->name);
  return 0;
}

int sk_provider_def_structured(const struct sk_provider_def *d) {
  if (d->structured == SK_STRUCTURED_ON)
    return 1;
  return d->structured == SK_STRUCTURED_AUTO && d->impl->structured_auto;
}

/* Reads providers.NAME (item) into a provider definition. types lists the
 * known types for the message. Returns 0, SK_ECONFIG or SK_ENOMEM. */
static int read_provider(struct sk_config *c, const cJSON *item,
                         const char *path, const char *types,
                         struct sk_error *err) {
  static const char *const PROVIDER_KEYS[] = {
      "type",  "base_url",   "api_key_env",    "rpm",  "tpm", "headers",
      "query", "structured", "max_retry_time", "mode", NULL};
  int bad = 0;
  const char *type = opt_str(item, "type", &bad);
  const char *url = opt_str(item, "base_url", &bad);
  const char *key = opt_str(item, "api_key_env", &bad);
  const struct sk_provider *impl;
  struct sk_provider_def *d;
  char where[160];
  int rc;

  snprintf(where, sizeof(where), "providers.%s", item->string);
  if (cJSON_IsObject(item)) {
    rc = only_keys(item, PROVIDER_KEYS, path, where, err);
    if (rc != 0)
      return rc;
  }
  if (!cJSON_IsObject(item) || bad)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s: must be an object of non-empty "
                        "strings (type, base_url, api_key_env) and numbers "
                        "(rpm, tpm)",
                        path, item->string);
  impl = sk_provider_find(type != NULL ? type : item->string);
  if (impl == NULL)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.type: unknown provider type \"%s\" "
                        "(known: %s)",
                        path, item->string, type ? type : item->string, types);
  if (url != NULL && strncmp(url, "http://", 7) != 0 &&
      strncmp(url, "https://", 8) != 0)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: providers.%s.base_url must start with http:// "
                        "or https://",
                        path, item->string);
  if (put_provider(c, item->string, impl, url, key, &d) != 0)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rc = opt_rate(item, "rpm", path, &d->rpm, err);
  if (rc == 0)
    rc = opt_rate(item, "tpm", path, &d->tpm, err);
  if (rc == 0)
    rc = opt_structured(item, path, d, err);
  if (rc == 0)
    rc = opt_mode(item, path, d, err);
  if (rc == 0)
    rc = read_headers(d, cJSON_GetObjectItemCaseSensitive(item, "headers"),
                      path, err);
  if (rc == 0)
    rc = read_query(d, cJSON_GetObjectItemCaseSensitive(item, "query"), path,
                    err);
  if (rc == 0)
    rc = opt_retry_time(item, path, d, err);
  return rc;
}

/* Reads the "default" section. Returns 0 or SK_ECONFIG. */
static int read_default(struct sk_config *c, const cJSON *sec, const char *path,
                        struct sk_error *err) {
  int bad = 0;
  const char *p = opt_str(sec, "provider", &bad);
  const char *m = opt_str(sec, "model", &bad);
  int rc;

  if (!cJSON_IsObject(sec) || bad)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: default: must be {\"provider\": ..., \"model\": "
                        "...}",
                        path);
  rc = only_keys(sec, ROUTE_KEYS, path, "default", err);
  if (rc != 0)
    return rc;
  c->default_provider = p ? strdup(p) : NULL;
  c->default_model = m ? strdup(m) : NULL;
  return 0;
}

/* Reads personas.NAME (item) into the parallel persona arrays. Returns 0,
 * SK_ECONFIG or SK_ENOMEM. */
static int read_persona(struct sk_config *c, const cJSON *item,
                        const char *path, struct sk_error *err) {
  int bad = 0;
  const char *p = opt_str(item, "provider", &bad);
  const char *m = opt_str(item, "model", &bad);
  size_t n = c->npersonas + 1;
  char where[160];
  char **a;
  int rc;

  if (!cJSON_IsObject(item) || bad)
    return sk_error_set(err, SK_ECONFIG,
                        "%s: personas.%s: must be {\"provider\": ..., "
                        "\"model\": ...}",
                        path, item->string);
  snprintf(where, sizeof(where), "personas.%s", item->string);
  rc = only_keys(item, ROUTE_KEYS, path, where, err);
  if (rc != 0)
    return rc;
  if ((a = realloc(c->persona_names, n * sizeof(*a))) == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  c->persona_names = a;
  if ((a = realloc(c->persona_providers, n * sizeof(*a))) == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  c->persona_providers = a;
  if ((a = realloc(c->persona_models, n * sizeof(*a))) == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  c->persona_models = a;
  c->persona_names[c->npersonas] = strdup(item->string);
  c->persona_providers[c->npersonas] = p ? strdup(p) : NULL;
  c->persona_models[c->npersonas] = m ? strdup(m) : NULL;
  c->npersonas++;
  return 0;
}

/* Reads prices.MODEL (item) into the price table. Returns 0, SK_ECONFIG or
 * SK_ENOMEM. */
static int add_price(struct sk_config *c, const cJSON *item, const char *path,
                     struct sk_error *err) {
  double in;
  double outp;
  struct sk_price *p;
  int rc = read_price(item, path, &in, &outp, err);

  if (rc != 0)
    return rc;
  p = realloc(c->prices, (c->nprices + 1) * sizeof(*p));
  if (p == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  c->prices = p;
  p[c->nprices].model = strdup(item->string);
  p[c->nprices].input_per_m = in;
  p[c->nprices].output_per_m = outp;
  p[c->nprices].source = NULL;
  if (p[c->nprices++].model == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  return 0;
}

/* Blanks out "//" line comments and block comments outside strings in
 * text (len bytes), in place: each comment byte becomes a space but for
 * newlines, so offsets, lines and columns stay those of the file. Returns
 * 0, or the offset + 1 of a block comment that never ends. */
static size_t strip_comments(char *text, size_t len) {
  size_t i = 0;
  int in_str = 0;

  while (i < len) {
    if (in_str) {
      if (text[i] == '\\' && i + 1 < len)
        i++; /* an escaped quote does not end the string */
      else if (text[i] == '"')
        in_str = 0;
      i++;
    } else if (text[i] == '"') {
      in_str = 1;
      i++;
    } else if (text[i] == '/' && i + 1 < len && text[i + 1] == '/') {
      while (i < len && text[i] != '\n')
        text[i++] = ' ';
    } else if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
      size_t start = i;
      text[i++] = ' ';
      text[i++] = ' ';
      while (i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/'))
        if (text[i++] != '\n')
          text[i - 1] = ' ';
      if (i >= len)
        return start + 1;
      text[i++] = ' ';
      text[i++] = ' ';
    } else {
      i++;
    }
  }
  return 0;
}

/* The line and column (both from 1, columns in bytes) of offset in text. */
static void line_col(const char *text, size_t offset, int *line, int *col) {
  size_t i;
  *line = 1;
  *col = 1;
  for (i = 0; i < offset; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

/* Parses text (comments allowed) into *root, an object. Returns 0, or
 * SK_ECONFIG naming the line and column where the JSON goes wrong. */
static int parse_config(const char *path, char *text, size_t len, cJSON **root,
                        struct sk_error *err) {
  const char *end = NULL;
  size_t bad = strip_comments(text, len);
  int line;
  int col;

  *root = NULL;
  if (bad != 0) {
    line_col(text, bad - 1, &line, &col);
    return sk_error_set(err, SK_ECONFIG,
                        "%s:%d:%d: a comment that starts here never ends "
                        "(no \"*/\")",
                        path, line, col);
  }
  *root = sk_json_parse(text, len, &end);
  if (*root == NULL) {
    size_t at = end != NULL && end >= text && end <= text + len
                    ? (size_t)(end - text)
                    : len;
    line_col(text, at, &line, &col);
    return sk_error_set(err, SK_ECONFIG,
                        "%s:%d:%d: malformed JSON (a missing comma, quote or "
                        "brace, or a trailing comma?)",
                        path, line, col);
  }
  if (!cJSON_IsObject(*root)) {
    cJSON_Delete(*root);
    *root = NULL;
    return sk_error_set(err, SK_ECONFIG,
                        "%s: not a JSON object (the config is one {...})",
                        path);
  }
  return 0;
}

/* Reads the top-level "ca_file" (a non-empty string) into c. Returns 0,
 * SK_ECONFIG or SK_ENOMEM. */
static int read_ca_file(struct sk_config *c, const cJSON *v, const char *path,
                        struct sk_error *err) {
  if (v == NULL || cJSON_IsNull(v))
    return 0;
  const char *file = sk_json_strval(v);
  if (file == NULL || file[0] == '\0')
    return sk_error_set(err, SK_ECONFIG,
                        "%s: ca_file: must be the path of a PEM CA bundle",
                        path);
  c->ca_file = strdup(file);
  return c->ca_file != NULL ? 0 : sk_error_set(err, SK_ENOMEM, "out of memory");
}

static int load_json(struct sk_config *c, const char *path, char *text,
                     size_t len, struct sk_error *err) {
  cJSON *root = NULL;
  const cJSON *sec;
  const cJSON *item;
  char types[128];
  int rc;

  known_types(types, sizeof(types));
  rc = parse_config(path, text, len, &root, err);
  if (rc != 0)
    return rc;
  /* A string cut at a NUL could pass every check below as another value:
   * the file is refused, naming the place. */
  rc = sk_json_refuse_nul(root, path, SK_ECONFIG, err);
  if (rc != 0) {
    cJSON_Delete(root);
    return rc;
  }
  cJSON_ArrayForEach(item, root) {
    if (strcmp(item->string, "providers") != 0 &&
        strcmp(item->string, "default") != 0 &&
        strcmp(item->string, "personas") != 0 &&
        strcmp(item->string, "prices") != 0 &&
        strcmp(item->string, "ca_file") != 0) {
      rc = sk_error_set(err, SK_ECONFIG,
                        "%s: unknown key \"%s\" (expected providers, "
                        "default, personas, prices, ca_file)",
                        path, item->string);
      goto out;
    }
  }
  rc = read_ca_file(c, cJSON_GetObjectItemCaseSensitive(root, "ca_file"), path,
                    err);
  if (rc != 0)
    goto out;
  sec = cJSON_GetObjectItemCaseSensitive(root, "providers");
  cJSON_ArrayForEach(item, sec) {
    rc = read_provider(c, item, path, types, err);
    if (rc != 0)
      goto out;
  }
  sec = cJSON_GetObjectItemCaseSensitive(root, "default");
  if (sec != NULL) {
    rc = read_default(c, sec, path, err);
    if (rc != 0)
      goto out;
  }
  sec = cJSON_GetObjectItemCaseSensitive(root, "personas");
  cJSON_ArrayForEach(item, sec) {
    rc = read_persona(c, item, path, err);
    if (rc != 0)
      goto out;
  }
  sec = cJSON_GetObjectItemCaseSensitive(root, "prices");
  cJSON_ArrayForEach(item, sec) {
    rc = add_price(c, item, path, err);
    if (rc != 0)
      goto out;
  }
out:
  cJSON_Delete(root);
  return rc;
}

int sk_config_load(const char *path, struct sk_config *c,
                   struct sk_error *err) {
  size_t i;
  int rc = 0;

  memset(c, 0, sizeof(*c));
  for (i = 0; i < sizeof(BUILTIN) / sizeof(BUILTIN[0]); i++) {
    const struct sk_provider *impl = sk_provider_find(BUILTIN[i]);
    struct sk_provider_def *d;
    if (impl != NULL && put_provider(c, BUILTIN[i], impl, NULL, NULL, &d)) {
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
      goto out;
    }
  }
  c->source = strdup(path != NULL ? path : "(built-in defaults)");
  if (c->source == NULL || add_list_prices(c) != 0) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto out;
  }
  if (path != NULL) {
    char *text = NULL;
    size_t len;
    rc = sk_fs_read_file(path, CONFIG_CAP, &text, &len, err);
    if (rc == 0)
      rc = load_json(c, path, text, len, err);
    free(text);
    if (rc != 0 && err != NULL)
      err->code = SK_ECONFIG;
    if (rc != 0)
      rc = SK_ECONFIG;
  }
out:
  /* The array is final now: point each conf at its own strings. */
  for (i = 0; i < c->nproviders; i++)
    refresh_key(&c->providers[i]);
  if (rc != 0)
    sk_config_cleanup(c);
  return rc;
}

/* Tells report (when not NULL) of one problem, formatted as printf. */
static void say(sk_config_report_cb report, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(sk_config_report_cb report, void *ctx, const char *fmt, ...) {
  char msg[8192];
  va_list ap;
  if (report == NULL)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  report(ctx, msg);
}

int sk_config_resolve(struct sk_config *c, const struct sk_panel_def *panel,
                      const struct sk_panel_def *all_personas,
                      const char *cli_provider, const char *cli_model,
                      struct sk_route *routes, sk_config_report_cb report,
                      void *report_ctx) {
  size_t i;
  size_t k;
  int bad = 0;

  for (k = 0; k < c->npersonas; k++) {
    if (all_personas != NULL &&
        sk_panel_def_find(all_personas, c->persona_names[k]) == NULL) {
      say(report, report_ctx,
          "%s: personas.%s: no such persona in the panel directory", c->source,
          c->persona_names[k]);
      bad = 1;
    }
  }
  for (i = 0; i < panel->n; i++) {
    const struct sk_persona *p = &panel->personas[i];
    const char *prov = NULL;
    const char *model = NULL;
    const char *where = "the default";
    for (k = 0; k < c->npersonas; k++) {
      if (strcmp(c->persona_names[k], p->name) == 0) {
        prov = c->persona_providers[k];
        model = c->persona_models[k];
      }
    }
    if (cli_provider != NULL) {
      prov = cli_provider;
      where = "--provider";
    } else if (prov != NULL) {
      where = "the config's personas section";
    } else if (p->provider != NULL) {
      prov = p->provider;
      where = p->source;
    } else if (c->default_provider != NULL) {
      prov = c->default_provider;
      where = "the config's default";
    } else {
      prov = "openai";
    }
    if (cli_model != NULL)
      model = cli_model;
    else if (cli_provider != NULL)
      /* Models named for other providers would not exist on this one:
       * take the config's default model only if it is for this provider,
       * else the provider's own default. */
      model = c->default_provider != NULL &&
                      strcmp(c->default_provider, cli_provider) == 0
                  ? c->default_model
                  : NULL;
    else if (model == NULL && p->model != NULL)
      model = p->model;
    else if (model == NULL)
      model = c->default_model;
    routes[i].provider = sk_config_provider(c, prov);
    if (routes[i].provider == NULL) {
      say(report, report_ctx,
          "persona %s: unknown provider \"%s\" (from %s); define it under "
          "\"providers\" in the config",
          p->name, prov, where);
      bad = 1;
      continue;
    }
    routes[i].model =
        model != NULL ? model : routes[i].provider->impl->default_model;
    routes[i].price = sk_config_price(c, routes[i].model);
  }
  return bad ? SK_ECONFIG : 0;
}

int sk_config_check_keys(const struct sk_route *routes, size_t n,
                         sk_config_report_cb report, void *report_ctx) {
  size_t i;
  size_t j;
  int bad = 0;
  for (i = 0; i < n; i++) {
    const struct sk_provider_def *d = routes[i].provider;
    int seen = 0;
    if (d == NULL)
      continue;
    for (j = 0; j < i; j++)
      if (routes[j].provider == d)
        seen = 1;
    if (seen)
      continue;
    if (d->missing_env != NULL) {
      say(report, report_ctx,
          "%s is not set: provider \"%s\" sends it in a header (\"${%s}\" "
          "in its \"headers\"). Export it.",
          d->missing_env, d->name, d->missing_env);
      bad = 1;
    }
    if (d->key_env == NULL || d->api_key != NULL)
      continue;
    if (d->impl->key_env_fallback != NULL &&
        strcmp(d->key_env, d->impl->key_env) == 0)
      say(report, report_ctx,
          "%s is not set (nor %s): provider \"%s\" needs an API key. Export "
          "it, or name another variable with \"api_key_env\" (or "
          "--api-key-env).",
          d->key_env, d->impl->key_env_fallback, d->name);
    else
      say(report, report_ctx,
          "%s is not set: provider \"%s\" needs an API key. Export %s (any "
          "value for a local server that takes none), or name another "
          "variable with \"api_key_env\" (or --api-key-env).",
          d->key_env, d->name, d->key_env);
    bad = 1;
  }
  return bad ? SK_ECONFIG : 0;
}
