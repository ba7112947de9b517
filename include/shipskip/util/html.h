/* html.h: the HTML primitives every published page is built from: the one
 * escaping helper, the link rule, and the page frame (head, inline style
 * sheet, header and footer).
 *
 * Escaping: every piece of text that came from a tool submission, a model or
 * a scorecard file reaches HTML through sk_html_escape(), which is safe both
 * as element text and inside a double-quoted attribute value. A URL becomes
 * a link only through sk_html_link(), and only when it is plain http:// or
 * https://; any other scheme (javascript:, data:, vbscript:, relative
 * paths...) is shown as escaped text, never as an href.
 *
 * The frame makes pages self-contained: the style sheet is inline, there are
 * no scripts, fonts, images or other requests, and a Content-Security-Policy
 * meta tag forbids them, so even a rendering bug could not load anything.
 * Pages are fluid (viewport meta, one column on a phone), print cleanly
 * (@media print) and follow the reader's light or dark preference.
 */
#ifndef SHIPSKIP_HTML_H
#define SHIPSKIP_HTML_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

/* Appends s to out with & < > " ' replaced by character references, so the
 * result is safe as element text and as a quoted attribute value. C0 control
 * characters other than tab, newline and carriage return, and DEL, are
 * dropped (they are not allowed in HTML text). s may be NULL (nothing is
 * appended). Returns 0, SK_ENOMEM or SK_ETOOBIG (out's cap). */
int sk_html_escape(struct sk_buf *out, const char *s);

/* Returns 1 if url may be an href: it starts with http:// or https://
 * (either case), has a host, and holds no white space, control character,
 * quote, backslash or angle bracket. Anything else returns 0. */
int sk_html_url_ok(const char *url);

/* Appends a link to url with the escaped text, or, when url fails
 * sk_html_url_ok(), the escaped url as plain text in a <span
 * class="url">. text NULL means the url itself. External links get
 * rel="nofollow noopener noreferrer". Same returns as sk_html_escape(). */
int sk_html_link(struct sk_buf *out, const char *url, const char *text);

/* Options of the page frame. Strings here are trusted markup-free text
 * chosen by shipskip or by the caller from escaped values; title and
 * description are escaped anyway. */
struct sk_html_page {
  const char *title;       /* <title>, escaped */
  const char *description; /* <meta name="description">, escaped; may be NULL */
  const char *home_href;   /* link of the site name in the header (a
                              relative path shipskip built), or NULL for no
                              link */
};

/* Appends the doctype, head (charset, viewport, color-scheme, CSP, referrer
 * policy, the inline style sheet), the opening <body>, the site header and
 * the opening <main>. Same returns as sk_html_escape(). */
int sk_html_page_begin(struct sk_buf *out, const struct sk_html_page *p);

/* Appends the closing </main>, the site footer and the closing tags. */
int sk_html_page_end(struct sk_buf *out);

/* Appends a verdict badge: <span class="badge KIND">label</span>, where KIND
 * is ship, skip, split or none after verdict ("Ship", "ship", "Skip",
 * "Split"...; anything else or NULL is none) and label is escaped. */
int sk_html_badge(struct sk_buf *out, const char *verdict, const char *label);

/* Appends a review's score bar: a decorative track filled to score percent
 * (clamped to 0..100) in the verdict's colour (sk_html_verdict_class()), so
 * a skip's bar reads as a skip at a glance. */
int sk_html_score_bar(struct sk_buf *out, const char *verdict, int score);

/* Returns the CSS class for a verdict as sk_html_badge() chooses it. */
const char *sk_html_verdict_class(const char *verdict);

#endif
