/* config.h: shipskip.json, the panel's configuration: named providers,
 * which provider and model each persona uses, and model prices.
 *
 *   {
 *     "providers": {
 *       "openai": {"type": "openai"},
 *       "claude": {"type": "anthropic", "api_key_env": "ANTHROPIC_API_KEY"},
 *       "local":  {"type": "ollama", "base_url": "http://localhost:11434",
 *                  "rpm": 600, "structured": "auto"}
 *     },
 *     "default":  {"provider": "openai", "model": "gpt-4o-mini"},
 *     "personas": {"builder": {"provider": "claude",
 *                              "model": "claude-3-5-haiku-latest"}},
 *     "prices":   {"gpt-4o-mini": {"input": 0.15, "output": 0.60}},
 *     "ca_file":  "/etc/ssl/private-ca.pem"
 *   }
 *
 * JSON with comments: "//" to the end of a line and C's block comments
 * are allowed outside strings, as the docs' examples use them; an error in
 * the file names its line and column ("shipskip.json:4:17: ...").
 *
 * A provider may add a gateway's own headers and query parameters:
 *   "gw": {"type": "openai", "base_url": "https://gw.example/v1",
 *          "headers": {"X-Title": "shipskip",
 *                      "X-Gateway-Key": "${GATEWAY_KEY}"},
 *          "query": {"api-version": "2024-10-21"}}
 * A header value "${VAR}" is read from the environment and treated as a
 * credential (wiped, never recorded); a header whose name says it holds a
 * credential (key, token, auth, secret, password, cookie) must take its
 * value that way, as keys never sit in the file. "ca_file" names the CA
 * bundle that verifies HTTPS servers (below --cacert, above the
 * CURL_CA_BUNDLE and SSL_CERT_FILE variables).
 *
 * A provider's "type" is a wire format (openai, anthropic, gemini, ollama,
 * mistral); its name is what personas refer to. Every built-in type is also
 * available under its own name with its defaults, so a config may be empty.
 * Prices are USD per million input and output tokens; a model the config
 * does not price takes its list price from the built-in table
 * (model/pricetable.h), marked as such.
 *
 * Resolution, per persona, first found wins: the command line (--provider,
 * --model), the config's "personas" entry, the persona file's own
 * provider/model, the config's "default", then the provider's default model.
 */
#ifndef SHIPSKIP_CONFIG_H
#define SHIPSKIP_CONFIG_H

#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"
#include "shipskip/providers/provider.h"

#include <stdio.h>

struct sk_provider_def {
  char *name;                     /* "claude" */
  const struct sk_provider *impl; /* the wire format */
  char *base_url;                 /* resolved: config, env, default */
  char *key_env;                  /* variable holding the key, or NULL */
  const char *api_key;            /* its value (from the environment) */
  double rpm;                     /* per-provider limits, 0 = none given */
  double tpm;
  /* Configured headers and query parameters, name/value pairs as
   * struct sk_provider_conf takes them; values from the environment are
   * copies, wiped when freed. */
  char **headers;
  size_t nheaders;
  unsigned headers_secret;
  char **query;
  size_t nquery;
  /* The first "${VAR}" of headers that is unset or empty, or NULL: a
   * missing credential, reported by sk_config_check_keys(). */
  char *missing_env;
  int has_max_retry_time; /* max_retry_time given: it wins over the CLI's */
  long max_retry_time_ms; /* 0: no limit */
  struct sk_provider_conf conf; /* what the provider's build() takes */
  /* "structured": auto (default), on or off; --structured overrides it. */
  enum sk_structured structured;
  struct sk_gateway gateway; /* headers and query, for sk_provider_build */
  /* "mode": "batch" (or --batch): requests go through the provider's
   * batch API (net/batcher.h), at its discount, instead of one HTTP
   * request each. */
  int batch;
};

/* Returns 1 when d asks for structured output: "on", or "auto" on a
 * provider type known to support it (struct sk_provider's
 * structured_auto); else 0. */
int sk_provider_def_structured(const struct sk_provider_def *d);

struct sk_price {
  char *model;
  double input_per_m;
  double output_per_m;
  /* NULL for the config's own price; for a built-in list price, where it
   * came from ("list price of 2025-06-01"): costs from it are estimates. */
  const char *source;
};

/* What one persona uses. */
struct sk_route {
  struct sk_provider_def *provider;
  const char *model;
  const struct sk_price *price; /* NULL when the model has no price */
};

struct sk_config {
  struct sk_provider_def *providers;
  size_t nproviders;
  char *default_provider;
  char *default_model;
  char **persona_names; /* the "personas" section, parallel arrays */
  char **persona_providers;
  char **persona_models;
  size_t npersonas;
  struct sk_price *prices; /* the config's "prices" */
  size_t nprices;
  struct sk_price *list_prices; /* the built-in table's, source set */
  size_t nlist_prices;
  char *source;  /* the file, or "(built-in defaults)" */
  char *ca_file; /* "ca_file", or NULL */
};

/* Loads path, or only the built-in providers when path is NULL. Errors name
 * the file and the key ("shipskip.json: providers.claude.type: unknown
 * provider type \"antropic\" (known: ...)"). Returns 0 or SK_ECONFIG. */
int sk_config_load(const char *path, struct sk_config *c, struct sk_error *err);

/* Frees everything. NULL-safe. */
void sk_config_cleanup(struct sk_config *c);

/* Returns the provider called name (configured or built in), or NULL. */
struct sk_provider_def *sk_config_provider(struct sk_config *c,
                                           const char *name);

/* Overrides a provider's base URL or key variable (the command line's
 * --base-url and --api-key-env). Returns 0 or SK_ENOMEM. */
int sk_provider_def_set_base_url(struct sk_provider_def *d, const char *url);
int sk_provider_def_set_key_env(struct sk_provider_def *d, const char *var);

/* Returns the price of model: the config's, else the built-in list price
 * (source set), or NULL when neither knows the model. */
const struct sk_price *sk_config_price(const struct sk_config *c,
                                       const char *model);

/* Told of one configuration problem: msg is one line with no "shipskip: "
 * prefix and no newline, valid during the call only. Nothing below the CLI
 * prints; the caller says it. */
typedef void (*sk_config_report_cb)(void *ctx, const char *msg);

/* Resolves the route of every persona of panel into routes[panel->n].
 * cli_provider / cli_model override everything when not NULL. Checks that
 * every provider named exists and that every persona in the config's
 * "personas" section is in the panel directory (all_personas). Tells report
 * (with report_ctx; may be NULL) of every problem and returns SK_ECONFIG if
 * there was any. */
int sk_config_resolve(struct sk_config *c, const struct sk_panel_def *panel,
                      const struct sk_panel_def *all_personas,
                      const char *cli_provider, const char *cli_model,
                      struct sk_route *routes, sk_config_report_cb report,
                      void *report_ctx);

/* Checks that every provider used by routes has its API key. Tells report
 * (with report_ctx; may be NULL) of each missing variable once. Returns 0
 * or SK_ECONFIG. */
int sk_config_check_keys(const struct sk_route *routes, size_t n,
                         sk_config_report_cb report, void *report_ctx);

/* Cost in USD of tokens at price, or -1 when price is NULL. */
double sk_price_cost(const struct sk_price *price, long prompt_tokens,
                     long completion_tokens);

#endif
