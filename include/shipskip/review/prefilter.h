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
 *
 * The extended syntax (SK_PREFILTER_EXTENDED, for the prompt-injection
 * rules) also knows \x escapes, \t, \n, \r, \f, \e and \a, lookbehinds,
 * ^ and $ (zero width: where they match depends on the text, not on where
 * matching starts) and non-ASCII pattern characters. Caseless, a non-ASCII
 * character other than U+017F and U+212A matches only non-ASCII characters,
 * so a match that starts with one starts with a byte from 0xC0 on: a text
 * of ASCII only is passed over at once. There the text may also be invalid
 * UTF-8 (PCRE2_MATCH_INVALID_UTF), which changes nothing: a match never
 * holds an invalid byte.
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

/* Options of sk_prefilter_new_opts. */
#define SK_PREFILTER_EXTENDED 1u /* the extended syntax, above */

/* The same as sk_prefilter_new, with options (SK_PREFILTER_EXTENDED or 0).
 * With SK_PREFILTER_EXTENDED the pattern may also be compiled with
 * PCRE2_MULTILINE and PCRE2_MATCH_INVALID_UTF. */
int sk_prefilter_new_opts(const char *pattern, unsigned opts,
                          struct sk_prefilter **out);

/* Frees pf; NULL is allowed. */
void sk_prefilter_free(struct sk_prefilter *pf);

/* The offset of the earliest byte of text (len bytes, valid UTF-8; for the
 * extended syntax, any bytes) where a match of pf's pattern can start, or
 * SK_PREFILTER_NONE when none can. Match with the whole text as subject and
 * the offset as start offset: \b and lookbehinds look at what is before.
 * The offset is always at a character boundary (in invalid UTF-8: at 0 or
 * at a byte that is not 0x80-0xBF). */
size_t sk_prefilter_first(const struct sk_prefilter *pf, const char *text,
                          size_t len);

/* A set of prefilters found in one pass over a text, for a caller that
 * matches many patterns over the same text (the injection rules). */
struct sk_prefilter_set;

/* Makes a set of the n prefilters pfs[0..n) (NULL entries allowed: such a
 * pattern is matched from the start). The set refers to them: they must
 * outlive it. Returns 0 and *out (free with sk_prefilter_set_free), or
 * SK_ENOMEM. */
int sk_prefilter_set_new(const struct sk_prefilter *const *pfs, size_t n,
                         struct sk_prefilter_set **out);

/* Frees s; NULL is allowed. */
void sk_prefilter_set_free(struct sk_prefilter_set *s);

/* Sets first[k], for every k < n, to sk_prefilter_first(pfs[k], text, len)
 * (0 for a NULL prefilter), in one pass over text. s keeps scratch for the
 * pass: one set is not for two threads at once. */
void sk_prefilter_set_first(struct sk_prefilter_set *s, const char *text,
                            size_t len, size_t *first);

/* The number of literals in pf's cover (for tests; 0 for NULL), and the
 * i-th of them, lower case, NUL-terminated (i < sk_prefilter_count). */
size_t sk_prefilter_count(const struct sk_prefilter *pf);
const char *sk_prefilter_literal(const struct sk_prefilter *pf, size_t i);

#endif
