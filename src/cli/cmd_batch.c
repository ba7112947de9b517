/* cmd_batch.c: `shipskip batch status OUTDIR` and `shipskip batch cancel
 * OUTDIR`: the provider batches a run in batch mode left in OUTDIR's book
 * (net/batchbook.h), looked at or canceled outside a run.
 *
 * The providers' credentials and base URLs come from the configuration,
 * resolved as `review` resolves them (the same options), so the command
 * reaches the server the run sent its batches to.
 */
#include "review.h"

#include "shipskip/net/batchctl.h"
#include "shipskip/util/dirlock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct batch_args {
  struct review_args r; /* first: the route options write here */
  int refresh;
};

static void batch_args_init(void *args) {
  struct batch_args *a = args;
  sk_review_args_init(&a->r);
  a->refresh = 0;
}

static long count(long v) {
  return v < 0 ? 0 : v;
}

struct show {
  int cancel;
  int refresh;
  size_t batches;
  size_t pending;
  size_t errors;
};

static void show_cb(void *ctx, const struct sk_bbatch *bb,
                    const struct sk_batch_status *st, const char *error) {
  struct show *s = ctx;
  const struct sk_batch_status *now = st != NULL ? st : &bb->st;
  const char *state = bb->replaced_by[0] ? "replaced"
                      : bb->step == SK_BSTEP_DROPPED
                          ? "never sent"
                          : sk_batch_state_name(now->state);
  if (s->batches++ == 0)
    printf("%-6s %-12s %-9s %5s %8s %-10s %-10s %8s %7s %7s %8s  %s\n", "BATCH",
           "PROVIDER", "API", "ROUND", "REQUESTS", "STEP", "STATE", "DONE",
           "FAILED", "EXPIRED", "CANCELED", "REMOTE ID");
  printf("%-6s %-12s %-9s %5d %8zu %-10s %-10s %8ld %7ld %7ld %8ld  %s\n",
         bb->name, bb->provider, sk_batch_api_name(bb->api), bb->round,
         bb->nreq, sk_bstep_name(bb->step), state, count(now->succeeded),
         count(now->errored), count(now->expired), count(now->canceled),
         bb->id[0] ? bb->id : "-");
  if (sk_bbatch_pending(bb))
    s->pending++;
  if (error != NULL) {
    s->errors++;
    fprintf(stderr, "shipskip: batch %s: %s\n", bb->name, error);
  }
}

static int run_ctl(struct batch_args *a, const struct sk_opt_operands *ops,
                   int cancel) {
  const char *cmd = cancel ? "batch cancel" : "batch status";
  struct sk_panel_def panel = {0};
  struct sk_validator *v = NULL;
  struct sk_prompts prompts;
  struct sk_config cfg;
  struct sk_route *routes = NULL;
  struct sk_batch_samples samples = {0};
  struct sk_http_opts http;
  struct sk_dirlock lock;
  struct sk_error err;
  struct show s;
  int locked = 0;
  int status = SK_EXIT_OK;
  int rc;

  if (ops->n != 1)
    return sk_cli_usage_error(cmd, "give the run's OUTDIR");
  memset(&prompts, 0, sizeof(prompts));
  memset(&cfg, 0, sizeof(cfg));
  memset(&s, 0, sizeof(s));
  s.cancel = cancel;
  sk_error_clear(&err);
  if (sk_cli_load_panel(&a->r, &panel, &v, &prompts, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = SK_EXIT_USAGE;
    goto out;
  }
  routes = calloc(panel.n ? panel.n : 1, sizeof(*routes));
  if (routes == NULL || sk_cli_resolve_routes(&a->r, &cfg, &panel, routes,
                                              cancel || a->refresh) != 0) {
    status = SK_EXIT_USAGE;
    goto out;
  }
  if (sk_batch_samples_build(&samples, routes, panel.n, 0, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = SK_EXIT_USAGE;
    goto out;
  }
  /* Cancel writes the book: not while a run holds OUTDIR. */
  if (cancel) {
    if (sk_cli_lock_outdir(ops->v[0], &lock) != 0) {
      status = SK_EXIT_USAGE;
      goto out;
    }
    locked = 1;
  }
  memset(&http, 0, sizeof(http));
  http.timeout_ms = a->r.eng.timeout_ms;
  http.ca_file = cfg.ca_file;
  http.user_agent = "shipskip";
  rc = sk_batchctl_run(ops->v[0], samples.p, samples.n, a->refresh, cancel,
                       &http, show_cb, &s, &err);
  if (rc == SK_ENOENT) {
    fprintf(stderr, "shipskip: %s has no batches (no batches.jsonl)\n",
            ops->v[0]);
    status = SK_EXIT_USAGE;
  } else if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = SK_EXIT_FAILED;
  } else {
    printf("%zu batch%s, %zu still at the provider%s\n", s.batches,
           s.batches == 1 ? "" : "es", s.pending,
           cancel ? " (cancel asked: --resume collects what ran)" : "");
    if (s.errors > 0)
      status = SK_EXIT_FAILED;
  }
out:
  if (locked)
    sk_dirlock_release(&lock);
  sk_batch_samples_cleanup(&samples);
  free(routes);
  sk_config_cleanup(&cfg);
  sk_prompts_cleanup(&prompts);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return status;
}

static int run_status(void *args, const struct sk_opt_operands *ops) {
  return run_ctl(args, ops, 0);
}

static int run_cancel(void *args, const struct sk_opt_operands *ops) {
  return run_ctl(args, ops, 1);
}

static const struct sk_opt STATUS[] = {
    {.name = "refresh",
     .type = SK_OPT_FLAG,
     .help = "ask the provider for the state of every batch still there "
             "(changes nothing, not even the book)",
     .offset = offsetof(struct batch_args, refresh),
     .lmin = 1},
};
static const struct sk_opt_group GRP_STATUS = {NULL, STATUS, COUNT(STATUS)};

static const struct sk_opt_group *const STATUS_GROUPS[] = {
    &sk_grp_route, &sk_grp_panel, &GRP_STATUS};
static const struct sk_opt_set STATUS_OPTS = {"batch status", STATUS_GROUPS,
                                              COUNT(STATUS_GROUPS)};
static const struct sk_opt_group *const CANCEL_GROUPS[] = {&sk_grp_route,
                                                           &sk_grp_panel};
static const struct sk_opt_set CANCEL_OPTS = {"batch cancel", CANCEL_GROUPS,
                                              COUNT(CANCEL_GROUPS)};

static const struct sk_cli_cmd BATCH_SUBS[] = {
    {.name = "status",
     .summary = "show every provider batch of a run: state, counts, ids",
     .usage = "batch status OUTDIR [--refresh] [options]",
     .opts = &STATUS_OPTS,
     .args_size = sizeof(struct batch_args),
     .init = batch_args_init,
     .run = run_status},
    {.name = "cancel",
     .summary = "cancel a run's batches still at the provider",
     .usage = "batch cancel OUTDIR [options]",
     .opts = &CANCEL_OPTS,
     .args_size = sizeof(struct batch_args),
     .init = batch_args_init,
     .run = run_cancel},
};

const struct sk_cli_cmd sk_cmd_batch = {
    .name = "batch",
    .summary = "look at or cancel the provider batches of a run (--batch)",
    .usage = "batch status|cancel OUTDIR [options]",
    .subs = BATCH_SUBS,
    .nsubs = COUNT(BATCH_SUBS),
};
