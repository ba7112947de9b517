/* panel.c: loading what a review needs before it sends anything: the
 * panel of personas, the validator, the prompt templates (checked once
 * against a full tool), the provider routes from the configuration, and
 * the prompt-injection detector. Each problem is a configuration error
 * (exit 2) found before the first request.
 */
#include "review.h"

#include "data.h"

#include "shipskip/providers/provider.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/scrub.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sk_cli_load_panel(const struct review_args *a, struct sk_panel_def *panel,
                      struct sk_validator **v, struct sk_prompts *prompts,
                      struct sk_error *err) {
  const char *only = a->persona ? a->persona : a->personas;
  struct sk_validate_opts vo;
  int rc;

  rc = sk_cli_load_personas(a->personas_dir, only, panel, err);
  if (rc != 0)
    return rc;
  memset(&vo, 0, sizeof(vo));
  vo.min_words = (int)a->min_words;
  vo.max_words = (int)a->max_words;
  vo.rubric = (enum sk_rubric_policy)a->rubric;
  rc = sk_validator_new(panel, &vo, v, err);
  if (rc == 0)
    rc = sk_cli_load_prompts(a->prompts_dir, (int)a->min_words,
                             (int)a->max_words, prompts, err);
  return rc;
}

int sk_cli_check_templates(const struct sk_prompts *prompts,
                           const struct sk_panel_def *panel,
                           struct sk_error *err) {
  struct sk_tool t;
  struct sk_buf a;
  struct sk_buf b;
  const char *errs[1] = {"example"};
  int rc;

  memset(&t, 0, sizeof(t));
  t.slug = (char *)(uintptr_t) "example";
  t.name = t.description = t.tagline = t.category = t.pricing = t.best_for =
      t.url = t.slug;
  t.entry = (char *)(uintptr_t) "Free";
  t.origin = (char *)(uintptr_t) "template check";
  sk_buf_init(&a, SK_PROMPT_MAX);
  sk_buf_init(&b, SK_PROMPT_MAX);
  rc = sk_prompt_render(prompts, &t, &panel->personas[0], &a, &b, err);
  if (rc == 0)
    rc = sk_prompt_render_reask(prompts, &panel->personas[0], errs, 1, &a, err);
  sk_buf_cleanup(&a);
  sk_buf_cleanup(&b);
  return rc;
}

static int is_http_url(const char *u) {
  return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

/* Applies --provider, --base-url and --api-key-env to the loaded
 * configuration and checks every provider's base URL. Reports a problem on
 * stderr; returns 0 or SK_ECONFIG. */
static int apply_overrides(const struct review_args *a, struct sk_config *cfg) {
  struct sk_provider_def *primary;
  const char *name = a->provider             ? a->provider
                     : cfg->default_provider ? cfg->default_provider
                                             : "openai";
  size_t i;

  primary = sk_config_provider(cfg, name);
  if (primary == NULL) {
    fprintf(stderr,
            "shipskip: unknown provider \"%s\": use a type (openai, "
            "anthropic, gemini, ollama, mistral) or a name defined under "
            "\"providers\" in %s\n",
            name, cfg->source);
    return SK_ECONFIG;
  }
  if (a->base_url != NULL && !is_http_url(a->base_url)) {
    fprintf(stderr,
            "shipskip: base URL \"%s\" must start with http:// or https://\n",
            a->base_url);
    return SK_ECONFIG;
  }
  if (a->base_url != NULL &&
      sk_provider_def_set_base_url(primary, a->base_url) != 0)
    return SK_ECONFIG;
  if (a->api_key_env != NULL &&
      sk_provider_def_set_key_env(primary, a->api_key_env) != 0)
    return SK_ECONFIG;
  for (i = 0; i < cfg->nproviders; i++) {
    if (a->structured >= 0)
      cfg->providers[i].structured = (enum sk_structured)a->structured;
    if (a->batch)
      cfg->providers[i].batch = 1;
    if (!is_http_url(cfg->providers[i].base_url)) {
      fprintf(stderr,
              "shipskip: provider \"%s\": base URL \"%s\" must start with "
              "http:// or https://\n",
              cfg->providers[i].name, cfg->providers[i].base_url);
      return SK_ECONFIG;
    }
  }
  return 0;
}

/* Registers every configured provider's key and any credential in its
 * base URL with the scrub (scrub.h), so no output can carry them. Reports
 * a problem on stderr; returns 0 or SK_ECONFIG. */
static int register_secrets(const struct sk_config *cfg) {
  size_t i;
  int rc = 0;
  for (i = 0; rc == 0 && i < cfg->nproviders; i++) {
    rc = sk_scrub_add(cfg->providers[i].api_key);
    if (rc == 0)
      rc = sk_scrub_add_url(cfg->providers[i].base_url);
  }
  if (rc != 0) {
    fprintf(stderr, "shipskip: cannot hold the API keys for scrubbing: %s\n",
            sk_strerror(rc));
    return SK_ECONFIG;
  }
  return 0;
}

int sk_cli_resolve_routes(const struct review_args *a, struct sk_config *cfg,
                          const struct sk_panel_def *panel,
                          struct sk_route *routes, int need_keys) {
  const char *path = a->config;
  struct sk_error err;
  struct sk_panel_def all = {0};
  int rc;

  sk_error_clear(&err);
  if (path == NULL && access("shipskip.json", R_OK) == 0)
    path = "shipskip.json";
  rc = sk_config_load(path, cfg, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_ECONFIG;
  }
  if (apply_overrides(a, cfg) != 0 || register_secrets(cfg) != 0)
    return SK_ECONFIG;
  /* The config may name any persona of the directory, not only those
   * selected with --personas. */
  if (sk_cli_load_personas(a->personas_dir, NULL, &all, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_ECONFIG;
  }
  rc = sk_config_resolve(cfg, panel, &all, a->provider, a->model, routes,
                         sk_cli_say_cb, NULL);
  sk_panel_def_cleanup(&all);
  if (rc == 0 && need_keys)
    rc = sk_config_check_keys(routes, panel->n, sk_cli_say_cb, NULL);
  return rc;
}

/* Loads the prompt-injection rules: --injection-rules, else the prompts
 * directory's injection-patterns.txt. A missing or broken file is a
 * configuration error: reviewing hostile submissions unscreened by
 * accident is worse than not starting. */
int sk_cli_load_detector(const struct review_args *a, struct sk_inject **out,
                         struct sk_error *err) {
  int rc;
  if (a->injection_rules != NULL)
    rc = sk_inject_load(a->injection_rules, out, err);
  else
    rc = sk_cli_load_rules(a->prompts_dir, out, err);
  if (rc != 0 && err != NULL)
    err->code = SK_ECONFIG;
  return rc != 0 ? SK_ECONFIG : 0;
}
