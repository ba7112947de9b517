/* cmd_review.c: shipskip review and shipskip draft.
 *
 * A review runs in five steps, each its own function: check the options
 * against the panel, acquire every resource (panel, routes, detector, votes,
 * input, journal, log) with one release path, fill the engine options
 * (starting from the engine's own defaults in review_args.eng), run the
 * engine, and report. A draft is a review of one tool whose reviews are
 * shown as they arrive and whose Markdown draft goes to stdout.
 */
#include "events.h"
#include "review.h"

#include "shipskip/model/junit.h"
#include "shipskip/model/toolsrc.h"
#include "shipskip/model/votes.h"
#include "shipskip/net/fixture.h"
#include "shipskip/net/http.h"
#include "shipskip/net/transport.h"
#include "shipskip/review/journal.h"
#include "shipskip/review/summary.h"
#include "shipskip/util/dirlock.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/markdown.h"
#include "shipskip/util/names.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What `draft` shows while the panel answers: on a terminal, each
 * reviewer's section on stderr the moment it arrives, and who is still
 * thinking; the finished draft, rendered in memory when the engine hands
 * the tool over (on_tool), goes to stdout once the run is over. */
struct draft_view {
  int tty;
  char slug[SK_TOOL_MAX_SLUG + 1];
  int rendered;        /* on_tool ran: md (or err) holds the draft */
  int rc;              /* what rendering returned */
  struct sk_buf md;    /* the Markdown draft */
  struct sk_error err; /* why rendering failed */
};

/* One review run: everything acquired for it, released in one place. */
struct review_run {
  const struct review_args *a;
  struct sk_panel_def panel;
  struct sk_validator *v;
  struct sk_prompts prompts;
  struct sk_config cfg;
  struct sk_route *routes;
  struct sk_inject *detector;
  struct sk_votes *votes;
  struct sk_toolsrc *src;
  struct sk_journal *journal;
  struct sk_dirlock lock; /* OUTDIR's: one run per output folder */
  struct sk_summary summary;
  FILE *log_json;
  struct sk_events events; /* renders the engine's events (events.h) */
  struct sk_engine_opts o;
  struct sk_engine_stats st;
  char now_utc[32];
  char stamp[32];
  char *source; /* the replayed fixtures' LABEL, or NULL */
  char ua[64];
  struct sk_junit *junit; /* --junit: the report being built, or NULL */
  int junit_rc;           /* the first error adding to it, or 0 */
  double started;         /* monotonic seconds when the run began */
};

/* Checks what needs the panel: every --redo name is one of its personas,
 * and --budget has a price for every model. Prints each problem; returns
 * 0 or SK_EXIT_USAGE. */
static int check_against_panel(const struct review_run *r) {
  const struct review_args *a = r->a;
  const char *cur = a->eng.redo;
  const char *item;
  size_t len;
  size_t i;
  int status = SK_EXIT_OK;

  while (cur != NULL && sk_names_next(&cur, &item, &len)) {
    int found = 0;
    for (i = 0; i < r->panel.n; i++)
      if (strlen(r->panel.personas[i].name) == len &&
          strncmp(r->panel.personas[i].name, item, len) == 0)
        found = 1;
    if (!found) {
      fprintf(stderr, "shipskip: --redo: the panel has no persona \"%.*s\"\n",
              (int)len, item);
      return SK_EXIT_USAGE;
    }
  }
  for (i = 0; a->eng.budget_usd > 0 && i < r->panel.n; i++) {
    if (r->routes[i].price == NULL) {
      fprintf(stderr,
              "shipskip: --budget needs a price for model \"%s\" (persona "
              "%s): add it under \"prices\" in the config\n",
              r->routes[i].model, r->panel.personas[i].name);
      status = SK_EXIT_USAGE;
    }
  }
  return status;
}

/* Loads the panel, prompts and routes, and checks them. Returns the exit
 * status so far (0, or SK_EXIT_USAGE with the problem printed). */
static int acquire_panel(struct review_run *r) {
  const struct review_args *a = r->a;
  struct sk_error err;
  int rc;

  sk_error_clear(&err);
  rc = sk_cli_load_panel(a, &r->panel, &r->v, &r->prompts, &err);
  if (rc == 0)
    rc = sk_cli_check_templates(&r->prompts, &r->panel, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_EXIT_USAGE;
  }
  r->routes = calloc(r->panel.n, sizeof(*r->routes));
  if (r->routes == NULL ||
      sk_cli_resolve_routes(a, &r->cfg, &r->panel, r->routes,
                            a->eng.fixture_mode != SK_FIXTURES_REPLAY) != 0)
    return SK_EXIT_USAGE;
  if (check_against_panel(r) != 0)
    return SK_EXIT_USAGE;
  if (a->eng.fixture_mode == SK_FIXTURES_REPLAY &&
      !sk_fs_is_dir(a->eng.fixture_dir)) {
    /* Say so before touching OUTDIR (and moving its journal aside). */
    fprintf(stderr,
            "shipskip: %s: fixture directory does not exist (record one with "
            "--record DIR)\n",
            a->eng.fixture_dir);
    return SK_EXIT_USAGE;
  }
  if (a->eng.fixture_mode == SK_FIXTURES_REPLAY &&
      sk_fixture_label(a->eng.fixture_dir, &r->source, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_EXIT_USAGE;
  }
  return SK_EXIT_OK;
}

/* Opens OUTDIR's journal; a problem found while reading it (a torn or
 * unreadable line, which the run goes on without) is printed on stderr. */
static int open_journal(struct review_run *r, struct sk_error *err) {
  return sk_journal_open(r->a->outdir, r->a->eng.resume, sk_cli_say_cb, NULL,
                         &r->journal, err);
}

/* Takes OUTDIR's lock (dirlock.h), naming this run's start time. */
static int take_lock(struct review_run *r, struct sk_error *err) {
  char started[32];
  sk_cli_now_utc(started, sizeof(started));
  return sk_dirlock_take(&r->lock, r->a->outdir, started, err);
}

/* Acquires everything a run needs, the panel first; returns the exit
 * status so far. Whatever was acquired is released by release(). */
static int acquire(struct review_run *r) {
  const struct review_args *a = r->a;
  struct sk_error err;
  int rc;

  if (acquire_panel(r) != SK_EXIT_OK)
    return SK_EXIT_USAGE;
  sk_error_clear(&err);
  rc = sk_cli_load_detector(a, &r->detector, &err);
  if (rc == 0 && a->votes != NULL)
    rc = sk_votes_load(a->votes, &r->votes, &err);
  if (rc == 0 && r->src == NULL)
    rc = sk_toolsrc_open(a->inputs, a->ninputs, &r->src, &err);
  /* No OUTDIR (a draft without -o): nothing is written, not even a
   * journal. */
  if (rc == 0 && a->outdir != NULL)
    rc = sk_fs_mkdirs(a->outdir, &err);
  /* The lock before the journal: a second run must not even move the
   * first one's journal aside. */
  if (rc == 0 && a->outdir != NULL)
    rc = take_lock(r, &err);
  if (rc == 0 && a->outdir != NULL)
    rc = open_journal(r, &err);
  /* Summary rows past a run's worth wait sorted in OUTDIR, not in memory:
   * memory does not grow with the batch (summary.h). */
  if (rc == 0 && a->outdir != NULL)
    rc = sk_summary_spill_to(&r->summary, a->outdir, 0, &err);
  if (rc == 0 && a->log_json != NULL) {
    r->log_json =
        strcmp(a->log_json, "-") == 0 ? stderr : fopen(a->log_json, "a");
    if (r->log_json == NULL)
      rc = sk_error_set(&err, SK_EIO, "%s: cannot open --log-json file: %s",
                        a->log_json, strerror(errno));
  }
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_EXIT_USAGE;
  }
  return SK_EXIT_OK;
}

/* Closes the --log-json file; returns the errno of its first failed
 * write, of the close, or 0. */
static int close_log(struct review_run *r) {
  int e = r->events.log_errno;
  if (r->log_json == NULL)
    return 0;
  if (r->log_json == stderr) {
    if (e == 0 && fflush(stderr) != 0)
      e = errno != 0 ? errno : EIO;
    return e;
  }
  errno = 0;
  if (fclose(r->log_json) != 0 && e == 0)
    e = errno != 0 ? errno : EIO;
  return e;
}

/* Releases what acquire() got; a --log-json file that could not be
 * written in full turns a success into exit 1. Returns the status. */
static int release(struct review_run *r, int status) {
  int log_errno = close_log(r);
  if (log_errno != 0) {
    fprintf(stderr,
            "shipskip: %s: error writing --log-json: %s (the log is "
            "incomplete)\n",
            r->a->log_json, strerror(log_errno));
    if (status == SK_EXIT_OK)
      status = SK_EXIT_FAILED;
  }
  sk_journal_close(r->journal);
  sk_dirlock_release(&r->lock); /* last of OUTDIR's files */
  sk_summary_cleanup(&r->summary);
  free(r->routes);
  free(r->source);
  sk_votes_free(r->votes);
  sk_inject_free(r->detector);
  sk_config_cleanup(&r->cfg);
  sk_junit_free(r->junit);
  sk_toolsrc_free(r->src);
  sk_prompts_cleanup(&r->prompts);
  sk_validator_free(r->v);
  sk_panel_def_cleanup(&r->panel);
  return status;
}

static void draft_review_cb(void *ctx, const struct sk_tool *t,
                            const struct sk_review *r, size_t n, size_t which);
static void draft_tool_cb(void *ctx, const struct sk_tool *t,
                          const struct sk_review *r, size_t n,
                          const struct sk_scorecard_meta *meta);

/* Monotonic seconds, for the JUnit report's times. */
static double now_seconds(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
    return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --junit: each tool whose reviews all ended becomes a test suite. */
static void junit_tool_cb(void *ctx, const struct sk_tool *t,
                          const struct sk_review *rv, size_t n,
                          const struct sk_scorecard_meta *meta) {
  struct review_run *r = ctx;
  int rc;
  (void)meta;
  rc = sk_junit_add_tool(r->junit, t, rv, n, now_seconds() - r->started);
  if (rc != 0 && r->junit_rc == 0)
    r->junit_rc = rc;
}

/* Writes the --junit report however the run ended; a report that could
 * not be built or written fails the run. Returns the exit status. */
static int write_junit(struct review_run *r, int status) {
  struct sk_error err;
  sk_error_clear(&err);
  if (r->junit == NULL)
    return status;
  if (r->junit_rc != 0)
    sk_error_set(&err, r->junit_rc, "%s: %s", r->a->junit,
                 sk_strerror(r->junit_rc));
  else
    sk_junit_write(r->junit, r->a->junit, now_seconds() - r->started, &err);
  if (err.code == 0)
    return status;
  fprintf(stderr, "shipskip: --junit: %s\n", err.msg);
  return status == SK_EXIT_OK ? SK_EXIT_FAILED : status;
}

/* The engine options: the user's settings (already in a->eng, on top of
 * the engine's defaults) plus what this run acquired. */
static void fill_engine(struct review_run *r, struct draft_view *draft) {
  const struct review_args *a = r->a;
  struct sk_engine_opts *o = &r->o;

  *o = a->eng;
  o->panel = &r->panel;
  o->validator = r->v;
  o->prompts = &r->prompts;
  o->routes = r->routes;
  o->votes = r->votes;
  o->detector = r->detector;
  o->force = a->eng.force || draft != NULL; /* a draft always asks */
  if (draft != NULL) {
    o->on_review = draft_review_cb;
    o->on_review_ctx = draft;
    o->on_tool = draft_tool_cb;
    o->on_tool_ctx = draft;
  } else if (r->junit != NULL) {
    o->on_tool = junit_tool_cb;
    o->on_tool_ctx = r;
  }
  sk_cli_now_utc(r->now_utc, sizeof(r->now_utc));
  o->now_utc = r->now_utc;
  o->outdir = a->outdir;
  o->progress_ticks = a->progress >= 0 ? a->progress : isatty(STDERR_FILENO);
  snprintf(r->ua, sizeof(r->ua), "shipskip/%s", SK_VERSION);
  o->user_agent = r->ua;
  if (o->ca_file == NULL)
    o->ca_file = r->cfg.ca_file; /* --cacert wins over the config */
  o->journal = r->journal;
  o->summary = &r->summary;
  sk_events_init(&r->events, stderr, r->log_json, o->progress_ticks);
  o->on_event = sk_events_cb;
  o->on_event_ctx = &r->events;
  o->handle_signals = 1;
  o->total_estimate =
      o->progress_ticks ? sk_toolsrc_estimate(a->inputs, a->ninputs) : -1;
  o->source = r->source;
  if (a->generated_at) {
    sk_cli_now_utc(r->stamp, sizeof(r->stamp));
    o->generated_at = r->stamp;
  }
}

/* A run that sent nothing, wrote no scorecard and met no bad input: every
 * tool it read already had a complete, up-to-date scorecard. */
static int nothing_done(const struct sk_engine_stats *st) {
  return st->tools_uptodate > 0 && st->requests == 0 && st->tools_ok == 0 &&
         st->tools_failed == 0 && st->records_bad == 0 &&
         st->tools_unfinished == 0 && st->tools_refused == 0 &&
         st->tools_unwritten == 0 && st->input_done;
}

static int summary_exists(const char *outdir) {
  char path[4096];
  struct sk_error err;
  return sk_path_join(path, sizeof(path), outdir, "summary.json", &err) == 0 &&
         access(path, F_OK) == 0;
}

/* Runs the engine and writes the summary; returns the exit status. */
static int run_engine(struct review_run *r) {
  const struct sk_engine_stats *st = &r->st;
  struct sk_error err;
  int status = SK_EXIT_OK;
  int rc;

  sk_error_clear(&err);
  rc = sk_engine_run(r->src, &r->o, &r->st, &err);
  if (st->records_bad > 0 || st->tools_failed > 0 || st->tools_unwritten > 0 ||
      st->record_failures > 0 || st->tools_unfinished > 0 || !st->input_done ||
      st->tools_refused > 0 || (r->o.fail_on_drift && st->drifts > 0))
    status = SK_EXIT_FAILED;
  if (rc == 0 && r->a->outdir != NULL && nothing_done(st) &&
      summary_exists(r->a->outdir)) {
    /* Every tool was up to date: a summary of nothing would replace the
     * last run's figures with zeros. */
    if (!r->a->quiet)
      fprintf(stderr, "shipskip: nothing to do; summary.json kept from the "
                      "last run that reviewed something\n");
  } else if (rc != SK_ECONFIG && r->a->outdir != NULL) {
    /* The summary is written however the run ended, but for a run that
     * never started: it says what is left. */
    struct sk_error serr;
    sk_error_clear(&serr);
    if (sk_summary_write(&r->summary, r->a->outdir, &serr) != 0) {
      fprintf(stderr, "shipskip: %s\n", serr.msg);
      status = SK_EXIT_FAILED;
    }
  }
  if (rc == SK_ECONFIG) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = SK_EXIT_USAGE;
  } else if (rc == SK_ENOENT || rc == SK_EPARSE) {
    /* A replay miss or a corrupt fixture: the fixtures do not cover these
     * inputs, which is a configuration problem, not a model's failure. */
    fprintf(stderr, "shipskip: replay stopped; nothing more was written\n");
    status = SK_EXIT_USAGE;
  } else if (rc != 0) {
    fprintf(stderr, "shipskip: batch stopped: %s\n", err.msg);
    status = SK_EXIT_FAILED;
  }
  return status;
}

/* The summary lines at the end of a run (not with -q). */
static void report_totals(const struct sk_engine_stats *st,
                          const char *outdir) {
  fprintf(stderr,
          "shipskip: %lu tool%s reviewed in full, %lu with failed reviews, "
          "%lu bad record%s; %lu request%s, %lu re-ask%s, %lu retr%s, %lu "
          "connection%s; %ld tokens in, %ld out; scorecards in %s\n",
          st->tools_ok, st->tools_ok == 1 ? "" : "s", st->tools_failed,
          st->records_bad, st->records_bad == 1 ? "" : "s", st->requests,
          st->requests == 1 ? "" : "s", st->reasks, st->reasks == 1 ? "" : "s",
          st->retries, st->retries == 1 ? "y" : "ies", st->connections,
          st->connections == 1 ? "" : "s", st->prompt_tokens,
          st->completion_tokens, outdir);
  if (st->tools_uptodate > 0)
    fprintf(stderr,
            "shipskip: %lu tool%s already had a complete scorecard made "
            "from the same inputs: not requested again (--force to redo)\n",
            st->tools_uptodate, st->tools_uptodate == 1 ? "" : "s");
  if (st->tools_flagged + st->tools_refused > 0)
    fprintf(stderr,
            "shipskip: %lu tool%s flagged as possible prompt injection "
            "(%lu reviewed with the flag, %lu refused)\n",
            st->tools_flagged + st->tools_refused,
            st->tools_flagged + st->tools_refused == 1 ? "" : "s",
            st->tools_flagged, st->tools_refused);
  if (st->reviews_resumed > 0)
    fprintf(stderr,
            "shipskip: %lu reviews taken from the journal, not "
            "requested again\n",
            st->reviews_resumed);
}

/* The run's estimated cost, when every model had a price, and which
 * prices were the built-in list prices (their date says how old). */
static void report_cost(const struct review_run *r) {
  const struct sk_engine_stats *st = &r->st;
  const char *source = NULL;
  char models[256] = "";
  size_t used = 0;
  size_t i;

  if (st->cost_usd < 0 || st->requests == 0)
    return;
  for (i = 0; i < r->panel.n; i++) {
    const struct sk_price *p = r->routes[i].price;
    size_t k;
    int w;
    if (p == NULL || p->source == NULL)
      continue;
    /* Each model once, however many personas use it. */
    for (k = 0; k < i && r->routes[k].price != p; k++)
      ;
    if (k < i)
      continue;
    source = p->source;
    w = snprintf(models + used, sizeof(models) - used, "%s%s",
                 used > 0 ? ", " : "", p->model);
    if (w < 0 || (size_t)w >= sizeof(models) - used)
      break;
    used += (size_t)w;
  }
  if (source == NULL)
    fprintf(stderr, "shipskip: estimated cost $%.4f\n", st->cost_usd);
  else
    fprintf(stderr,
            "shipskip: estimated cost $%.4f (%s at the %s built into "
            "shipskip; a \"prices\" entry in the config overrides it)\n",
            st->cost_usd, models, source);
}

/* What stopped a run, as the report says it. */
static const char *stop_name(int stopped_by) {
  return stopped_by == SIGINT           ? "interrupted (SIGINT)"
         : stopped_by == SIGTERM        ? "terminated (SIGTERM)"
         : stopped_by == SK_STOP_BUDGET ? "budget reached"
         : stopped_by == SK_STOP_OUTAGE ? "server down for --max-retry-time"
         : stopped_by == SK_STOP_BATCH  ? "batches sent"
                                        : "deadline reached";
}

/* Reports how the run ended; returns the exit status, which a stop
 * (signal, deadline, budget) overrides. */
static int report(const struct review_run *r, int status) {
  const struct sk_engine_stats *st = &r->st;
  const char *outdir = r->a->outdir;

  if (!r->a->quiet) {
    report_totals(st, outdir);
    report_cost(r);
  }
  if (st->stopped_by == 0)
    return status;
  if (st->stopped_by == SK_STOP_BATCH) {
    fprintf(stderr,
            "shipskip: %lu batch%s at the provider (%lu tool%s waiting); run "
            "the same command with --resume to collect what has ended, or "
            "see `shipskip batch status %s`\n",
            st->batch.pending, st->batch.pending == 1 ? " is" : "es are",
            st->tools_unfinished, st->tools_unfinished == 1 ? "" : "s",
            outdir);
    /* Still running at the provider: the loop that collects goes on. */
    (void)status;
    return SK_EXIT_PENDING;
  }
  if (outdir == NULL) /* a draft without -o: nothing was kept to resume */
    fprintf(stderr, "shipskip: %s before the draft was done\n",
            stop_name(st->stopped_by));
  else
    fprintf(stderr,
            "shipskip: %s before the batch was done: %lu tool%s unfinished%s. "
            "Finished reviews are in %s/journal.jsonl; run the same command "
            "with --resume to review only the rest.\n",
            stop_name(st->stopped_by), st->tools_unfinished,
            st->tools_unfinished == 1 ? "" : "s",
            st->input_done ? "" : " and more input unread", outdir);
  return st->stopped_by == SIGINT    ? 130
         : st->stopped_by == SIGTERM ? 143
                                     : SK_EXIT_FAILED;
}

/* Reviews src (or a->inputs when src is NULL) into a->outdir (no files
 * when it is NULL), showing reviews to draft when it is not NULL. Takes
 * src over. Returns the exit status. */
static int review_with(const struct review_args *a, struct sk_toolsrc *src,
                       struct draft_view *draft) {
  struct review_run *r = calloc(1, sizeof(*r));
  struct sk_error err;
  int status;

  if (r == NULL) {
    sk_toolsrc_free(src);
    fputs("shipskip: out of memory\n", stderr);
    return SK_EXIT_USAGE;
  }
  r->a = a;
  r->src = src;
  sk_dirlock_init(&r->lock);
  sk_summary_init(&r->summary);
  sk_error_clear(&err);
  if (sk_http_global_init(&err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = SK_EXIT_USAGE;
  } else {
    status = acquire(r);
    if (status == SK_EXIT_OK && a->junit != NULL && draft == NULL) {
      r->started = now_seconds();
      r->junit = sk_junit_new();
      if (r->junit == NULL) {
        fputs("shipskip: out of memory\n", stderr);
        status = SK_EXIT_USAGE;
      }
    }
    if (status == SK_EXIT_OK) {
      fill_engine(r, draft);
      if (a->eng.resume && !a->quiet)
        fprintf(stderr, "shipskip: resuming: %lu reviews in %s/journal.jsonl\n",
                sk_journal_entries(r->journal), a->outdir);
      status = write_junit(r, report(r, run_engine(r)));
    }
    status = release(r, status);
    sk_http_global_cleanup();
  }
  free(r);
  return status;
}

int sk_cli_review_with(const struct review_args *a) {
  return review_with(a, NULL, NULL);
}

static int run_review(void *args, const struct sk_opt_operands *ops) {
  struct review_args *a = args;
  struct sk_error err;

  sk_error_clear(&err);
  a->inputs = ops->v;
  a->ninputs = ops->n;
  if (sk_review_args_check(a, &err) != 0)
    return sk_cli_usage_error("review", "%s", err.msg);
  if (a->ninputs == 0)
    return sk_cli_usage_error("review",
                              "no INPUT given (a tool JSON file, a JSON Lines "
                              "file, a directory, or - for stdin)");
  if (a->outdir == NULL)
    return sk_cli_usage_error("review",
                              "review needs an output directory: -o OUTDIR");
  return review_with(a, NULL, NULL);
}

static void draft_review_cb(void *ctx, const struct sk_tool *t,
                            const struct sk_review *r, size_t n, size_t which) {
  struct draft_view *v = ctx;
  const struct sk_review *rv = &r[which];
  struct sk_buf b;
  size_t i;
  int pending = 0;

  snprintf(v->slug, sizeof(v->slug), "%s", t->slug);
  if (!v->tty)
    return;
  sk_buf_init(&b, 1 << 20);
  if (rv->status == SK_REVIEW_OK) {
    sk_buf_printf(&b, "### %s\n\n%d/100 · %s\n\n", rv->persona->display_name,
                  rv->score, rv->verdict);
    sk_markdown_text(&b, rv->text);
    sk_buf_adds(&b, "\n\n");
  } else {
    sk_buf_printf(&b, "### %s\n\nNo review: %s\n\n", rv->persona->display_name,
                  rv->nerrors > 0 ? rv->errors[0] : "failed");
  }
  fprintf(stderr, "\r\033[K%s", sk_buf_str(&b));
  sk_buf_cleanup(&b);
  for (i = 0; i < n; i++) {
    if (i != which && r[i].status == SK_REVIEW_PENDING) {
      fprintf(stderr, "%s%s",
              pending ? ", " : "still thinking: ", r[i].persona->display_name);
      pending = 1;
    }
  }
  fflush(stderr);
}

/* Renders the finished draft in memory when the engine hands the tool
 * over; it is printed once the run is over (print_draft). */
static void draft_tool_cb(void *ctx, const struct sk_tool *t,
                          const struct sk_review *r, size_t n,
                          const struct sk_scorecard_meta *meta) {
  struct draft_view *v = ctx;

  sk_buf_reset(&v->md);
  sk_error_clear(&v->err);
  v->rc = sk_scorecard_markdown(t, r, n, meta, &v->md, &v->err);
  v->rendered = 1;
}

/* Opens the tool given with --name and --description as a reader over
 * its JSON text, so it goes through the same loader (and the same checks)
 * as a file. Returns 0 and *src, or prints the problem. */
static int open_inline_tool(const struct review_args *a,
                            struct sk_toolsrc **src) {
  cJSON *o = cJSON_CreateObject();
  char *text = NULL;
  struct sk_error err;
  int rc = SK_ENOMEM;

  sk_error_clear(&err);
  if (o != NULL && cJSON_AddStringToObject(o, "name", a->d_name) &&
      cJSON_AddStringToObject(o, "description", a->d_description) &&
      (a->d_tagline == NULL ||
       cJSON_AddStringToObject(o, "tagline", a->d_tagline)) &&
      (a->d_category == NULL ||
       cJSON_AddStringToObject(o, "category", a->d_category)) &&
      (a->d_url == NULL || cJSON_AddStringToObject(o, "url", a->d_url)) &&
      (text = cJSON_PrintUnformatted(o)) != NULL)
    rc = sk_toolsrc_open_mem("tool.json", text, strlen(text), src, &err);
  cJSON_free(text);
  cJSON_Delete(o);
  if (rc != 0)
    fprintf(stderr, "shipskip: draft: %s\n",
            err.msg[0] ? err.msg : "out of memory");
  return rc;
}

/* Prints the finished draft on stdout; returns the status. */
static int print_draft(const char *outdir, const struct draft_view *view,
                       int status) {
  if (view->rendered && view->rc == 0) {
    fwrite(view->md.data, 1, view->md.len, stdout);
  } else if (status == SK_EXIT_OK) {
    fprintf(stderr, "shipskip: %s\n",
            view->rendered ? view->err.msg : "draft: no draft was made");
    status = SK_EXIT_FAILED;
  }
  if (outdir != NULL && view->tty)
    fprintf(stderr, "shipskip: scorecard saved in %s/%s.json\n", outdir,
            view->slug);
  return status;
}

/* Reviews the one tool of dc (from src when not NULL) and prints its
 * draft; the scorecard is written only under dc->outdir (-o). */
static int draft_run(struct review_args *dc, struct sk_toolsrc *src) {
  struct draft_view view;
  int status;

  memset(&view, 0, sizeof(view));
  view.tty = isatty(STDERR_FILENO);
  sk_buf_init(&view.md, 64 * 1024 * 1024);
  dc->progress = 0;
  dc->quiet = 1;
  if (view.tty)
    fprintf(stderr, "asking the panel...\n");
  status = review_with(dc, src, &view);
  if (view.tty)
    fputs("\r\033[K", stderr);
  if (view.slug[0] != '\0')
    status = print_draft(dc->outdir, &view, status);
  sk_buf_cleanup(&view.md);
  return status;
}

/* Checks draft's operands and options; returns 0 or the usage status. */
static int check_draft(struct review_args *a) {
  struct sk_error err;
  sk_error_clear(&err);
  if (sk_review_args_check(a, &err) != 0)
    return sk_cli_usage_error("draft", "%s", err.msg);
  if ((a->d_name != NULL) != (a->d_description != NULL))
    return sk_cli_usage_error("draft",
                              "draft: give --name and --description together");
  if ((a->d_name != NULL) == (a->ninputs > 0))
    return sk_cli_usage_error(
        "draft", "draft takes one TOOL.json, or --name and --description");
  if (a->ninputs > 1)
    return sk_cli_usage_error("draft",
                              "draft reviews one tool; use review for several");
  if (a->ninputs == 1 && sk_toolsrc_estimate(a->inputs, 1) > 1) {
    fprintf(stderr,
            "shipskip: draft reviews one tool and %s holds several; use "
            "review for a batch\n",
            a->inputs[0]);
    return SK_EXIT_USAGE;
  }
  return SK_EXIT_OK;
}

/* shipskip draft: one tool, the panel's answers shown as they arrive, the
 * Markdown draft on stdout; the scorecard kept under -o OUTDIR when given.
 * Without -o nothing touches the disk: the tool and the draft stay in
 * memory. */
static int run_draft(void *args, const struct sk_opt_operands *ops) {
  struct review_args *a = args;
  struct review_args dc;
  struct sk_toolsrc *src = NULL;
  int status;

  a->inputs = ops->v;
  a->ninputs = ops->n;
  status = check_draft(a);
  if (status != SK_EXIT_OK)
    return status;
  dc = *a;
  if (a->d_name != NULL && open_inline_tool(a, &src) != 0)
    return SK_EXIT_USAGE;
  return draft_run(&dc, src);
}

static const struct sk_opt_group *const REVIEW_GROUPS[] = {
    &sk_grp_output,   &sk_grp_route,  &sk_grp_panel,
    &sk_grp_request,  &sk_grp_screen, &sk_grp_redo,
    &sk_grp_fixtures, &sk_grp_batch,  &sk_grp_pbatch, &sk_grp_report};
static const struct sk_opt_set REVIEW_OPTS = {
    /* review keeps the message scripts match: "unknown option". */
    NULL, REVIEW_GROUPS, sizeof(REVIEW_GROUPS) / sizeof(REVIEW_GROUPS[0])};

const struct sk_cli_cmd sk_cmd_review = {
    .name = "review",
    .summary = "review tools with the panel and write their scorecards",
    .usage = "review INPUT... -o OUTDIR [options]",
    .about = "INPUT is a JSON file (one tool or an array), a JSON Lines "
             "file, a\ndirectory of them, or - for standard input.\n\n"
             "Exit status: 0 all reviewed, 1 some tools failed or left "
             "unreviewed, 2\nusage or configuration error, 130/143 stopped "
             "by SIGINT/SIGTERM (rerun\nwith --resume to finish).\n",
    .opts = &REVIEW_OPTS,
    .args_size = sizeof(struct review_args),
    .init = sk_review_args_init,
    .run = run_review,
};

static const struct sk_opt_group *const DRAFT_GROUPS[] = {
    &sk_grp_draft_tool, &sk_grp_output, &sk_grp_route,    &sk_grp_panel,
    &sk_grp_request,    &sk_grp_screen, &sk_grp_fixtures, &sk_grp_draft_compat};
static const struct sk_opt_set DRAFT_OPTS = {
    "draft", DRAFT_GROUPS, sizeof(DRAFT_GROUPS) / sizeof(DRAFT_GROUPS[0])};

const struct sk_cli_cmd sk_cmd_draft = {
    .name = "draft",
    .summary = "review one tool and print its Markdown draft",
    .usage = "draft TOOL.json [-o OUTDIR] [options]\n"
             "       shipskip draft --name NAME --description TEXT "
             "[--tagline T]\n"
             "                      [--category C] [--url U] [-o OUTDIR] "
             "[options]",
    .about = "Shows each reviewer as it answers (on a terminal) and prints "
             "the\nfinished draft on standard output; -o keeps the "
             "scorecard.\n",
    .opts = &DRAFT_OPTS,
    .args_size = sizeof(struct review_args),
    .init = sk_review_args_init,
    .run = run_draft,
};
