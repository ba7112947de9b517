/* cmd_desk.c: the editor's desk on the command line: apply (an edited draft
 * back into its scorecard), diff (what changed between two scorecards, or
 * since a history entry) and personas list|check. Files in, files or a
 * report out; no network.
 */
#include "review.h"

#include "data.h"

#include "shipskip/desk/apply.h"
#include "shipskip/desk/diff.h"
#include "shipskip/desk/roster.h"
#include "shipskip/model/scorefile.h"
#include "shipskip/review/validate.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/util/unicode.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct apply_args {
  struct sk_apply_opts o;
  const char *personas_dir;
  int quiet;
};

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct diff_args {
  long history; /* -1: not asked; 0: the last entry; else 1-based */
  int format;   /* enum sk_diff_format */
  int color;
};

struct personas_args {
  const char *personas_dir;
  struct sk_opt_strings samples;
  const char *replies; /* check --replies DIR: replies instead of a FILE */
  const char *tools;   /* check --tools DIR: tool records for --replies */
  enum sk_rubric_policy rubric;
  int rubric_given;
};

static void apply_init(void *args) {
  struct apply_args *a = args;
  a->o.min_words = SK_CLI_MIN_WORDS;
  a->o.max_words = SK_CLI_MAX_WORDS;
}

static void print_apply_result(const char *path,
                               const struct sk_apply_result *res, int dry) {
  size_t i;
  for (i = 0; i < res->nchanges; i++) {
    const struct sk_apply_change *ch = &res->changes[i];
    char was[32];
    int moved = !ch->old_ok || ch->old_score != ch->score ||
                strcmp(ch->old_verdict, ch->verdict) != 0;
    if (ch->old_ok)
      snprintf(was, sizeof(was), "%d/100 %s", ch->old_score, ch->old_verdict);
    else
      snprintf(was, sizeof(was), "failed");
    if (moved)
      printf("%s: %s %s → %d/100 %s%s\n", path, ch->persona, was, ch->score,
             ch->verdict, ch->review_changed ? ", paragraph edited" : "");
    else
      printf("%s: %s %s, paragraph edited\n", path, ch->persona, was);
  }
  if (res->nchanges == 0) {
    printf("%s: no changes; nothing written\n", path);
    return;
  }
  printf("%s: panel %s → %s%s\n", path, res->before.label, res->after.label,
         dry ? " (--dry-run: nothing written)"
             : "; scorecard and draft rewritten");
}

/* Applies one draft; returns the status it calls for (0, 1 or 2). */
static int apply_one(const struct apply_args *a, const char *file) {
  struct sk_apply_result res;
  struct sk_error err;
  int status = SK_EXIT_OK;
  size_t j;
  int rc;

  sk_error_clear(&err);
  rc = sk_apply_file(file, &a->o, &res, &err);
  for (j = 0; j < res.nproblems; j++) {
    /* Problems quote the draft and the tool's name: shown, not obeyed. */
    sk_unicode_fputs(res.problems[j], stderr);
    fputc('\n', stderr);
  }
  if (rc == 0 && !a->quiet) {
    print_apply_result(file, &res, a->o.dry_run);
  } else if (rc == SK_EREPLY) {
    fprintf(stderr, "shipskip: apply: %s not applied: nothing changed\n", file);
    status = SK_EXIT_FAILED;
  } else if (rc != 0) {
    fprintf(stderr, "shipskip: apply: %s\n", err.msg);
    /* Changes in hand mean the files were read and checked: the write
     * failed. Anything else is a file that could not be read. */
    status = res.nchanges > 0 ? SK_EXIT_FAILED : SK_EXIT_USAGE;
  }
  sk_apply_result_cleanup(&res);
  return status;
}

static int run_apply(void *args, const struct sk_opt_operands *ops) {
  struct apply_args *a = args;
  struct sk_panel_def panel = {NULL, 0};
  struct sk_error err;
  const char *pdir = a->personas_dir;
  char now[32];
  size_t k;
  int status = SK_EXIT_OK;

  if (ops->n == 0)
    return sk_cli_usage_error(
        "apply", "usage: shipskip apply OUTDIR/SLUG.md... [--no-rubric]");
  sk_error_clear(&err);
  if (sk_cli_load_personas(pdir, NULL, &panel, &err) != 0) {
    if (!a->o.no_rubric) {
      fprintf(stderr, "shipskip: apply: %s\n", err.msg);
      return SK_EXIT_USAGE;
    }
    /* Lengths, scores and verdicts need no persona file. */
    sk_panel_def_cleanup(&panel);
  }
  sk_cli_now_utc(now, sizeof(now));
  a->o.panel = panel.n > 0 ? &panel : NULL;
  a->o.now_utc = now;
  for (k = 0; k < ops->n; k++) {
    int s = apply_one(a, ops->v[k]);
    /* A file that cannot be read (2) outranks one with problems (1). */
    if (s == SK_EXIT_USAGE || (s == SK_EXIT_FAILED && status == SK_EXIT_OK))
      status = s;
  }
  sk_panel_def_cleanup(&panel);
  return status;
}

/* Loads the two sides of `diff A --history [N]`: A rewound to before the
 * entry, and A as it is, with a label saying which entry. */
static int load_history(const char *file, long history, struct sk_scorefile *a,
                        struct sk_scorefile *b, char *label, size_t size,
                        struct sk_error *err) {
  size_t count = sk_scorefile_history_count(a);
  size_t entry = history == 0 && count > 0 ? count - 1 : (size_t)history - 1;
  const cJSON *e;
  const cJSON *p;
  const cJSON *w;
  const cJSON *r;
  int rc;

  if (count == 0)
    return sk_error_set(err, SK_EINVAL, "%s has no history to compare with",
                        file);
  if (history > 0 && (size_t)history > count)
    return sk_error_set(err, SK_EINVAL,
                        "%s has %zu history entr%s; --history takes 1 to %zu",
                        file, count, count == 1 ? "y" : "ies", count);
  e = sk_scorefile_history_entry(a, entry);
  p = cJSON_GetObjectItemCaseSensitive(e, "persona");
  w = cJSON_GetObjectItemCaseSensitive(e, "replaced_at");
  r = cJSON_GetObjectItemCaseSensitive(e, "reason");
  snprintf(label, size, "%s before history entry %zu (%s, %s at %s)", file,
           entry + 1, sk_json_strval(p) ? sk_json_strval(p) : "?",
           sk_json_strval(r) ? sk_json_strval(r) : "changed",
           sk_json_strval(w) ? sk_json_strval(w) : "?");
  rc = sk_scorefile_load(file, b, err);
  if (rc == 0)
    rc = sk_scorefile_rewind(a, entry, err);
  return rc;
}

/* Whether diff's text output gets ANSI colours. */
static int use_color(int color) {
  const char *term = getenv("TERM");
  if (color != COLOR_AUTO)
    return color == COLOR_ALWAYS;
  return isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
         (term == NULL || strcmp(term, "dumb") != 0);
}

static int run_diff(void *args, const struct sk_opt_operands *ops) {
  const struct diff_args *d = args;
  struct sk_scorefile a;
  struct sk_scorefile b;
  struct sk_diff_opts o;
  struct sk_error err;
  struct sk_buf out;
  char label[PATH_MAX + 160];
  int rc;

  if ((d->history < 0 && ops->n != 2) || (d->history >= 0 && ops->n != 1))
    return sk_cli_usage_error("diff", "usage: shipskip diff A.json B.json, "
                                      "or shipskip diff A.json --history [N]");
  memset(&o, 0, sizeof(o));
  o.format = (enum sk_diff_format)d->format;
  o.color = use_color(d->color);
  sk_error_clear(&err);
  sk_buf_init(&out, 256u * 1024 * 1024);
  memset(&b, 0, sizeof(b));
  rc = sk_scorefile_load(ops->v[0], &a, &err);
  o.label_a = ops->v[0];
  o.label_b = d->history < 0 ? ops->v[1] : ops->v[0];
  if (rc == 0 && d->history < 0) {
    rc = sk_scorefile_load(ops->v[1], &b, &err);
  } else if (rc == 0) {
    rc =
        load_history(ops->v[0], d->history, &a, &b, label, sizeof(label), &err);
    o.label_a = label;
  }
  if (rc == 0)
    rc = sk_diff_render(&a, &b, &o, &out, &err);
  if (rc == 0 && o.format == SK_DIFF_TEXT &&
      sk_unicode_find(sk_buf_str(&out)) != NULL) {
    /* The text is for a terminal: a bidi control in a review is shown as
     * "<U+202E>" (the colours' escapes are ASCII, left alone). */
    struct sk_buf shown;
    sk_buf_init(&shown, out.len * 4 + 16);
    rc = sk_unicode_neutralize(&shown, sk_buf_str(&out));
    if (rc != 0)
      rc = sk_error_set(&err, rc, "out of memory");
    sk_buf_cleanup(&out);
    out = shown;
  }
  if (rc == 0 && fwrite(sk_buf_str(&out), 1, out.len, stdout) != out.len)
    rc = sk_error_set(&err, SK_EIO, "error writing standard output");
  if (rc != 0)
    fprintf(stderr, "shipskip: diff: %s\n", err.msg);
  sk_buf_cleanup(&out);
  sk_scorefile_cleanup(&a);
  sk_scorefile_cleanup(&b);
  return rc == 0 ? SK_EXIT_OK : SK_EXIT_USAGE;
}

static void diff_init(void *args) {
  struct diff_args *d = args;
  d->history = -1;
  d->format = SK_DIFF_TEXT;
  d->color = COLOR_AUTO;
}

/* Writes out to stdout; returns the status for personas list|check. */
static int personas_finish(const char *sub, struct sk_buf *out, int rc,
                           struct sk_error *err) {
  if (rc == 0 && fwrite(sk_buf_str(out), 1, out->len, stdout) != out->len)
    rc = sk_error_set(err, SK_EIO, "error writing standard output");
  if (rc != 0)
    fprintf(stderr, "shipskip: personas %s: %s\n", sub, err->msg);
  sk_buf_cleanup(out);
  return rc == 0 ? SK_EXIT_OK : SK_EXIT_USAGE;
}

static int run_personas_list(void *args, const struct sk_opt_operands *ops) {
  const struct personas_args *p = args;
  struct sk_panel_def panel = {NULL, 0};
  const char *pdir = p->personas_dir;
  struct sk_error err;
  struct sk_buf out;
  int rc;

  if (ops->n > 0)
    return sk_cli_usage_error(
        "personas list", "personas list takes no FILE; \"%s\"?", ops->v[0]);
  sk_error_clear(&err);
  sk_buf_init(&out, 64u * 1024 * 1024);
  rc = sk_cli_load_personas(pdir, NULL, &panel, &err);
  if (rc == 0 && sk_roster_list(&panel, &out) != 0)
    rc = sk_error_set(&err, SK_ENOMEM, "out of memory");
  sk_panel_def_cleanup(&panel);
  return personas_finish("list", &out, rc, &err);
}

/* `personas check --replies DIR`: the panel of --personas-dir over the
 * replies under DIR. Exit 0 when every reply was accepted on the first
 * attempt, 1 when any was re-asked or rejected, named no persona of the
 * panel, or there was no reply at all (nothing was shown to pass), 2 when
 * the panel or DIR cannot be read. */
static int check_replies(const struct personas_args *p) {
  struct sk_panel_def panel = {NULL, 0};
  struct sk_roster_replies res;
  struct sk_validate_opts vo;
  const char *pdir = p->personas_dir;
  struct sk_error err;
  struct sk_buf out;
  int all = 1;
  size_t i;
  int rc;

  memset(&vo, 0, sizeof(vo));
  memset(&res, 0, sizeof(res));
  vo.min_words = SK_CLI_MIN_WORDS;
  vo.max_words = SK_CLI_MAX_WORDS;
  vo.rubric = p->rubric;
  sk_error_clear(&err);
  sk_buf_init(&out, 64u * 1024 * 1024);
  rc = sk_cli_load_personas(pdir, NULL, &panel, &err);
  if (rc == 0)
    rc = sk_roster_check_replies(&panel, &vo, p->replies, p->tools, &out, &res,
                                 &err);
  for (i = 0; rc == 0 && i < res.n; i++)
    if (res.per[i].reasked > 0 || res.per[i].rejected > 0)
      all = 0;
  if (res.unknown > 0 || res.replies == 0)
    all = 0;
  sk_roster_replies_cleanup(&res);
  sk_panel_def_cleanup(&panel);
  rc = personas_finish("check", &out, rc, &err);
  return rc == SK_EXIT_OK && !all ? SK_EXIT_FAILED : rc;
}

static int run_personas_check(void *args, const struct sk_opt_operands *ops) {
  const struct personas_args *p = args;
  const char *defaults[2];
  char sbuf[2][PATH_MAX];
  struct sk_roster_stats st;
  struct sk_error err;
  struct sk_buf out;
  int rc;

  if (p->replies != NULL) {
    if (ops->n > 0 || p->samples.n > 0)
      return sk_cli_usage_error("personas check",
                                "--replies checks the panel of "
                                "--personas-dir: it takes no FILE and no "
                                "--samples");
    return check_replies(p);
  }
  if (p->tools != NULL || p->rubric_given || p->personas_dir != NULL)
    return sk_cli_usage_error("personas check",
                              "--tools, --rubric and --personas-dir go with "
                              "--replies DIR");
  if (ops->n != 1)
    return sk_cli_usage_error("personas check",
                              "usage: shipskip personas check FILE "
                              "[--samples DIR], or shipskip personas check "
                              "--replies DIR");
  defaults[0] = sk_cli_data_dir("tests/data/reviews", sbuf[0], sizeof(sbuf[0]));
  defaults[1] = sk_cli_data_dir("fixtures/reviews", sbuf[1], sizeof(sbuf[1]));
  sk_error_clear(&err);
  sk_buf_init(&out, 64u * 1024 * 1024);
  if (p->samples.n > 0)
    rc =
        sk_roster_check(ops->v[0], p->samples.v, p->samples.n, &out, &st, &err);
  else
    rc = sk_roster_check(ops->v[0], defaults, 2, &out, &st, &err);
  return personas_finish("check", &out, rc, &err);
}

/* --rubric POLICY: through the validator's own parse, so the words and the
 * enum cannot drift apart. */
static int set_rubric(void *dst, const struct sk_opt *opt, const char *value,
                      struct sk_error *err) {
  struct personas_args *p = dst;
  if (sk_rubric_policy_parse(value, &p->rubric) != 0)
    return sk_error_set(err, SK_EINVAL,
                        "--%s: \"%s\" is not strict, default or off", opt->name,
                        value);
  p->rubric_given = 1;
  return 0;
}

static void personas_cleanup(void *args) {
  struct personas_args *p = args;
  sk_opt_strings_cleanup(&p->samples);
}

#define A_OFF(f) offsetof(struct apply_args, f)
static const struct sk_opt APPLY[] = {
    {.name = "no-rubric",
     .type = SK_OPT_FLAG,
     .help = "check score, verdict and length only",
     .offset = A_OFF(o.no_rubric),
     .lmin = 1},
    {.name = "dry-run",
     .type = SK_OPT_FLAG,
     .help = "check and report, write nothing",
     .offset = A_OFF(o.dry_run),
     .lmin = 1},
    {.name = "personas-dir",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "persona files (the rubrics)",
     .offset = A_OFF(personas_dir),
     .default_text = "./personas, else installed, else built in"},
    {.name = "min-words",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "shortest review paragraph",
     .offset = A_OFF(o.min_words),
     .lmin = 1,
     .lmax = 100000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "max-words",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "longest review paragraph",
     .offset = A_OFF(o.max_words),
     .lmin = 1,
     .lmax = 100000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "quiet",
     .short_name = 'q',
     .type = SK_OPT_FLAG,
     .help = "print problems only",
     .offset = A_OFF(quiet),
     .lmin = 1},
};
static const struct sk_opt_group APPLY_GROUP = {NULL, APPLY, COUNT(APPLY)};
static const struct sk_opt_group *const APPLY_GROUPS[] = {&APPLY_GROUP};
static const struct sk_opt_set APPLY_OPTS = {"apply", APPLY_GROUPS, 1};

const struct sk_cli_cmd sk_cmd_apply = {
    .name = "apply",
    .summary = "take edited drafts back into their scorecards",
    .usage = "apply OUTDIR/SLUG.md... [--no-rubric] [--dry-run] [options]",
    .about = "Scores, verdicts and paragraphs of each draft are checked as a\n"
             "model's reply is; every problem is printed as FILE:LINE: "
             "message\nand nothing is written. Exit 0 applied (or nothing "
             "to apply), 1\nproblems found, 2 usage or a file that cannot "
             "be read.\n",
    .opts = &APPLY_OPTS,
    .args_size = sizeof(struct apply_args),
    .init = apply_init,
    .run = run_apply,
};

static const char *const DIFF_FORMATS[] = {"text", "json", NULL};
static const char *const COLORS[] = {"auto", "always", "never", NULL};

#define D_OFF(f) offsetof(struct diff_args, f)
static const struct sk_opt DIFF[] = {
    {.name = "history",
     .type = SK_OPT_LONG,
     .metavar = "N",
     .help = "compare A before its history entry N (1: the oldest) with A",
     .offset = D_OFF(history),
     .lmin = 1,
     .lmax = 1000000,
     .flags = SK_OPT_VALUE_OPTIONAL,
     .absent = 0,
     .default_text = "N: the last entry"},
    {.name = "format",
     .type = SK_OPT_ENUM,
     .help = "output format",
     .offset = D_OFF(format),
     .lmin = SK_DIFF_TEXT,
     .words = DIFF_FORMATS,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "color",
     .type = SK_OPT_ENUM,
     .help = "ANSI colours in text",
     .offset = D_OFF(color),
     .lmin = COLOR_AUTO,
     .words = COLORS,
     .flags = SK_OPT_SHOW_DEFAULT},
};
static const struct sk_opt_group DIFF_GROUP = {NULL, DIFF, COUNT(DIFF)};
static const struct sk_opt_group *const DIFF_GROUPS[] = {&DIFF_GROUP};
static const struct sk_opt_set DIFF_OPTS = {"diff", DIFF_GROUPS, 1};

const struct sk_cli_cmd sk_cmd_diff = {
    .name = "diff",
    .summary = "show what changed between two scorecards, word by word",
    .usage = "diff A.json B.json [--format text|json] [--color WHEN]\n"
             "       shipskip diff A.json --history [N] [options]",
    .about = "The panel, each reviewer's score and verdict, and the words of"
             "\nchanged paragraphs ([-deleted-] {+inserted+}).\n",
    .opts = &DIFF_OPTS,
    .args_size = sizeof(struct diff_args),
    .init = diff_init,
    .run = run_diff,
};

#define P_OFF(f) offsetof(struct personas_args, f)
static const struct sk_opt PERSONAS_LIST[] = {
    {.name = "personas-dir",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "persona files",
     .offset = P_OFF(personas_dir),
     .default_text = "./personas, else installed, else built in"},
};
static const struct sk_opt PERSONAS_CHECK[] = {
    {.name = "samples",
     .type = SK_OPT_MULTI,
     .metavar = "DIR",
     .help = "sample reviews to run FILE's rubric over (repeatable)",
     .offset = P_OFF(samples),
     .default_text = "tests/data/reviews and fixtures/reviews"},
};
static const struct sk_opt PERSONAS_REPLIES[] = {
    {.name = "replies",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "check the model replies DIR/<slug>/<persona>[.<label>].txt",
     .offset = P_OFF(replies)},
    {.name = "tools",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "tool records DIR/<slug>.json: each reply must name its tool",
     .offset = P_OFF(tools),
     .default_text = "no tool check"},
    {.name = "rubric",
     .type = SK_OPT_CUSTOM,
     .metavar = "strict|default|off",
     .help = "rubric elements a reply must cover: all, all but one, none",
     .set = set_rubric,
     .default_text = "default"},
    {.name = "personas-dir",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "persona files (the panel)",
     .offset = P_OFF(personas_dir),
     .default_text = "./personas, else installed, else built in"},
};
static const struct sk_opt_group LIST_GROUP = {NULL, PERSONAS_LIST,
                                               COUNT(PERSONAS_LIST)};
static const struct sk_opt_group CHECK_GROUP = {NULL, PERSONAS_CHECK,
                                                COUNT(PERSONAS_CHECK)};
static const struct sk_opt_group *const LIST_GROUPS[] = {&LIST_GROUP};
static const struct sk_opt_group REPLIES_GROUP = {
    "replies (instead of FILE)", PERSONAS_REPLIES, COUNT(PERSONAS_REPLIES)};
static const struct sk_opt_group *const CHECK_GROUPS[] = {&CHECK_GROUP,
                                                          &REPLIES_GROUP};
static const struct sk_opt_set LIST_OPTS = {"personas list", LIST_GROUPS, 1};
static const struct sk_opt_set CHECK_OPTS = {"personas check", CHECK_GROUPS, 2};

static const struct sk_cli_cmd PERSONAS_SUBS[] = {
    {.name = "list",
     .summary = "the panel in order",
     .usage = "personas list [--personas-dir DIR]",
     .opts = &LIST_OPTS,
     .args_size = sizeof(struct personas_args),
     .run = run_personas_list,
     .cleanup = personas_cleanup},
    {.name = "check",
     .summary = "check a persona's rubric, or model replies, as review would",
     .usage = "personas check FILE [--samples DIR]...\n"
              "       shipskip personas check --replies DIR [--tools DIR] "
              "[--rubric POLICY]",
     .about =
         "With FILE: parses the persona file, compiles its rubric and runs "
         "it\nover the sample reviews; exit 2 if the file is bad.\n\n"
         "With --replies DIR (and no FILE): checks every reply under DIR,\n"
         "laid out DIR/<slug>/<persona>[.<label>].txt, against the panel of\n"
         "--personas-dir as review checks a model's reply, and prints each\n"
         "reply accepted (score, verdict, coverage), re-asked (the missing\n"
         "elements) or rejected (why), then the counts per persona. Exit 0\n"
         "when every reply was accepted on the first attempt, 1 when any "
         "was\nre-asked or rejected, named no persona of the panel, or DIR "
         "held no\nreply, 2 when DIR or the panel cannot be read.\n",
     .opts = &CHECK_OPTS,
     .args_size = sizeof(struct personas_args),
     .run = run_personas_check,
     .cleanup = personas_cleanup},
};

const struct sk_cli_cmd sk_cmd_personas = {
    .name = "personas",
    .summary = "list the panel, or check a new persona",
    .usage = "personas list|check ...",
    .subs = PERSONAS_SUBS,
    .nsubs = COUNT(PERSONAS_SUBS),
};
