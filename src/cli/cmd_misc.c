/* cmd_misc.c: the commands around a review that send nothing: prompts (the
 * exact prompts a review would send), config check (the effective panel),
 * fixtures check|list (recorded exchanges), and merge (shard outputs).
 */
#include "review.h"

#include "shipskip/model/toolsrc.h"
#include "shipskip/net/fixture.h"
#include "shipskip/review/merge.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/dirlock.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Prints the system and user prompts of tool t for every persona; returns
 * the status (1 when a prompt could not be rendered). */
static int print_prompts(const struct sk_prompts *prompts,
                         const struct sk_panel_def *panel,
                         const struct sk_tool *t) {
  struct sk_error err;
  int status = SK_EXIT_OK;
  size_t i;

  for (i = 0; i < panel->n; i++) {
    struct sk_buf sys;
    struct sk_buf user;
    sk_buf_init(&sys, SK_PROMPT_MAX);
    sk_buf_init(&user, SK_PROMPT_MAX);
    sk_error_clear(&err);
    if (sk_prompt_render(prompts, t, &panel->personas[i], &sys, &user, &err) !=
        0) {
      fprintf(stderr, "shipskip: %s\n", err.msg);
      status = SK_EXIT_FAILED;
    } else {
      printf("=== %s · %s · system\n%s\n=== %s · %s · user\n%s\n", t->slug,
             panel->personas[i].name, sk_buf_str(&sys), t->slug,
             panel->personas[i].name, sk_buf_str(&user));
    }
    sk_buf_cleanup(&sys);
    sk_buf_cleanup(&user);
  }
  return status;
}

static int run_prompts(void *args, const struct sk_opt_operands *ops) {
  struct review_args *a = args;
  struct sk_panel_def panel = {0};
  struct sk_validator *v = NULL;
  struct sk_prompts prompts;
  struct sk_toolsrc *src = NULL;
  struct sk_error err;
  int status = SK_EXIT_OK;
  int rc;

  a->inputs = ops->v;
  a->ninputs = ops->n;
  if (a->ninputs == 0)
    return sk_cli_usage_error("prompts",
                              "no INPUT given (a tool JSON file, a JSON Lines "
                              "file, a directory, or - for stdin)");
  if (a->min_words > a->max_words)
    return sk_cli_usage_error("prompts",
                              "--min-words %d is more than --max-words %d",
                              a->min_words, a->max_words);
  memset(&prompts, 0, sizeof(prompts));
  sk_error_clear(&err);
  rc = sk_cli_load_panel(a, &panel, &v, &prompts, &err);
  if (rc == 0)
    rc = sk_toolsrc_open(a->inputs, a->ninputs, &src, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = SK_EXIT_USAGE;
    goto out;
  }
  for (;;) {
    struct sk_tool *t = NULL;
    sk_error_clear(&err);
    rc = sk_toolsrc_next(src, &t, &err);
    if (rc == 0)
      break;
    if (rc < 0) {
      fprintf(stderr, "shipskip: %s (record skipped)\n", err.msg);
      status = SK_EXIT_FAILED;
      if (rc == SK_ENOMEM)
        break;
      continue;
    }
    if (print_prompts(&prompts, &panel, t) != SK_EXIT_OK)
      status = SK_EXIT_FAILED;
    sk_tool_free(t);
  }
out:
  sk_toolsrc_free(src);
  sk_prompts_cleanup(&prompts);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return status;
}

/* One row of the effective panel. */
static void print_route(const char *persona, const struct sk_route *r) {
  char key[64];
  char price[80];
  if (r->provider == NULL) {
    printf("%-10s (unresolved)\n", persona);
    return;
  }
  if (r->provider->key_env == NULL)
    snprintf(key, sizeof(key), "none needed");
  else
    snprintf(key, sizeof(key), "%.40s %s", r->provider->key_env,
             r->provider->api_key ? "set" : "MISSING");
  if (r->price != NULL)
    snprintf(price, sizeof(price), "$%.2f / $%.2f%s%s%s", r->price->input_per_m,
             r->price->output_per_m, r->price->source != NULL ? " (" : "",
             r->price->source != NULL ? r->price->source : "",
             r->price->source != NULL ? ")" : "");
  else
    snprintf(price, sizeof(price), "unknown");
  printf("%-10s %-10s %-9s %-28s %-40s %-22s %s\n", persona, r->provider->name,
         r->provider->impl->name, r->model, r->provider->base_url, key, price);
}

/* shipskip config check: validates the configuration against the panel
 * and prints the effective panel. */
static int run_config_check(void *args, const struct sk_opt_operands *ops) {
  struct review_args *a = args;
  struct sk_panel_def panel = {0};
  struct sk_validator *v = NULL;
  struct sk_prompts prompts;
  struct sk_config cfg;
  struct sk_route *routes = NULL;
  struct sk_error err;
  int status = SK_EXIT_OK;
  size_t i;

  if (ops->n > 0)
    return sk_cli_usage_error("config check", "config check takes no INPUT");
  memset(&prompts, 0, sizeof(prompts));
  memset(&cfg, 0, sizeof(cfg));
  sk_error_clear(&err);
  if (sk_cli_load_panel(a, &panel, &v, &prompts, &err) != 0 ||
      sk_cli_check_templates(&prompts, &panel, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = SK_EXIT_USAGE;
    goto out;
  }
  routes = calloc(panel.n, sizeof(*routes));
  if (routes == NULL || sk_cli_resolve_routes(a, &cfg, &panel, routes, 1) != 0)
    status = SK_EXIT_USAGE;
  if (routes == NULL || cfg.source == NULL)
    goto out;
  printf("configuration: %s\n", cfg.source);
  printf("%-10s %-10s %-9s %-28s %-40s %-22s %s\n", "PERSONA", "PROVIDER",
         "TYPE", "MODEL", "BASE URL", "KEY", "PRICE IN/OUT PER 1M");
  for (i = 0; i < panel.n; i++)
    print_route(panel.personas[i].name, &routes[i]);
  if (status == SK_EXIT_OK)
    printf("ok: %zu personas, every provider has its key\n", panel.n);
out:
  free(routes);
  sk_config_cleanup(&cfg);
  sk_prompts_cleanup(&prompts);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return status;
}

/* fixtures check DIR / fixtures list DIR: exactly one directory. */
static int fixtures_dir(const char *path, const struct sk_opt_operands *ops,
                        const char **dir) {
  if (ops->n != 1)
    return sk_cli_usage_error(path, "usage: shipskip %s DIR", path);
  *dir = ops->v[0];
  return SK_EXIT_OK;
}

void sk_cli_say_cb(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "shipskip: %s\n", msg);
}

/* Prints a bad fixture's line on stdout, where `fixtures check` reports. */
static void fixture_problem_cb(void *ctx, const char *msg) {
  (void)ctx;
  printf("%s\n", msg);
}

static int run_fixtures_check(void *args, const struct sk_opt_operands *ops) {
  static const char *const SECRETS[] = {"OPENAI_API_KEY",  "ANTHROPIC_API_KEY",
                                        "GEMINI_API_KEY",  "GOOGLE_API_KEY",
                                        "MISTRAL_API_KEY", NULL};
  struct sk_error err;
  const char *dir = NULL;
  size_t n;
  int rc;

  (void)args;
  if (fixtures_dir("fixtures check", ops, &dir) != SK_EXIT_OK)
    return SK_EXIT_USAGE;
  sk_error_clear(&err);
  rc = sk_fixture_check_dir(dir, SECRETS, fixture_problem_cb, NULL, &n, &err);
  if (rc < 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_EXIT_USAGE;
  }
  printf("%zu fixture%s checked, %d bad\n", n, n == 1 ? "" : "s", rc);
  return rc > 0 ? SK_EXIT_FAILED : SK_EXIT_OK;
}

/* Prints the listing's header once, before its first row. */
static void list_header(int *printed) {
  if (*printed)
    return;
  printf("%-40s %-24s %-10s %7s %5s %s\n", "FILE", "TOOL", "PERSONA", "ATTEMPT",
         "RETRY", "STATUS");
  *printed = 1;
}

/* Prints one fixture's row of `fixtures list`; ctx is the header flag. */
static void fixture_entry_cb(void *ctx, const struct sk_fixture_entry *e) {
  list_header(ctx);
  if (e->problem != NULL)
    printf("%-40s (%s)\n", e->file, e->problem);
  else
    printf("%-40s %-24s %-10s %7d %5d %s\n", e->file, e->tool, e->persona,
           e->attempt, e->retry, e->status);
}

static int run_fixtures_list(void *args, const struct sk_opt_operands *ops) {
  struct sk_error err;
  const char *dir = NULL;
  int header = 0;

  (void)args;
  if (fixtures_dir("fixtures list", ops, &dir) != SK_EXIT_OK)
    return SK_EXIT_USAGE;
  sk_error_clear(&err);
  if (sk_fixture_list_dir(dir, fixture_entry_cb, &header, &err) < 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_EXIT_USAGE;
  }
  list_header(&header); /* an empty directory still gets its header */
  return SK_EXIT_OK;
}

struct merge_args {
  const char *outdir;
  int quiet;
  int allow_partial;
};

/* Says a problem of the set of shards, as merge finds it. */
static void merge_note_cb(void *ctx, const char *msg) {
  const struct merge_args *m = ctx;
  fprintf(stderr, "shipskip: merge: %s%s\n", msg,
          m->allow_partial ? " (merged anyway: --allow-partial)" : "");
}

static int run_merge(void *args, const struct sk_opt_operands *ops) {
  const struct merge_args *m = args;
  struct sk_error err;
  struct sk_dirlock lock;
  struct sk_summary_merge_opts mo;
  size_t copied = 0;
  int rc;

  mo.allow_partial = m->allow_partial;
  mo.note_cb = merge_note_cb;
  mo.ctx = (void *)(uintptr_t)m;
  if (m->outdir == NULL || ops->n == 0)
    return sk_cli_usage_error("merge", "usage: shipskip merge OUTDIR... -o "
                                       "MERGED");
  sk_error_clear(&err);
  if (sk_cli_lock_outdir(m->outdir, &lock) != SK_EXIT_OK)
    return SK_EXIT_USAGE;
  rc = sk_merge_outputs(ops->v, ops->n, m->outdir, &mo, &copied, &err);
  sk_dirlock_release(&lock);
  if (rc != 0) {
    fprintf(stderr, "shipskip: merge: %s\n", err.msg);
    return SK_EXIT_FAILED;
  }
  if (!m->quiet)
    fprintf(stderr,
            "shipskip: merged %zu directories (%zu scorecard files) "
            "into %s\n",
            ops->n, copied, m->outdir);
  return SK_EXIT_OK;
}

static const struct sk_opt_group *const PROMPTS_GROUPS[] = {&sk_grp_prompts,
                                                            &sk_grp_panel};
static const struct sk_opt_set PROMPTS_OPTS = {"prompts", PROMPTS_GROUPS,
                                               COUNT(PROMPTS_GROUPS)};

const struct sk_cli_cmd sk_cmd_prompts = {
    .name = "prompts",
    .summary = "print the exact prompts a review would send; send nothing",
    .usage = "prompts INPUT... [--persona NAME] [options]",
    .opts = &PROMPTS_OPTS,
    .args_size = sizeof(struct review_args),
    .init = sk_review_args_init,
    .run = run_prompts,
};

static const struct sk_opt_group *const CONFIG_GROUPS[] = {&sk_grp_route,
                                                           &sk_grp_panel};
static const struct sk_opt_set CONFIG_OPTS = {"config check", CONFIG_GROUPS,
                                              COUNT(CONFIG_GROUPS)};

static const struct sk_cli_cmd CONFIG_SUBS[] = {
    {.name = "check",
     .summary = "validate the configuration and print the effective panel",
     .usage = "config check [--config FILE] [--personas a,b] [options]",
     .opts = &CONFIG_OPTS,
     .args_size = sizeof(struct review_args),
     .init = sk_review_args_init,
     .run = run_config_check},
};

const struct sk_cli_cmd sk_cmd_config = {
    .name = "config",
    .summary = "check the panel configuration (shipskip.json)",
    .usage = "config check [options]",
    .subs = CONFIG_SUBS,
    .nsubs = COUNT(CONFIG_SUBS),
};

static const struct sk_cli_cmd FIXTURES_SUBS[] = {
    {.name = "check",
     .summary = "check every fixture: parses, key matches, no credentials",
     .usage = "fixtures check DIR",
     .run = run_fixtures_check},
    {.name = "list",
     .summary = "list tool, persona, attempt, retry and status per fixture",
     .usage = "fixtures list DIR",
     .run = run_fixtures_list},
};

const struct sk_cli_cmd sk_cmd_fixtures = {
    .name = "fixtures",
    .summary = "check or list recorded exchanges",
    .usage = "fixtures check|list DIR",
    .subs = FIXTURES_SUBS,
    .nsubs = COUNT(FIXTURES_SUBS),
};

static const struct sk_opt MERGE[] = {
    {.name = "output",
     .short_name = 'o',
     .type = SK_OPT_STRING,
     .metavar = "MERGED",
     .help = "the directory to merge into",
     .offset = offsetof(struct merge_args, outdir)},
    {.name = "quiet",
     .short_name = 'q',
     .type = SK_OPT_FLAG,
     .help = "no summary line",
     .offset = offsetof(struct merge_args, quiet),
     .lmin = 1},
    {.name = "allow-partial",
     .type = SK_OPT_FLAG,
     .help = "merge a set of shards that is missing some, repeats one or "
             "mixes inputs, saying what is wrong with it",
     .offset = offsetof(struct merge_args, allow_partial),
     .lmin = 1},
};
static const struct sk_opt_group MERGE_GROUP = {NULL, MERGE, COUNT(MERGE)};
static const struct sk_opt_group *const MERGE_GROUPS[] = {&MERGE_GROUP};
static const struct sk_opt_set MERGE_OPTS = {"merge", MERGE_GROUPS, 1};

const struct sk_cli_cmd sk_cmd_merge = {
    .name = "merge",
    .summary = "join the outputs of shards into one directory",
    .usage = "merge OUTDIR... -o MERGED [--allow-partial]",
    .opts = &MERGE_OPTS,
    .args_size = sizeof(struct merge_args),
    .run = run_merge,
};
