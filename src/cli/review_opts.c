/* review_opts.c: the options of review, draft, prompts and config check.
 *
 * They come in groups (output, routing, the panel, requests, screening,
 * redo, fixtures, batch runs, a tool given inline) so each command takes
 * exactly the groups that mean something to it, and its help lists those.
 * Engine settings are stored straight into the sk_engine_opts the command
 * starts from, so their defaults (shown in help) are the engine's own.
 */
#include "review.h"

#include "shipskip/net/transport.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OFF(f) offsetof(struct review_args, f)
#define ENG(f) offsetof(struct review_args, eng.f)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int set_seed(void *dst, const struct sk_opt *opt, const char *value,
                    struct sk_error *err) {
  struct review_args *a = dst;
  long n;
  int rc = sk_opt_parse_long(opt, value, &n, err);
  if (rc != 0)
    return rc;
  a->eng.seed = n;
  a->eng.has_seed = 1;
  return 0;
}

/* --record DIR, --replay DIR, --fixtures DIR: one of them, once. lmin says
 * which mode the option names (-1: --fixtures, whose mode is its own
 * option). */
static int set_fixture_dir(void *dst, const struct sk_opt *opt,
                           const char *value, struct sk_error *err) {
  struct review_args *a = dst;
  if (a->eng.fixture_dir != NULL)
    return sk_error_set(err, SK_EINVAL,
                        "give one of --record, --replay or --fixtures");
  a->fixture_flag = (int)opt->lmin;
  a->eng.fixture_dir = value;
  return 0;
}

/* Turns a UTC time "2026-11-22T06:00:00Z" into seconds from now, or -1. */
static long utc_from_now(const char *v) {
  struct tm tm;
  struct tm g;
  time_t now = time(NULL);
  time_t local_now;
  int y, mo, d, h, mi, sec;
  if (strlen(v) != 20 ||
      sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) != 6)
    return LONG_MIN;
  memset(&tm, 0, sizeof(tm));
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  /* mktime reads local time; the difference from gmtime(now) turns it into
   * UTC without the non-standard timegm. */
  gmtime_r(&now, &g);
  g.tm_isdst = 0;
  local_now = mktime(&g);
  tm.tm_isdst = 0;
  return (long)(mktime(&tm) + (now - local_now) - now);
}

/* --deadline: a duration ("90m", "2h", "3600s", "45") or a UTC time, at
 * most a week away; stored as milliseconds from now. */
static int set_deadline(void *dst, const struct sk_opt *opt, const char *v,
                        struct sk_error *err) {
  struct review_args *a = dst;
  char *end;
  double n;
  long secs;
  (void)opt;
  n = strtod(v, &end);
  if (end != v && n >= 0 &&
      (strcmp(end, "") == 0 || strcmp(end, "s") == 0 || strcmp(end, "m") == 0 ||
       strcmp(end, "h") == 0)) {
    double mult = *end == 'h' ? 3600e3 : *end == 'm' ? 60e3 : 1e3;
    if (n * mult > 7 * 86400e3)
      return sk_error_set(err, SK_EINVAL,
                          "--deadline %s is more than a week away", v);
    a->eng.deadline_ms = (long)(n * mult) > 0 ? (long)(n * mult) : 1;
    return 0;
  }
  secs = utc_from_now(v);
  if (secs == LONG_MIN)
    return sk_error_set(err, SK_EINVAL,
                        "--deadline takes a duration (90m, 2h, 3600s) or a "
                        "UTC time (2026-11-22T06:00:00Z), not \"%.80s\"",
                        v);
  if (secs <= 0)
    return sk_error_set(err, SK_EINVAL, "--deadline %s is already past", v);
  if (secs > 7 * 86400)
    return sk_error_set(err, SK_EINVAL,
                        "--deadline %s is more than a week away", v);
  a->eng.deadline_ms = secs * 1000;
  return 0;
}

/* --shard I/N: 1 <= I <= N <= 10000. */
static int set_shard(void *dst, const struct sk_opt *opt, const char *v,
                     struct sk_error *err) {
  struct review_args *a = dst;
  int i1;
  int n1;
  char extra;
  (void)opt;
  if (sscanf(v, "%d/%d%c", &i1, &n1, &extra) != 2 || n1 < 1 || n1 > 10000 ||
      i1 < 1 || i1 > n1)
    return sk_error_set(err, SK_EINVAL,
                        "--shard takes I/N with 1 <= I <= N <= 10000, not "
                        "\"%.80s\"",
                        v);
  a->eng.shard_index = i1 - 1;
  a->eng.shard_count = n1;
  return 0;
}

static const char *const FIXTURE_MODES[] = {"record", "replay", "new", NULL};
static const char *const JOURNAL_SYNC[] = {"review", "tool", NULL};
static const char *const DURABILITY[] = {"group", "strict", NULL};

static const struct sk_opt OUTPUT[] = {
    {.name = "output",
     .short_name = 'o',
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "write <slug>.json and <slug>.md here",
     .offset = OFF(outdir)},
};

/* --structured: -1 (config) then enum sk_structured (providers/provider.h). */
static const char *const STRUCTURED_WORDS[] = {"config", "auto", "on", "off",
                                               NULL};

static const struct sk_opt ROUTE[] = {
    {.name = "config",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "panel configuration: providers, routes, prices",
     .offset = OFF(config),
     .default_text = "./shipskip.json when present"},
    {.name = "provider",
     .type = SK_OPT_STRING,
     .metavar = "NAME",
     .help = "provider for every persona: a configured name or a type",
     .offset = OFF(provider),
     .default_text = "the config's, else openai"},
    {.name = "model",
     .type = SK_OPT_STRING,
     .metavar = "M",
     .help = "model for every persona (overrides config and persona files)",
     .offset = OFF(model)},
    {.name = "base-url",
     .type = SK_OPT_STRING,
     .metavar = "URL",
     .help = "API base URL of that provider",
     .offset = OFF(base_url),
     .default_text = "$OPENAI_BASE_URL, else the vendor's"},
    {.name = "api-key-env",
     .type = SK_OPT_STRING,
     .metavar = "VAR",
     .help = "read that provider's API key from VAR",
     .offset = OFF(api_key_env),
     .default_text = "OPENAI_API_KEY, ..."},
    {.name = "structured",
     .type = SK_OPT_ENUM,
     .help = "structured output for every provider: auto (where the "
             "provider type supports it), on, off; config: each provider's "
             "\"structured\"",
     .offset = OFF(structured),
     .lmin = -1,
     .words = STRUCTURED_WORDS,
     .flags = SK_OPT_SHOW_DEFAULT},
};

static const struct sk_opt PANEL[] = {
    {.name = "personas",
     .type = SK_OPT_LIST,
     .metavar = "a,b",
     .help = "review with these personas only",
     .offset = OFF(personas),
     .default_text = "every file in the personas directory"},
    {.name = "personas-dir",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "persona files",
     .offset = OFF(personas_dir),
     .default_text = "./personas, else installed, else built in"},
    {.name = "prompts-dir",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "prompt templates",
     .offset = OFF(prompts_dir),
     .default_text = "./prompts, else installed, else built in"},
    {.name = "min-words",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "shortest review paragraph",
     .offset = OFF(min_words),
     .lmin = 1,
     .lmax = 10000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "max-words",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "longest review paragraph",
     .offset = OFF(max_words),
     .lmin = 1,
     .lmax = 10000,
     .flags = SK_OPT_SHOW_DEFAULT},
};

/* In the order of enum sk_rubric_policy (review/validate.h). */
static const char *const RUBRIC_POLICIES[] = {"default", "strict", "off", NULL};

static const struct sk_opt REQUEST[] = {
    {.name = "concurrency",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "requests in flight",
     .offset = ENG(concurrency),
     .lmin = 1,
     .lmax = 4096,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "max-attempts",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "replies asked per review, re-asks included",
     .offset = ENG(max_attempts),
     .lmin = 1,
     .lmax = 8,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "rubric",
     .type = SK_OPT_ENUM,
     .help = "rubric coverage a review needs: default (each persona's "
             "min_rubric, all elements but one unless it says), strict (every "
             "element) or off (format checks only)",
     .offset = OFF(rubric),
     .lmin = SK_RUBRIC_DEFAULT,
     .words = RUBRIC_POLICIES,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "max-retries",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "HTTP retries per review",
     .offset = ENG(max_retries),
     .lmin = 0,
     .lmax = 100,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "timeout",
     .type = SK_OPT_LONG,
     .metavar = "SEC",
     .help = "per-request timeout",
     .offset = ENG(timeout_ms),
     .lmin = 1,
     .lmax = 86400,
     .scale = 1000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "max-retry-wait",
     .type = SK_OPT_LONG,
     .metavar = "SEC",
     .help = "longest Retry-After honoured",
     .offset = ENG(max_retry_wait_ms),
     .lmin = 0,
     .lmax = 86400,
     .scale = 1000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "max-retry-time",
     .type = SK_OPT_LONG,
     .metavar = "SEC",
     .help = "longest a review keeps retrying, and a server may stay down "
             "before the run stops (0: no limit)",
     .offset = ENG(max_retry_time_ms),
     .lmin = 0,
     .lmax = 604800,
     .scale = 1000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "temperature",
     .type = SK_OPT_DOUBLE,
     .metavar = "T",
     .help = "sampling temperature",
     .offset = ENG(temperature),
     .dmin = 0,
     .dmax = 2,
     .default_text = "the persona's"},
    {.name = "max-tokens",
     .type = SK_OPT_LONG,
     .metavar = "N",
     .help = "reply token limit",
     .offset = ENG(max_tokens),
     .lmin = 1,
     .lmax = 1000000,
     .default_text = "the persona's"},
    {.name = "seed",
     .type = SK_OPT_CUSTOM,
     .metavar = "N",
     .help = "sampling seed, where the API supports it",
     .lmin = 0,
     .lmax = INT_MAX,
     .set = set_seed},
    {.name = "budget",
     .type = SK_OPT_DOUBLE,
     .metavar = "USD",
     .help = "stop starting requests before the estimated cost passes USD",
     .offset = ENG(budget_usd),
     .dmin = 0.000001,
     .dmax = 1e9,
     .default_text = "none"},
    {.name = "cacert",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "verify HTTPS servers with this PEM CA bundle (a private CA, a "
             "TLS-inspecting proxy), as curl's --cacert",
     .offset = ENG(ca_file),
     .default_text = "the config's ca_file, else $CURL_CA_BUNDLE, else "
                     "$SSL_CERT_FILE, else the system's"},
};

static const struct sk_opt SCREEN[] = {
    {.name = "votes",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "community votes (JSON or CSV: slug, ship, skip)",
     .offset = OFF(votes)},
    {.name = "refuse-flagged",
     .type = SK_OPT_FLAG,
     .help = "do not review a tool the prompt-injection detector flags",
     .offset = ENG(refuse_flagged),
     .lmin = 1},
    {.name = "injection-rules",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "prompt-injection detector rules",
     .offset = OFF(injection_rules),
     .default_text = "PROMPTS_DIR/injection-patterns.txt"},
};

static const struct sk_opt REDO[] = {
    {.name = "redo",
     .type = SK_OPT_LIST,
     .metavar = "a,b",
     .help = "ask only these personas again; keep the rest, and history",
     .offset = ENG(redo)},
    {.name = "force",
     .type = SK_OPT_FLAG,
     .help = "review again tools whose scorecard is complete and current",
     .offset = ENG(force),
     .lmin = 1},
};

static const struct sk_opt FIXTURES[] = {
    {.name = "record",
     .type = SK_OPT_CUSTOM,
     .metavar = "DIR",
     .help = "send for real and record every exchange in DIR",
     .lmin = SK_FIXTURES_RECORD,
     .set = set_fixture_dir},
    {.name = "replay",
     .type = SK_OPT_CUSTOM,
     .metavar = "DIR",
     .help = "answer only from fixtures in DIR: no network, no key",
     .lmin = SK_FIXTURES_REPLAY,
     .set = set_fixture_dir},
    {.name = "fixtures",
     .type = SK_OPT_CUSTOM,
     .metavar = "DIR",
     .help = "fixture directory for --fixture-mode",
     .lmin = -1,
     .set = set_fixture_dir},
    {.name = "fixture-mode",
     .type = SK_OPT_ENUM,
     .help = "with --fixtures: new replays what DIR has, records the rest",
     .offset = OFF(fixture_mode),
     .lmin = SK_FIXTURES_RECORD,
     .words = FIXTURE_MODES},
    {.name = "stamp-fixtures",
     .type = SK_OPT_FLAG,
     .help = "write the recording time into new fixtures",
     .offset = ENG(stamp_fixtures),
     .lmin = 1},
    {.name = "generated-at",
     .type = SK_OPT_FLAG,
     .help = "add the current UTC time to scorecards",
     .offset = OFF(generated_at),
     .lmin = 1},
};

static const struct sk_opt BATCH[] = {
    {.name = "baseline",
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "compare with the run in DIR: flipped verdicts, personas that "
             "moved (summary.json \"drift\")",
     .offset = ENG(baseline)},
    {.name = "fail-on-drift",
     .type = SK_OPT_FLAG,
     .help = "exit 1 when --baseline finds drift",
     .offset = ENG(fail_on_drift),
     .lmin = 1},
    {.name = "resume",
     .type = SK_OPT_FLAG,
     .help = "reuse the reviews OUTDIR/journal.jsonl holds (same inputs)",
     .offset = ENG(resume),
     .lmin = 1},
    {.name = "rpm",
     .type = SK_OPT_DOUBLE,
     .metavar = "N",
     .help = "requests per minute",
     .offset = ENG(rpm),
     .dmin = 0.01,
     .dmax = 1e9,
     .default_text = "unlimited"},
    {.name = "tpm",
     .type = SK_OPT_DOUBLE,
     .metavar = "N",
     .help = "tokens per minute",
     .offset = ENG(tpm),
     .dmin = 1,
     .dmax = 1e12,
     .default_text = "unlimited"},
    {.name = "deadline",
     .type = SK_OPT_CUSTOM,
     .metavar = "WHEN",
     .help = "stop starting work after 90m, 2h, 3600s or a UTC time",
     .set = set_deadline,
     .default_text = "none"},
    {.name = "durability",
     .type = SK_OPT_ENUM,
     .help = "group: one journal fsync per 50 ms window, scorecards synced "
             "once at the end (a power cut costs at most the last window); "
             "strict: fsync every journal line and file",
     .offset = ENG(durability),
     .lmin = SK_DURABILITY_GROUP,
     .words = DURABILITY,
     .flags = SK_OPT_SHOW_DEFAULT},
    /* The old name: review is strict (1), tool a group (2). */
    {.name = "journal-sync",
     .type = SK_OPT_ENUM,
     .help = "old name of --durability: review = strict, tool = group",
     .offset = ENG(durability),
     .lmin = SK_DURABILITY_STRICT,
     .words = JOURNAL_SYNC},
    {.name = "grace",
     .type = SK_OPT_LONG,
     .metavar = "SEC",
     .help = "after a stop, how long requests in flight may finish",
     .offset = ENG(grace_ms),
     .lmin = 0,
     .lmax = 3600,
     .scale = 1000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "shard",
     .type = SK_OPT_CUSTOM,
     .metavar = "I/N",
     .help = "review only shard I of N (by slug hash)",
     .set = set_shard,
     .default_text = "all"},
    {.name = "log-json",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "one JSON event per line (- for stderr)",
     .offset = OFF(log_json)},
    {.name = "progress",
     .type = SK_OPT_FLAG,
     .help = "a progress line on stderr",
     .offset = OFF(progress),
     .lmin = 1,
     .default_text = "on a terminal"},
    {.name = "no-progress",
     .type = SK_OPT_FLAG,
     .help = "no progress line",
     .offset = OFF(progress),
     .lmin = 0},
    {.name = "quiet",
     .short_name = 'q',
     .type = SK_OPT_FLAG,
     .help = "no summary line at the end",
     .offset = OFF(quiet),
     .lmin = 1},
};

static const struct sk_opt DRAFT_TOOL[] = {
    {.name = "name",
     .type = SK_OPT_STRING,
     .metavar = "NAME",
     .help = "the tool's name (with --description, instead of TOOL.json)",
     .offset = OFF(d_name)},
    {.name = "description",
     .type = SK_OPT_STRING,
     .metavar = "TEXT",
     .help = "the tool's description",
     .offset = OFF(d_description)},
    {.name = "tagline",
     .type = SK_OPT_STRING,
     .metavar = "T",
     .help = "its tagline",
     .offset = OFF(d_tagline)},
    {.name = "category",
     .type = SK_OPT_STRING,
     .metavar = "C",
     .help = "its category",
     .offset = OFF(d_category)},
    {.name = "url",
     .type = SK_OPT_STRING,
     .metavar = "U",
     .help = "its URL",
     .offset = OFF(d_url)},
};

/* A draft never draws a progress line (the reviews are shown instead);
 * --no-progress is accepted so a review command line works as a draft. */
static const struct sk_opt DRAFT_COMPAT[] = {
    {.name = "no-progress",
     .type = SK_OPT_FLAG,
     .help = "no progress line (always so for a draft)",
     .offset = OFF(progress),
     .lmin = 0},
};

static const struct sk_opt PROMPTS[] = {
    {.name = "persona",
     .type = SK_OPT_STRING,
     .metavar = "NAME",
     .help = "print the prompts of this persona only",
     .offset = OFF(persona)},
};

/* review only: a run as a test report. */
static const struct sk_opt REPORT[] = {
    {.name = "junit",
     .type = SK_OPT_STRING,
     .metavar = "FILE",
     .help = "also write a JUnit XML report: a test suite per tool, a test "
             "case per persona, a failed review as a failure",
     .offset = OFF(junit)},
};

static const char *const BATCH_REASK[] = {"batch", "online", NULL};

/* review only: the providers' batch APIs (docs/NIGHTLY.md). */
static const struct sk_opt PBATCH[] = {
    {.name = "batch",
     .type = SK_OPT_FLAG,
     .help = "send every request through the provider's batch API (OpenAI, "
             "Anthropic, Gemini): half the price, done within 24 h; the "
             "config's \"mode\": \"batch\" does it per provider",
     .offset = OFF(batch),
     .lmin = 1},
    {.name = "wait",
     .type = SK_OPT_FLAG,
     .help = "with batches: poll until every batch has ended; without it "
             "the run stops once they are sent (exit 75) and --resume "
             "collects what has ended",
     .offset = ENG(batch_wait),
     .lmin = 1},
    {.name = "batch-poll",
     .type = SK_OPT_DOUBLE,
     .metavar = "SEC",
     .help = "first pause between polls of a batch; it doubles while "
             "nothing changes, up to a minute",
     .offset = OFF(batch_poll_s),
     .dmin = 0.001,
     .dmax = 86400,
     .default_text = "10"},
    {.name = "batch-max-requests",
     .type = SK_OPT_LONG,
     .metavar = "N",
     .help = "at most N requests per batch",
     .offset = OFF(batch_max_requests),
     .lmin = 1,
     .lmax = 1000000,
     .default_text = "the provider's limit"},
    {.name = "batch-max-bytes",
     .type = SK_OPT_LONG,
     .metavar = "N",
     .help = "at most N bytes per batch file",
     .offset = OFF(batch_max_bytes),
     .lmin = 65536,
     .lmax = 1L << 31,
     .default_text = "the provider's limit"},
    {.name = "batch-reask",
     .type = SK_OPT_ENUM,
     .help = "where a reply that broke the contract is asked again: in the "
             "next batch round, or online at once",
     .offset = ENG(batch_reask_online),
     .lmin = 0,
     .words = BATCH_REASK,
     .flags = SK_OPT_SHOW_DEFAULT},
};

#define GROUP(var, title, arr)                                                 \
  const struct sk_opt_group var = {title, arr, COUNT(arr)}

GROUP(sk_grp_output, NULL, OUTPUT);
GROUP(sk_grp_route, "providers and models", ROUTE);
GROUP(sk_grp_panel, "the panel", PANEL);
GROUP(sk_grp_request, "requests", REQUEST);
GROUP(sk_grp_screen, "screening and votes", SCREEN);
GROUP(sk_grp_redo, "reviewing again", REDO);
GROUP(sk_grp_fixtures, "record and replay", FIXTURES);
GROUP(sk_grp_batch, "batch runs", BATCH);
GROUP(sk_grp_draft_tool, "a tool given on the command line", DRAFT_TOOL);
GROUP(sk_grp_draft_compat, NULL, DRAFT_COMPAT);
GROUP(sk_grp_prompts, NULL, PROMPTS);
GROUP(sk_grp_report, "reports for CI", REPORT);
GROUP(sk_grp_pbatch, "provider batch APIs", PBATCH);

void sk_review_args_init(void *args) {
  struct review_args *a = args;
  sk_engine_opts_init(&a->eng);
  a->min_words = SK_CLI_MIN_WORDS;
  a->max_words = SK_CLI_MAX_WORDS;
  a->progress = -1;
  a->structured = -1; /* each provider's "structured" */
}

int sk_review_args_check(struct review_args *a, struct sk_error *err) {
  if (a->eng.fail_on_drift && a->eng.baseline == NULL)
    return sk_error_set(err, SK_EINVAL,
                        "--fail-on-drift needs --baseline DIR to compare "
                        "with");
  /* --record and --replay name their mode; only --fixtures takes one, and
   * it must: a mode that silently overrode --replay could send (and pay
   * for) requests the user meant to replay. */
  if (a->fixture_mode != 0 && a->fixture_flag != -1)
    return sk_error_set(err, SK_EINVAL, "%s",
                        a->eng.fixture_dir != NULL
                            ? "--fixture-mode goes with --fixtures DIR, not "
                              "with --record or --replay (they name their "
                              "own mode)"
                            : "--fixture-mode needs --fixtures DIR");
  if (a->fixture_flag == -1 && a->fixture_mode == 0)
    return sk_error_set(err, SK_EINVAL,
                        "--fixtures DIR needs --fixture-mode record, replay "
                        "or new");
  a->eng.fixture_mode = a->fixture_flag > 0 ? a->fixture_flag : a->fixture_mode;
  /* dmin 0.001 s: a given value is at least 1 ms. */
  if (a->batch_poll_s > 0)
    a->eng.batch_poll_ms = (long)(a->batch_poll_s * 1000.0 + 0.5);
  a->eng.batch_max_requests = (size_t)a->batch_max_requests;
  a->eng.batch_max_bytes = (size_t)a->batch_max_bytes;
  if (a->min_words > a->max_words)
    return sk_error_set(err, SK_EINVAL,
                        "--min-words %d is more than --max-words %d",
                        a->min_words, a->max_words);
  return 0;
}
