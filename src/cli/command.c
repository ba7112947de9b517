/* command.c: the command table, help, and running one command.
 *
 * sk_cli_main() reads the command word (and a group's subcommand word),
 * parses the rest with that command's own option set, and runs it: an
 * option of another command, a typo or a bad value is a usage error (exit
 * 2) that names the option and points at the command's own help. Help is
 * printed from the same tables: "shipskip --help" and "shipskip help" list
 * the commands, "shipskip CMD --help" and "shipskip help CMD" print the
 * command's usage and its options with their defaults.
 */
#include "cli.h"
#include "gendoc.h"

#include "shipskip/providers/provider.h"
#include "shipskip/util/dirlock.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/scrub.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const struct sk_cli_cmd *const sk_cli_commands[] = {
    &sk_cmd_review,   &sk_cmd_draft,    &sk_cmd_prompts, &sk_cmd_merge,
    &sk_cmd_config,   &sk_cmd_fixtures, &sk_cmd_apply,   &sk_cmd_diff,
    &sk_cmd_personas, &sk_cmd_compare,  &sk_cmd_site,    &sk_cmd_calibrate,
    &sk_cmd_batch};
const size_t sk_cli_ncommands =
    sizeof(sk_cli_commands) / sizeof(sk_cli_commands[0]);

static const char GLOBAL_ABOUT[] =
    "INPUT is a JSON file (one tool or an array), a JSON Lines file, a\n"
    "directory of them, or - for standard input.\n"
    "\n"
    "Run 'shipskip help COMMAND' (or 'shipskip COMMAND --help') for the\n"
    "options of one command; a command accepts only its own options.\n"
    "\n"
    "Exit status: 0 all reviewed, 1 some tools failed or left unreviewed, 2\n"
    "usage or configuration error, 75 batches sent and still at the provider\n"
    "(review --batch without --wait: rerun with --resume to collect), 130/143\n"
    "stopped by SIGINT/SIGTERM (rerun with --resume to finish).\n";

const struct sk_cli_cmd *sk_cli_find(const char *name) {
  size_t i;
  for (i = 0; i < sk_cli_ncommands; i++)
    if (strcmp(sk_cli_commands[i]->name, name) == 0)
      return sk_cli_commands[i];
  return NULL;
}

static const struct sk_cli_cmd *find_sub(const struct sk_cli_cmd *group,
                                         const char *name) {
  size_t i;
  for (i = 0; i < group->nsubs; i++)
    if (strcmp(group->subs[i].name, name) == 0)
      return &group->subs[i];
  return NULL;
}

int sk_cli_usage_error(const char *path, const char *fmt, ...) {
  va_list ap;
  fputs("shipskip: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'shipskip %s%s--help'.\n", path ? path : "",
          path ? " " : "");
  return SK_EXIT_USAGE;
}

/* The usage lines of cmd, or of each of a group's subcommands. */
static int usage_lines(const struct sk_cli_cmd *cmd, const char *lead,
                       struct sk_buf *out) {
  size_t i;
  if (cmd->nsubs == 0)
    return sk_buf_printf(out, "%sshipskip %s\n", lead, cmd->usage);
  for (i = 0; i < cmd->nsubs; i++) {
    if (sk_buf_printf(out, "%sshipskip %s\n", i == 0 ? lead : "       ",
                      cmd->subs[i].usage) != 0)
      return SK_ENOMEM;
  }
  return 0;
}

int sk_cli_help(const struct sk_cli_cmd *cmd, const char *path,
                struct sk_buf *out) {
  void *defaults = NULL;
  size_t i;
  int rc = usage_lines(cmd, "usage: ", out);

  if (rc == 0)
    rc = sk_buf_printf(out, "\n%s.\n", cmd->summary);
  if (rc == 0 && cmd->about != NULL)
    rc = sk_buf_printf(out, "\n%s", cmd->about);
  for (i = 0; rc == 0 && i < cmd->nsubs; i++) {
    if (i == 0)
      rc = sk_buf_printf(out, "\n%s commands:\n", path);
    if (rc == 0)
      rc = sk_buf_printf(out, "  %-10s %s\n", cmd->subs[i].name,
                         cmd->subs[i].summary);
    if (rc == 0 && i + 1 == cmd->nsubs)
      rc = sk_buf_printf(out,
                         "\nRun 'shipskip %s COMMAND --help' for its "
                         "options.\n",
                         path);
  }
  if (rc == 0 && cmd->opts != NULL) {
    /* The defaults shown are those the command starts from. */
    defaults = calloc(1, cmd->args_size);
    if (defaults == NULL)
      return SK_ENOMEM;
    if (cmd->init != NULL)
      cmd->init(defaults);
    rc = sk_buf_printf(out, "\n%s options:\n", path);
    if (rc == 0)
      rc = sk_opts_help(cmd->opts, defaults, out);
    if (cmd->cleanup != NULL)
      cmd->cleanup(defaults);
    free(defaults);
  }
  return rc;
}

static int global_help(struct sk_buf *out) {
  size_t i;
  int rc = 0;
  /* One block of usage lines, as the commands' own help prints them. */
  for (i = 0; rc == 0 && i < sk_cli_ncommands; i++)
    rc = usage_lines(sk_cli_commands[i], i == 0 ? "usage: " : "       ", out);
  if (rc == 0)
    rc = sk_buf_adds(out, "       shipskip help [COMMAND] | --help | "
                          "--version\n\ncommands:\n");
  for (i = 0; rc == 0 && i < sk_cli_ncommands; i++)
    rc = sk_buf_printf(out, "  %-10s %s\n", sk_cli_commands[i]->name,
                       sk_cli_commands[i]->summary);
  if (rc == 0)
    rc = sk_buf_printf(out, "\n%s", GLOBAL_ABOUT);
  return rc;
}

/* Prints help made by the caller into out; returns the exit status. */
static int print_help(struct sk_buf *out, int rc) {
  if (rc != 0) {
    fputs("shipskip: out of memory\n", stderr);
    sk_buf_cleanup(out);
    return SK_EXIT_USAGE;
  }
  fwrite(sk_buf_str(out), 1, out->len, stdout);
  sk_buf_cleanup(out);
  return SK_EXIT_OK;
}

static int command_help(const struct sk_cli_cmd *cmd, const char *path) {
  struct sk_buf out;
  sk_buf_init(&out, 1u << 20);
  return print_help(&out, sk_cli_help(cmd, path, &out));
}

/* Appends the commands that take option name to buf ("review, draft"). */
static void commands_with(const char *name, char *buf, size_t size) {
  size_t i;
  size_t s;
  buf[0] = '\0';
  for (i = 0; i < sk_cli_ncommands; i++) {
    const struct sk_cli_cmd *c = sk_cli_commands[i];
    for (s = 0; s < (c->nsubs > 0 ? c->nsubs : 1); s++) {
      const struct sk_cli_cmd *sub = c->nsubs > 0 ? &c->subs[s] : c;
      size_t len = strlen(buf);
      if (sub->opts == NULL || sk_opts_find(sub->opts, name) == NULL)
        continue;
      snprintf(buf + len, size - len, "%s%s%s%s", len ? ", " : "", c->name,
               c->nsubs > 0 ? " " : "", c->nsubs > 0 ? sub->name : "");
    }
  }
}

/* After "unknown option", finds which commands do take it (an option
 * given to the wrong command is the likeliest cause) and writes them into
 * where ("review, draft"), or "" when none does. */
static void elsewhere(const struct sk_opt_set *set, int argc, char **argv,
                      const char *msg, char *where, size_t size) {
  char name[64];
  char quoted[72];
  int i;
  where[0] = '\0';
  for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
    size_t len = strcspn(argv[i], "=");
    if (strncmp(argv[i], "--", 2) != 0 || len - 2 >= sizeof(name) || len < 4)
      continue;
    snprintf(name, sizeof(name), "%.*s", (int)(len - 2), argv[i] + 2);
    snprintf(quoted, sizeof(quoted), "\"--%s\"", name);
    if (sk_opts_find(set, name) != NULL || strstr(msg, quoted) == NULL)
      continue;
    commands_with(name, where, size);
    return;
  }
}

/* Parses argv[0..argc) with cmd's options, then runs it. path names the
 * command for messages ("fixtures check"). */
static int run_command(const struct sk_cli_cmd *cmd, const char *path, int argc,
                       char **argv) {
  struct sk_opt_set no_options = {path, NULL, 0};
  const struct sk_opt_set *set = cmd->opts ? cmd->opts : &no_options;
  struct sk_opt_operands ops = {NULL, 0};
  struct sk_error err;
  char where[256] = "";
  void *args = calloc(1, cmd->args_size > 0 ? cmd->args_size : 1);
  int status;
  int rc;

  if (args == NULL) {
    fputs("shipskip: out of memory\n", stderr);
    return SK_EXIT_USAGE;
  }
  if (cmd->init != NULL)
    cmd->init(args);
  sk_error_clear(&err);
  rc = sk_opts_parse(set, argc, argv, args, &ops, &err);
  if (rc != 0 && rc != SK_OPT_HELP && strncmp(err.msg, "unknown ", 8) == 0)
    elsewhere(set, argc, argv, err.msg, where, sizeof(where));
  if (rc == SK_OPT_HELP)
    status = command_help(cmd, path);
  else if (rc != 0 && where[0] != '\0')
    status = sk_cli_usage_error(path, "%s (an option of shipskip %s)", err.msg,
                                where);
  else if (rc != 0)
    status = sk_cli_usage_error(path, "%s", err.msg);
  else
    status = cmd->run(args, &ops);
  sk_opt_operands_cleanup(&ops);
  if (cmd->cleanup != NULL)
    cmd->cleanup(args);
  free(args);
  return status;
}

/* A command group: the next word names the subcommand. */
static int run_group(const struct sk_cli_cmd *group, int argc, char **argv) {
  const struct sk_cli_cmd *sub;
  char path[64];
  size_t i;
  char names[128] = "";

  for (i = 0; i < group->nsubs; i++)
    snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
             i == 0                  ? ""
             : i + 1 == group->nsubs ? " or "
                                     : ", ",
             group->subs[i].name);
  if (argc < 1)
    return sk_cli_usage_error(group->name, "%s needs a command: %s",
                              group->name, names);
  if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)
    return command_help(group, group->name);
  sub = find_sub(group, argv[0]);
  if (sub == NULL)
    return sk_cli_usage_error(group->name, "%s takes %s, not \"%s\"",
                              group->name, names, argv[0]);
  snprintf(path, sizeof(path), "%s %s", group->name, sub->name);
  return run_command(sub, path, argc - 1, argv + 1);
}

/* shipskip help --man | --completion bash|zsh: the man page and the
 * completions, made at build time from the tables (gendoc.h). Not listed in
 * help: they are for the build and for packagers. */
static int run_gendoc(int argc, char **argv) {
  struct sk_buf out;
  int shell = argc == 2 && strcmp(argv[0], "--completion") == 0;
  int rc;
  sk_buf_init(&out, 16u << 20);
  if (argc == 1 && strcmp(argv[0], "--man") == 0)
    rc = sk_gendoc_man(&out);
  else if (shell && strcmp(argv[1], "bash") == 0)
    rc = sk_gendoc_bash(&out);
  else if (shell && strcmp(argv[1], "zsh") == 0)
    rc = sk_gendoc_zsh(&out);
  else
    return sk_cli_usage_error(NULL, "usage: shipskip help --man, or "
                                    "shipskip help --completion bash|zsh");
  return print_help(&out, rc);
}

/* shipskip help [COMMAND [SUBCOMMAND]] */
static int run_help(int argc, char **argv) {
  const struct sk_cli_cmd *cmd;
  struct sk_buf out;
  char path[64];

  if (argc > 0 &&
      (strcmp(argv[0], "--man") == 0 || strcmp(argv[0], "--completion") == 0))
    return run_gendoc(argc, argv);
  if (argc == 0) {
    sk_buf_init(&out, 1u << 20);
    return print_help(&out, global_help(&out));
  }
  cmd = sk_cli_find(argv[0]);
  if (cmd == NULL)
    return sk_cli_usage_error(NULL, "help: unknown command \"%s\"", argv[0]);
  if (argc >= 2 && cmd->nsubs > 0) {
    const struct sk_cli_cmd *sub = find_sub(cmd, argv[1]);
    if (sub == NULL)
      return sk_cli_usage_error(cmd->name, "help: %s has no command \"%s\"",
                                cmd->name, argv[1]);
    snprintf(path, sizeof(path), "%s %s", cmd->name, sub->name);
    return command_help(sub, path);
  }
  return command_help(cmd, cmd->name);
}

/* Registers, for the credential scrub (scrub.h), every key the
 * conventional variables hold and any credential in a base URL variable,
 * whichever command runs: the scrub's promise holds from the first line
 * printed. Keys named elsewhere (--api-key-env, the config's api_key_env,
 * --base-url) are added when the routes are resolved (panel.c). Returns 0
 * or prints the problem and returns SK_EXIT_USAGE. */
static int register_env_secrets(void) {
  static const char *const types[] = {"openai", "anthropic", "gemini", "ollama",
                                      "mistral"};
  size_t i;
  int rc = 0;

  for (i = 0; rc == 0 && i < sizeof(types) / sizeof(types[0]); i++) {
    const struct sk_provider *p = sk_provider_find(types[i]);
    if (p == NULL)
      continue;
    if (p->key_env != NULL)
      rc = sk_scrub_add(getenv(p->key_env));
    if (rc == 0 && p->key_env_fallback != NULL)
      rc = sk_scrub_add(getenv(p->key_env_fallback));
    if (rc == 0 && p->base_url_env != NULL)
      rc = sk_scrub_add_url(getenv(p->base_url_env));
  }
  if (rc != 0) {
    fprintf(stderr, "shipskip: cannot hold the API keys for scrubbing: %s\n",
            sk_strerror(rc));
    return SK_EXIT_USAGE;
  }
  return 0;
}

int sk_cli_main(int argc, char **argv) {
  const struct sk_cli_cmd *cmd;

  if (register_env_secrets() != 0)
    return SK_EXIT_USAGE;
  if (argc < 2)
    return sk_cli_usage_error(NULL, "no command given");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0)
    return run_help(argc - 2, argv + 2);
  if (strcmp(argv[1], "--version") == 0) {
    printf("shipskip %s\n", SK_VERSION);
    return SK_EXIT_OK;
  }
  cmd = sk_cli_find(argv[1]);
  if (cmd == NULL)
    return sk_cli_usage_error(NULL, "unknown command \"%s\"", argv[1]);
  if (cmd->nsubs > 0)
    return run_group(cmd, argc - 2, argv + 2);
  return run_command(cmd, cmd->name, argc - 2, argv + 2);
}

/* Writes a + b + c into buf; returns 0, or -1 when it would not fit. */
static int join3(char *buf, size_t size, const char *a, const char *b,
                 const char *c) {
  int n = snprintf(buf, size, "%s%s%s", a, b, c);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

const char *sk_cli_data_dir(const char *name, char *buf, size_t size) {
  char exe[PATH_MAX];
  ssize_t n;
  char *slash;

  if (sk_fs_is_dir(name))
    return name;
  n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0)
    return name;
  exe[n] = '\0';
  slash = strrchr(exe, '/');
  if (slash == NULL)
    return name;
  *slash = '\0';
  /* The kernel's path of the executable has no "..", no "." and no
   * symbolic link, so its directory's parent is found by cutting one more
   * component: paths print as /src/shipskip/personas, not
   * /src/shipskip/build/../personas. */
  slash = strrchr(exe, '/');
  if (slash == NULL)
    return name;
  *slash = '\0';
  if (join3(buf, size, exe, "/", name) == 0 && sk_fs_is_dir(buf))
    return buf;
  if (join3(buf, size, exe, "/share/shipskip/", name) == 0 && sk_fs_is_dir(buf))
    return buf;
  return name;
}

/* Whether path is a regular file or does not exist yet: what an atomic
 * write (temporary file, then rename) may replace. */
static int is_regular_or_absent(const char *path) {
  struct stat st;
  return stat(path, &st) != 0 || S_ISREG(st.st_mode);
}

/* Writes to an existing file that is not a regular one (/dev/stdout, a
 * FIFO, /dev/full) in place: renaming over it would replace the device
 * or pipe with a file. Every write and the close are checked. */
static int write_special(const char *path, const char *data, size_t len,
                         struct sk_error *err) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  int rc = 0;

  if (fd < 0)
    return sk_error_set(err, SK_EIO, "%s: cannot open: %s", path,
                        strerror(errno));
  while (rc == 0 && len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      rc = sk_error_set(err, SK_EIO, "%s: write failed: %s", path,
                        strerror(w < 0 ? errno : EIO));
    else {
      data += w;
      len -= (size_t)w;
    }
  }
  if (close(fd) != 0 && rc == 0)
    rc = sk_error_set(err, SK_EIO, "%s: close failed: %s", path,
                      strerror(errno));
  return rc;
}

int sk_cli_write_output(const char *path, const char *data, size_t len,
                        struct sk_error *err) {
  char dir[PATH_MAX];
  const char *slash;

  if (path == NULL || strcmp(path, "-") == 0) {
    if (fwrite(data, 1, len, stdout) != len)
      return sk_error_set(err, SK_EIO, "error writing standard output: %s",
                          strerror(errno));
    return 0;
  }
  if (!is_regular_or_absent(path))
    return write_special(path, data, len, err);
  slash = strrchr(path, '/');
  if (slash == NULL)
    return sk_fs_write_atomic(".", path, data, len, err);
  if ((size_t)(slash - path) + 1 > sizeof(dir))
    return sk_error_set(err, SK_EINVAL, "%s: path too long", path);
  snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
  return sk_fs_write_atomic(slash == path ? "/" : dir, slash + 1, data, len,
                            err);
}

void sk_cli_now_utc(char *buf, size_t size) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int sk_cli_lock_outdir(const char *dir, struct sk_dirlock *lock) {
  char started[32];
  struct sk_error err;

  sk_error_clear(&err);
  sk_cli_now_utc(started, sizeof(started));
  if (sk_fs_mkdirs(dir, &err) != 0 ||
      sk_dirlock_take(lock, dir, started, &err) != 0) {
    fprintf(stderr, "shipskip: %s\n", err.msg);
    return SK_EXIT_USAGE;
  }
  return SK_EXIT_OK;
}
