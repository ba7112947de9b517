/* options.h: one option parser for every shipskip command.
 *
 * A command declares its options as data: arrays of struct sk_opt, gathered
 * into titled groups (struct sk_opt_group) that several commands may share,
 * and one struct sk_opt_set per command. Each option has a long name, an
 * optional short letter, a type (flag, string, whole number or number with
 * bounds, one word of a list, a comma list, a repeatable string, or a setter
 * of its own), a metavar, one help line, and where its value goes: an offset
 * into the command's own options struct, or a setter. The same table prints
 * the command's help and is complete enough to generate a man page or shell
 * completions from (name, short, metavar, help, type, bounds, default).
 *
 * The parser understands "--opt value", "--opt=value", "-o value", "-oVALUE",
 * "--" (everything after it is an operand) and "-" (an operand: standard
 * input). It never prints and never exits: it returns a code and fills a
 * struct sk_error with a message naming the option ("--concurrency: 0 is
 * below the minimum 1", "unknown option \"--concurency\"; did you mean
 * --concurrency?"), and the CLI's main decides what to do with it, like
 * git's parse-options.
 */
#ifndef SHIPSKIP_CLI_OPTIONS_H
#define SHIPSKIP_CLI_OPTIONS_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stddef.h>

enum sk_opt_type {
  SK_OPT_FLAG,   /* no value: stores lmin (an int) */
  SK_OPT_STRING, /* const char *, pointing into argv */
  SK_OPT_INT,    /* int, from lmin to lmax, times scale */
  SK_OPT_LONG,   /* long, from lmin to lmax, times scale */
  SK_OPT_DOUBLE, /* double, from dmin to dmax */
  SK_OPT_ENUM,   /* int: lmin + the index of the word in words */
  SK_OPT_LIST,   /* const char *: a comma list with at least one name */
  SK_OPT_MULTI,  /* struct sk_opt_strings: every value, in order */
  SK_OPT_CUSTOM  /* set() parses the value itself */
};

/* Option flags. */
#define SK_OPT_SHOW_DEFAULT 1u /* help shows the value in the defaults */
/* The value may be left out (SK_OPT_LONG only): "--history=3", "--history 3"
 * take one; "--history" followed by anything not starting with a digit
 * stores absent. */
#define SK_OPT_VALUE_OPTIONAL 2u

struct sk_opt;

/* A setter for SK_OPT_CUSTOM (and any type that needs more than a store):
 * dst is the command's options struct, value the option's value (NULL for a
 * flag). Returns 0, or an SK_E* code with err set naming the option. */
typedef int (*sk_opt_set_cb)(void *dst, const struct sk_opt *opt,
                             const char *value, struct sk_error *err);

struct sk_opt {
  const char *name; /* long name without "--": "concurrency" */
  char short_name;  /* 'o', or 0 */
  enum sk_opt_type type;
  const char *metavar; /* "N", "DIR"; NULL for a flag */
  const char *help;    /* one line */
  size_t offset;       /* where the value goes in the options struct */
  long lmin;           /* SK_OPT_INT/LONG bounds; FLAG value; ENUM base */
  long lmax;
  double dmin; /* SK_OPT_DOUBLE bounds */
  double dmax;
  long scale;               /* INT/LONG: stored value = given * scale (0: 1) */
  const char *const *words; /* SK_OPT_ENUM: NULL-terminated */
  sk_opt_set_cb set;        /* SK_OPT_CUSTOM; NULL otherwise */
  unsigned flags;           /* SK_OPT_* flags */
  const char *default_text; /* help: the default in words, or NULL */
  long absent;              /* SK_OPT_VALUE_OPTIONAL: stored when left out */
};

/* Options that belong together in help ("fixtures:"), shared by commands. */
struct sk_opt_group {
  const char *title; /* NULL: no heading */
  const struct sk_opt *opts;
  size_t n;
};

/* Everything one command accepts. */
struct sk_opt_set {
  const char *scope; /* "compare": "unknown compare option"; NULL: "unknown
                        option" */
  const struct sk_opt_group *const *groups;
  size_t ngroups;
};

/* The values of an SK_OPT_MULTI option (the strings point into argv). */
struct sk_opt_strings {
  const char **v;
  size_t n;
};

/* The arguments that are not options, in order (pointing into argv). */
struct sk_opt_operands {
  const char **v;
  size_t n;
};

/* Returned by sk_opts_parse when -h or --help was given. */
#define SK_OPT_HELP 1

/* Parses argv[0..argc) (the arguments after the command's name) against set,
 * storing values into dst (the command's options struct, already holding
 * its defaults) and the operands into *ops (release with
 * sk_opt_operands_cleanup, also after an error). Returns 0; SK_OPT_HELP when
 * -h or --help was given (parsing stops there); SK_EINVAL with err set for
 * an unknown option (with the nearest name when one is close), a missing or
 * malformed value, a value out of bounds, a value given to a flag, or a
 * single-valued option given twice; SK_ENOMEM. */
int sk_opts_parse(const struct sk_opt_set *set, int argc, char **argv,
                  void *dst, struct sk_opt_operands *ops, struct sk_error *err);

/* Frees what the parser allocated for operands. NULL-safe. */
void sk_opt_operands_cleanup(struct sk_opt_operands *ops);

/* Frees an SK_OPT_MULTI option's array (not the strings). NULL-safe. */
void sk_opt_strings_cleanup(struct sk_opt_strings *s);

/* Finds the option of set named name (long, without "--") or, when name is
 * one character long, by its short letter. Returns it or NULL. */
const struct sk_opt *sk_opts_find(const struct sk_opt_set *set,
                                  const char *name);

/* Returns the long name in set closest to name by edit distance when it is
 * close enough to be a likely typo, else NULL. */
const char *sk_opts_suggest(const struct sk_opt_set *set, const char *name);

/* Parses a whole number for opt within [opt->lmin, opt->lmax] (setters use
 * it). Returns 0 and *out, or SK_EINVAL naming the option and the bound. */
int sk_opt_parse_long(const struct sk_opt *opt, const char *value, long *out,
                      struct sk_error *err);

/* Appends the help of set to out: per group, its title, then one line per
 * option ("  -o, --output DIR    help (default 8)"), the default read from
 * defaults (an options struct holding the defaults) for options flagged
 * SK_OPT_SHOW_DEFAULT, else default_text. Returns 0 or SK_ENOMEM. */
int sk_opts_help(const struct sk_opt_set *set, const void *defaults,
                 struct sk_buf *out);

/* Formats the default of opt as held in defaults into buf (for help, man
 * pages and completions): "8", "120", "review". Writes "" when opt has no
 * default to show. */
void sk_opt_default(const struct sk_opt *opt, const void *defaults, char *buf,
                    size_t size);

#endif
