/* gendoc.c: shipskip(1) and the bash and zsh completions, rendered from the
 * command table and the option tables (see gendoc.h).
 *
 * Every renderer walks the same two levels the parser does: the top-level
 * commands of sk_cli_commands[] and, for a group (fixtures, config,
 * personas), its subcommands; each command's options come group by group
 * from its struct sk_opt_set, and each option's default from an options
 * struct filled by the command's own init, as --help shows it.
 */
#include "gendoc.h"

#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A command the user runs: "review", or "fixtures check". */
typedef int (*leaf_cb)(const struct sk_cli_cmd *cmd, const char *path,
                       void *ctx);

/* Calls cb for every command that runs (groups' subcommands, not groups),
 * in help order. Stops at and returns the first non-zero result. */
static int each_leaf(leaf_cb cb, void *ctx) {
  char path[64];
  size_t i;
  size_t s;
  int rc = 0;
  for (i = 0; rc == 0 && i < sk_cli_ncommands; i++) {
    const struct sk_cli_cmd *c = sk_cli_commands[i];
    if (c->nsubs == 0) {
      rc = cb(c, c->name, ctx);
      continue;
    }
    for (s = 0; rc == 0 && s < c->nsubs; s++) {
      snprintf(path, sizeof(path), "%s %s", c->name, c->subs[s].name);
      rc = cb(&c->subs[s], path, ctx);
    }
  }
  return rc;
}

/* A value an option's metavar names: where completion looks for it. */
enum value_kind { VALUE_NONE, VALUE_DIR, VALUE_FILE, VALUE_WORDS, VALUE_OTHER };

static enum value_kind value_kind(const struct sk_opt *o) {
  const char *m = o->metavar != NULL ? o->metavar : "";
  size_t len = strlen(m);
  if (o->type == SK_OPT_FLAG || (o->flags & SK_OPT_VALUE_OPTIONAL))
    return VALUE_NONE;
  if (o->type == SK_OPT_ENUM)
    return VALUE_WORDS;
  if ((len >= 3 && strcmp(m + len - 3, "DIR") == 0) || strcmp(m, "ROOT") == 0 ||
      strcmp(m, "MERGED") == 0)
    return VALUE_DIR;
  if (strcmp(m, "FILE") == 0)
    return VALUE_FILE;
  return VALUE_OTHER;
}

/* ---- shipskip(1) ---------------------------------------------------- */

/* Appends len bytes of text escaped for roff: a backslash as \e, a hyphen
 * as \- (so options copy and search as typed), and \& before a '.' or '\''
 * that starts a line (else roff reads a request). *bol says whether out is
 * at the start of a line, and is kept up to date. */
static int roff_n(struct sk_buf *out, const char *s, size_t len, int *bol) {
  size_t i;
  int rc = 0;
  for (i = 0; rc == 0 && i < len; i++) {
    char c = s[i];
    if (*bol && (c == '.' || c == '\''))
      rc = sk_buf_adds(out, "\\&");
    if (rc != 0)
      break;
    if (c == '\\')
      rc = sk_buf_adds(out, "\\e");
    else if (c == '-')
      rc = sk_buf_adds(out, "\\-");
    else
      rc = sk_buf_add(out, &c, 1);
    *bol = c == '\n';
  }
  return rc;
}

static int roff(struct sk_buf *out, const char *s) {
  int bol = 0;
  return roff_n(out, s, strlen(s), &bol);
}

/* Appends help text written for a terminal (lines, blank lines between
 * paragraphs) as filled roff paragraphs. */
static int roff_paragraphs(struct sk_buf *out, const char *s) {
  int rc = sk_buf_adds(out, ".PP\n");
  int bol = 1;
  while (rc == 0 && *s != '\0') {
    const char *brk = strstr(s, "\n\n");
    size_t len = brk != NULL ? (size_t)(brk - s) + 1 : strlen(s);
    rc = roff_n(out, s, len, &bol);
    if (rc == 0 && !bol)
      rc = sk_buf_adds(out, "\n");
    bol = 1;
    s += len;
    while (*s == '\n')
      s++;
    if (rc == 0 && *s != '\0')
      rc = sk_buf_adds(out, ".PP\n");
  }
  return rc;
}

/* The usage lines of cmd ("review INPUT... -o OUTDIR [options]"; a usage
 * may hold several, the later ones after "\n       shipskip ", and a long
 * one goes on after a newline and spaces alone), each as a line of a
 * no-fill block with the program name in bold. */
static int man_usage(struct sk_buf *out, const char *usage) {
  int rc = 0;
  int first = 1;
  while (rc == 0 && *usage != '\0') {
    size_t len;
    int bol = 0;
    usage += strspn(usage, "\n ");
    if (first || strncmp(usage, "shipskip ", 9) == 0) {
      if (!first)
        usage += 9;
      rc = sk_buf_adds(out, "\\fBshipskip\\fR ");
    } else {
      rc = sk_buf_adds(out, "    ");
    }
    first = 0;
    len = strcspn(usage, "\n");
    if (rc == 0)
      rc = roff_n(out, usage, len, &bol);
    if (rc == 0)
      rc = sk_buf_adds(out, "\n");
    usage += len;
  }
  return rc;
}

/* One option as a tagged paragraph: "-o, --output DIR", then its help and
 * default. */
static int man_option(struct sk_buf *out, const struct sk_opt *o,
                      const void *defaults) {
  char def[128];
  int rc = sk_buf_adds(out, ".TP\n");
  if (rc == 0 && o->short_name != 0)
    rc = sk_buf_printf(out, "\\fB\\-%c\\fR, ", o->short_name);
  if (rc == 0)
    rc = sk_buf_adds(out, "\\fB\\-\\-");
  if (rc == 0)
    rc = roff(out, o->name);
  if (rc == 0)
    rc = sk_buf_adds(out, "\\fR");
  if (rc == 0 && o->type == SK_OPT_ENUM) {
    size_t k;
    rc = sk_buf_adds(out, " ");
    for (k = 0; rc == 0 && o->words[k] != NULL; k++)
      rc = sk_buf_printf(out, "%s\\fI%s\\fR", k ? "|" : "", o->words[k]);
  } else if (rc == 0 && o->metavar != NULL) {
    int opt = (o->flags & SK_OPT_VALUE_OPTIONAL) != 0;
    rc = sk_buf_adds(out, opt ? " [\\fI" : " \\fI");
    if (rc == 0)
      rc = roff(out, o->metavar);
    if (rc == 0)
      rc = sk_buf_adds(out, opt ? "\\fR]" : "\\fR");
  }
  if (rc == 0)
    rc = sk_buf_adds(out, "\n");
  /* The help is one line: no paragraph macro, which would end the
   * tagged paragraph's indent. */
  if (rc == 0)
    rc = roff(out, o->help);
  sk_opt_default(o, defaults, def, sizeof(def));
  if (rc == 0 && def[0] != '\0') {
    rc = sk_buf_adds(out, " (default ");
    if (rc == 0)
      rc = roff(out, def);
    if (rc == 0)
      rc = sk_buf_adds(out, ")");
  }
  return rc == 0 ? sk_buf_adds(out, "\n") : rc;
}

/* A zeroed options struct of cmd filled by its init: the defaults. */
static void *defaults_new(const struct sk_cli_cmd *cmd) {
  void *d = calloc(1, cmd->args_size > 0 ? cmd->args_size : 1);
  if (d != NULL && cmd->init != NULL)
    cmd->init(d);
  return d;
}

static void defaults_free(const struct sk_cli_cmd *cmd, void *d) {
  if (d != NULL && cmd->cleanup != NULL)
    cmd->cleanup(d);
  free(d);
}

static int man_options(struct sk_buf *out, const struct sk_cli_cmd *cmd) {
  void *defaults = defaults_new(cmd);
  size_t g;
  size_t k;
  int rc = defaults != NULL ? 0 : SK_ENOMEM;
  for (g = 0; rc == 0 && g < cmd->opts->ngroups; g++) {
    const struct sk_opt_group *gr = cmd->opts->groups[g];
    if (gr->title != NULL) {
      rc = sk_buf_adds(out, ".PP\n\\fI");
      if (rc == 0)
        rc = roff(out, gr->title);
      if (rc == 0)
        rc = sk_buf_adds(out, ":\\fR\n");
    }
    for (k = 0; rc == 0 && k < gr->n; k++)
      rc = man_option(out, &gr->opts[k], defaults);
  }
  defaults_free(cmd, defaults);
  return rc;
}

static int man_command(const struct sk_cli_cmd *cmd, const char *path,
                       void *ctx) {
  struct sk_buf *out = ctx;
  int rc = sk_buf_printf(out, ".SS \"shipskip %s\"\n.nf\n", path);
  if (rc == 0)
    rc = man_usage(out, cmd->usage);
  if (rc == 0)
    rc = sk_buf_adds(out, ".fi\n.PP\n");
  if (rc == 0)
    rc = roff(out, cmd->summary);
  if (rc == 0)
    rc = sk_buf_adds(out, ".\n");
  if (rc == 0 && cmd->about != NULL)
    rc = roff_paragraphs(out, cmd->about);
  if (rc == 0 && cmd->opts != NULL)
    rc = man_options(out, cmd);
  return rc;
}

static const char MAN_HEAD[] =
    ".SH NAME\n"
    "shipskip \\- panel reviews of software tools, written by LLM reviewer "
    "personas\n";

static const char MAN_DESCRIPTION[] =
    ".SH DESCRIPTION\n"
    "Each tool description goes to a panel of reviewer personas (by default "
    "Builder, Skeptic, Futurist and Founder). Every answer must carry a score "
    "out of 100, a ship or skip verdict and one review paragraph that covers "
    "the persona's rubric; the answers merge into a scorecard.\n"
    ".PP\n"
    "Every command has its own options and its own help, printed from the "
    "same tables as this page: \\fBshipskip help\\fR lists the commands, "
    "\\fBshipskip help\\fR \\fICOMMAND\\fR (or \\fBshipskip\\fR "
    "\\fICOMMAND\\fR "
    "\\fB\\-\\-help\\fR) prints one. A command accepts only its own options. "
    "Values go as \\fB\\-\\-opt\\fR \\fIvalue\\fR, \\fB\\-\\-opt\\fR=\\fIvalue"
    "\\fR, \\fB\\-o\\fR \\fIDIR\\fR or \\fB\\-o\\fR\\fIDIR\\fR; \\fB\\-\\-\\fR "
    "ends the options.\n"
    ".SH COMMANDS\n";

static const char MAN_TAIL[] =
    ".SH FILES\n"
    ".TP\n"
    "\\fIpersonas/\\fR*.json, \\fIprompts/\\fR\n"
    "The panel and the prompt templates. Taken from \\fB\\-\\-personas\\-dir"
    "\\fR and \\fB\\-\\-prompts\\-dir\\fR when given; else from "
    "\\fI./personas\\fR and \\fI./prompts\\fR when they exist; else from "
    "\\fIpersonas\\fR and \\fIprompts\\fR beside the directory of the binary "
    "(a build tree), or \\fI../share/shipskip/\\fR from it (an install); else "
    "the copies built into the binary. \\fBshipskip personas list\\fR names "
    "the one in use.\n"
    ".TP\n"
    "\\fIshipskip.json\\fR\n"
    "The panel configuration (providers, routes, prices) when "
    "\\fB\\-\\-config\\fR is not given.\n"
    ".SH ENVIRONMENT\n"
    ".TP\n"
    "\\fBOPENAI_API_KEY\\fR, \\fBANTHROPIC_API_KEY\\fR, \\fBGEMINI_API_KEY\\fR "
    "(or \\fBGOOGLE_API_KEY\\fR), \\fBMISTRAL_API_KEY\\fR\n"
    "Each provider's key, unless the configuration or "
    "\\fB\\-\\-api\\-key\\-env\\fR names another variable.\n"
    ".TP\n"
    "\\fBOPENAI_BASE_URL\\fR, \\fBANTHROPIC_BASE_URL\\fR, "
    "\\fBGEMINI_BASE_URL\\fR, \\fBOLLAMA_HOST\\fR\n"
    "Base URLs, unless \\fB\\-\\-base\\-url\\fR or the configuration gives "
    "one.\n"
    ".SH EXIT STATUS\n"
    "0 every tool reviewed (or the command did its job); 1 some tools failed "
    "or were left unreviewed; 2 a usage or configuration error (nothing "
    "sent) or a replay miss; 130 or 143 stopped by SIGINT or SIGTERM (rerun "
    "with \\fB\\-\\-resume\\fR).\n"
    ".SH SEE ALSO\n"
    "The README and docs/ of the shipskip sources.\n";

int sk_gendoc_man(struct sk_buf *out) {
  size_t i;
  int rc = sk_buf_printf(out,
                         ".\\\" Generated by 'shipskip help --man' from the "
                         "command and option tables: do not edit.\n"
                         ".TH SHIPSKIP 1 \"\" \"shipskip %s\" \"User "
                         "Commands\"\n%s.SH SYNOPSIS\n.nf\n",
                         SK_VERSION, MAN_HEAD);
  for (i = 0; rc == 0 && i < sk_cli_ncommands; i++) {
    const struct sk_cli_cmd *c = sk_cli_commands[i];
    size_t s;
    if (c->nsubs == 0)
      rc = man_usage(out, c->usage);
    for (s = 0; rc == 0 && s < c->nsubs; s++)
      rc = man_usage(out, c->subs[s].usage);
  }
  if (rc == 0)
    rc = sk_buf_adds(out, "\\fBshipskip\\fR help [\\fICOMMAND\\fR "
                          "[\\fISUBCOMMAND\\fR]] | \\-\\-help | "
                          "\\-\\-version\n.fi\n");
  if (rc == 0)
    rc = sk_buf_adds(out, MAN_DESCRIPTION);
  if (rc == 0)
    rc = each_leaf(man_command, out);
  if (rc == 0)
    rc = sk_buf_adds(out, MAN_TAIL);
  return rc != 0 ? SK_ENOMEM : 0;
}

/* ---- completions ----------------------------------------------------- */

/* Appends the long and short names of cmd's options whose value is of
 * kind ("-o --output --dir"), or of every option when kind is -1; lead and
 * trail wrap each name. */
static int opt_names(struct sk_buf *out, const struct sk_cli_cmd *cmd, int kind,
                     const char *lead, const char *trail) {
  size_t g;
  size_t k;
  int rc = 0;
  for (g = 0; cmd->opts != NULL && g < cmd->opts->ngroups; g++) {
    const struct sk_opt_group *gr = cmd->opts->groups[g];
    for (k = 0; rc == 0 && k < gr->n; k++) {
      const struct sk_opt *o = &gr->opts[k];
      if (kind >= 0 && (int)value_kind(o) != kind)
        continue;
      if (o->short_name != 0)
        rc = sk_buf_printf(out, "%s-%c%s", lead, o->short_name, trail);
      if (rc == 0)
        rc = sk_buf_printf(out, "%s--%s%s", lead, o->name, trail);
    }
  }
  return rc;
}

/* The words of cmd's list-valued options, as bash case branches on $prev. */
static int bash_words(struct sk_buf *out, const struct sk_cli_cmd *cmd) {
  size_t g;
  size_t k;
  size_t w;
  int rc = 0;
  for (g = 0; cmd->opts != NULL && g < cmd->opts->ngroups; g++) {
    const struct sk_opt_group *gr = cmd->opts->groups[g];
    for (k = 0; rc == 0 && k < gr->n; k++) {
      const struct sk_opt *o = &gr->opts[k];
      if (value_kind(o) != VALUE_WORDS)
        continue;
      rc = sk_buf_printf(out, "        --%s) words=\"", o->name);
      for (w = 0; rc == 0 && o->words[w] != NULL; w++)
        rc = sk_buf_printf(out, "%s%s", w ? " " : "", o->words[w]);
      if (rc == 0)
        rc = sk_buf_adds(out, "\" ;;\n");
    }
  }
  return rc;
}

static int bash_command(const struct sk_cli_cmd *cmd, const char *path,
                        void *ctx) {
  struct sk_buf *out = ctx;
  int rc = sk_buf_printf(out, "    \"%s\")\n      opts=\"", path);
  if (rc == 0)
    rc = opt_names(out, cmd, -1, " ", "");
  if (rc == 0)
    rc = sk_buf_adds(out, " --help\"\n      dirs=\"");
  if (rc == 0)
    rc = opt_names(out, cmd, VALUE_DIR, " ", " ");
  if (rc == 0)
    rc = sk_buf_adds(out, "\"\n      files=\"");
  if (rc == 0)
    rc = opt_names(out, cmd, VALUE_FILE, " ", " ");
  if (rc == 0)
    rc = sk_buf_adds(out, "\"\n      values=\"");
  if (rc == 0)
    rc = opt_names(out, cmd, VALUE_OTHER, " ", " ");
  if (rc == 0)
    rc = sk_buf_adds(out, "\"\n      case $prev in\n");
  if (rc == 0)
    rc = bash_words(out, cmd);
  if (rc == 0)
    rc = sk_buf_adds(out, "      esac ;;\n");
  return rc;
}

/* The command words (top level, or a group's subcommands) separated by
 * sep. */
static int command_words(struct sk_buf *out, const struct sk_cli_cmd *group,
                         const char *sep) {
  size_t n = group != NULL ? group->nsubs : sk_cli_ncommands;
  size_t i;
  int rc = 0;
  for (i = 0; rc == 0 && i < n; i++)
    rc = sk_buf_printf(out, "%s%s", i ? sep : "",
                       group != NULL ? group->subs[i].name
                                     : sk_cli_commands[i]->name);
  return rc;
}

static const char BASH_HEAD[] =
    "# bash completion for shipskip(1). Generated by 'shipskip help "
    "--completion bash'\n"
    "# from the command and option tables: do not edit.\n"
    "_shipskip() {\n"
    "  local cur prev cmd opts dirs files values words\n"
    "  COMPREPLY=()\n"
    "  cur=${COMP_WORDS[COMP_CWORD]}\n"
    "  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
    "  cmd=${COMP_WORDS[1]}\n"
    "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
    "    COMPREPLY=($(compgen -W \"$_shipskip_commands help --help "
    "--version\" -- \"$cur\"))\n"
    "    return\n"
    "  fi\n"
    "  if [ \"$cmd\" = help ]; then\n"
    "    [ \"$COMP_CWORD\" -eq 2 ] && COMPREPLY=($(compgen -W "
    "\"$_shipskip_commands\" -- \"$cur\"))\n"
    "    return\n"
    "  fi\n"
    "  case $cmd in\n";

static const char BASH_TAIL[] =
    "  esac\n"
    "  if [ -n \"$words\" ]; then\n"
    "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
    "  elif [[ $dirs == *\" $prev \"* ]]; then\n"
    "    COMPREPLY=($(compgen -d -- \"$cur\"))\n"
    "  elif [[ $files == *\" $prev \"* ]]; then\n"
    "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "  elif [[ $values == *\" $prev \"* ]]; then\n"
    "    return # a number, a name, a URL: nothing to offer\n"
    "  elif [[ $cur == -* ]]; then\n"
    "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
    "  else\n"
    "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
    "  fi\n"
    "}\n"
    "complete -o filenames -F _shipskip shipskip\n";

/* The group branch: the subcommand word, then "group sub" as the command. */
static int bash_groups(struct sk_buf *out) {
  size_t i;
  int rc = 0;
  for (i = 0; rc == 0 && i < sk_cli_ncommands; i++) {
    const struct sk_cli_cmd *c = sk_cli_commands[i];
    if (c->nsubs == 0)
      continue;
    rc = sk_buf_printf(out,
                       "    %s)\n"
                       "      if [ \"$COMP_CWORD\" -eq 2 ]; then\n"
                       "        COMPREPLY=($(compgen -W \"",
                       c->name);
    if (rc == 0)
      rc = command_words(out, c, " ");
    if (rc == 0)
      rc = sk_buf_adds(out, " --help\" -- \"$cur\"))\n        return\n"
                            "      fi\n"
                            "      cmd=\"$cmd ${COMP_WORDS[2]}\" ;;\n");
  }
  return rc;
}

int sk_gendoc_bash(struct sk_buf *out) {
  int rc = sk_buf_adds(out, BASH_HEAD);
  if (rc == 0)
    rc = bash_groups(out);
  if (rc == 0)
    rc = sk_buf_adds(out, "  esac\n  case $cmd in\n");
  if (rc == 0)
    rc = each_leaf(bash_command, out);
  if (rc == 0)
    rc = sk_buf_adds(out, BASH_TAIL);
  if (rc == 0)
    rc = sk_buf_adds(out, "_shipskip_commands=\"");
  if (rc == 0)
    rc = command_words(out, NULL, " ");
  if (rc == 0)
    rc = sk_buf_adds(out, "\"\n");
  return rc != 0 ? SK_ENOMEM : 0;
}

/* Appends s for a zsh _arguments spec inside single quotes: a quote
 * closes, escapes and reopens; brackets and colons are escaped, since they
 * end the description or the message. */
static int zsh_quote(struct sk_buf *out, const char *s) {
  int rc = 0;
  for (; rc == 0 && *s != '\0'; s++) {
    if (*s == '\'')
      rc = sk_buf_adds(out, "'\\''");
    else if (*s == '[' || *s == ']' || *s == ':')
      rc = sk_buf_printf(out, "\\%c", *s);
    else
      rc = sk_buf_add(out, s, 1);
  }
  return rc;
}

/* The action after an option's message: what its value completes to. */
static int zsh_action(struct sk_buf *out, const struct sk_opt *o) {
  size_t w;
  int rc = 0;
  switch (value_kind(o)) {
  case VALUE_DIR:
    return sk_buf_adds(out, ":_files -/");
  case VALUE_FILE:
    return sk_buf_adds(out, ":_files");
  case VALUE_WORDS:
    rc = sk_buf_adds(out, ":(");
    for (w = 0; rc == 0 && o->words[w] != NULL; w++)
      rc = sk_buf_printf(out, "%s%s", w ? " " : "", o->words[w]);
    return rc == 0 ? sk_buf_adds(out, ")") : rc;
  default:
    return sk_buf_adds(out, ": ");
  }
}

/* One _arguments spec: '--name=[help]:META:action' (a flag: no value
 * part; repeatable: a leading '*'). */
static int zsh_spec(struct sk_buf *out, const struct sk_opt *o, int is_short) {
  int takes = value_kind(o) != VALUE_NONE;
  int rc = sk_buf_printf(out, " \\\n        '%s",
                         o->type == SK_OPT_MULTI ? "*" : "");
  if (rc == 0 && is_short)
    rc = sk_buf_printf(out, "-%c%s[", o->short_name, takes ? "+" : "");
  else if (rc == 0)
    rc = sk_buf_printf(out, "--%s%s[", o->name, takes ? "=" : "");
  if (rc == 0)
    rc = zsh_quote(out, o->help);
  if (rc == 0)
    rc = sk_buf_adds(out, "]");
  if (rc == 0 && takes) {
    rc = sk_buf_adds(out, ":");
    if (rc == 0)
      rc = zsh_quote(out, o->metavar != NULL ? o->metavar : "VALUE");
    if (rc == 0)
      rc = zsh_action(out, o);
  }
  return rc == 0 ? sk_buf_adds(out, "'") : rc;
}

static int zsh_command(const struct sk_cli_cmd *cmd, const char *path,
                       void *ctx) {
  struct sk_buf *out = ctx;
  size_t g;
  size_t k;
  int rc = sk_buf_printf(out, "    \"%s\")\n      _arguments -S :", path);
  for (g = 0; cmd->opts != NULL && g < cmd->opts->ngroups; g++) {
    const struct sk_opt_group *gr = cmd->opts->groups[g];
    for (k = 0; rc == 0 && k < gr->n; k++) {
      if (gr->opts[k].short_name != 0)
        rc = zsh_spec(out, &gr->opts[k], 1);
      if (rc == 0)
        rc = zsh_spec(out, &gr->opts[k], 0);
    }
  }
  if (rc == 0)
    rc = sk_buf_adds(out, " \\\n        '--help[print this command'\\''s "
                          "help]' \\\n        '*:file:_files' ;;\n");
  return rc;
}

/* 'name:summary' entries for _describe, for the top level or a group. */
static int zsh_describe(struct sk_buf *out, const struct sk_cli_cmd *group) {
  size_t n = group != NULL ? group->nsubs : sk_cli_ncommands;
  size_t i;
  int rc = 0;
  for (i = 0; rc == 0 && i < n; i++) {
    const struct sk_cli_cmd *c =
        group != NULL ? &group->subs[i] : sk_cli_commands[i];
    rc = sk_buf_printf(out, "    '%s:", c->name);
    if (rc == 0)
      rc = zsh_quote(out, c->summary);
    if (rc == 0)
      rc = sk_buf_adds(out, "'\n");
  }
  return rc;
}

static int zsh_groups(struct sk_buf *out) {
  size_t i;
  int rc = 0;
  for (i = 0; rc == 0 && i < sk_cli_ncommands; i++) {
    const struct sk_cli_cmd *c = sk_cli_commands[i];
    if (c->nsubs == 0)
      continue;
    rc = sk_buf_printf(out,
                       "    %s)\n"
                       "      if (( CURRENT == 3 )); then\n"
                       "        subs=(\n",
                       c->name);
    if (rc == 0)
      rc = zsh_describe(out, c);
    if (rc == 0)
      rc = sk_buf_printf(out,
                         "        )\n"
                         "        _describe -t commands 'shipskip %s "
                         "command' subs\n"
                         "        return\n"
                         "      fi\n"
                         "      cmd=\"$cmd ${words[3]}\"\n"
                         "      shift words\n"
                         "      (( CURRENT-- )) ;;\n",
                         c->name);
  }
  return rc;
}

static const char ZSH_HEAD[] =
    "#compdef shipskip\n"
    "# zsh completion for shipskip(1). Generated by 'shipskip help "
    "--completion zsh'\n"
    "# from the command and option tables: do not edit.\n"
    "_shipskip() {\n"
    "  local -a cmds subs\n"
    "  local cmd\n"
    "  cmds=(\n";

int sk_gendoc_zsh(struct sk_buf *out) {
  int rc = sk_buf_adds(out, ZSH_HEAD);
  if (rc == 0)
    rc = zsh_describe(out, NULL);
  if (rc == 0)
    rc = sk_buf_adds(out, "    'help:print the help of a command'\n"
                          "  )\n"
                          "  if (( CURRENT == 2 )); then\n"
                          "    _describe -t commands 'shipskip command' cmds\n"
                          "    return\n"
                          "  fi\n"
                          "  cmd=${words[2]}\n"
                          "  case $cmd in\n"
                          "    help)\n"
                          "      (( CURRENT == 3 )) && _describe -t commands "
                          "'shipskip command' cmds\n"
                          "      return ;;\n");
  if (rc == 0)
    rc = zsh_groups(out);
  if (rc == 0)
    rc = sk_buf_adds(out, "  esac\n  shift words\n  (( CURRENT-- ))\n"
                          "  case $cmd in\n");
  if (rc == 0)
    rc = each_leaf(zsh_command, out);
  if (rc == 0)
    rc = sk_buf_adds(out, "  esac\n}\n_shipskip \"$@\"\n");
  return rc != 0 ? SK_ENOMEM : 0;
}
