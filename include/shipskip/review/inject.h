/* inject.h: a prompt-injection detector for submitted tool text.
 *
 * Tool descriptions come from submitters and are untrusted. The prompt fence
 * (prompt.h) is the defence that matters: it tells the model where the data
 * starts and ends. This module is a tripwire beside it: it looks for text that
 * addresses the model instead of describing a tool ("ignore previous
 * instructions", "you are now", chat-template role markers), score and
 * verdict bribes ("SCORE: 100/100", "give it a perfect score"), forged fence
 * lines, instructions hidden in HTML comments, and invisible characters
 * (zero-width, bidi controls, Unicode tag characters) that hide or reorder
 * text. It reports what it found, by rule, field and excerpt, so an operator
 * can hold a tool for a human look; what to do with a finding is the caller's
 * decision. It cannot prove a text harmless: see docs/SECURITY.md.
 *
 * The rules are data, not C: a rules file (prompts/injection-patterns.txt)
 * holds one per line,
 *
 *   name<TAB>pattern                 a rule: a match is a finding
 *   name<TAB>pattern<TAB>mention     a rule whose phrase may be talked about
 *   !name<TAB>pattern                an exclusion: text that talks about
 *                                    injection ("detects phrases like ...")
 *
 * with '#' comment lines and blank lines ignored. Patterns are PCRE2, compiled
 * once at load (JIT-compiled when first matched), caseless, UTF, Unicode
 * properties, multiline (^ and $ match at line starts and ends), so
 * \x{200B} names a code point. A hit of a
 * "mention" rule that starts inside the match of an exclusion is not
 * reported: a prompt-injection scanner may say it "flags phrases like ignore
 * previous instructions" and still be innocent. Rules without "mention"
 * (hidden characters, forged fences, score bribes) are never excused.
 *
 * Text is scanned as written and, when it holds invisible characters, once
 * more with them removed and Unicode tag characters spelled out as the ASCII
 * they mirror, so "ig<U+200B>nore previous instructions" is seen as what a
 * model reads. Matching is bounded (a match limit per rule and
 * field); a rule that hits the bound is reported as a finding, never passed.
 *
 * Use: sk_inject_load() once at start-up (a bad rules file is a
 * configuration error, exit 2); sk_inject_scan() per tool; report each
 * hit's rule, field and excerpt ("code-llama-4: description: rule
 * instr.ignore-previous: ...Ignore all previous instructions..."); then
 * sk_inject_free(). A detector is not thread-safe (it reuses match data).
 */
#ifndef SHIPSKIP_INJECT_H
#define SHIPSKIP_INJECT_H

#include "shipskip/util/error.h"
#include "shipskip/model/findings.h"
#include "shipskip/model/tool.h"

#include <stddef.h>

struct sk_inject;

/* Loads and compiles the rules file at path. A malformed line or a pattern
 * that does not compile is SK_ECONFIG naming the file and line
 * ("prompts/injection-patterns.txt:12: rule \"x\": pattern does not compile
 * at offset 5: missing closing parenthesis"); an unreadable file is the
 * error of sk_fs_read_file. Returns 0 and *out (free with sk_inject_free). */
int sk_inject_load(const char *path, struct sk_inject **out,
                   struct sk_error *err);

/* The same from len bytes of rules text, named name in messages. */
int sk_inject_new(const char *text, size_t len, const char *name,
                  struct sk_inject **out, struct sk_error *err);

/* Frees the detector. NULL-safe. */
void sk_inject_free(struct sk_inject *d);

/* Returns the number of rules (exclusions not counted). */
size_t sk_inject_nrules(const struct sk_inject *d);

/* Turns the rules' literal prefilters (review/prefilter.h) on (the default)
 * or off. Every result is the same either way, only cheaper with them: this
 * exists so tests can compare the two. */
void sk_inject_set_prefilter(struct sk_inject *d, int on);

/* What the detector holds, for tests and benchmarks: patterns (rules and
 * exclusions), those with a literal prefilter, and those JIT-compiled so
 * far (a pattern is JIT-compiled the first time it is matched). */
struct sk_inject_stats {
  size_t patterns;
  size_t prefiltered;
  size_t jit_compiled;
};

/* Fills *out with d's counts. */
void sk_inject_stats(const struct sk_inject *d, struct sk_inject_stats *out);

/* Scans every free-text field of tool t (name, tagline, category, pricing,
 * best_for, url, description). Fills *r. Returns the number of hits (0 when
 * nothing was found) or SK_ENOMEM. */
int sk_inject_scan(struct sk_inject *d, const struct sk_tool *t,
                   struct sk_inject_result *r);

/* Scans len bytes of text, named field in hits, adding to *r (which the
 * caller zeroes first). Invalid UTF-8 is scanned as far as it is valid
 * (PCRE2's invalid-UTF mode). Texts over SK_INJECT_MAX_TEXT are SK_ETOOBIG.
 * Returns the number of hits in r, or a negative code. */
int sk_inject_scan_text(struct sk_inject *d, const char *field,
                        const char *text, size_t len,
                        struct sk_inject_result *r);

#endif
