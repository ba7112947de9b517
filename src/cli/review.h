/* review.h: what review, draft, prompts and config check share: one options
 * struct, the option groups they are built from, and the loaders of the
 * panel, prompts, routes and detector.
 *
 * The engine's settings live in the struct's sk_engine_opts, which starts
 * from sk_engine_opts_init(): the defaults are the engine's, never restated
 * here. The options that are the CLI's own (paths, the panel, output) sit
 * beside it.
 */
#ifndef SHIPSKIP_CLI_REVIEW_H
#define SHIPSKIP_CLI_REVIEW_H

#include "cli.h"

#include "shipskip/model/config.h"
#include "shipskip/model/persona.h"
#include "shipskip/review/engine.h"
#include "shipskip/review/inject.h"
#include "shipskip/review/prompt.h"
#include "shipskip/review/validate.h"

/* Review paragraph bounds when --min-words/--max-words are not given: the
 * one place the CLI states them (prompts and validator both take them). */
#define SK_CLI_MIN_WORDS 60
#define SK_CLI_MAX_WORDS 260

struct review_args {
  struct sk_engine_opts eng; /* engine settings, from sk_engine_opts_init */
  const char *outdir;
  const char *config;
  const char *provider;
  const char *model;
  const char *base_url;
  const char *api_key_env;
  int structured; /* --structured: -1 the config's, else enum sk_structured */
  int batch;      /* --batch: every provider in batch mode */
  double batch_poll_s;     /* --batch-poll, 0: the engine's */
  long batch_max_requests; /* --batch-max-requests, 0: the provider's */
  long batch_max_bytes;
  const char *personas;
  const char *persona; /* prompts: one persona */
  const char *personas_dir;
  const char *prompts_dir;
  int min_words;
  int max_words;
  int rubric;   /* enum sk_rubric_policy (review/validate.h) */
  int progress; /* -1: on a terminal */
  int quiet;
  int fixture_flag; /* which of --record/--replay/--fixtures (-1) */
  int fixture_mode; /* --fixture-mode, 0 when not given */
  int generated_at;
  const char *log_json;
  const char *junit; /* review --junit FILE */
  const char *votes;
  const char *injection_rules;
  const char *d_name; /* draft: a tool given on the command line */
  const char *d_description;
  const char *d_tagline;
  const char *d_category;
  const char *d_url;
  const char *const *inputs; /* the operands */
  size_t ninputs;
};

/* The option groups (review_opts.c); each command lists the ones it takes. */
extern const struct sk_opt_group sk_grp_output;
extern const struct sk_opt_group sk_grp_route;
extern const struct sk_opt_group sk_grp_panel;
extern const struct sk_opt_group sk_grp_request;
extern const struct sk_opt_group sk_grp_screen;
extern const struct sk_opt_group sk_grp_redo;
extern const struct sk_opt_group sk_grp_fixtures;
extern const struct sk_opt_group sk_grp_batch;
extern const struct sk_opt_group sk_grp_draft_tool;
extern const struct sk_opt_group sk_grp_draft_compat;
extern const struct sk_opt_group sk_grp_prompts;
extern const struct sk_opt_group sk_grp_report;
extern const struct sk_opt_group sk_grp_pbatch;

/* Fills a zeroed struct review_args with the defaults. */
void sk_review_args_init(void *args);

/* Checks what a review or draft was given as a whole (fixture options
 * together, word bounds) and settles the fixture mode. Returns 0, or
 * SK_EINVAL with err set. */
int sk_review_args_check(struct review_args *a, struct sk_error *err);

/* Loads the panel (personas, --personas or --persona), the validator and
 * the prompts. Returns 0 or an error with err set. */
int sk_cli_load_panel(const struct review_args *a, struct sk_panel_def *panel,
                      struct sk_validator **v, struct sk_prompts *prompts,
                      struct sk_error *err);

/* Renders the templates once against a tool with every field filled, so a
 * placeholder no tool could fill (a typo) is a configuration error now.
 * Returns 0 or an error with err set. */
int sk_cli_check_templates(const struct sk_prompts *prompts,
                           const struct sk_panel_def *panel,
                           struct sk_error *err);

/* Loads the configuration (--config, else ./shipskip.json when present),
 * applies --provider, --base-url and --api-key-env, and resolves every
 * persona's provider, model and price into routes (panel->n of them). With
 * need_keys a provider without its key is an error too. Reports every
 * problem on stderr; returns 0 or SK_ECONFIG. */
int sk_cli_resolve_routes(const struct review_args *a, struct sk_config *cfg,
                          const struct sk_panel_def *panel,
                          struct sk_route *routes, int need_keys);

/* Loads the prompt-injection rules: --injection-rules, else the prompts
 * directory's injection-patterns.txt. Returns 0 or SK_ECONFIG. */
int sk_cli_load_detector(const struct review_args *a, struct sk_inject **out,
                         struct sk_error *err);

/* Runs one whole review with a (checked: sk_review_args_check, inputs
 * and outdir set) exactly as `shipskip review` does, and returns its exit
 * status. For commands built on review runs (calibrate). */
int sk_cli_review_with(const struct review_args *a);

#endif
