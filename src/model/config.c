/* config.c: loading shipskip.json and resolving each persona's provider,
 * model and price (see config.h). */
#include "shipskip/model/config.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_CAP (1024 * 1024)

/* A provider's own rate limits take the bounds --rpm and --tpm take. */
#define RATE_MIN 0.01
#define RATE_MAX 1e9
/* A price past a million USD per million tokens is a typo, not a model. */
#define PRICE_MAX 1e6

/* Every provider type is also a provider of that name, except "llamacpp"
 * (OpenAI-compatible with llama.cpp's own structured field), which a
 * config names as a type: the built-in set and its messages stay as they
 * were. */
static const char *const BUILTIN[] = {"openai", "anthropic", "gemini", "ollama",
                                      "mistral"};

static void def_cleanup(struct sk_provider_def *d) {
  free(d->name);
  free(d->base_url);
  free(d->key_env);
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
  free(c->default_provider);
  free(c->default_model);
  free(c->source);
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
  for (i = 0; i < c->nprices; i++)
    if (strcmp(c->prices[i].model, model) == 0)
      return &c->prices[i];
  return NULL;
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
      "type", "base_url", "api_key_env", "rpm", "tpm", "structured", NULL};
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
  if (rc != 0)
    return rc;
  rc = opt_structured(item, path, d, err);
  if (rc != 0)
    return rc;
  return opt_rate(item, "tpm", path, &d->tpm, err);
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
  if (p[c->nprices++].model == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  return 0;
}

static int load_json(struct sk_config *c, const char *path, const char *text,
                     size_t len, struct sk_error *err) {
  cJSON *root = sk_json_parse(text, len, NULL);
  const cJSON *sec;
  const cJSON *item;
  char types[128];
  int rc = 0;

  known_types(types, sizeof(types));
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return sk_error_set(err, SK_ECONFIG, "%s: not a JSON object (malformed?)",
                        path);
  }
  {
    /* A string cut at a NUL could pass every check below as another
     * value: the file is refused, naming the place. */
    char where[128];
    if (sk_json_has_nul(root, where, sizeof(where))) {
      cJSON_Delete(root);
      return sk_error_set(err, SK_ECONFIG,
                          "%s: %s holds a NUL character (\\u0000), which is "
                          "refused",
                          path, where);
    }
  }
  cJSON_ArrayForEach(item, root) {
    if (strcmp(item->string, "providers") != 0 &&
        strcmp(item->string, "default") != 0 &&
        strcmp(item->string, "personas") != 0 &&
        strcmp(item->string, "prices") != 0) {
      rc = sk_error_set(err, SK_ECONFIG,
                        "%s: unknown key \"%s\" (expected providers, "
                        "default, personas, prices)",
                        path, item->string);
      goto out;
    }
  }
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
  if (c->source == NULL) {
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
    if (d == NULL || d->key_env == NULL || d->api_key != NULL)
      continue;
    for (j = 0; j < i; j++)
      if (routes[j].provider == d)
        seen = 1;
    if (seen)
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
