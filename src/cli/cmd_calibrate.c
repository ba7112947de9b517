/* cmd_calibrate.c: shipskip calibrate, the panel's self-consistency. Every
 * persona is asked K times about every tool, the seed varied (seed, seed +
 * 1, ...), each repeat a whole review run through the review command's own
 * path (sk_cli_review_with, so options, fixtures and the engine are
 * review's) into DIR/repeats/<k>. The repeats are then read back through
 * the scorecard codec one tool at a time, and the command reports, per
 * persona and model, how often the verdicts agree across repeats, how far
 * scores spread, and which tools' verdicts flip (unstable). It writes
 * DIR/calibration.json, prints the same, and writes DIR/<slug>.json: the
 * first repeat's scorecard with each review's spread recorded
 * ("calibration", review codec). docs/PANEL-STATS.md explains the figures.
 */
#include "review.h"

#include "shipskip/model/card.h"
#include "shipskip/model/findings.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/dirlock.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/stats.h"

#include <cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPEATS 50
#define MAX_GROUPS 64

struct calibrate_args {
  struct review_args r; /* first: review's option tables point into it */
  int repeat;
};

/* One persona with one model, over every tool. */
struct group {
  char persona[128];
  char model[128];
  unsigned long tools; /* tools with two accepted repeats or more */
  double agree_sum;    /* per tool: share of repeats with the modal verdict */
  double sd_sum;       /* per tool: SD of its scores */
  unsigned long unstable;
  cJSON *unstable_slugs; /* array */
};

struct calib {
  struct group g[MAX_GROUPS];
  size_t ng;
  int repeats;
};

static struct group *group_of(struct calib *c, const struct sk_review *r) {
  const char *model = r->model ? r->model : "";
  size_t i;
  for (i = 0; i < c->ng; i++)
    if (strcmp(c->g[i].persona, r->persona->name) == 0 &&
        strcmp(c->g[i].model, model) == 0)
      return &c->g[i];
  if (c->ng == MAX_GROUPS)
    return NULL;
  memset(&c->g[c->ng], 0, sizeof(c->g[0]));
  snprintf(c->g[c->ng].persona, sizeof(c->g[0].persona), "%s",
           r->persona->name);
  snprintf(c->g[c->ng].model, sizeof(c->g[0].model), "%s", model);
  c->g[c->ng].unstable_slugs = cJSON_CreateArray();
  return c->g[c->ng].unstable_slugs ? &c->g[c->ng++] : NULL;
}

/* Sets rv's spread from the same persona's review in each repeat, and adds
 * it to its group. */
static void calibrate_review(struct calib *c, const char *slug,
                             struct sk_review *rv, struct sk_scorecard **reps,
                             int k) {
  double scores[MAX_REPEATS];
  struct sk_stats_summary s;
  size_t n = 0;
  struct group *g;
  int i;
  size_t j;

  rv->cal_repeats = k;
  rv->cal_ships = rv->cal_skips = 0;
  for (i = 0; i < k; i++) {
    for (j = 0; reps[i] != NULL && j < reps[i]->nreviews; j++) {
      const struct sk_review *o = &reps[i]->reviews[j];
      if (strcmp(o->persona->name, rv->persona->name) != 0 ||
          o->status != SK_REVIEW_OK)
        continue;
      scores[n++] = o->score;
      if (strcmp(o->verdict, "ship") == 0)
        rv->cal_ships++;
      else
        rv->cal_skips++;
      break;
    }
  }
  sk_stats_describe(scores, n, &s);
  rv->cal_score_sd = s.sd;
  g = rv->status == SK_REVIEW_OK && n >= 2 ? group_of(c, rv) : NULL;
  if (g == NULL)
    return;
  g->tools++;
  g->agree_sum +=
      (double)(rv->cal_ships > rv->cal_skips ? rv->cal_ships : rv->cal_skips) /
      (double)n;
  g->sd_sum += s.sd;
  if (rv->cal_ships > 0 && rv->cal_skips > 0) {
    g->unstable++;
    cJSON_AddItemToArray(g->unstable_slugs, cJSON_CreateString(slug));
  }
}

/* Reads the tool's scorecard from every repeat, records the spread on the
 * first repeat's reviews and writes that scorecard into outdir. */
static int calibrate_tool(struct calib *c, const char *outdir,
                          const char *slug) {
  struct sk_scorecard *reps[MAX_REPEATS] = {0};
  struct sk_inject_result inj;
  struct sk_scorecard_meta meta;
  struct sk_error err;
  char path[4096];
  size_t j;
  int rc = 0;
  int i;

  for (i = 0; i < c->repeats; i++) {
    sk_error_clear(&err);
    snprintf(path, sizeof(path), "%s/repeats/%d/%s.json", outdir, i, slug);
    if (sk_scorecard_load(path, &reps[i], NULL, &err) != 0)
      reps[i] = NULL; /* that repeat did not finish the tool */
  }
  if (reps[0] != NULL) {
    for (j = 0; j < reps[0]->nreviews; j++)
      calibrate_review(c, slug, &reps[0]->reviews[j], reps, c->repeats);
    sk_scorecard_meta_of(reps[0], &inj, &meta);
    sk_error_clear(&err);
    rc = sk_scorecard_write(outdir, reps[0]->tool, reps[0]->reviews,
                            reps[0]->nreviews, &meta, &err);
    if (rc != 0)
      fprintf(stderr, "shipskip: calibrate: %s\n", err.msg);
  }
  for (i = 0; i < c->repeats; i++)
    sk_scorecard_free(reps[i]);
  return rc;
}

static double round4(double x) {
  return (double)(long long)(x * 1e4 + 0.5) / 1e4;
}

/* calibration.json, and the same figures on stderr. */
static int report(struct calib *c, const char *outdir, int quiet) {
  cJSON *root = cJSON_CreateObject();
  cJSON *arr = NULL;
  struct sk_buf b;
  struct sk_error err;
  size_t i;
  int rc;

  if (root != NULL &&
      cJSON_AddStringToObject(root, "schema", "shipskip.calibration/1") &&
      cJSON_AddNumberToObject(root, "repeats", c->repeats))
    arr = cJSON_AddArrayToObject(root, "personas");
  rc = arr != NULL ? 0 : SK_ENOMEM;

  for (i = 0; rc == 0 && i < c->ng; i++) {
    struct group *g = &c->g[i];
    double agree = g->tools ? g->agree_sum / (double)g->tools : 0;
    double sd = g->tools ? g->sd_sum / (double)g->tools : 0;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddStringToObject(o, "persona", g->persona) ||
        !cJSON_AddStringToObject(o, "model", g->model) ||
        !cJSON_AddNumberToObject(o, "tools", (double)g->tools) ||
        !cJSON_AddNumberToObject(o, "verdict_agreement", round4(agree)) ||
        !cJSON_AddNumberToObject(o, "mean_score_sd", round4(sd)) ||
        !cJSON_AddNumberToObject(o, "unstable", (double)g->unstable) ||
        !cJSON_AddItemToObject(o, "unstable_tools", g->unstable_slugs)) {
      cJSON_Delete(o);
      rc = SK_ENOMEM;
      break;
    }
    g->unstable_slugs = NULL; /* now the report's */
    cJSON_AddItemToArray(arr, o);
    if (!quiet)
      fprintf(stderr,
              "shipskip: calibrate: %s (%s): verdicts agree %.0f%% across %d "
              "repeats of %lu tools, score SD %.1f, %lu unstable\n",
              g->persona, g->model[0] ? g->model : "unknown model", 100 * agree,
              c->repeats, g->tools, sd, g->unstable);
  }
  sk_buf_init(&b, (size_t)64 << 20);
  if (rc == 0 && sk_json_pretty(root, &b) != 0)
    rc = SK_ENOMEM;
  sk_error_clear(&err);
  if (rc == 0)
    rc = sk_fs_write_atomic(outdir, "calibration.json", sk_buf_str(&b), b.len,
                            &err);
  if (rc != 0)
    fprintf(stderr, "shipskip: calibrate: %s\n",
            err.msg[0] ? err.msg : "out of memory");
  sk_buf_cleanup(&b);
  cJSON_Delete(root);
  return rc;
}

/* Reads the repeats back, tool by tool, in slug order. */
static int aggregate(struct calib *c, const char *outdir, int quiet) {
  struct sk_card_set set;
  struct sk_error err;
  char first[4096];
  size_t nbad = 0;
  size_t i;
  int rc;

  snprintf(first, sizeof(first), "%s/repeats/0", outdir);
  sk_error_clear(&err);
  rc = sk_card_set_load(first, SK_CARD_SUMMARY, &set, &nbad, NULL, NULL, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: calibrate: %s\n", err.msg);
    return rc;
  }
  for (i = 0; i < set.n && rc == 0; i++)
    rc = calibrate_tool(c, outdir, set.cards[i]->tool->slug);
  sk_card_set_cleanup(&set);
  if (rc == 0)
    rc = report(c, outdir, quiet);
  for (i = 0; i < c->ng; i++)
    cJSON_Delete(c->g[i].unstable_slugs);
  return rc;
}

/* Runs the K repeats; returns the worst exit status. */
static int run_repeats(const struct calibrate_args *ca) {
  long base = ca->r.eng.has_seed ? ca->r.eng.seed : 0;
  int worst = SK_EXIT_OK;
  int k;

  for (k = 0; k < ca->repeat && worst != SK_EXIT_USAGE; k++) {
    struct review_args a = ca->r;
    char dir[4096];
    int status;
    snprintf(dir, sizeof(dir), "%s/repeats/%d", ca->r.outdir, k);
    a.outdir = dir;
    a.eng.has_seed = 1;
    a.eng.seed = base + k;
    if (!ca->r.quiet)
      fprintf(stderr, "shipskip: calibrate: repeat %d of %d (seed %ld)\n",
              k + 1, ca->repeat, a.eng.seed);
    status = sk_cli_review_with(&a);
    if (status > worst)
      worst = status;
  }
  return worst;
}

static int run_calibrate(void *args, const struct sk_opt_operands *ops) {
  struct calibrate_args *ca = args;
  struct calib *c;
  struct sk_error err;
  struct sk_dirlock lock;
  size_t i;
  int status;

  sk_error_clear(&err);
  sk_dirlock_init(&lock);
  ca->r.inputs = ops->v;
  ca->r.ninputs = ops->n;
  if (sk_review_args_check(&ca->r, &err) != 0)
    return sk_cli_usage_error("calibrate", "%s", err.msg);
  if (ca->r.ninputs == 0 || ca->r.outdir == NULL)
    return sk_cli_usage_error("calibrate",
                              "calibrate needs INPUT... and -o DIR");
  for (i = 0; i < ca->r.ninputs; i++)
    if (strcmp(ca->r.inputs[i], "-") == 0)
      return sk_cli_usage_error("calibrate",
                                "calibrate reads its input once per repeat: "
                                "give a file, not -");
  /* DIR is written at its top (calibration.json, scorecards) and each
   * repeat locks its own folder as any review does. */
  if (sk_cli_lock_outdir(ca->r.outdir, &lock) != SK_EXIT_OK)
    return SK_EXIT_USAGE;
  status = run_repeats(ca);
  c = status == SK_EXIT_USAGE ? NULL : calloc(1, sizeof(*c));
  if (c != NULL) {
    c->repeats = ca->repeat;
    if (aggregate(c, ca->r.outdir, ca->r.quiet) != 0)
      status = SK_EXIT_FAILED;
    free(c);
  } else if (status != SK_EXIT_USAGE) {
    status = SK_EXIT_FAILED;
  }
  sk_dirlock_release(&lock);
  return status;
}

static void calibrate_init(void *args) {
  struct calibrate_args *ca = args;
  sk_review_args_init(&ca->r);
  ca->repeat = 3;
}

static const struct sk_opt CALIBRATE[] = {
    {.name = "repeat",
     .type = SK_OPT_INT,
     .metavar = "K",
     .help = "ask each persona K times per tool, seeds seed..seed+K-1",
     .offset = offsetof(struct calibrate_args, repeat),
     .lmin = 2,
     .lmax = MAX_REPEATS,
     .flags = SK_OPT_SHOW_DEFAULT},
};
static const struct sk_opt_group GRP_CALIBRATE = {
    "calibration", CALIBRATE, sizeof(CALIBRATE) / sizeof(CALIBRATE[0])};

static const struct sk_opt_group *const CALIBRATE_GROUPS[] = {
    &GRP_CALIBRATE,  &sk_grp_output, &sk_grp_route,    &sk_grp_panel,
    &sk_grp_request, &sk_grp_screen, &sk_grp_fixtures, &sk_grp_batch};
static const struct sk_opt_set CALIBRATE_OPTS = {
    "calibrate", CALIBRATE_GROUPS,
    sizeof(CALIBRATE_GROUPS) / sizeof(CALIBRATE_GROUPS[0])};

const struct sk_cli_cmd sk_cmd_calibrate = {
    .name = "calibrate",
    .summary = "ask the panel K times per tool: how consistent is it?",
    .usage = "calibrate INPUT... -o DIR [--repeat K] [options]",
    .about = "Each repeat is a review run into DIR/repeats/N with the seed "
             "varied;\nDIR/calibration.json and the output say, per persona "
             "and model, how\noften verdicts agree across repeats, the score "
             "SD, and the unstable\ntools. DIR/<slug>.json records each "
             "review's spread.\n",
    .opts = &CALIBRATE_OPTS,
    .args_size = sizeof(struct calibrate_args),
    .init = calibrate_init,
    .run = run_calibrate,
};
