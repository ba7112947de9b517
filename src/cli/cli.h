/* cli.h: the shipskip command table and what the commands share.
 *
 * Every command is one struct sk_cli_cmd: its name, a one-line summary,
 * its usage line, its own option set (options.h) and the functions that
 * make its options struct, check it and run it. A command group (fixtures,
 * config, personas) has subcommands instead of a run function, each a
 * command of its own with its own help. sk_cli_main() finds the command,
 * parses its options, prints its help or a usage error, and runs it; only
 * main.c ends the process. Commands print their results and errors
 * themselves ("shipskip: error text") and return an exit status.
 */
#ifndef SHIPSKIP_CLI_CLI_H
#define SHIPSKIP_CLI_CLI_H

#include "options.h"

#include <stddef.h>

/* Exit statuses: every tool reviewed (or the command did its job); some
 * failed, the rest done; a usage or configuration error. Signals add
 * 130/143 (review). */
/* SK_EXIT_PENDING (sysexits' EX_TEMPFAIL): a run in batch mode without
 * --wait sent its batches and stopped; run it again with --resume later. */
enum {
  SK_EXIT_OK = 0,
  SK_EXIT_FAILED = 1,
  SK_EXIT_USAGE = 2,
  SK_EXIT_PENDING = 75
};

struct sk_cli_cmd {
  const char *name;    /* "review"; a subcommand's own word: "check" */
  const char *summary; /* one line for the command list */
  const char *usage;   /* after "usage: shipskip ": "review INPUT... -o ..." */
  const char *about;   /* help text after the usage, or NULL */
  const struct sk_opt_set *opts; /* NULL: the command takes no options */
  size_t args_size;              /* size of its options struct */
  /* Fills a zeroed options struct with the defaults. May be NULL. */
  void (*init)(void *args);
  /* Runs the command with its parsed options and operands (pointing into
   * argv); prints its output and errors; returns the exit status. */
  int (*run)(void *args, const struct sk_opt_operands *ops);
  /* Frees what parsing stored in the options struct. May be NULL. */
  void (*cleanup)(void *args);
  const struct sk_cli_cmd *subs; /* a command group's subcommands */
  size_t nsubs;
};

/* The commands, in the order help lists them (defined beside each run). */
extern const struct sk_cli_cmd sk_cmd_review;
extern const struct sk_cli_cmd sk_cmd_draft;
extern const struct sk_cli_cmd sk_cmd_calibrate;
extern const struct sk_cli_cmd sk_cmd_prompts;
extern const struct sk_cli_cmd sk_cmd_merge;
extern const struct sk_cli_cmd sk_cmd_config;
extern const struct sk_cli_cmd sk_cmd_fixtures;
extern const struct sk_cli_cmd sk_cmd_batch;
extern const struct sk_cli_cmd sk_cmd_apply;
extern const struct sk_cli_cmd sk_cmd_diff;
extern const struct sk_cli_cmd sk_cmd_personas;
extern const struct sk_cli_cmd sk_cmd_compare;
extern const struct sk_cli_cmd sk_cmd_site;

/* Every top-level command, for help, man pages and completions. */
extern const struct sk_cli_cmd *const sk_cli_commands[];
extern const size_t sk_cli_ncommands;

/* Runs the shipskip command line argv[0..argc) (argv[0] the program) and
 * returns the exit status. Prints help, usage errors and the command's
 * output; does not close stdout (main checks it). */
int sk_cli_main(int argc, char **argv);

/* Finds a top-level command by name, or NULL. */
const struct sk_cli_cmd *sk_cli_find(const char *name);

/* Appends the help of cmd (usage, about, its options with their defaults,
 * or its subcommands) to out; path is how it is invoked ("fixtures
 * check"). Returns 0 or SK_ENOMEM. */
int sk_cli_help(const struct sk_cli_cmd *cmd, const char *path,
                struct sk_buf *out);

/* Prints "shipskip: msg" and a newline on stderr: the shape of the
 * report callbacks below the CLI (config, journal), whose ctx it ignores. */
void sk_cli_say_cb(void *ctx, const char *msg);

/* Prints "shipskip: msg" and "Try 'shipskip path --help'." on stderr and
 * returns SK_EXIT_USAGE, for a command's own checks of its operands. */
int sk_cli_usage_error(const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Finds the default location of a data directory: ./name when it exists,
 * else name beside the executable's parent (a build tree or an install).
 * Returns name, or buf holding the path found. */
const char *sk_cli_data_dir(const char *name, char *buf, size_t size);

/* Writes len bytes to path atomically (a temporary file beside it, then
 * rename), or to standard output when path is NULL or "-". Returns 0 or an
 * SK_E* code with err set. */
int sk_cli_write_output(const char *path, const char *data, size_t len,
                        struct sk_error *err);

/* Formats the current UTC time as "2026-11-21T07:30:00Z" into buf. */
void sk_cli_now_utc(char *buf, size_t size);

/* Creates dir if needed and takes its lock for a command that writes it
 * (dirlock.h), stamped with the current time. Returns 0, or prints the
 * problem (another run holds it: its pid and start time) and returns
 * SK_EXIT_USAGE. Release with sk_dirlock_release(). */
struct sk_dirlock;
int sk_cli_lock_outdir(const char *dir, struct sk_dirlock *lock);

#endif
