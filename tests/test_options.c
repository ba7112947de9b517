/* test_options.c: the option parser every command uses (src/cli/options.h).
 *
 * One options struct and one set with every type: each form of giving a
 * value ("--opt value", "--opt=value", "-o value", "-oVALUE"), "--" and "-"
 * as operands, bounds with messages naming the option and the bound, enum
 * words, comma lists, repeatable options, an optional value, custom
 * setters, "did you mean", a missing value, a value given to a flag, a
 * single-valued option given twice, help, and the help text itself.
 */
#include "harness.h"

#include "cli.h"
#include "options.h"

#include <stddef.h>

struct t_args {
  const char *out;
  int quiet;
  int concurrency;
  long timeout_ms;
  double temp;
  int mode;
  const char *names;
  struct sk_opt_strings compare;
  long history;
  int custom_calls;
  const char *custom;
};

static const char *const MODES[] = {"record", "replay", "new", NULL};

static int set_custom(void *dst, const struct sk_opt *opt, const char *value,
                      struct sk_error *err) {
  struct t_args *a = dst;
  (void)opt;
  if (strcmp(value, "bad") == 0)
    return sk_error_set(err, SK_EINVAL, "--custom does not take bad");
  a->custom_calls++;
  a->custom = value;
  return 0;
}

#define OFF(f) offsetof(struct t_args, f)
static const struct sk_opt MAIN[] = {
    {.name = "output",
     .short_name = 'o',
     .type = SK_OPT_STRING,
     .metavar = "DIR",
     .help = "where it goes",
     .offset = OFF(out)},
    {.name = "quiet",
     .short_name = 'q',
     .type = SK_OPT_FLAG,
     .help = "say less",
     .offset = OFF(quiet),
     .lmin = 1},
    {.name = "concurrency",
     .type = SK_OPT_INT,
     .metavar = "N",
     .help = "requests in flight",
     .offset = OFF(concurrency),
     .lmin = 1,
     .lmax = 4096,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "timeout",
     .type = SK_OPT_LONG,
     .metavar = "SEC",
     .help = "per request",
     .offset = OFF(timeout_ms),
     .lmin = 1,
     .lmax = 86400,
     .scale = 1000,
     .flags = SK_OPT_SHOW_DEFAULT},
    {.name = "temperature",
     .type = SK_OPT_DOUBLE,
     .metavar = "T",
     .help = "sampling",
     .offset = OFF(temp),
     .dmin = 0,
     .dmax = 2,
     .default_text = "the persona's"},
};
static const struct sk_opt MORE[] = {
    {.name = "mode",
     .type = SK_OPT_ENUM,
     .help = "fixture mode",
     .offset = OFF(mode),
     .lmin = 1,
     .words = MODES},
    {.name = "personas",
     .type = SK_OPT_LIST,
     .metavar = "a,b",
     .help = "a subset",
     .offset = OFF(names)},
    {.name = "compare",
     .type = SK_OPT_MULTI,
     .metavar = "A:B",
     .help = "repeatable",
     .offset = OFF(compare)},
    {.name = "history",
     .type = SK_OPT_LONG,
     .metavar = "N",
     .help = "an entry",
     .offset = OFF(history),
     .lmin = 1,
     .lmax = 100,
     .flags = SK_OPT_VALUE_OPTIONAL,
     .absent = 0},
    {.name = "custom",
     .type = SK_OPT_CUSTOM,
     .metavar = "X",
     .help = "set by a setter",
     .set = set_custom},
};
static const struct sk_opt_group G_MAIN = {NULL, MAIN, 5};
static const struct sk_opt_group G_MORE = {"more", MORE, 5};
static const struct sk_opt_group *const GROUPS[] = {&G_MAIN, &G_MORE};
static const struct sk_opt_set SET = {NULL, GROUPS, 2};
static const struct sk_opt_set SCOPED = {"compare", GROUPS, 2};

static struct t_args args;
static struct sk_opt_operands ops;
static struct sk_error err;

/* Parses a NULL-terminated argument list into the globals above, starting
 * from the defaults; returns the parser's code. */
static int parse_set(const struct sk_opt_set *set, const char **list) {
  char *argv[32];
  int argc = 0;
  sk_opt_strings_cleanup(&args.compare);
  sk_opt_operands_cleanup(&ops);
  memset(&args, 0, sizeof(args));
  args.concurrency = 8;
  args.timeout_ms = 120000;
  args.temp = -1;
  args.history = -1;
  sk_error_clear(&err);
  while (list[argc] != NULL) {
    argv[argc] = (char *)(size_t)list[argc];
    argc++;
  }
  return sk_opts_parse(set, argc, argv, &args, &ops, &err);
}

#define PARSE(...) parse_set(&SET, (const char *[]){__VA_ARGS__, NULL})

TEST(every_form_of_a_value) {
  ASSERT_INT_EQ(PARSE("--output", "a"), 0);
  ASSERT_STR_EQ(args.out, "a");
  ASSERT_INT_EQ(PARSE("--output=b"), 0);
  ASSERT_STR_EQ(args.out, "b");
  ASSERT_INT_EQ(PARSE("-o", "c"), 0);
  ASSERT_STR_EQ(args.out, "c");
  ASSERT_INT_EQ(PARSE("-od"), 0);
  ASSERT_STR_EQ(args.out, "d");
  ASSERT_INT_EQ(PARSE("--output="), 0); /* an empty value is a value */
  ASSERT_STR_EQ(args.out, "");
  ASSERT_INT_EQ(PARSE("--output", "-q"), 0); /* the next argument, always */
  ASSERT_STR_EQ(args.out, "-q");
  ASSERT_INT_EQ(args.quiet, 0);
}

TEST(operands_dash_and_double_dash) {
  ASSERT_INT_EQ(PARSE("x", "-", "-q", "y", "--", "--output", "-z"), 0);
  ASSERT_INT_EQ(args.quiet, 1);
  ASSERT(args.out == NULL);
  ASSERT_INT_EQ(ops.n, 5);
  ASSERT_STR_EQ(ops.v[0], "x");
  ASSERT_STR_EQ(ops.v[1], "-");
  ASSERT_STR_EQ(ops.v[2], "y");
  ASSERT_STR_EQ(ops.v[3], "--output");
  ASSERT_STR_EQ(ops.v[4], "-z");
  ASSERT_INT_EQ(PARSE("--", "--help"), 0);
  ASSERT_INT_EQ(ops.n, 1);
}

TEST(numbers_and_bounds) {
  ASSERT_INT_EQ(PARSE("--concurrency", "32", "--timeout=5"), 0);
  ASSERT_INT_EQ(args.concurrency, 32);
  ASSERT_INT_EQ(args.timeout_ms, 5000); /* scaled: seconds to ms */
  ASSERT_INT_EQ(PARSE("--concurrency", "0"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--concurrency: 0 is below the minimum 1");
  ASSERT_INT_EQ(PARSE("--concurrency=5000"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--concurrency: 5000 is above the maximum 4096");
  ASSERT_INT_EQ(PARSE("--concurrency", "8x"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg,
                "--concurrency takes a whole number from 1 to 4096, not "
                "\"8x\"");
  ASSERT_INT_EQ(PARSE("--concurrency", "99999999999999999999"), SK_EINVAL);
  ASSERT_CONTAINS(err.msg, "--concurrency takes a whole number");
  ASSERT_INT_EQ(PARSE("--temperature", "0.7"), 0);
  ASSERT(args.temp > 0.69 && args.temp < 0.71);
  ASSERT_INT_EQ(PARSE("--temperature", "2.5"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--temperature: 2.5 is above the maximum 2");
  ASSERT_INT_EQ(PARSE("--temperature", "-1"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--temperature: -1 is below the minimum 0");
  ASSERT_INT_EQ(PARSE("--temperature", "nan"), SK_EINVAL);
  ASSERT_CONTAINS(err.msg, "--temperature takes a number from 0 to 2");
}

TEST(enum_words) {
  ASSERT_INT_EQ(PARSE("--mode", "record"), 0);
  ASSERT_INT_EQ(args.mode, 1); /* lmin + index */
  ASSERT_INT_EQ(PARSE("--mode=new"), 0);
  ASSERT_INT_EQ(args.mode, 3);
  ASSERT_INT_EQ(PARSE("--mode", "sometimes"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg,
                "--mode takes record, replay or new, not \"sometimes\"");
}

TEST(comma_lists_and_repeatable_options) {
  ASSERT_INT_EQ(PARSE("--personas", "builder,skeptic"), 0);
  ASSERT_STR_EQ(args.names, "builder,skeptic");
  ASSERT_INT_EQ(PARSE("--personas", ",,"), SK_EINVAL);
  ASSERT_CONTAINS(err.msg, "--personas takes a comma list of names");
  ASSERT_INT_EQ(PARSE("--personas="), SK_EINVAL);
  ASSERT_INT_EQ(PARSE("--compare", "a:b", "--compare=c:d", "--compare", "e:f"),
                0);
  ASSERT_INT_EQ(args.compare.n, 3);
  ASSERT_STR_EQ(args.compare.v[0], "a:b");
  ASSERT_STR_EQ(args.compare.v[1], "c:d");
  ASSERT_STR_EQ(args.compare.v[2], "e:f");
}

TEST(repeated_single_valued_option) {
  ASSERT_INT_EQ(PARSE("--output", "a", "-o", "b"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--output given twice; give it once");
  ASSERT_INT_EQ(PARSE("--concurrency=2", "--concurrency=2"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--concurrency given twice; give it once");
  /* A flag may be repeated: it says the same thing again. */
  ASSERT_INT_EQ(PARSE("-q", "--quiet"), 0);
  ASSERT_INT_EQ(args.quiet, 1);
}

TEST(missing_value_and_value_to_a_flag) {
  ASSERT_INT_EQ(PARSE("x", "--output"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--output needs a value (DIR)");
  ASSERT_INT_EQ(PARSE("-o"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "-o needs a value (DIR)");
  ASSERT_INT_EQ(PARSE("--quiet=yes"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--quiet takes no value");
  ASSERT_INT_EQ(PARSE("-qx"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "-q takes no value");
}

TEST(unknown_options_and_did_you_mean) {
  ASSERT_INT_EQ(PARSE("--concurency", "3"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg,
                "unknown option \"--concurency\"; did you mean --concurrency?");
  ASSERT_INT_EQ(PARSE("--outptu=x"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "unknown option \"--outptu\"; did you mean --output?");
  ASSERT_INT_EQ(PARSE("--budget", "5"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "unknown option \"--budget\"");
  ASSERT_INT_EQ(PARSE("-x"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "unknown option \"-x\"");
  /* "--o" is not -o: a long option is spelled out. */
  ASSERT_INT_EQ(PARSE("--o", "x"), SK_EINVAL);
  ASSERT_INT_EQ(parse_set(&SCOPED, (const char *[]){"a", "b", "--bogus", NULL}),
                SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "unknown compare option \"--bogus\"");
  ASSERT_STR_EQ(sk_opts_suggest(&SET, "tiemout"), "timeout");
  ASSERT(sk_opts_suggest(&SET, "zzzzzzzz") == NULL);
  ASSERT(sk_opts_suggest(&SET, "x") == NULL);
}

TEST(optional_value) {
  ASSERT_INT_EQ(PARSE("a", "--history"), 0);
  ASSERT_INT_EQ(args.history, 0);
  ASSERT_INT_EQ(PARSE("--history", "3", "a"), 0);
  ASSERT_INT_EQ(args.history, 3);
  ASSERT_INT_EQ(ops.n, 1);
  ASSERT_INT_EQ(PARSE("--history", "a"), 0); /* not a number: an operand */
  ASSERT_INT_EQ(args.history, 0);
  ASSERT_INT_EQ(ops.n, 1);
  ASSERT_INT_EQ(PARSE("--history=0"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--history: 0 is below the minimum 1");
  ASSERT_INT_EQ(PARSE("a"), 0);
  ASSERT_INT_EQ(args.history, -1);
}

TEST(custom_setter) {
  ASSERT_INT_EQ(PARSE("--custom", "good"), 0);
  ASSERT_INT_EQ(args.custom_calls, 1);
  ASSERT_STR_EQ(args.custom, "good");
  ASSERT_INT_EQ(PARSE("--custom=bad"), SK_EINVAL);
  ASSERT_STR_EQ(err.msg, "--custom does not take bad");
}

TEST(help_is_asked_for) {
  ASSERT_INT_EQ(PARSE("x", "--help", "--bogus"), SK_OPT_HELP);
  ASSERT_INT_EQ(PARSE("-h"), SK_OPT_HELP);
  ASSERT_INT_EQ(PARSE("--bogus", "--help"), SK_EINVAL);
}

TEST(help_text_from_the_table) {
  struct sk_buf out;
  struct t_args defaults;
  char def[32];
  memset(&defaults, 0, sizeof(defaults));
  defaults.concurrency = 8;
  defaults.timeout_ms = 120000;
  sk_buf_init(&out, 1 << 16);
  ASSERT_INT_EQ(sk_opts_help(&SET, &defaults, &out), 0);
  ASSERT_CONTAINS(sk_buf_str(&out), "  -o, --output DIR");
  ASSERT_CONTAINS(sk_buf_str(&out), "requests in flight (default 8)\n");
  ASSERT_CONTAINS(sk_buf_str(&out), "per request (default 120)\n");
  ASSERT_CONTAINS(sk_buf_str(&out), "sampling (default the persona's)\n");
  ASSERT_CONTAINS(sk_buf_str(&out), "\nmore:\n");
  ASSERT_CONTAINS(sk_buf_str(&out), "--mode record|replay|new");
  ASSERT_CONTAINS(sk_buf_str(&out), "--history [N]");
  sk_opt_default(&MAIN[2], &defaults, def, sizeof(def));
  ASSERT_STR_EQ(def, "8");
  sk_opt_default(&MAIN[0], &defaults, def, sizeof(def));
  ASSERT_STR_EQ(def, "");
  ASSERT(sk_opts_find(&SET, "o") == &MAIN[0]);
  ASSERT(sk_opts_find(&SET, "compare") == &MORE[2]);
  sk_buf_cleanup(&out);
}

/* Checks one command's option set: every option named, explained and
 * typed completely enough to print help, a man page or completions from,
 * and no long name or short letter twice. */
static void check_set(const char *cmd, const struct sk_opt_set *set) {
  const struct sk_opt *all[160];
  size_t n = 0;
  size_t g;
  size_t k;
  size_t j;
  for (g = 0; g < set->ngroups; g++) {
    for (k = 0; k < set->groups[g]->n && n < 160; k++)
      all[n++] = &set->groups[g]->opts[k];
  }
  if (n > 128)
    TH_FAIL("%s: %zu options, more than the parser tracks", cmd, n);
  for (k = 0; k < n; k++) {
    const struct sk_opt *o = all[k];
    if (o->name == NULL || o->name[0] == '\0' || o->name[1] == '\0' ||
        o->help == NULL || o->help[0] == '\0')
      TH_FAIL("%s: option %zu has no long name or no help", cmd, k);
    if (o->type != SK_OPT_FLAG && o->type != SK_OPT_ENUM && o->metavar == NULL)
      TH_FAIL("%s: --%s takes a value but has no metavar", cmd, o->name);
    if (o->type == SK_OPT_ENUM && (o->words == NULL || o->words[0] == NULL))
      TH_FAIL("%s: --%s is an enum without words", cmd, o->name);
    if (o->type == SK_OPT_CUSTOM && o->set == NULL)
      TH_FAIL("%s: --%s has no setter", cmd, o->name);
    if ((o->type == SK_OPT_INT || o->type == SK_OPT_LONG) && o->lmin > o->lmax)
      TH_FAIL("%s: --%s has bounds the wrong way", cmd, o->name);
    if (o->type == SK_OPT_DOUBLE && !(o->dmin <= o->dmax))
      TH_FAIL("%s: --%s has bounds the wrong way", cmd, o->name);
    if ((o->flags & SK_OPT_VALUE_OPTIONAL) && o->type != SK_OPT_LONG)
      TH_FAIL("%s: --%s: an optional value must be a long", cmd, o->name);
    for (j = 0; j < k; j++) {
      if (strcmp(all[j]->name, o->name) == 0)
        TH_FAIL("%s: --%s twice", cmd, o->name);
      if (o->short_name != 0 && all[j]->short_name == o->short_name)
        TH_FAIL("%s: -%c twice", cmd, o->short_name);
    }
  }
}

TEST(command_tables_are_complete) {
  size_t i;
  size_t s;
  ASSERT(sk_cli_ncommands >= 11);
  for (i = 0; i < sk_cli_ncommands; i++) {
    const struct sk_cli_cmd *c = sk_cli_commands[i];
    ASSERT(c->name != NULL && c->summary != NULL && c->usage != NULL);
    ASSERT(sk_cli_find(c->name) == c);
    ASSERT((c->run != NULL) != (c->nsubs > 0));
    if (c->opts != NULL) {
      check_set(c->name, c->opts);
      if (th_failed_now)
        return;
    }
    for (s = 0; s < c->nsubs; s++) {
      const struct sk_cli_cmd *sub = &c->subs[s];
      ASSERT(sub->name != NULL && sub->summary != NULL && sub->run != NULL);
      if (sub->opts != NULL) {
        check_set(sub->name, sub->opts);
        if (th_failed_now)
          return;
      }
    }
  }
  ASSERT(sk_cli_find("reveiw") == NULL);
}

TEST(command_help_shows_engine_defaults) {
  struct sk_buf out;
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(sk_cli_help(sk_cli_find("review"), "review", &out), 0);
  ASSERT_CONTAINS(sk_buf_str(&out), "usage: shipskip review INPUT...");
  /* Read from sk_engine_opts_init, not restated in the CLI. */
  ASSERT_CONTAINS(sk_buf_str(&out), "requests in flight (default 8)");
  ASSERT_CONTAINS(sk_buf_str(&out), "(default group)");
  ASSERT_NOT_CONTAINS(sk_buf_str(&out), "--persona ");
  sk_buf_cleanup(&out);
}

int main(void) {
  RUN(every_form_of_a_value);
  RUN(operands_dash_and_double_dash);
  RUN(numbers_and_bounds);
  RUN(enum_words);
  RUN(comma_lists_and_repeatable_options);
  RUN(repeated_single_valued_option);
  RUN(missing_value_and_value_to_a_flag);
  RUN(unknown_options_and_did_you_mean);
  RUN(optional_value);
  RUN(custom_setter);
  RUN(help_is_asked_for);
  RUN(help_text_from_the_table);
  RUN(command_tables_are_complete);
  RUN(command_help_shows_engine_defaults);
  sk_opt_strings_cleanup(&args.compare);
  sk_opt_operands_cleanup(&ops);
  return TEST_REPORT();
}
