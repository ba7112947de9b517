/* gendoc.h: the man page and shell completions, generated from the command
 * table and its option tables.
 *
 * `shipskip --help` and `shipskip CMD --help` print from sk_cli_commands[]
 * and each command's struct sk_opt_set; the man page shipskip(1) and the
 * bash and zsh completions are rendered here from the same tables, at build
 * time (`shipskip help --man`, `shipskip help --completion bash|zsh`), so an
 * option added to a table is in all four and none can drift.
 */
#ifndef SHIPSKIP_CLI_GENDOC_H
#define SHIPSKIP_CLI_GENDOC_H

#include "shipskip/util/buf.h"

/* Appends the roff source of shipskip(1) to out: every command and
 * subcommand with its usage, summary, text and every option with its
 * default, then files, environment and exit status. Returns 0 or
 * SK_ENOMEM. */
int sk_gendoc_man(struct sk_buf *out);

/* Appends a bash completion script (complete -F _shipskip shipskip) to
 * out: command and subcommand words, each command's own options, the words
 * of an option that takes one of a list, directories after an option whose
 * value is a directory, files otherwise. Returns 0 or SK_ENOMEM. */
int sk_gendoc_bash(struct sk_buf *out);

/* Appends a zsh completion function (#compdef shipskip, for a file named
 * _shipskip on $fpath) to out, with the same knowledge as the bash one and
 * each option's help line as its description. Returns 0 or SK_ENOMEM. */
int sk_gendoc_zsh(struct sk_buf *out);

#endif
