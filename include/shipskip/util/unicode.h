/* unicode.h: the one scanner for characters that must be shown, not
 * rendered.
 *
 * Bidirectional controls (U+202A-202E, U+2066-2069, U+200E, U+200F,
 * U+061C) reorder the text after them; zero-width and other invisible
 * format characters (U+200B-200D, U+2060-2064, U+FEFF, the Unicode Cf
 * category as a whole, C1 controls, the line and paragraph separators)
 * hide text or make two names look alike. A tool name or a review holding
 * one could reverse our own text after it in a page title, a heading, an
 * index row, a draft or a terminal line. Every writer of text from a tool,
 * a model or a scorecard file shows them instead as a visible "<U+202E>":
 * the HTML and Markdown escapers (html.c, markdown.c) through
 * sk_unicode_neutralize(), the terminal through sk_unicode_fputs().
 *
 * Left as they are, because they reorder nothing and real text needs them:
 * U+200C and U+200D after a non-ASCII character (Persian, Indic scripts,
 * emoji sequences), and tag characters after U+1F3F4 (subdivision flags).
 */
#ifndef SHIPSKIP_UNICODE_H
#define SHIPSKIP_UNICODE_H

#include "shipskip/util/buf.h"

#include <stdio.h>

/* Returns a pointer to the first character of s (a NUL-terminated string)
 * to be shown as "<U+XXXX>", or NULL when there is none. Bytes that are not
 * well-formed UTF-8 are never reported (the escapers deal with bytes). */
const char *sk_unicode_find(const char *s);

/* Appends s to out with every character sk_unicode_find() reports written
 * as "<U+XXXX>" (4 to 6 upper-case hex digits), everything else copied.
 * s may be NULL (nothing is appended). Returns 0, SK_ENOMEM or SK_ETOOBIG
 * (out's cap). */
int sk_unicode_neutralize(struct sk_buf *out, const char *s);

/* Writes s to f for a terminal: as sk_unicode_neutralize(), and C0
 * controls other than tab and line feed, and DEL, are shown as "<U+000D>"
 * too, so a carriage return or an escape sequence cannot rewrite the
 * line. Returns 0, or -1 when a write failed. */
int sk_unicode_fputs(const char *s, FILE *f);

/* The value of an ASCII hex digit (0-9, a-f, A-F), or -1 for any other
 * byte: for escapes that spell a byte or a code point in hex. */
int sk_hex_value(char c);

#endif
