/* cmd_publish.c: shipskip compare and shipskip site: pages from scorecard
 * files, with no network and no panel. compare prints (or writes) one
 * side-by-side comparison; site builds the static site from a directory of
 * scorecards.
 */
#include "cli.h"

#include "shipskip/model/trend.h"
#include "shipskip/model/card.h"
#include "shipskip/model/votes.h"
#include "shipskip/publish/compare.h"
#include "shipskip/publish/site.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/fsutil.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum { FORMAT_HTML, FORMAT_MD, FORMAT_JSON };

struct compare_args {
  int format;
  const char *output;
  const char *dir;
  const char *votes;
};

struct site_args {
  const char *output;
  const char *votes;
  const char *pairs_file;
  struct sk_opt_strings compare;
  const char *trend_root;
  int nights;
  int quiet;
};

static void compare_init(void *args) {
  struct compare_args *c = args;
  c->format = FORMAT_HTML;
  c->dir = ".";
}

/* The night-by-night charts show two weeks unless told otherwise. */
#define SITE_TREND_NIGHTS 14

static void site_init(void *args) {
  struct site_args *s = args;
  s->nights = SITE_TREND_NIGHTS;
}

/* Renders the comparison of a and b in the format asked for into out. */
static int render(const struct compare_args *c, struct sk_scorecard *a,
                  struct sk_scorecard *b, struct sk_compare *cmp,
                  struct sk_buf *out, struct sk_error *err) {
  int rc = sk_compare_build(a, b, cmp, err);
  if (rc != 0)
    return rc;
  if (c->format == FORMAT_JSON)
    return sk_compare_json(cmp, out, err);
  if (c->format == FORMAT_MD)
    return sk_compare_markdown(cmp, out, err);
  return sk_compare_html(cmp, NULL, out, err);
}

static int run_compare(void *args, const struct sk_opt_operands *ops) {
  const struct compare_args *c = args;
  struct sk_votes *votes = NULL;
  struct sk_scorecard *a = NULL;
  struct sk_scorecard *b = NULL;
  struct sk_compare cmp;
  struct sk_error err;
  struct sk_buf out;
  int status = SK_EXIT_USAGE;
  int rc;

  if (ops->n > 2)
    return sk_cli_usage_error("compare",
                              "compare takes two tools; \"%s\" is one too many",
                              ops->v[2]);
  if (ops->n != 2)
    return sk_cli_usage_error("compare",
                              "usage: shipskip compare A B [--format "
                              "html|md|json] [-o FILE] [--dir OUTDIR]");
  memset(&cmp, 0, sizeof(cmp));
  sk_error_clear(&err);
  sk_buf_init(&out, 64 * 1024 * 1024);
  rc = c->votes != NULL ? sk_votes_load(c->votes, &votes, &err) : 0;
  if (rc == 0)
    rc = sk_card_resolve(ops->v[0], c->dir, &a, &err);
  if (rc == 0)
    rc = sk_card_resolve(ops->v[1], c->dir, &b, &err);
  if (rc == 0 && strcmp(a->tool->slug, b->tool->slug) == 0)
    rc =
        sk_error_set(&err, SK_EINVAL,
                     "both sides are \"%s\"; compare two tools", a->tool->slug);
  if (rc == 0) {
    sk_card_apply_votes(a, votes);
    sk_card_apply_votes(b, votes);
    /* From here on the inputs were good: a failure is the output's. */
    status = SK_EXIT_FAILED;
    rc = render(c, a, b, &cmp, &out, &err);
  }
  if (rc == 0)
    rc = sk_cli_write_output(c->output, sk_buf_str(&out), out.len, &err);
  if (rc != 0)
    fprintf(stderr, "shipskip: compare: %s\n", err.msg);
  else
    status = SK_EXIT_OK;
  sk_compare_cleanup(&cmp);
  sk_scorecard_free(a);
  sk_scorecard_free(b);
  sk_votes_free(votes);
  sk_buf_cleanup(&out);
  return status;
}

static void report_skipped_cb(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "shipskip: %s\n", msg);
}

/* The slugs of the failed scorecards a site publishes, for one warning:
 * the first ten by name, then a count. */
struct failed_list {
  struct sk_buf names;
  size_t n;
};

static void failed_cb(void *ctx, const char *slug) {
  struct failed_list *f = ctx;
  if (f->n < 10)
    sk_buf_printf(&f->names, "%s%s", f->n > 0 ? ", " : "", slug);
  f->n++;
}

/* Warns (even with -q: the site says less than it seems) when scorecards
 * with failed reviews were published: a run cut short by an outage or a
 * wrong endpoint shows up here, not as quiet "No verdict" pages. */
static void warn_failed(const struct failed_list *f) {
  if (f->n == 0)
    return;
  fprintf(stderr,
          "shipskip: site: warning: published %zu scorecard%s with failed "
          "reviews (not fully reviewed): %.*s%s\n",
          f->n, f->n == 1 ? "" : "s", (int)f->names.len,
          f->names.data != NULL ? f->names.data : "", f->n > 10 ? ", ..." : "");
}

/* Reads the votes and the pairs (--pairs FILE, then each --compare). */
static int load_site_inputs(const struct site_args *s, struct sk_votes **votes,
                            struct sk_site_pairs *pairs, struct sk_error *err) {
  char *text = NULL;
  size_t len = 0;
  size_t i;
  int rc = 0;

  if (s->votes != NULL)
    rc = sk_votes_load(s->votes, votes, err);
  if (rc == 0 && s->pairs_file != NULL) {
    rc = sk_fs_read_file(s->pairs_file, 16 * 1024 * 1024, &text, &len, err);
    if (rc == 0)
      rc = sk_site_pairs_parse(pairs, text, len, s->pairs_file, err);
  }
  for (i = 0; rc == 0 && i < s->compare.n; i++)
    rc = sk_site_pairs_add_arg(pairs, s->compare.v[i], err);
  free(text);
  return rc;
}

/* Builds the site of indir into sitedir; returns the exit status. */
static int build_site(const struct site_args *s, const char *indir,
                      const char *sitedir) {
  struct sk_votes *votes = NULL;
  struct sk_site_pairs pairs = {0};
  struct sk_trend *trend = NULL;
  struct sk_site_opts o;
  struct sk_site_stats st;
  struct sk_error err;
  struct failed_list failed;
  int status = SK_EXIT_USAGE;
  int rc;

  sk_error_clear(&err);
  memset(&st, 0, sizeof(st));
  failed.n = 0;
  sk_buf_init(&failed.names, 4096);
  rc = load_site_inputs(s, &votes, &pairs, &err);
  if (rc == 0 && s->trend_root != NULL) {
    trend = calloc(1, sizeof(*trend));
    rc = trend == NULL
             ? sk_error_set(&err, SK_ENOMEM, "out of memory")
             : sk_trend_load(s->trend_root, (size_t)s->nights, trend, &err);
    if (rc == 0 && trend->skipped > 0 && !s->quiet)
      fprintf(stderr,
              "shipskip: site: %zu folder%s of %s without a usable "
              "summary.json panel left out of the trend\n",
              trend->skipped, trend->skipped == 1 ? "" : "s", s->trend_root);
  }
  if (rc == 0) {
    memset(&o, 0, sizeof(o));
    o.indir = indir;
    o.sitedir = sitedir;
    o.votes = votes;
    o.pairs = &pairs;
    o.trend = trend;
    o.report = report_skipped_cb;
    o.on_failed = failed_cb;
    o.ctx = &failed;
    rc = sk_site_build(&o, &st, &err);
    if (rc != 0 && rc != SK_ECONFIG && rc != SK_ENOENT)
      status = SK_EXIT_FAILED;
  }
  if (rc != 0) {
    fprintf(stderr, "shipskip: site: %s\n", err.msg);
  } else {
    status = st.bad > 0 ? SK_EXIT_FAILED : SK_EXIT_OK;
    if (!s->quiet)
      fprintf(stderr,
              "shipskip: site in %s: %zu tool page%s, %zu comparison%s, "
              "index.html (by-score.html, by-name.html), index.csv%s\n",
              sitedir, st.tools, st.tools == 1 ? "" : "s", st.comparisons,
              st.comparisons == 1 ? "" : "s",
              st.bad > 0 ? "; some scorecards were skipped (above)" : "");
    warn_failed(&failed);
  }
  sk_buf_cleanup(&failed.names);
  sk_site_pairs_cleanup(&pairs);
  sk_votes_free(votes);
  sk_trend_cleanup(trend);
  free(trend);
  return status;
}

static int run_site(void *args, const struct sk_opt_operands *ops) {
  const struct site_args *s = args;
  char sitedir[PATH_MAX];
  int n;

  if (ops->n > 1)
    return sk_cli_usage_error(
        "site", "site takes one OUTDIR; \"%s\" is one too many", ops->v[1]);
  if (ops->n != 1)
    return sk_cli_usage_error("site", "usage: shipskip site OUTDIR [--pairs "
                                      "FILE] [--compare A:B ...] [-o "
                                      "SITEDIR]");
  n = s->output != NULL
          ? snprintf(sitedir, sizeof(sitedir), "%s", s->output)
          : snprintf(sitedir, sizeof(sitedir), "%s/site", ops->v[0]);
  if (n < 0 || (size_t)n >= sizeof(sitedir))
    return sk_cli_usage_error("site", "OUTDIR path too long");
  if (!sk_fs_is_dir(ops->v[0])) {
    fprintf(stderr,
            "shipskip: site: %s is not a directory of scorecards (run "
            "shipskip review ... -o %s first)\n",
            ops->v[0], ops->v[0]);
    return SK_EXIT_USAGE;
  }
  return build_site(s, ops->v[0], sitedir);
}

static void site_cleanup(void *args) {
  struct site_args *s = args;
  sk_opt_strings_cleanup(&s->compare);
}

static const char *const FORMATS[] = {"html", "md", "json", NULL};

#define C_OFF(f) offsetof(struct compare_args, f)
static const struct sk_opt COMPARE[] = {
    {.name = "format",
     .type = SK_OPT_ENUM,
     .help = "the page's format",
     .offset = C_OFF(format),
     .lmin = FORMAT_HTML,
     .words = FORMATS,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "output",
     .short_name = 'o',
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "write the page here (- for stdout)",
     .offset = C_OFF(output),
     .default_text = "standard output"},
    {.name = "dir",
     .type = SK_OPT_STRING,
     .metavar = "OUTDIR",
     .help = "where slugs and tool names are looked up",
     .offset = C_OFF(dir),
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "votes",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "community votes (JSON or CSV: slug, ship, skip)",
     .offset = C_OFF(votes)},
};
static const struct sk_opt_group COMPARE_GROUP = {NULL, COMPARE,
                                                  COUNT(COMPARE)};
static const struct sk_opt_group *const COMPARE_GROUPS[] = {&COMPARE_GROUP};
static const struct sk_opt_set COMPARE_OPTS = {"compare", COMPARE_GROUPS, 1};

const struct sk_cli_cmd sk_cmd_compare = {
    .name = "compare",
    .summary = "put two scorecards side by side",
    .usage = "compare A B [--format html|md|json] [-o FILE] [--dir OUTDIR]\n"
             "                        [--votes FILE]",
    .about = "A and B are scorecard JSON files, slugs of scorecards in --dir,"
             "\nor tool names (any case). Prints the comparison on standard\n"
             "output, or writes it to FILE. Exit 0 done, 1 the page could not"
             "\nbe written, 2 usage or a scorecard that cannot be read.\n",
    .opts = &COMPARE_OPTS,
    .args_size = sizeof(struct compare_args),
    .init = compare_init,
    .run = run_compare,
};

#define S_OFF(f) offsetof(struct site_args, f)
static const struct sk_opt SITE[] = {
    {.name = "output",
     .short_name = 'o',
     .type = SK_OPT_STRING,
     .metavar = "SITEDIR",
     .help = "where the site goes",
     .offset = S_OFF(output),
     .default_text = "OUTDIR/site"},
    {.name = "pairs",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "comparisons to build: \"slugA slugB\" per line, # comments",
     .offset = S_OFF(pairs_file)},
    {.name = "compare",
     .type = SK_OPT_MULTI,
     .metavar = "A:B",
     .help = "a comparison to build (repeatable)",
     .offset = S_OFF(compare)},
    {.name = "votes",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "community votes (JSON or CSV: slug, ship, skip)",
     .offset = S_OFF(votes)},
    {.name = "trend",
     .type = SK_OPT_STRING,
     .metavar = "ROOT",
     .help = "earlier runs (ROOT/<run>/summary.json, as nightly.sh writes "
             "them): panel.html charts each persona's ship rate and the "
             "agreement night by night",
     .offset = S_OFF(trend_root)},
    {.name = "nights",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "how many of the latest runs --trend shows",
     .offset = S_OFF(nights),
     .lmin = 1,
     .lmax = SK_TREND_MAX_NIGHTS,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "quiet",
     .short_name = 'q',
     .type = SK_OPT_FLAG,
     .help = "no summary line",
     .offset = S_OFF(quiet),
     .lmin = 1},
};
static const struct sk_opt_group SITE_GROUP = {NULL, SITE, COUNT(SITE)};
static const struct sk_opt_group *const SITE_GROUPS[] = {&SITE_GROUP};
static const struct sk_opt_set SITE_OPTS = {"site", SITE_GROUPS, 1};

const struct sk_cli_cmd sk_cmd_site = {
    .name = "site",
    .summary = "build the static site from a directory of scorecards",
    .usage = "site OUTDIR [--pairs FILE] [--compare A:B ...] [--trend ROOT] "
             "[-o SITEDIR]",
    .about = "Writes index.html (by panel ship %), by-score.html, "
             "by-name.html,\nindex.csv, panel.html, tools/<slug>.html and "
             "compare/<a>-vs-<b>.html for each pair.\nExit 0 done, 1 a page "
             "could not be written or a scorecard was skipped\nas broken, 2 "
             "usage or configuration error.\n",
    .opts = &SITE_OPTS,
    .args_size = sizeof(struct site_args),
    .init = site_init,
    .run = run_site,
    .cleanup = site_cleanup,
};
