/* main.c: the shipskip command line. It parses arguments, loads the panel,
 * prompts and inputs, runs the library, and chooses the exit code; all the
 * work lives in the library.
 *
 * Exit codes: 0 every tool reviewed; 1 some tools failed (the rest written);
 * 2 usage or configuration error.
 */
#include "events.h"
#include "shipskip/model/config.h"
#include "shipskip/review/engine.h"
#include "shipskip/net/fixture.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/net/http.h"
#include "shipskip/review/inject.h"
#include "shipskip/review/journal.h"
#include "shipskip/util/markdown.h"
#include "shipskip/review/merge.h"
#include "shipskip/model/persona.h"
#include "shipskip/review/prompt.h"
#include "shipskip/providers/provider.h"
#include "shipskip/review/summary.h"
#include "shipskip/model/toolsrc.h"
#include "shipskip/net/transport.h"
#include "shipskip/review/validate.h"
#include "shipskip/model/card.h"
#include "shipskip/publish/compare.h"
#include "shipskip/publish/site.h"
#include "shipskip/model/votes.h"
#include "shipskip/desk/apply.h"
#include "shipskip/desk/diff.h"
#include "shipskip/desk/roster.h"
#include "shipskip/model/scorefile.h"

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_ALL_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

static const char USAGE[] =
    "usage: shipskip review INPUT... -o OUTDIR [options]\n"
    "       shipskip prompts INPUT... [--persona NAME] [options]\n"
    "       shipskip draft TOOL.json [-o OUTDIR] [options]\n"
    "       shipskip draft --name NAME --description TEXT [--tagline T]\n"
    "                      [--category C] [--url U] [-o OUTDIR] [options]\n"
    "       shipskip fixtures check DIR | fixtures list DIR\n"
    "       shipskip merge OUTDIR... -o MERGED\n"
    "       shipskip config check [--config FILE] [--personas a,b]\n"
    "       shipskip apply OUTDIR/SLUG.md... [--no-rubric] [--dry-run]\n"
    "       shipskip diff A.json B.json | diff A.json --history [N]\n"
    "       shipskip personas list | personas check FILE\n"
    "       shipskip compare A B [--format html|md|json] [-o FILE]\n"
    "       shipskip site OUTDIR [--pairs FILE] [--compare A:B] [-o SITEDIR]\n"
    "       shipskip --help | --version\n"
    "\n"
    "INPUT is a JSON file (one tool or an array), a JSON Lines file, a\n"
    "directory of them, or - for standard input.\n"
    "\n";

/* Split in two: C11 only promises string literals of 4095 bytes. */
static const char USAGE_REVIEW[] =
    "review options:\n"
    "  -o, --output DIR       write <slug>.json and <slug>.md here\n"
    "  --config FILE          panel configuration (default ./shipskip.json\n"
    "                         when present): providers, per-persona provider\n"
    "                         and model, prices\n"
    "  --provider NAME        provider for every persona: a configured name\n"
    "                         or a type (openai, anthropic, gemini, ollama,\n"
    "                         mistral); default: the config's, else openai\n"
    "  --model M              model for every persona (overrides persona "
    "files)\n"
    "  --base-url URL         API base URL (default $OPENAI_BASE_URL or\n"
    "                         https://api.openai.com/v1)\n"
    "  --api-key-env VAR      read the API key from VAR (default: the\n"
    "                         provider's, e.g. OPENAI_API_KEY)\n"
    "  --redo a,b             ask only these personas again for the tools\n"
    "                         given; keep the other reviews of each\n"
    "                         scorecard in OUTDIR; keep replaced ones in its\n"
    "                         history\n"
    "  --force                review again tools whose scorecard in OUTDIR\n"
    "                         is complete and made from the same inputs\n"
    "                         (skipped by default: no accidental spend)\n"
    "  --refuse-flagged       do not review a tool the prompt-injection\n"
    "                         detector flags (default: review it, flag it)\n"
    "  --injection-rules FILE detector rules (default:\n"
    "                         PROMPTS_DIR/injection-patterns.txt)\n"
    "  --votes FILE           community votes (JSON or CSV: slug, ship, skip)\n"
    "                         merged into the scorecards\n"
    "  --budget USD           stop starting requests before the estimated\n"
    "                         cost would pass USD (needs prices)\n"
    "  --concurrency N        requests in flight (default 8)\n"
    "  --personas a,b         review with these personas only\n"
    "  --max-attempts N       replies asked per review, re-asks included "
    "(default 3)\n"
    "  --max-retries N        HTTP retries per review (default 4)\n"
    "  --timeout SEC          per-request timeout (default 120)\n"
    "  --max-retry-wait SEC   longest Retry-After honoured (default 60)\n"
    "  --temperature T        sampling temperature (default: persona's)\n"
    "  --max-tokens N         reply token limit (default: persona's)\n"
    "  --seed N               sampling seed, where the API supports it\n"
    "  --min-words N          shortest review paragraph (default 60)\n"
    "  --max-words N          longest review paragraph (default 260)\n"
    "  --personas-dir DIR     persona files (default ./personas)\n"
    "  --prompts-dir DIR      prompt templates (default ./prompts)\n"
    "  --record DIR           send for real and record every exchange in DIR\n"
    "  --replay DIR           answer only from fixtures in DIR: no network, "
    "no\n"
    "                         key; a missing fixture stops the run (exit 2)\n"
    "  --fixtures DIR --fixture-mode MODE\n"
    "                         MODE: record, replay, or new (replay what DIR\n"
    "                         has, send and record the rest)\n"
    "  --stamp-fixtures       write the recording time into new fixtures\n"
    "  --generated-at         add the current UTC time to scorecards (off by\n"
    "                         default so a replay reproduces them exactly)\n";
static const char USAGE_BATCH[] =
    "  --resume               reuse every review OUTDIR/journal.jsonl holds\n"
    "                         (same inputs only); request only the rest\n"
    "  --rpm N, --tpm N       requests / tokens per minute (token buckets)\n"
    "  --deadline WHEN        stop starting work after WHEN: 90m, 2h, 3600s,\n"
    "                         or a UTC time 2026-11-22T06:00:00Z\n"
    "  --journal-sync review|tool  fsync the journal per review (default)\n"
    "                         or per tool (group commit: faster on slow\n"
    "                         disks; an OS crash may cost in-progress tools)\n"
    "  --grace SEC            after a stop, how long requests in flight may\n"
    "                         finish before they are canceled (default 30)\n"
    "  --shard I/N            review only shard I of N (by slug hash)\n"
    "  --log-json FILE        one JSON event per line (- for stderr)\n"
    "  --progress / --no-progress   progress line (default: on a terminal)\n"
    "  -q, --quiet            no summary line at the end\n"
    "\n"
    "prompts options: --persona NAME, and --personas, --personas-dir,\n"
    "--prompts-dir, --min-words, --max-words as above.\n"
    "\n"
    "Exit status: 0 all reviewed, 1 some tools failed or left unreviewed, 2\n"
    "usage or configuration error, 130/143 stopped by SIGINT/SIGTERM (rerun\n"
    "with --resume to finish).\n";

struct cli {
  const char *command;
  const char **inputs;
  size_t ninputs;
  const char *outdir;
  const char *provider;
  const char *model;
  const char *base_url;
  const char *api_key_env;
  const char *personas;
  const char *persona; /* prompts: one persona */
  const char *personas_dir;
  const char *prompts_dir;
  long concurrency;
  long max_attempts;
  long max_retries;
  long timeout_s;
  long max_retry_wait_s;
  double temperature;
  long max_tokens;
  int has_seed;
  long seed;
  long min_words;
  long max_words;
  int progress; /* -1 auto */
  int quiet;
  int fixture_mode;
  int fixture_flag;       /* which of --record/--replay/--fixtures (-1) */
  int fixture_mode_given; /* --fixture-mode was given */
  const char *fixture_dir;
  int stamp_fixtures;
  int generated_at;
  int resume;
  double rpm;
  double tpm;
  long deadline_ms;
  long grace_s;
  int shard_index;
  int shard_count;
  const char *log_json;
  const char *config;
  double budget;
  const char *votes;
  int refuse_flagged;
  const char *injection_rules;
  const char *redo;
  int force;
  int journal_group_sync;
  const char *d_name; /* draft: a tool given on the command line */
  const char *d_description;
  const char *d_tagline;
  const char *d_category;
  const char *d_url;
};

static void die_usage(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

static void die_usage(const char *fmt, ...) {
  va_list ap;
  fputs("shipskip: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\nTry 'shipskip --help'.\n", stderr);
  exit(EXIT_USAGE);
}

static long parse_long(const char *opt, const char *v, long min, long max) {
  char *end;
  long n;
  errno = 0;
  n = strtol(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
    die_usage("%s takes a whole number from %ld to %ld, not \"%s\"", opt, min,
              max, v);
  return n;
}

static double parse_double(const char *opt, const char *v, double min,
                           double max) {
  char *end;
  double d;
  errno = 0;
  d = strtod(v, &end);
  if (errno != 0 || end == v || *end != '\0' || !(d >= min && d <= max))
    die_usage("%s takes a number from %g to %g, not \"%s\"", opt, min, max, v);
  return d;
}

/* Writes a + b + c into buf; returns 0, or -1 when it would not fit. */
static int join3(char *buf, size_t size, const char *a, const char *b,
                 const char *c) {
  size_t la = strlen(a);
  size_t lb = strlen(b);
  size_t lc = strlen(c);
  if (la + lb + lc + 1 > size)
    return -1;
  memcpy(buf, a, la);
  memcpy(buf + la, b, lb);
  memcpy(buf + la + lb, c, lc + 1);
  return 0;
}

/* Finds the default location of a data directory: ./NAME when it exists,
 * else NAME beside the executable's parent (a build tree or an install). */
static const char *data_dir(const char *name, char *buf, size_t size) {
  char exe[PATH_MAX];
  ssize_t n;
  char *slash;

  if (sk_fs_is_dir(name))
    return name;
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash != NULL) {
      *slash = '\0';
      if (join3(buf, size, exe, "/../", name) == 0 && sk_fs_is_dir(buf))
        return buf;
      if (join3(buf, size, exe, "/../share/shipskip/", name) == 0 &&
          sk_fs_is_dir(buf))
        return buf;
    }
  }
  return name;
}

/* Splits "--opt=value" (eq points at the '=', or is NULL) into opt and a
 * returned value; a plain "--opt" or "-o" copies into opt and returns NULL,
 * the value then being the next argument. */
static const char *split_opt(const char *a, const char *eq, char *opt,
                             size_t size) {
  if (eq != NULL && a[1] == '-') {
    snprintf(opt, size, "%.*s", (int)(eq - a), a);
    return eq + 1;
  }
  snprintf(opt, size, "%s", a);
  return NULL;
}

/* Parses --deadline: a duration ("90m", "2h", "3600s", "45") or a UTC time
 * ("2026-11-22T06:00:00Z"). Returns milliseconds from now. */
static long parse_deadline(const char *v) {
  char *end;
  double n;
  int y, mo, d, h, mi, sec;
  errno = 0;
  n = strtod(v, &end);
  if (errno == 0 && end != v && n >= 0 &&
      (strcmp(end, "") == 0 || strcmp(end, "s") == 0 || strcmp(end, "m") == 0 ||
       strcmp(end, "h") == 0)) {
    double mult = *end == 'h' ? 3600e3 : *end == 'm' ? 60e3 : 1e3;
    if (n * mult > 7 * 86400e3)
      die_usage("--deadline %s is more than a week away", v);
    return (long)(n * mult) > 0 ? (long)(n * mult) : 1;
  }
  if (sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2dZ", &y, &mo, &d, &h, &mi, &sec) == 6 &&
      strlen(v) == 20) {
    struct tm tm;
    time_t when;
    time_t now = time(NULL);
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    /* mktime reads local time; the difference from gmtime(now) turns it
     * into UTC without the non-standard timegm. */
    {
      struct tm g;
      time_t local_now;
      gmtime_r(&now, &g);
      g.tm_isdst = 0;
      local_now = mktime(&g);
      tm.tm_isdst = 0;
      when = mktime(&tm) + (now - local_now);
    }
    if (when <= now)
      die_usage("--deadline %s is already past", v);
    if (when - now > 7 * 86400)
      die_usage("--deadline %s is more than a week away", v);
    return (long)(when - now) * 1000;
  }
  die_usage("--deadline takes a duration (90m, 2h, 3600s) or a UTC time "
            "(2026-11-22T06:00:00Z), not \"%s\"",
            v);
  return 0;
}

static void parse_args(int argc, char **argv, struct cli *c) {
  int i;
  int first = 2;

  memset(c, 0, sizeof(*c));
  c->concurrency = 8;
  c->max_attempts = 3;
  c->max_retries = 4;
  c->timeout_s = 120;
  c->max_retry_wait_s = 60;
  c->temperature = -1;
  c->min_words = 60;
  c->max_words = 260;
  c->progress = -1;
  c->grace_s = 30;
  c->inputs = calloc((size_t)argc, sizeof(*c->inputs));
  if (c->inputs == NULL) {
    fputs("shipskip: out of memory\n", stderr);
    exit(EXIT_USAGE);
  }
  if (argc < 2)
    die_usage("no command given");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(USAGE, stdout);
    fputs(USAGE_REVIEW, stdout);
    fputs(USAGE_BATCH, stdout);
    exit(fclose(stdout) == 0 ? EXIT_ALL_OK : EXIT_USAGE);
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("shipskip %s\n", SK_VERSION);
    exit(fclose(stdout) == 0 ? EXIT_ALL_OK : EXIT_USAGE);
  }
  c->command = argv[1];
  if (strcmp(c->command, "fixtures") == 0) {
    if (argc != 4 ||
        (strcmp(argv[2], "check") != 0 && strcmp(argv[2], "list") != 0))
      die_usage("usage: shipskip fixtures check DIR | fixtures list DIR");
    c->inputs[c->ninputs++] = argv[2];
    c->inputs[c->ninputs++] = argv[3];
    return;
  }
  if (strcmp(c->command, "config") == 0) {
    if (argc < 3 || strcmp(argv[2], "check") != 0)
      die_usage("usage: shipskip config check [--config FILE] [options]");
    first = 3; /* options follow "check"; there is no input */
  }
  if (strcmp(c->command, "review") != 0 && strcmp(c->command, "prompts") != 0 &&
      strcmp(c->command, "merge") != 0 && strcmp(c->command, "config") != 0 &&
      strcmp(c->command, "draft") != 0)
    die_usage("unknown command \"%s\"", c->command);

  for (i = first; i < argc; i++) {
    const char *a = argv[i];
    const char *v = NULL;
    char opt[64];
    const char *eq;

    if (a[0] != '-' || strcmp(a, "-") == 0) {
      c->inputs[c->ninputs++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      for (i++; i < argc; i++)
        c->inputs[c->ninputs++] = argv[i];
      break;
    }
    /* "--opt=value" and "--opt value" both work. */
    eq = strchr(a, '=');
    v = split_opt(a, eq, opt, sizeof(opt));
#define FLAG(name) (strcmp(opt, name) == 0)
#define VALUE()                                                                \
  (v != NULL      ? v                                                          \
   : i + 1 < argc ? argv[++i]                                                  \
                  : (die_usage("%s needs a value", opt), (const char *)NULL))
    if (FLAG("-h") || FLAG("--help")) {
      fputs(USAGE, stdout);
      fputs(USAGE_REVIEW, stdout);
      fputs(USAGE_BATCH, stdout);
      exit(fclose(stdout) == 0 ? EXIT_ALL_OK : EXIT_USAGE);
    } else if (FLAG("-o") || FLAG("--output"))
      c->outdir = VALUE();
    else if (FLAG("--provider"))
      c->provider = VALUE();
    else if (FLAG("--model"))
      c->model = VALUE();
    else if (FLAG("--base-url"))
      c->base_url = VALUE();
    else if (FLAG("--api-key-env"))
      c->api_key_env = VALUE();
    else if (FLAG("--personas"))
      c->personas = VALUE();
    else if (FLAG("--persona"))
      c->persona = VALUE();
    else if (FLAG("--personas-dir"))
      c->personas_dir = VALUE();
    else if (FLAG("--prompts-dir"))
      c->prompts_dir = VALUE();
    else if (FLAG("--concurrency"))
      c->concurrency = parse_long(opt, VALUE(), 1, 4096);
    else if (FLAG("--max-attempts"))
      c->max_attempts = parse_long(opt, VALUE(), 1, 8);
    else if (FLAG("--max-retries"))
      c->max_retries = parse_long(opt, VALUE(), 0, 100);
    else if (FLAG("--timeout"))
      c->timeout_s = parse_long(opt, VALUE(), 1, 86400);
    else if (FLAG("--max-retry-wait"))
      c->max_retry_wait_s = parse_long(opt, VALUE(), 0, 86400);
    else if (FLAG("--temperature"))
      c->temperature = parse_double(opt, VALUE(), 0, 2);
    else if (FLAG("--max-tokens"))
      c->max_tokens = parse_long(opt, VALUE(), 1, 1000000);
    else if (FLAG("--seed")) {
      c->seed = parse_long(opt, VALUE(), 0, 2147483647L);
      c->has_seed = 1;
    } else if (FLAG("--min-words"))
      c->min_words = parse_long(opt, VALUE(), 1, 10000);
    else if (FLAG("--max-words"))
      c->max_words = parse_long(opt, VALUE(), 1, 10000);
    else if (FLAG("--progress"))
      c->progress = 1;
    else if (FLAG("--no-progress"))
      c->progress = 0;
    else if (FLAG("-q") || FLAG("--quiet"))
      c->quiet = 1;
    else if (FLAG("--record") || FLAG("--replay") || FLAG("--fixtures")) {
      if (c->fixture_dir != NULL)
        die_usage("give one of --record, --replay or --fixtures");
      c->fixture_flag = FLAG("--record")   ? SK_FIXTURES_RECORD
                        : FLAG("--replay") ? SK_FIXTURES_REPLAY
                                           : -1; /* --fixtures */
      c->fixture_dir = VALUE();
    } else if (FLAG("--fixture-mode")) {
      const char *m = VALUE();
      int mode = strcmp(m, "record") == 0   ? SK_FIXTURES_RECORD
                 : strcmp(m, "replay") == 0 ? SK_FIXTURES_REPLAY
                 : strcmp(m, "new") == 0    ? SK_FIXTURES_NEW
                                            : -2;
      if (mode == -2)
        die_usage("--fixture-mode takes record, replay or new, not \"%s\"", m);
      if (c->fixture_mode_given)
        die_usage("--fixture-mode given twice");
      c->fixture_mode_given = 1;
      c->fixture_mode = mode;
    } else if (FLAG("--stamp-fixtures"))
      c->stamp_fixtures = 1;
    else if (FLAG("--generated-at"))
      c->generated_at = 1;
    else if (FLAG("--resume"))
      c->resume = 1;
    else if (FLAG("--rpm"))
      c->rpm = parse_double(opt, VALUE(), 0.01, 1e9);
    else if (FLAG("--tpm"))
      c->tpm = parse_double(opt, VALUE(), 1, 1e12);
    else if (FLAG("--deadline"))
      c->deadline_ms = parse_deadline(VALUE());
    else if (FLAG("--grace"))
      c->grace_s = parse_long(opt, VALUE(), 0, 3600);
    else if (FLAG("--shard")) {
      const char *sv = VALUE();
      int i1;
      int n1;
      char extra;
      if (sscanf(sv, "%d/%d%c", &i1, &n1, &extra) != 2 || n1 < 1 ||
          n1 > 10000 || i1 < 1 || i1 > n1)
        die_usage("--shard takes I/N with 1 <= I <= N, not \"%s\"", sv);
      c->shard_index = i1 - 1;
      c->shard_count = n1;
    } else if (FLAG("--log-json"))
      c->log_json = VALUE();
    else if (FLAG("--config"))
      c->config = VALUE();
    else if (FLAG("--votes") && strcmp(c->command, "review") == 0)
      c->votes = VALUE();
    else if (FLAG("--refuse-flagged"))
      c->refuse_flagged = 1;
    else if (FLAG("--redo"))
      c->redo = VALUE();
    else if (FLAG("--name") && strcmp(c->command, "draft") == 0)
      c->d_name = VALUE();
    else if (FLAG("--description") && strcmp(c->command, "draft") == 0)
      c->d_description = VALUE();
    else if (FLAG("--tagline") && strcmp(c->command, "draft") == 0)
      c->d_tagline = VALUE();
    else if (FLAG("--category") && strcmp(c->command, "draft") == 0)
      c->d_category = VALUE();
    else if (FLAG("--url") && strcmp(c->command, "draft") == 0)
      c->d_url = VALUE();
    else if (FLAG("--force"))
      c->force = 1;
    else if (FLAG("--journal-sync")) {
      const char *m = VALUE();
      if (strcmp(m, "review") != 0 && strcmp(m, "tool") != 0)
        die_usage("--journal-sync takes review or tool, not \"%s\"", m);
      c->journal_group_sync = strcmp(m, "tool") == 0;
    } else if (FLAG("--injection-rules"))
      c->injection_rules = VALUE();
    else if (FLAG("--budget"))
      c->budget = parse_double(opt, VALUE(), 0.000001, 1e9);
    else
      die_usage("unknown option \"%s\"", opt);
#undef FLAG
#undef VALUE
  }
  if (strcmp(c->command, "draft") == 0) {
    if ((c->d_name != NULL) != (c->d_description != NULL))
      die_usage("draft: give --name and --description together");
    if ((c->d_name != NULL) == (c->ninputs > 0))
      die_usage("draft takes one TOOL.json, or --name and --description");
    if (c->ninputs > 1)
      die_usage("draft reviews one tool; use review for several");
  } else if (strcmp(c->command, "config") == 0) {
    if (c->ninputs > 0)
      die_usage("config check takes no INPUT");
    return;
  } else if (c->ninputs == 0) {
    die_usage("no INPUT given (a tool JSON file, a JSON Lines file, a "
              "directory, or - for stdin)");
  }
  if (strcmp(c->command, "merge") == 0) {
    if (c->outdir == NULL || c->ninputs == 0)
      die_usage("usage: shipskip merge OUTDIR... -o MERGED");
    return;
  }
  /* --record and --replay name their mode; only --fixtures takes one, and
   * it must: a mode that silently overrode --replay could send (and pay
   * for) requests the user meant to replay. */
  if (c->fixture_mode_given && c->fixture_flag != -1)
    die_usage(c->fixture_dir != NULL
                  ? "--fixture-mode goes with --fixtures DIR, not with "
                    "--record or --replay (they name their own mode)"
                  : "--fixture-mode needs --fixtures DIR");
  if (c->fixture_flag == -1 && !c->fixture_mode_given)
    die_usage("--fixtures DIR needs --fixture-mode record, replay or new");
  if (c->fixture_flag > 0)
    c->fixture_mode = c->fixture_flag;
  if (c->min_words > c->max_words)
    die_usage("--min-words %ld is more than --max-words %ld", c->min_words,
              c->max_words);
}

/* Loads the panel, validator and prompts both commands need. */
static int load_panel(const struct cli *c, struct sk_panel_def *panel,
                      struct sk_validator **v, struct sk_prompts *prompts,
                      struct sk_error *err) {
  char pbuf[PATH_MAX];
  char tbuf[PATH_MAX];
  const char *pdir = c->personas_dir ? c->personas_dir
                                     : data_dir("personas", pbuf, sizeof(pbuf));
  const char *tdir =
      c->prompts_dir ? c->prompts_dir : data_dir("prompts", tbuf, sizeof(tbuf));
  const char *only = c->persona ? c->persona : c->personas;
  struct sk_validate_opts vo;
  int rc;

  rc = sk_panel_def_load(pdir, only, panel, err);
  if (rc != 0)
    return rc;
  memset(&vo, 0, sizeof(vo));
  vo.min_words = (int)c->min_words;
  vo.max_words = (int)c->max_words;
  rc = sk_validator_new(panel, &vo, v, err);
  if (rc == 0)
    rc = sk_prompts_load(tdir, (int)c->min_words, (int)c->max_words, prompts,
                         err);
  return rc;
}

/* Renders the templates once against a tool with every field filled, so a
 * placeholder no tool could fill (a typo) is a configuration error now, not
 * a failure of every tool later. */
static int check_templates(const struct sk_prompts *prompts,
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

static int run_prompts(const struct cli *c) {
  struct sk_panel_def panel = {0};
  struct sk_validator *v = NULL;
  struct sk_prompts prompts;
  struct sk_toolsrc *src = NULL;
  struct sk_error err;
  int status = EXIT_ALL_OK;
  int rc;

  memset(&prompts, 0, sizeof(prompts));
  sk_error_clear(&err);
  rc = load_panel(c, &panel, &v, &prompts, &err);
  if (rc == 0)
    rc = sk_toolsrc_open(c->inputs, c->ninputs, &src, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = EXIT_USAGE;
    goto out;
  }
  for (;;) {
    struct sk_tool *t = NULL;
    size_t i;
    sk_error_clear(&err);
    rc = sk_toolsrc_next(src, &t, &err);
    if (rc == 0)
      break;
    if (rc < 0) {
      fprintf(stderr, "shipskip: %s (record skipped)\n", err.msg);
      status = EXIT_SOME_FAILED;
      if (rc == SK_ENOMEM)
        break;
      continue;
    }
    for (i = 0; i < panel.n; i++) {
      struct sk_buf sys;
      struct sk_buf user;
      sk_buf_init(&sys, SK_PROMPT_MAX);
      sk_buf_init(&user, SK_PROMPT_MAX);
      sk_error_clear(&err);
      if (sk_prompt_render(&prompts, t, &panel.personas[i], &sys, &user,
                           &err) != 0) {
        fprintf(stderr, "shipskip: %s\n", err.msg);
        status = EXIT_SOME_FAILED;
      } else {
        printf("=== %s · %s · system\n%s\n=== %s · %s · user\n%s\n", t->slug,
               panel.personas[i].name, sk_buf_str(&sys), t->slug,
               panel.personas[i].name, sk_buf_str(&user));
      }
      sk_buf_cleanup(&sys);
      sk_buf_cleanup(&user);
    }
    sk_tool_free(t);
  }
out:
  sk_toolsrc_free(src);
  sk_prompts_cleanup(&prompts);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return status;
}

static int run_fixtures(const struct cli *c) {
  static const char *const SECRETS[] = {"OPENAI_API_KEY",  "ANTHROPIC_API_KEY",
                                        "GEMINI_API_KEY",  "GOOGLE_API_KEY",
                                        "MISTRAL_API_KEY", NULL};
  struct sk_error err;
  int rc;

  sk_error_clear(&err);
  if (strcmp(c->inputs[0], "check") == 0)
    rc = sk_fixture_check_dir(c->inputs[1], SECRETS, stdout, &err);
  else
    rc = sk_fixture_list_dir(c->inputs[1], stdout, &err);
  if (rc < 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return EXIT_USAGE;
  }
  if (strcmp(c->inputs[0], "check") == 0 && rc > 0)
    return EXIT_SOME_FAILED;
  return EXIT_ALL_OK;
}

/* Loads the configuration (c->config, else ./shipskip.json when present),
 * applies --provider, --base-url and --api-key-env, and resolves every
 * persona's provider, model and price into routes. With need_keys, a
 * provider without its key is an error too. Reports every problem on
 * stderr; returns 0 or SK_ECONFIG. */
static int resolve_routes(const struct cli *c, struct sk_config *cfg,
                          const struct sk_panel_def *panel,
                          struct sk_route *routes, int need_keys) {
  const char *path = c->config;
  struct sk_error err;
  struct sk_panel_def all = {0};
  struct sk_provider_def *primary;
  char pbuf[PATH_MAX];
  const char *pdir = c->personas_dir ? c->personas_dir
                                     : data_dir("personas", pbuf, sizeof(pbuf));
  size_t i;
  int rc;

  sk_error_clear(&err);
  if (path == NULL && access("shipskip.json", R_OK) == 0)
    path = "shipskip.json";
  rc = sk_config_load(path, cfg, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_ECONFIG;
  }
  primary =
      sk_config_provider(cfg, c->provider             ? c->provider
                              : cfg->default_provider ? cfg->default_provider
                                                      : "openai");
  if (primary == NULL) {
    fprintf(stderr,
            "shipskip: unknown provider \"%s\": use a type (openai, "
            "anthropic, gemini, ollama, mistral) or a name defined under "
            "\"providers\" in %s\n",
            c->provider ? c->provider : cfg->default_provider, cfg->source);
    return SK_ECONFIG;
  }
  if (c->base_url != NULL) {
    if (strncmp(c->base_url, "http://", 7) != 0 &&
        strncmp(c->base_url, "https://", 8) != 0) {
      fprintf(stderr,
              "shipskip: base URL \"%s\" must start with http:// or "
              "https://\n",
              c->base_url);
      return SK_ECONFIG;
    }
    if (sk_provider_def_set_base_url(primary, c->base_url) != 0)
      return SK_ECONFIG;
  }
  if (c->api_key_env != NULL &&
      sk_provider_def_set_key_env(primary, c->api_key_env) != 0)
    return SK_ECONFIG;
  for (i = 0; i < cfg->nproviders; i++) {
    const char *u = cfg->providers[i].base_url;
    if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) {
      fprintf(stderr,
              "shipskip: provider \"%s\": base URL \"%s\" must start with "
              "http:// or https://\n",
              cfg->providers[i].name, u);
      return SK_ECONFIG;
    }
  }
  /* The config may name any persona of the directory, not only those
   * selected with --personas. */
  if (sk_panel_def_load(pdir, NULL, &all, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_ECONFIG;
  }
  rc = sk_config_resolve(cfg, panel, &all, c->provider, c->model, routes,
                         stderr);
  sk_panel_def_cleanup(&all);
  if (rc == 0 && need_keys)
    rc = sk_config_check_keys(routes, panel->n, stderr);
  return rc;
}

/* shipskip config check: validates the configuration against the panel
 * and prints the effective panel. */
static int run_config_check(const struct cli *c) {
  struct sk_panel_def panel = {0};
  struct sk_validator *v = NULL;
  struct sk_prompts prompts;
  struct sk_config cfg;
  struct sk_route *routes = NULL;
  struct sk_error err;
  int status = EXIT_ALL_OK;
  size_t i;

  memset(&prompts, 0, sizeof(prompts));
  memset(&cfg, 0, sizeof(cfg));
  sk_error_clear(&err);
  if (load_panel(c, &panel, &v, &prompts, &err) != 0 ||
      check_templates(&prompts, &panel, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = EXIT_USAGE;
    goto out;
  }
  routes = calloc(panel.n, sizeof(*routes));
  if (routes == NULL || resolve_routes(c, &cfg, &panel, routes, 1) != 0)
    status = EXIT_USAGE;
  if (routes == NULL || cfg.source == NULL)
    goto out;
  printf("configuration: %s\n", cfg.source);
  printf("%-10s %-10s %-9s %-28s %-40s %-22s %s\n", "PERSONA", "PROVIDER",
         "TYPE", "MODEL", "BASE URL", "KEY", "PRICE IN/OUT PER 1M");
  for (i = 0; i < panel.n; i++) {
    const struct sk_route *r = &routes[i];
    char key[64];
    char price[48];
    if (r->provider == NULL) {
      printf("%-10s (unresolved)\n", panel.personas[i].name);
      continue;
    }
    if (r->provider->key_env == NULL)
      snprintf(key, sizeof(key), "none needed");
    else
      snprintf(key, sizeof(key), "%.40s %s", r->provider->key_env,
               r->provider->api_key ? "set" : "MISSING");
    if (r->price != NULL)
      snprintf(price, sizeof(price), "$%.2f / $%.2f", r->price->input_per_m,
               r->price->output_per_m);
    else
      snprintf(price, sizeof(price), "unknown");
    printf("%-10s %-10s %-9s %-28s %-40s %-22s %s\n", panel.personas[i].name,
           r->provider->name, r->provider->impl->name, r->model,
           r->provider->base_url, key, price);
  }
  if (status == EXIT_ALL_OK)
    printf("ok: %zu personas, every provider has its key\n", panel.n);
out:
  free(routes);
  sk_config_cleanup(&cfg);
  sk_prompts_cleanup(&prompts);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return status;
}

/* Loads the prompt-injection rules: --injection-rules, else the prompts
 * directory's injection-patterns.txt. A missing or broken file is a
 * configuration error: reviewing hostile submissions unscreened by
 * accident is worse than not starting. */
static int load_detector(const struct cli *c, struct sk_inject **out,
                         struct sk_error *err) {
  char tbuf[PATH_MAX];
  char path[PATH_MAX + 32];
  const char *tdir =
      c->prompts_dir ? c->prompts_dir : data_dir("prompts", tbuf, sizeof(tbuf));
  int rc;
  if (c->injection_rules != NULL)
    snprintf(path, sizeof(path), "%s", c->injection_rules);
  else
    snprintf(path, sizeof(path), "%s/injection-patterns.txt", tdir);
  rc = sk_inject_load(path, out, err);
  if (rc != 0 && err != NULL)
    err->code = SK_ECONFIG;
  return rc != 0 ? SK_ECONFIG : 0;
}

/* What `draft` shows while the panel answers: on a terminal, each
 * reviewer's section on stderr the moment it arrives, and who is still
 * thinking; the finished draft goes to stdout. */
struct draft_view {
  int tty;
  char slug[SK_TOOL_MAX_SLUG + 1];
};

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

static int run_review_with(const struct cli *c, struct draft_view *draft);

static int run_review(const struct cli *c) {
  return run_review_with(c, NULL);
}

/* shipskip draft: one tool, the panel's answers shown as they arrive, the
 * Markdown draft on stdout; the scorecard kept under -o OUTDIR when given. */
static int run_draft(const struct cli *c) {
  struct cli dc = *c;
  struct draft_view view;
  char tmp[] = "/tmp/shipskip-draft-XXXXXX";
  char tool_path[64];
  char out_path[64];
  const char *input[1];
  int status;

  memset(&view, 0, sizeof(view));
  view.tty = isatty(STDERR_FILENO);
  if (mkdtemp(tmp) == NULL) {
    fprintf(stderr, "shipskip: cannot create a temporary directory: %s\n",
            strerror(errno));
    return EXIT_USAGE;
  }
  snprintf(tool_path, sizeof(tool_path), "%s/tool.json", tmp);
  snprintf(out_path, sizeof(out_path), "%s/out", tmp);
  if (c->d_name != NULL) {
    /* A tool given on the command line goes through the same loader (and
     * the same checks) as a file. */
    cJSON *o = cJSON_CreateObject();
    char *text = NULL;
    struct sk_error err;
    int rc = SK_ENOMEM;
    sk_error_clear(&err);
    if (o != NULL && cJSON_AddStringToObject(o, "name", c->d_name) &&
        cJSON_AddStringToObject(o, "description", c->d_description) &&
        (c->d_tagline == NULL ||
         cJSON_AddStringToObject(o, "tagline", c->d_tagline)) &&
        (c->d_category == NULL ||
         cJSON_AddStringToObject(o, "category", c->d_category)) &&
        (c->d_url == NULL || cJSON_AddStringToObject(o, "url", c->d_url)) &&
        (text = cJSON_PrintUnformatted(o)) != NULL)
      rc = sk_fs_write_atomic(tmp, "tool.json", text, strlen(text), &err);
    cJSON_free(text);
    cJSON_Delete(o);
    if (rc != 0) {
      fprintf(stderr, "shipskip: draft: %s\n",
              err.msg[0] ? err.msg : "out of memory");
      status = EXIT_USAGE;
      goto out;
    }
    input[0] = tool_path;
    dc.inputs = input;
    dc.ninputs = 1;
  } else if (sk_toolsrc_estimate(c->inputs, 1) > 1) {
    fprintf(stderr,
            "shipskip: draft reviews one tool and %s holds several; "
            "use review for a batch\n",
            c->inputs[0]);
    status = EXIT_USAGE;
    goto out;
  }
  if (dc.outdir == NULL)
    dc.outdir = out_path;
  dc.progress = 0;
  dc.quiet = 1;
  if (view.tty)
    fprintf(stderr, "asking the panel...\n");
  status = run_review_with(&dc, &view);
  if (view.tty)
    fputs("\r\033[K", stderr);
  if (view.slug[0] != '\0') {
    char md[4096];
    char *text = NULL;
    size_t len;
    struct sk_error err;
    sk_error_clear(&err);
    snprintf(md, sizeof(md), "%s/%s.md", dc.outdir, view.slug);
    if (sk_fs_read_file(md, 64 * 1024 * 1024, &text, &len, &err) == 0) {
      fwrite(text, 1, len, stdout);
      free(text);
    } else if (status == EXIT_ALL_OK) {
      fprintf(stderr, "shipskip: %s\n", err.msg);
      status = EXIT_SOME_FAILED;
    }
    if (c->outdir != NULL && view.tty)
      fprintf(stderr, "shipskip: scorecard saved in %s/%s.json\n", c->outdir,
              view.slug);
  }
out : {
  /* The temporary tree holds only what this command wrote. */
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
  if (system(cmd) != 0)
    fprintf(stderr, "shipskip: could not remove %s\n", tmp);
}
  return status;
}

static int run_review_with(const struct cli *c, struct draft_view *draft) {
  struct sk_panel_def panel = {0};
  struct sk_validator *v = NULL;
  struct sk_prompts prompts;
  struct sk_toolsrc *src = NULL;
  struct sk_engine_opts o;
  struct sk_engine_stats st;
  struct sk_error err;
  struct sk_journal *journal = NULL;
  struct sk_summary summary;
  FILE *log_json = NULL;
  struct sk_events events; /* renders the engine's events (events.h) */
  struct sk_config cfg;
  struct sk_route *routes = NULL;
  struct sk_votes *votes = NULL;
  struct sk_inject *detector = NULL;
  char now_utc[32];
  char ua[64];
  char stamp[32];
  int status = EXIT_ALL_OK;
  int rc;

  memset(&prompts, 0, sizeof(prompts));
  memset(&st, 0, sizeof(st));
  memset(&cfg, 0, sizeof(cfg));
  sk_summary_init(&summary);
  sk_error_clear(&err);
  if (c->outdir == NULL)
    die_usage("review needs an output directory: -o OUTDIR");
  rc = load_panel(c, &panel, &v, &prompts, &err);
  if (rc == 0)
    rc = check_templates(&prompts, &panel, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = EXIT_USAGE;
    goto out;
  }
  routes = calloc(panel.n, sizeof(*routes));
  if (routes == NULL ||
      resolve_routes(c, &cfg, &panel, routes,
                     c->fixture_mode != SK_FIXTURES_REPLAY) != 0) {
    status = EXIT_USAGE;
    goto out;
  }
  if (c->redo != NULL) {
    /* Every name must be a persona of this panel. */
    const char *p = c->redo;
    while (*p != '\0') {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      size_t i;
      int found = 0;
      for (i = 0; i < panel.n; i++)
        if (strlen(panel.personas[i].name) == len &&
            strncmp(panel.personas[i].name, p, len) == 0)
          found = 1;
      if (!found) {
        fprintf(stderr, "shipskip: --redo: the panel has no persona \"%.*s\"\n",
                (int)len, p);
        status = EXIT_USAGE;
        goto out;
      }
      if (comma == NULL)
        break;
      p = comma + 1;
    }
  }
  if (c->budget > 0) {
    size_t i;
    for (i = 0; i < panel.n; i++) {
      if (routes[i].price == NULL) {
        fprintf(stderr,
                "shipskip: --budget needs a price for model \"%s\" (persona "
                "%s): add it under \"prices\" in the config\n",
                routes[i].model, panel.personas[i].name);
        status = EXIT_USAGE;
      }
    }
    if (status != EXIT_ALL_OK)
      goto out;
  }
  if (c->fixture_mode == SK_FIXTURES_REPLAY && !sk_fs_is_dir(c->fixture_dir)) {
    /* Say so before touching OUTDIR (and moving its journal aside). */
    fprintf(stderr,
            "shipskip: %s: fixture directory does not exist (record one with "
            "--record DIR)\n",
            c->fixture_dir);
    status = EXIT_USAGE;
    goto out;
  }
  rc = load_detector(c, &detector, &err);
  if (rc == 0 && c->votes != NULL)
    rc = sk_votes_load(c->votes, &votes, &err);
  if (rc == 0)
    rc = sk_toolsrc_open(c->inputs, c->ninputs, &src, &err);
  if (rc == 0)
    rc = sk_fs_mkdirs(c->outdir, &err);
  if (rc == 0)
    rc = sk_journal_open(c->outdir, c->resume, stderr, &journal, &err);
  if (rc == 0 && c->log_json != NULL) {
    log_json = strcmp(c->log_json, "-") == 0 ? stderr : fopen(c->log_json, "a");
    if (log_json == NULL)
      rc = sk_error_set(&err, SK_EIO, "%s: cannot open --log-json file: %s",
                        c->log_json, strerror(errno));
  }
  if (rc != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = EXIT_USAGE;
    goto out;
  }
  if (c->resume && !c->quiet)
    fprintf(stderr, "shipskip: resuming: %lu reviews in %s/journal.jsonl\n",
            sk_journal_entries(journal), c->outdir);

  sk_engine_opts_init(&o);
  o.panel = &panel;
  o.validator = v;
  o.prompts = &prompts;
  o.routes = routes;
  o.budget_usd = c->budget;
  o.votes = votes;
  o.detector = detector;
  o.refuse_flagged = c->refuse_flagged;
  o.redo = c->redo;
  o.journal_group_sync = c->journal_group_sync;
  o.force = c->force || draft != NULL; /* a draft always asks the panel */
  if (draft != NULL) {
    o.on_review = draft_review_cb;
    o.on_review_ctx = draft;
  }
  {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(now_utc, sizeof(now_utc), "%Y-%m-%dT%H:%M:%SZ", &tm);
    o.now_utc = now_utc;
  }
  o.temperature = c->temperature;
  o.max_tokens = c->max_tokens;
  o.has_seed = c->has_seed;
  o.seed = c->seed;
  o.concurrency = (int)c->concurrency;
  o.max_attempts = (int)c->max_attempts;
  o.max_retries = (int)c->max_retries;
  o.timeout_ms = c->timeout_s * 1000;
  o.max_retry_wait_ms = c->max_retry_wait_s * 1000;
  o.outdir = c->outdir;
  o.progress_ticks = c->progress >= 0 ? c->progress : isatty(STDERR_FILENO);
  snprintf(ua, sizeof(ua), "shipskip/%s", SK_VERSION);
  o.user_agent = ua;
  o.journal = journal;
  o.resume = c->resume;
  o.summary = &summary;
  sk_events_init(&events, stderr, log_json, o.progress_ticks);
  o.on_event = sk_events_cb;
  o.on_event_ctx = &events;
  o.rpm = c->rpm;
  o.tpm = c->tpm;
  o.deadline_ms = c->deadline_ms;
  o.grace_ms = c->grace_s * 1000;
  o.shard_index = c->shard_index;
  o.shard_count = c->shard_count;
  o.handle_signals = 1;
  o.total_estimate =
      o.progress_ticks ? sk_toolsrc_estimate(c->inputs, c->ninputs) : -1;
  o.fixture_mode = c->fixture_mode;
  o.fixture_dir = c->fixture_dir;
  o.stamp_fixtures = c->stamp_fixtures;
  if (c->generated_at) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    o.generated_at = stamp;
  }

  rc = sk_engine_run(src, &o, &st, &err);
  if (st.records_bad > 0 || st.tools_failed > 0 || st.tools_unwritten > 0 ||
      st.record_failures > 0 || st.tools_unfinished > 0 || !st.input_done ||
      st.tools_refused > 0)
    status = EXIT_SOME_FAILED;
  if (rc != SK_ECONFIG) {
    /* The summary is written however the run ended, but for a run that
     * never started: it says what is left. */
    struct sk_error serr;
    sk_error_clear(&serr);
    if (sk_summary_write(&summary, c->outdir, &serr) != 0) {
      fprintf(stderr, "shipskip: %s\n", serr.msg);
      status = EXIT_SOME_FAILED;
    }
  }
  if (rc == SK_ECONFIG) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    status = EXIT_USAGE;
  } else if (rc == SK_ENOENT || rc == SK_EPARSE) {
    /* A replay miss or a corrupt fixture: the fixtures do not cover these
     * inputs, which is a configuration problem, not a model's failure. */
    fprintf(stderr, "shipskip: replay stopped; nothing more was written\n");
    status = EXIT_USAGE;
  } else if (rc != 0) {
    fprintf(stderr, "shipskip: batch stopped: %s\n", err.msg);
    status = EXIT_SOME_FAILED;
  }
  if (!c->quiet) {
    fprintf(stderr,
            "shipskip: %lu tool%s reviewed in full, %lu with failed reviews, "
            "%lu bad record%s; %lu requests, %lu re-asks, %lu retries, %lu "
            "connections; %ld tokens in, %ld out; scorecards in %s\n",
            st.tools_ok, st.tools_ok == 1 ? "" : "s", st.tools_failed,
            st.records_bad, st.records_bad == 1 ? "" : "s", st.requests,
            st.reasks, st.retries, st.connections, st.prompt_tokens,
            st.completion_tokens, c->outdir);
    if (st.tools_uptodate > 0)
      fprintf(stderr,
              "shipskip: %lu tool%s already had a complete scorecard made "
              "from the same inputs: not requested again (--force to redo)\n",
              st.tools_uptodate, st.tools_uptodate == 1 ? "" : "s");
    if (st.tools_flagged + st.tools_refused > 0)
      fprintf(stderr,
              "shipskip: %lu tool%s flagged as possible prompt injection "
              "(%lu reviewed with the flag, %lu refused)\n",
              st.tools_flagged + st.tools_refused,
              st.tools_flagged + st.tools_refused == 1 ? "" : "s",
              st.tools_flagged, st.tools_refused);
    if (st.reviews_resumed > 0)
      fprintf(stderr,
              "shipskip: %lu reviews taken from the journal, not "
              "requested again\n",
              st.reviews_resumed);
  }
  if (st.stopped_by != 0) {
    fprintf(stderr,
            "shipskip: %s before the batch was done: %lu tool%s unfinished%s. "
            "Finished reviews are in %s/journal.jsonl; run the same command "
            "with --resume to review only the rest.\n",
            st.stopped_by == SIGINT           ? "interrupted (SIGINT)"
            : st.stopped_by == SIGTERM        ? "terminated (SIGTERM)"
            : st.stopped_by == SK_STOP_BUDGET ? "budget reached"
                                              : "deadline reached",
            st.tools_unfinished, st.tools_unfinished == 1 ? "" : "s",
            st.input_done ? "" : " and more input unread", c->outdir);
    status = st.stopped_by == SIGINT    ? 130
             : st.stopped_by == SIGTERM ? 143
                                        : EXIT_SOME_FAILED;
  }
out:
  if (log_json != NULL && log_json != stderr && fclose(log_json) != 0) {
    fprintf(stderr, "shipskip: %s: error writing --log-json\n", c->log_json);
    if (status == EXIT_ALL_OK)
      status = EXIT_SOME_FAILED;
  }
  sk_journal_close(journal);
  sk_summary_cleanup(&summary);
  free(routes);
  sk_votes_free(votes);
  sk_inject_free(detector);
  sk_config_cleanup(&cfg);
  sk_toolsrc_free(src);
  sk_prompts_cleanup(&prompts);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return status;
}

static int run_merge(const struct cli *c) {
  struct sk_error err;
  size_t copied = 0;
  sk_error_clear(&err);
  if (sk_merge_outputs(c->inputs, c->ninputs, c->outdir, &copied, &err) != 0) {
    fprintf(stderr, "shipskip: merge: %s\n", err.msg);
    return EXIT_SOME_FAILED;
  }
  if (!c->quiet)
    fprintf(stderr,
            "shipskip: merged %zu directories (%zu scorecard files) "
            "into %s\n",
            c->ninputs, copied, c->outdir);
  return EXIT_ALL_OK;
}

/* ---- compare and site: publishing from scorecard files ---- */

static const char PUBLISH_USAGE[] =
    "usage: shipskip compare A B [--format html|md|json] [-o FILE]\n"
    "                        [--dir OUTDIR] [--votes FILE]\n"
    "       shipskip site OUTDIR [--pairs FILE] [--compare A:B ...]\n"
    "                        [-o SITEDIR] [--votes FILE] [-q]\n"
    "\n"
    "compare: A and B are scorecard JSON files, slugs of scorecards in\n"
    "--dir (default: the current directory), or tool names (any case).\n"
    "Prints the comparison as HTML (default), Markdown or JSON on standard\n"
    "output, or writes it to FILE.\n"
    "\n"
    "site: builds SITEDIR (default OUTDIR/site) from OUTDIR's scorecards:\n"
    "index.html (by panel ship %), by-score.html, by-name.html, index.csv,\n"
    "tools/<slug>.html and compare/<a>-vs-<b>.html for each pair given in\n"
    "--pairs FILE (\"slugA slugB\" per line, # comments) or --compare A:B.\n"
    "\n"
    "--votes FILE: community votes, JSON {\"slug\": {\"ship\": N, \"skip\": "
    "M}}\n"
    "or [{\"slug\", \"ship\", \"skip\"}], or CSV with the header "
    "slug,ship,skip.\n"
    "\n"
    "Exit status: 0 done, 1 a page could not be written or a scorecard was\n"
    "skipped as broken, 2 usage or configuration error.\n";

struct publish_cli {
  const char *args[2]; /* compare: A B; site: OUTDIR */
  size_t nargs;
  const char *format;
  const char *output;
  const char *dir;
  const char *votes;
  const char *pairs_file;
  const char **compare; /* site --compare values */
  size_t ncompare;
  int quiet;
};

/* Parses the options of compare (site = 0) or site (site = 1). */
static void parse_publish_args(int argc, char **argv, int site,
                               struct publish_cli *p) {
  size_t want = site ? 1 : 2;
  int i;

  memset(p, 0, sizeof(*p));
  p->format = "html";
  p->dir = ".";
  p->compare = calloc((size_t)argc, sizeof(*p->compare));
  if (p->compare == NULL) {
    fprintf(stderr, "shipskip: out of memory\n");
    exit(EXIT_USAGE);
  }
  for (i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = NULL;
    const char *eq = strchr(a, '=');
    char opt[64];

    if (a[0] != '-' || strcmp(a, "-") == 0) {
      if (p->nargs == want)
        die_usage("%s takes %s; \"%s\" is one too many",
                  site ? "site" : "compare", site ? "one OUTDIR" : "two tools",
                  a);
      p->args[p->nargs++] = a;
      continue;
    }
    v = split_opt(a, eq, opt, sizeof(opt));
#define FLAG(name) (strcmp(opt, name) == 0)
#define VALUE()                                                                \
  (v != NULL      ? v                                                          \
   : i + 1 < argc ? argv[++i]                                                  \
                  : (die_usage("%s needs a value", opt), (const char *)NULL))
    if (FLAG("-h") || FLAG("--help")) {
      fputs(PUBLISH_USAGE, stdout);
      exit(fclose(stdout) == 0 ? EXIT_ALL_OK : EXIT_USAGE);
    } else if (FLAG("-o") || FLAG("--output"))
      p->output = VALUE();
    else if (FLAG("--votes"))
      p->votes = VALUE();
    else if (!site && FLAG("--format"))
      p->format = VALUE();
    else if (!site && FLAG("--dir"))
      p->dir = VALUE();
    else if (site && FLAG("--pairs"))
      p->pairs_file = VALUE();
    else if (site && FLAG("--compare"))
      p->compare[p->ncompare++] = VALUE();
    else if (FLAG("-q") || FLAG("--quiet"))
      p->quiet = 1;
    else
      die_usage("unknown %s option \"%s\"", site ? "site" : "compare", opt);
#undef FLAG
#undef VALUE
  }
  if (p->nargs != want)
    die_usage("%s", site ? "usage: shipskip site OUTDIR [--pairs FILE] "
                           "[--compare A:B ...] [-o SITEDIR]"
                         : "usage: shipskip compare A B [--format "
                           "html|md|json] [-o FILE] [--dir OUTDIR]");
  if (strcmp(p->format, "html") != 0 && strcmp(p->format, "md") != 0 &&
      strcmp(p->format, "json") != 0)
    die_usage("--format takes html, md or json, not \"%s\"", p->format);
}

/* Writes len bytes to path atomically (temporary file beside it, then
 * rename), or to standard output when path is NULL or "-". */
static int write_output(const char *path, const char *data, size_t len,
                        struct sk_error *err) {
  char dir[PATH_MAX];
  const char *slash;

  if (path == NULL || strcmp(path, "-") == 0) {
    if (fwrite(data, 1, len, stdout) != len)
      return sk_error_set(err, SK_EIO, "error writing standard output");
    return 0;
  }
  slash = strrchr(path, '/');
  if (slash == NULL)
    return sk_fs_write_atomic(".", path, data, len, err);
  if ((size_t)(slash - path) + 1 > sizeof(dir))
    return sk_error_set(err, SK_EINVAL, "%s: path too long", path);
  snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
  return sk_fs_write_atomic(slash == path ? "/" : dir, slash + 1, data, len,
                            err);
}

static void report_skipped_cb(void *ctx, const char *msg) {
  (void)ctx;
  fprintf(stderr, "shipskip: %s\n", msg);
}

static int run_compare(const struct publish_cli *p) {
  struct sk_votes *votes = NULL;
  struct sk_card *a = NULL;
  struct sk_card *b = NULL;
  struct sk_compare cmp;
  struct sk_error err;
  struct sk_buf out;
  int status = EXIT_USAGE;
  int rc;

  memset(&cmp, 0, sizeof(cmp));
  sk_error_clear(&err);
  sk_buf_init(&out, 64 * 1024 * 1024);
  rc = p->votes != NULL ? sk_votes_load(p->votes, &votes, &err) : 0;
  if (rc == 0)
    rc = sk_card_resolve(p->args[0], p->dir, &a, &err);
  if (rc == 0)
    rc = sk_card_resolve(p->args[1], p->dir, &b, &err);
  if (rc == 0 && strcmp(a->slug, b->slug) == 0)
    rc = sk_error_set(&err, SK_EINVAL,
                      "both sides are \"%s\"; compare two tools", a->slug);
  if (rc != 0) {
    fprintf(stderr, "shipskip: compare: %s\n", err.msg);
    goto out;
  }
  sk_card_apply_votes(a, votes);
  sk_card_apply_votes(b, votes);
  status = EXIT_SOME_FAILED;
  rc = sk_compare_build(a, b, &cmp, &err);
  if (rc == 0)
    rc = strcmp(p->format, "json") == 0 ? sk_compare_json(&cmp, &out, &err)
         : strcmp(p->format, "md") == 0
             ? sk_compare_markdown(&cmp, &out, &err)
             : sk_compare_html(&cmp, NULL, &out, &err);
  if (rc == 0)
    rc = write_output(p->output, sk_buf_str(&out), out.len, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: compare: %s\n", err.msg);
    goto out;
  }
  status = EXIT_ALL_OK;
out:
  sk_compare_cleanup(&cmp);
  sk_card_free(a);
  sk_card_free(b);
  sk_votes_free(votes);
  sk_buf_cleanup(&out);
  return status;
}

static int run_site(const struct publish_cli *p) {
  struct sk_votes *votes = NULL;
  struct sk_site_pairs pairs = {0};
  struct sk_site_opts o;
  struct sk_site_stats st;
  struct sk_error err;
  char sitedir[PATH_MAX];
  char *text = NULL;
  size_t len = 0;
  size_t i;
  int status = EXIT_USAGE;
  int rc = 0;

  sk_error_clear(&err);
  memset(&st, 0, sizeof(st));
  if (p->output != NULL)
    snprintf(sitedir, sizeof(sitedir), "%s", p->output);
  else if (join3(sitedir, sizeof(sitedir), p->args[0], "/", "site") != 0)
    die_usage("OUTDIR path too long");
  if (!sk_fs_is_dir(p->args[0])) {
    fprintf(stderr,
            "shipskip: site: %s is not a directory of scorecards (run "
            "shipskip review ... -o %s first)\n",
            p->args[0], p->args[0]);
    return EXIT_USAGE;
  }
  if (p->votes != NULL)
    rc = sk_votes_load(p->votes, &votes, &err);
  if (rc == 0 && p->pairs_file != NULL) {
    rc = sk_fs_read_file(p->pairs_file, 16 * 1024 * 1024, &text, &len, &err);
    if (rc == 0)
      rc = sk_site_pairs_parse(&pairs, text, len, p->pairs_file, &err);
  }
  for (i = 0; rc == 0 && i < p->ncompare; i++)
    rc = sk_site_pairs_add_arg(&pairs, p->compare[i], &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: site: %s\n", err.msg);
    goto out;
  }
  memset(&o, 0, sizeof(o));
  o.indir = p->args[0];
  o.sitedir = sitedir;
  o.votes = votes;
  o.pairs = &pairs;
  o.report = report_skipped_cb;
  rc = sk_site_build(&o, &st, &err);
  if (rc != 0) {
    fprintf(stderr, "shipskip: site: %s\n", err.msg);
    status =
        rc == SK_ECONFIG || rc == SK_ENOENT ? EXIT_USAGE : EXIT_SOME_FAILED;
    goto out;
  }
  status = st.bad > 0 ? EXIT_SOME_FAILED : EXIT_ALL_OK;
  if (!p->quiet)
    fprintf(stderr,
            "shipskip: site in %s: %zu tool page%s, %zu comparison%s, "
            "index.html (by-score.html, by-name.html), index.csv%s\n",
            sitedir, st.tools, st.tools == 1 ? "" : "s", st.comparisons,
            st.comparisons == 1 ? "" : "s",
            st.bad > 0 ? "; some scorecards were skipped (above)" : "");
out:
  free(text);
  sk_site_pairs_cleanup(&pairs);
  sk_votes_free(votes);
  return status;
}

/* Runs `shipskip compare` or `shipskip site`: no network, no panel, only
 * scorecard files in and pages out. */
static int run_publish(int argc, char **argv) {
  struct publish_cli p;
  int site = strcmp(argv[1], "site") == 0;
  int status;

  parse_publish_args(argc, argv, site, &p);
  status = site ? run_site(&p) : run_compare(&p);
  free(p.compare);
  if (ferror(stdout) || fclose(stdout) != 0) {
    fprintf(stderr, "shipskip: error writing standard output\n");
    if (status == EXIT_ALL_OK)
      status = EXIT_SOME_FAILED;
  }
  return status;
}

/* ---- apply, diff, personas: the editor's desk, on scorecard files ---- */

static const char EDITOR_USAGE[] =
    "usage: shipskip apply OUTDIR/SLUG.md... [--no-rubric] [--dry-run]\n"
    "                      [--personas-dir DIR] [--min-words N] "
    "[--max-words N] [-q]\n"
    "       shipskip diff A.json B.json [--format text|json]\n"
    "                     [--color auto|always|never]\n"
    "       shipskip diff A.json --history [N] [--format ...] [--color ...]\n"
    "       shipskip personas list [--personas-dir DIR]\n"
    "       shipskip personas check FILE [--samples DIR]...\n"
    "\n"
    "apply: takes an edited draft back into the scorecard beside it\n"
    "(SLUG.json): scores, verdicts and paragraphs, each checked as a model's\n"
    "reply is (--no-rubric: score, verdict and length only). Every problem\n"
    "is printed as FILE:LINE: message and nothing is written. Exit 0\n"
    "applied (or nothing to apply), 1 problems found, 2 usage or a file\n"
    "that cannot be read.\n"
    "\n"
    "diff: what changed from A to B: the panel, each reviewer's score and\n"
    "verdict, the words of changed paragraphs ([-deleted-] {+inserted+}).\n"
    "--history N compares A before its history entry N (1 = the oldest;\n"
    "default the last) with A now.\n"
    "\n"
    "personas list: the panel in order. personas check: parses a persona\n"
    "file, compiles its rubric, and runs it over sample reviews (default:\n"
    "tests/data/reviews and fixtures/reviews); exit 2 if the file is bad.\n";

static const char *editor_command = "apply"; /* for usage messages */

static void editor_usage(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

static void editor_usage(const char *fmt, ...) {
  va_list ap;
  fputs("shipskip: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'shipskip %s --help'.\n", editor_command);
  exit(EXIT_USAGE);
}

/* One editor option: "--opt value" or "--opt=value". Returns 1 and sets
 * *v when argv[*i] is the option name, advancing *i past a separate value;
 * a missing value is a usage error. */
static int editor_opt(int argc, char **argv, int *i, const char *name,
                      const char **v) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0)
    return 0;
  if (a[n] == '=') {
    *v = a + n + 1;
    return 1;
  }
  if (a[n] != '\0')
    return 0;
  if (*i + 1 >= argc)
    editor_usage("%s needs a value", name);
  *v = argv[++*i];
  return 1;
}

static void editor_now(char *buf, size_t size) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
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

static int run_apply(int argc, char **argv) {
  struct sk_panel_def panel = {NULL, 0};
  struct sk_apply_opts o;
  struct sk_error err;
  const char **files = calloc((size_t)argc, sizeof(*files));
  const char *personas_dir = NULL;
  char dirbuf[PATH_MAX];
  char now[32];
  size_t nfiles = 0;
  size_t k;
  int quiet = 0;
  int status = EXIT_ALL_OK;
  int i;

  if (files == NULL)
    editor_usage("out of memory");
  memset(&o, 0, sizeof(o));
  for (i = 2; i < argc; i++) {
    const char *v = NULL;
    if (argv[i][0] != '-') {
      files[nfiles++] = argv[i];
    } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(EDITOR_USAGE, stdout);
      free(files);
      return EXIT_ALL_OK;
    } else if (strcmp(argv[i], "--no-rubric") == 0) {
      o.no_rubric = 1;
    } else if (strcmp(argv[i], "--dry-run") == 0) {
      o.dry_run = 1;
    } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
      quiet = 1;
    } else if (editor_opt(argc, argv, &i, "--personas-dir", &v)) {
      personas_dir = v;
    } else if (editor_opt(argc, argv, &i, "--min-words", &v)) {
      o.min_words = (int)parse_long("--min-words", v, 1, 100000);
    } else if (editor_opt(argc, argv, &i, "--max-words", &v)) {
      o.max_words = (int)parse_long("--max-words", v, 1, 100000);
    } else {
      editor_usage("unknown apply option \"%s\"", argv[i]);
    }
  }
  if (nfiles == 0)
    editor_usage("usage: shipskip apply OUTDIR/SLUG.md... [--no-rubric]");
  if (personas_dir == NULL)
    personas_dir = data_dir("personas", dirbuf, sizeof(dirbuf));
  sk_error_clear(&err);
  if (sk_panel_def_load(personas_dir, NULL, &panel, &err) != 0) {
    if (!o.no_rubric) {
      fprintf(stderr, "shipskip: apply: %s\n", err.msg);
      free(files);
      return EXIT_USAGE;
    }
    /* Lengths, scores and verdicts need no persona file. */
    sk_panel_def_cleanup(&panel);
  }
  editor_now(now, sizeof(now));
  o.panel = panel.n > 0 ? &panel : NULL;
  o.now_utc = now;
  for (k = 0; k < nfiles; k++) {
    struct sk_apply_result res;
    size_t j;
    int rc;
    sk_error_clear(&err);
    rc = sk_apply_file(files[k], &o, &res, &err);
    for (j = 0; j < res.nproblems; j++)
      fprintf(stderr, "%s\n", res.problems[j]);
    if (rc == 0 && !quiet) {
      print_apply_result(files[k], &res, o.dry_run);
    } else if (rc == SK_EREPLY) {
      fprintf(stderr, "shipskip: apply: %s not applied: nothing changed\n",
              files[k]);
      if (status == EXIT_ALL_OK)
        status = EXIT_SOME_FAILED;
    } else if (rc != 0) {
      fprintf(stderr, "shipskip: apply: %s\n", err.msg);
      /* Changes in hand mean the files were read and checked: the write
       * failed. Anything else is a file that could not be read. */
      if (res.nchanges > 0) {
        if (status == EXIT_ALL_OK)
          status = EXIT_SOME_FAILED;
      } else {
        status = EXIT_USAGE;
      }
    }
    sk_apply_result_cleanup(&res);
  }
  sk_panel_def_cleanup(&panel);
  free(files);
  return status;
}

static int run_diff(int argc, char **argv) {
  struct sk_scorefile a;
  struct sk_scorefile b;
  struct sk_diff_opts o;
  struct sk_error err;
  struct sk_buf out;
  const char *files[2] = {NULL, NULL};
  const char *color = "auto";
  const char *format = "text";
  char label[PATH_MAX + 160];
  size_t nfiles = 0;
  long history = -1; /* -1: not asked; 0: the last entry; else 1-based */
  int status = EXIT_USAGE;
  int i;
  int rc;

  for (i = 2; i < argc; i++) {
    const char *v = NULL;
    if (argv[i][0] != '-') {
      if (nfiles == 2)
        editor_usage("diff takes two scorecards, or one and --history");
      files[nfiles++] = argv[i];
    } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(EDITOR_USAGE, stdout);
      return EXIT_ALL_OK;
    } else if (strncmp(argv[i], "--history=", 10) == 0) {
      history = parse_long("--history", argv[i] + 10, 1, 1000000);
    } else if (strcmp(argv[i], "--history") == 0) {
      /* The entry number is optional: take the next argument only when it
       * is a number. */
      history = 0;
      if (i + 1 < argc && argv[i + 1][0] >= '0' && argv[i + 1][0] <= '9')
        history = parse_long("--history", argv[++i], 1, 1000000);
    } else if (editor_opt(argc, argv, &i, "--format", &v)) {
      format = v;
    } else if (editor_opt(argc, argv, &i, "--color", &v)) {
      color = v;
    } else {
      editor_usage("unknown diff option \"%s\"", argv[i]);
    }
  }
  if ((history < 0 && nfiles != 2) || (history >= 0 && nfiles != 1))
    editor_usage("usage: shipskip diff A.json B.json, or shipskip diff "
                 "A.json --history [N]");
  if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
    editor_usage("--format takes text or json, not \"%s\"", format);
  if (strcmp(color, "auto") != 0 && strcmp(color, "always") != 0 &&
      strcmp(color, "never") != 0)
    editor_usage("--color takes auto, always or never, not \"%s\"", color);
  memset(&o, 0, sizeof(o));
  o.format = strcmp(format, "json") == 0 ? SK_DIFF_JSON : SK_DIFF_TEXT;
  o.color = strcmp(color, "always") == 0 ||
            (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) &&
             getenv("NO_COLOR") == NULL &&
             (getenv("TERM") == NULL || strcmp(getenv("TERM"), "dumb") != 0));
  sk_error_clear(&err);
  sk_buf_init(&out, 256u * 1024 * 1024);
  memset(&b, 0, sizeof(b));
  rc = sk_scorefile_load(files[0], &a, &err);
  if (rc == 0 && history < 0) {
    rc = sk_scorefile_load(files[1], &b, &err);
    o.label_a = files[0];
    o.label_b = files[1];
  } else if (rc == 0) {
    /* A is the file rewound to before the entry; B the file as it is. */
    size_t count = sk_scorefile_history_count(&a);
    size_t entry = history == 0 && count > 0 ? count - 1 : (size_t)history - 1;
    const cJSON *e;
    if (count == 0) {
      rc = sk_error_set(&err, SK_EINVAL, "%s has no history to compare with",
                        files[0]);
    } else if (history > 0 && (size_t)history > count) {
      rc = sk_error_set(&err, SK_EINVAL,
                        "%s has %zu history entr%s; --history takes 1 to %zu",
                        files[0], count, count == 1 ? "y" : "ies", count);
    } else {
      const cJSON *p;
      const cJSON *w;
      const cJSON *r;
      e = sk_scorefile_history_entry(&a, entry);
      p = cJSON_GetObjectItemCaseSensitive(e, "persona");
      w = cJSON_GetObjectItemCaseSensitive(e, "replaced_at");
      r = cJSON_GetObjectItemCaseSensitive(e, "reason");
      snprintf(label, sizeof(label),
               "%s before history entry %zu (%s, %s at %s)", files[0],
               entry + 1, cJSON_IsString(p) ? p->valuestring : "?",
               cJSON_IsString(r) ? r->valuestring : "changed",
               cJSON_IsString(w) ? w->valuestring : "?");
      rc = sk_scorefile_load(files[0], &b, &err);
      if (rc == 0)
        rc = sk_scorefile_rewind(&a, entry, &err);
      o.label_a = label;
      o.label_b = files[0];
    }
  }
  if (rc == 0)
    rc = sk_diff_render(&a, &b, &o, &out, &err);
  if (rc == 0 && fwrite(sk_buf_str(&out), 1, out.len, stdout) != out.len)
    rc = sk_error_set(&err, SK_EIO, "error writing standard output");
  if (rc != 0)
    fprintf(stderr, "shipskip: diff: %s\n", err.msg);
  else
    status = EXIT_ALL_OK;
  sk_buf_cleanup(&out);
  sk_scorefile_cleanup(&a);
  sk_scorefile_cleanup(&b);
  return status;
}

static int run_personas(int argc, char **argv) {
  const char *personas_dir = NULL;
  const char **samples = calloc((size_t)argc + 2, sizeof(*samples));
  const char *file = NULL;
  char dirbuf[PATH_MAX];
  char sbuf[2][PATH_MAX];
  struct sk_error err;
  struct sk_buf out;
  size_t nsamples = 0;
  int check;
  int status = EXIT_USAGE;
  int rc;
  int i;

  if (samples == NULL)
    editor_usage("out of memory");
  if (argc < 3 ||
      (strcmp(argv[2], "list") != 0 && strcmp(argv[2], "check") != 0)) {
    free(samples);
    if (argc >= 3 &&
        (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
      fputs(EDITOR_USAGE, stdout);
      return EXIT_ALL_OK;
    }
    editor_usage("usage: shipskip personas list | personas check FILE");
  }
  check = strcmp(argv[2], "check") == 0;
  for (i = 3; i < argc; i++) {
    const char *v = NULL;
    if (argv[i][0] != '-' && check && file == NULL)
      file = argv[i];
    else if (!check && editor_opt(argc, argv, &i, "--personas-dir", &v))
      personas_dir = v;
    else if (check && editor_opt(argc, argv, &i, "--samples", &v))
      samples[nsamples++] = v;
    else
      editor_usage("unexpected personas %s argument \"%s\"", argv[2], argv[i]);
  }
  if (check && file == NULL)
    editor_usage("usage: shipskip personas check FILE [--samples DIR]");
  sk_error_clear(&err);
  sk_buf_init(&out, 64u * 1024 * 1024);
  if (check) {
    struct sk_roster_stats st;
    if (nsamples == 0) {
      samples[nsamples++] =
          data_dir("tests/data/reviews", sbuf[0], sizeof(sbuf[0]));
      samples[nsamples++] =
          data_dir("fixtures/reviews", sbuf[1], sizeof(sbuf[1]));
    }
    rc = sk_roster_check(file, samples, nsamples, &out, &st, &err);
  } else {
    struct sk_panel_def panel = {NULL, 0};
    if (personas_dir == NULL)
      personas_dir = data_dir("personas", dirbuf, sizeof(dirbuf));
    rc = sk_panel_def_load(personas_dir, NULL, &panel, &err);
    if (rc == 0 && sk_roster_list(&panel, &out) != 0)
      rc = sk_error_set(&err, SK_ENOMEM, "out of memory");
    sk_panel_def_cleanup(&panel);
  }
  if (rc == 0 && fwrite(sk_buf_str(&out), 1, out.len, stdout) != out.len)
    rc = sk_error_set(&err, SK_EIO, "error writing standard output");
  if (rc != 0)
    fprintf(stderr, "shipskip: personas %s: %s\n", argv[2], err.msg);
  else
    status = EXIT_ALL_OK;
  sk_buf_cleanup(&out);
  free(samples);
  return status;
}

/* Runs `shipskip apply`, `diff` or `personas`: files in, files or a report
 * out; no network. */
static int run_editor(int argc, char **argv) {
  int status;
  editor_command = argv[1];
  status = strcmp(argv[1], "apply") == 0  ? run_apply(argc, argv)
           : strcmp(argv[1], "diff") == 0 ? run_diff(argc, argv)
                                          : run_personas(argc, argv);
  if (ferror(stdout) || fclose(stdout) != 0) {
    fprintf(stderr, "shipskip: error writing standard output\n");
    if (status == EXIT_ALL_OK)
      status = EXIT_SOME_FAILED;
  }
  return status;
}

int main(int argc, char **argv) {
  struct cli c;
  struct sk_error err;
  int status;

  if (argc >= 2 &&
      (strcmp(argv[1], "compare") == 0 || strcmp(argv[1], "site") == 0))
    return run_publish(argc, argv);
  if (argc >= 2 &&
      (strcmp(argv[1], "apply") == 0 || strcmp(argv[1], "diff") == 0 ||
       strcmp(argv[1], "personas") == 0))
    return run_editor(argc, argv);
  parse_args(argc, argv, &c);
  sk_error_clear(&err);
  if (sk_http_global_init(&err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    free(c.inputs);
    return EXIT_USAGE;
  }
  if (strcmp(c.command, "prompts") == 0)
    status = run_prompts(&c);
  else if (strcmp(c.command, "fixtures") == 0)
    status = run_fixtures(&c);
  else if (strcmp(c.command, "merge") == 0)
    status = run_merge(&c);
  else if (strcmp(c.command, "config") == 0)
    status = run_config_check(&c);
  else if (strcmp(c.command, "draft") == 0)
    status = run_draft(&c);
  else
    status = run_review(&c);
  sk_http_global_cleanup();
  free(c.inputs);
  /* A full disk or closed pipe on stdout is an error, not a silent loss. */
  if (ferror(stdout) || fclose(stdout) != 0) {
    fprintf(stderr, "shipskip: error writing standard output\n");
    if (status == EXIT_ALL_OK)
      status = EXIT_SOME_FAILED;
  }
  return status;
}
