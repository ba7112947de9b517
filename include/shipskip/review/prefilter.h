/* prefilter.h: where a rubric pattern's match can start, found without
 * running the pattern.
 *
 * A rubric pattern (the personas' JSON files) is an alternation of phrases,
 * compiled caseless with PCRE2_UTF | PCRE2_UCP. Its JIT code tries the
 * alternation at nearly every letter of the paragraph, so matching costs about
 * 40 instructions a byte up to the first match, and the whole paragraph when
 * there is none. A prefilter is the pattern's literal cover: a set of short
 * ASCII strings such that every match of the pattern begins with one of them
 * (compared ASCII case-insensitively). The earliest place one of them occurs
 * is then the earliest place a match can start, so matching from there finds
 * the same first match, and a paragraph where none occurs cannot match at
 * all. The cover is derived from the pattern's text by a small parser that
 * knows literals, groups, alternation, quantifiers, classes, \b, escaped
 * punctuation and lookaheads; any other syntax (anchors, back references,
 * inline options, lookbehinds...) gives no prefilter, and the pattern is
 * matched from the start as before.
 *
 * A pattern that opens with \b and whose literals all start with an ASCII
 * letter, digit or "_" cannot match from a place right after one of those,
 * so the scan skips the inside of words.
 *
 * Caseless UTF matching also lets two non-ASCII characters stand for ASCII
 * letters: U+017F (long s, for "s") and U+212A (Kelvin sign, for "k"). The
 * scan stops at either of them and answers the place a literal holding it
 * could start (the longest literal's length back), so a paragraph that
 * holds one is matched from there on (tests/test_prefilter.c proves against
 * the linked PCRE2 that these are the only two).
 */
#ifndef SHIPSKIP_PREFILTER_H
#define SHIPSKIP_PREFILTER_H

#include <stddef.h>

/* What sk_prefilter_first returns when no match can start anywhere. */
#define SK_PREFILTER_NONE ((size_t)-1)

struct sk_prefilter;

/* Derives the literal cover of pattern (a PCRE2 pattern to be compiled
 * with PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP and no other option) into a
 * new prefilter in *out, freed with sk_prefilter_free. Returns 0 with *out
 * NULL when the pattern has no usable cover (syntax the parser does not
 * know, an alternative that can start with anything, or a cover too large):
 * the caller then matches without one. Returns SK_ENOMEM when out of
 * memory (*out NULL). */
int sk_prefilter_new(const char *pattern, struct sk_prefilter **out);

/* Frees pf; NULL is allowed. */
void sk_prefilter_free(struct sk_prefilter *pf);

/* The offset of the earliest byte of text (len bytes, valid UTF-8) where a
 * match of pf's pattern can start, or SK_PREFILTER_NONE when none can.
 * The offset is always at a character boundary. */
size_t sk_prefilter_first(const struct sk_prefilter *pf, const char *text,
                          size_t len);

/* The number of literals in pf's cover (for tests; 0 for NULL), and the
 * i-th of them, lower case, NUL-terminated (i < sk_prefilter_count). */
size_t sk_prefilter_count(const struct sk_prefilter *pf);
const char *sk_prefilter_literal(const struct sk_prefilter *pf, size_t i);

#endif
