/* markdown.h: escaping for the Markdown shipskip publishes (comparisons).
 *
 * Every piece of text from a tool submission, a model or a scorecard file
 * reaches Markdown through sk_markdown_text() (paragraphs) or
 * sk_markdown_cell() (text inside a line: table cells, headings, list
 * items). Both backslash every character that can open markup — emphasis,
 * code, links and images, autolinks, raw HTML, entities, tables,
 * strikethrough — so submitted text can never become a link, an image, a
 * heading or HTML. sk_markdown_text() also neutralizes block markers at the
 * start of a line (headings, lists, quotes, rules, setext underlines,
 * ordered-list numbers), escaping an ordered-list marker as "1\." because
 * CommonMark only honours a backslash before punctuation ("\1" would print
 * the backslash). The editor's draft (scorecard.c) uses the same helpers.
 *
 * Links are made only by sk_markdown_link(), and only to http:// and
 * https:// URLs (the same rule as sk_html_url_ok()); anything else —
 * javascript:, data:, ... — is printed as escaped text.
 */
#ifndef SHIPSKIP_MARKDOWN_H
#define SHIPSKIP_MARKDOWN_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

/* Appends s (NULL appends nothing) escaped as Markdown paragraph text; line
 * breaks are kept. Returns 0, SK_ENOMEM or SK_ETOOBIG (out's cap). */
int sk_markdown_text(struct sk_buf *out, const char *s);

/* Appends s escaped as inline Markdown on one line: newlines, carriage
 * returns and tabs become spaces, and '|' is escaped so a table cell cannot
 * end early. For text that follows something on its line (a cell, a
 * heading, a list item). Same returns as sk_markdown_text(). */
int sk_markdown_cell(struct sk_buf *out, const char *s);

/* Appends <url> (an autolink) when url is http:// or https:// and safe as
 * sk_html_url_ok() says, else the url as escaped inline text. Same returns.
 */
int sk_markdown_link(struct sk_buf *out, const char *url);

#endif
