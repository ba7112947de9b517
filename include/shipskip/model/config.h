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
 *     "prices":   {"gpt-4o-mini": {"input": 0.15, "output": 0.60}}
 *   }
 *
 * A provider's "type" is a wire format (openai, anthropic, gemini, ollama,
 * mistral); its name is what personas refer to. Every built-in type is also
 * available under its own name with its defaults, so a config may be empty.
 * Prices are USD per million input and output tokens.
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
  struct sk_provider_conf conf; /* what the provider's build() takes */
  /* "structured": auto (default), on or off; --structured overrides it. */
  enum sk_structured structured;
};

/* Returns 1 when d asks for structured output: "on", or "auto" on a
 * provider type known to support it (struct sk_provider's
 * structured_auto); else 0. */
int sk_provider_def_structured(const struct sk_provider_def *d);

struct sk_price {
  char *model;
  double input_per_m;
  double output_per_m;
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
  struct sk_price *prices;
  size_t nprices;
  char *source; /* the file, or "(built-in defaults)" */
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

/* Returns the price of model, or NULL. */
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
