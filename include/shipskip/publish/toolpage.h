/* toolpage.h: the published page of one tool, in HTML.
 *
 * From a scorecard as read back (scorecard.h): the tool's name, tagline,
 * category, entry, pricing, best for, website and description; the panel
 * verdict badge ("Ship · 4 ship / 0 skip"), panel ship %, mean score and
 * community votes ("No community votes yet", or "62% ship · 412 votes"); the
 * reviewer scorecard, each persona's display name, "NN/100 · ship|skip" and
 * paragraph, or, for a review that never validated, "failed" with its reasons;
 * and a quiet footer with the models that wrote the reviews and the tokens
 * spent. A cost is shown only when the scorecard carries usage.cost_usd; none
 * is ever estimated here.
 *
 * A card the prompt-injection detector flagged (scorecard.h) gets a notice for
 * the editor between the header and the figures: "Flagged for the editor:
 * this submission looks like it addresses the model; it was reviewed
 * anyway", with each finding's rule, field and excerpt. The notice is a
 * bordered amber box (the Split colours, so it follows the light and dark
 * schemes, and prints as a black frame); its styles are inline because the
 * shared style sheet (html.c) has no rule for it.
 *
 * Every text comes from a submission, a model or a file and goes through
 * sk_html_escape(); the website becomes a link only by sk_html_link()'s
 * rule. The page is self-contained (see html.h).
 */
#ifndef SHIPSKIP_TOOLPAGE_H
#define SHIPSKIP_TOOLPAGE_H

#include "shipskip/util/buf.h"
#include "shipskip/model/card.h"
#include "shipskip/util/error.h"

#include <stddef.h>

/* A link shipskip made itself (a relative path of slugs), with its text. */
struct sk_page_link {
  const char *href; /* escaped as an attribute, never checked as a URL */
  const char *text; /* escaped */
};

struct sk_toolpage_opts {
  const char *home_href; /* the site index ("../index.html"), or NULL for a
                            page that stands alone */
  const struct sk_page_link *compared; /* comparisons this tool is in */
  size_t ncompared;
};

/* Appends the tool page of c to out. o may be NULL (a standalone page).
 * Returns 0, or SK_ENOMEM / SK_ETOOBIG (out's cap) with err naming the slug.
 */
int sk_toolpage_html(const struct sk_scorecard *c,
                     const struct sk_toolpage_opts *o, struct sk_buf *out,
                     struct sk_error *err);

/* Appends n as decimal digits grouped in threes with commas ("2,546").
 * Returns 0, SK_ENOMEM or SK_ETOOBIG. */
int sk_toolpage_grouped(struct sk_buf *out, long long n);

/* Appends the editor's notice for a flagged card: "Flagged for the editor:
 * this submission looks like it addresses the model; it was reviewed
 * anyway." and a list of the findings (rule, field, excerpt, each escaped).
 * With name_tool the sentence names the tool ("the submission of Code Llama
 * 4 looks like..."), for pages that show two. Appends nothing when c is not
 * flagged. Returns 0, SK_ENOMEM or SK_ETOOBIG. */
int sk_toolpage_flag_notice(struct sk_buf *out, const struct sk_scorecard *c,
                            int name_tool);

/* Appends the notice that c's reviews are sample data, not a model's output
 * ("Sample data: <c->source>. ..."), for the top of every page made from
 * such a scorecard; nothing when c->source is NULL. Same returns. */
int sk_toolpage_source_notice(struct sk_buf *out, const struct sk_scorecard *c);

/* Appends the small "flagged" marker shown beside a flagged tool's name
 * (the site index, comparison pages); nothing when c is not flagged. Same
 * returns. */
int sk_toolpage_flag_marker(struct sk_buf *out, const struct sk_scorecard *c);

#endif
