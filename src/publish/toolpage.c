/* toolpage.c: the HTML page of one tool (see toolpage.h). The layout
 * follows the published pages: who the tool is, the panel's figures up
 * front, the decision facts, the description, then each reviewer's
 * scorecard, and the bookkeeping (models, tokens) last and quiet. */
#include "shipskip/publish/toolpage.h"
#include "shipskip/util/html.h"

#include <stdio.h>
#include <string.h>

/* Appends while nothing has failed, so the first error is the one returned.
 */
int sk_toolpage_grouped(struct sk_buf *out, long long n) {
  char digits[32];
  char grouped[48];
  size_t len;
  size_t i;
  size_t k = 0;

  snprintf(digits, sizeof(digits), "%lld", n < 0 ? 0 : n);
  len = strlen(digits);
  for (i = 0; i < len; i++) {
    if (i > 0 && (len - i) % 3 == 0)
      grouped[k++] = ',';
    grouped[k++] = digits[i];
  }
  grouped[k] = '\0';
  return sk_buf_adds(out, grouped);
}

/* The flag's look, inline: html.c's style sheet has no rule for it. The
 * Split colours are variables the sheet already swaps for the dark scheme
 * and for print (black on white), so the box stands out in all three. */
#define FLAG_BOX_STYLE                                                         \
  "border:2px solid var(--split);border-left-width:8px;"                       \
  "background:var(--split-bg);color:var(--fg);border-radius:12px;"             \
  "padding:14px 18px;margin:1.25em 0;max-width:75ch;break-inside:avoid;"       \
  "overflow-wrap:anywhere"
#define FLAG_MONO                                                              \
  "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"          \
  "font-size:.875em"
#define FLAG_EXCERPT_STYLE FLAG_MONO ";display:block;margin:.1em 0 .35em"

int sk_toolpage_flag_notice(struct sk_buf *out, const struct sk_scorecard *c,
                            int name_tool) {
  size_t i;
  int rc = 0;

  if (!c->flagged)
    return 0;
  SK_BUF_TRY(rc,
             sk_buf_adds(out, "<div class=\"flag\" role=\"note\" "
                              "style=\"" FLAG_BOX_STYLE "\">\n"
                              "<p style=\"margin:0;font-size:1.05rem\"><strong "
                              "style=\"color:var(--split)\">Flagged for the "
                              "editor:</strong> "));
  if (name_tool) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "the submission of <strong>"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->name));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</strong>"));
  } else {
    SK_BUF_TRY(rc, sk_buf_adds(out, "this submission"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(
                     out, " looks like it addresses the model; it was reviewed "
                          "anyway.</p>\n"));
  if (c->nfindings > 0) {
    SK_BUF_TRY(rc, sk_buf_printf(
                       out,
                       "<p style=\"margin:.5em 0 0\">What the "
                       "prompt-injection detector matched (%zu):</p>\n"
                       "<ul style=\"margin:.25em 0 0;padding-left:1.2em\">\n",
                       c->nfindings));
    for (i = 0; i < c->nfindings; i++) {
      const struct sk_scorecard_finding *f = &c->findings[i];
      /* "rule in field:", then the excerpt on a line of its own. */
      SK_BUF_TRY(rc, sk_buf_adds(out, "<li><code style=\"" FLAG_MONO "\">"));
      SK_BUF_TRY(rc, sk_html_escape(out, f->rule));
      SK_BUF_TRY(rc, sk_buf_adds(out, "</code> in "));
      SK_BUF_TRY(rc, sk_html_escape(out, f->field));
      SK_BUF_TRY(rc,
                 sk_buf_adds(out, ":<code style=\"" FLAG_EXCERPT_STYLE "\">"));
      SK_BUF_TRY(rc, sk_html_escape(out, f->excerpt));
      SK_BUF_TRY(rc, sk_buf_adds(out, "</code></li>\n"));
    }
    SK_BUF_TRY(rc, sk_buf_adds(out, "</ul>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</div>\n"));
  return rc;
}

int sk_toolpage_source_notice(struct sk_buf *out,
                              const struct sk_scorecard *c) {
  int rc = 0;

  if (c->source == NULL)
    return 0;
  /* Said before any figure: a reader who sees a model's name on a page of
   * hand-written samples would take them for that model's work. */
  SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"read\" role=\"note\"><span "
                                  "class=\"eyebrow\">Sample data</span>"));
  SK_BUF_TRY(rc, sk_html_escape(out, c->source));
  SK_BUF_TRY(rc, sk_buf_adds(out, ". These reviews are not a model's output; "
                                  "any model named here is the one "
                                  "the recorded requests ask for.</p>\n"));
  return rc;
}

int sk_toolpage_flag_marker(struct sk_buf *out, const struct sk_scorecard *c) {
  if (!c->flagged)
    return 0;
  /* Outlined, unlike the filled verdict badges it may sit beside. */
  return sk_buf_adds(
      out, " <span class=\"flag\" title=\"Flagged for the editor: the "
           "submission looks like it addresses the model\" "
           "style=\"display:inline-block;border:1.5px solid var(--split);"
           "color:var(--split);border-radius:999px;padding:0 .5em;"
           "font-size:.75rem;font-weight:700;letter-spacing:.04em;"
           "text-transform:uppercase;line-height:1.5;vertical-align:middle;"
           "white-space:nowrap\">flagged</span>");
}

/* One stat tile: <div><dt>label</dt><dd>value</dd></div>, value escaped. */
static int stat(struct sk_buf *out, const char *label, const char *value,
                int text) {
  int rc = sk_buf_printf(out, "<div><dt>%s</dt><dd%s>", label,
                         text ? " class=\"text\"" : "");
  SK_BUF_TRY(rc, sk_html_escape(out, value));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</dd></div>\n"));
  return rc;
}

/* One row of the facts table, skipped when value is NULL. */
static int fact(struct sk_buf *out, const char *label, const char *value) {
  int rc;
  if (value == NULL)
    return 0;
  rc = sk_buf_printf(out, "<tr><th scope=\"row\">%s</th><td>", label);
  SK_BUF_TRY(rc, sk_html_escape(out, value));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td></tr>\n"));
  return rc;
}

/* The rubric elements the paragraph did not cover, for the editor: "Not
 * covered: moat, buyer." Nothing when all were covered or coverage was not
 * measured. */
static int not_covered(struct sk_buf *out, const struct sk_review *r) {
  int rc = 0;
  size_t j;

  if (!r->has_rubric || r->nmissing == 0)
    return 0;
  SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"coverage\">Not covered: "));
  for (j = 0; j < r->nmissing; j++) {
    if (j > 0)
      SK_BUF_TRY(rc, sk_buf_adds(out, ", "));
    SK_BUF_TRY(rc, sk_html_escape(out, r->missing[j]));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, ".</p>\n"));
  return rc;
}

/* The evidence quotes of a structured reply, as footnotes under the
 * paragraph: each rubric element with the words that cover it (the quote
 * also in the element's title, shown on hover). Nothing without quotes. */
static int evidence(struct sk_buf *out, const struct sk_review *r) {
  int rc = 0;
  size_t k;

  if (r->nquotes == 0)
    return 0;
  SK_BUF_TRY(rc, sk_buf_adds(out, "<ol class=\"evidence\">\n"));
  for (k = 0; k < r->nquotes; k++) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<li><abbr title=\""));
    SK_BUF_TRY(rc, sk_html_escape(out, r->quotes[k]));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, r->quote_names[k]));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</abbr>: “"));
    SK_BUF_TRY(rc, sk_html_escape(out, r->quotes[k]));
    SK_BUF_TRY(rc, sk_buf_adds(out, "”</li>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</ol>\n"));
  return rc;
}

static int review(struct sk_buf *out, const struct sk_review *r) {
  char score[64];
  int rc = 0;
  size_t j;

  sk_card_score_text(r, score, sizeof(score));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<article class=\"review\">\n<header><h3>"));
  SK_BUF_TRY(rc, sk_html_escape(out, r->persona->display_name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</h3>"));
  if ((r->status == SK_REVIEW_OK)) {
    SK_BUF_TRY(rc, sk_html_badge(out, r->verdict, score));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</header>\n"));
    SK_BUF_TRY(rc, sk_html_score_bar(out, r->verdict, r->score));
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p>"));
    SK_BUF_TRY(rc, sk_html_escape(out, r->text));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
    SK_BUF_TRY(rc, not_covered(out, r));
    SK_BUF_TRY(rc, evidence(out, r));
  } else {
    SK_BUF_TRY(rc, sk_html_badge(out, NULL, "failed"));
    SK_BUF_TRY(rc,
               sk_buf_adds(out, "</header>\n<p class=\"failed\">No review: "));
    if (r->attempts > 0)
      SK_BUF_TRY(rc, sk_buf_printf(out, "failed after %d attempt%s.",
                                   r->attempts, r->attempts == 1 ? "" : "s"));
    else
      SK_BUF_TRY(rc, sk_buf_adds(out, "the review failed."));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
    if (r->nerrors > 0) {
      SK_BUF_TRY(rc, sk_buf_adds(out, "<ul>\n"));
      for (j = 0; j < r->nerrors; j++) {
        SK_BUF_TRY(rc, sk_buf_adds(out, "<li>"));
        SK_BUF_TRY(rc, sk_html_escape(out, r->errors[j]));
        SK_BUF_TRY(rc, sk_buf_adds(out, "</li>\n"));
      }
      SK_BUF_TRY(rc, sk_buf_adds(out, "</ul>\n"));
    }
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</article>\n"));
  return rc;
}

/* "Reviews written by M1 (Builder, Skeptic) and M2 (Founder)": each model
 * once, in panel order, with the reviewers that used it. */
static int models_line(struct sk_buf *out, const struct sk_scorecard *c) {
  size_t i;
  size_t j;
  size_t shown = 0;
  int rc = 0;

  if (c->nreviews == 0)
    return 0;
  SK_BUF_TRY(rc,
             sk_buf_adds(out, c->source != NULL ? "<p>Requests recorded for "
                                                : "<p>Reviews written by "));
  for (i = 0; i < c->nreviews; i++) {
    const char *m = c->reviews[i].model;
    int first = 1;
    for (j = 0; j < i; j++) {
      const char *mj = c->reviews[j].model;
      if ((m == NULL && mj == NULL) ||
          (m != NULL && mj != NULL && strcmp(m, mj) == 0))
        break;
    }
    if (j < i)
      continue; /* this model was listed with an earlier reviewer */
    if (shown > 0)
      SK_BUF_TRY(rc, sk_buf_adds(out, "; "));
    shown++;
    SK_BUF_TRY(rc, sk_buf_adds(out, "<strong>"));
    SK_BUF_TRY(rc, sk_html_escape(out, m != NULL ? m : "an unrecorded model"));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</strong> ("));
    for (j = i; j < c->nreviews; j++) {
      const char *mj = c->reviews[j].model;
      if (!((m == NULL && mj == NULL) ||
            (m != NULL && mj != NULL && strcmp(m, mj) == 0)))
        continue;
      if (!first)
        SK_BUF_TRY(rc, sk_buf_adds(out, ", "));
      first = 0;
      SK_BUF_TRY(rc, sk_html_escape(out, c->reviews[j].persona->display_name));
    }
    SK_BUF_TRY(rc, sk_buf_adds(out, ")"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, ".</p>\n"));
  return rc;
}

int sk_toolpage_html(const struct sk_scorecard *c,
                     const struct sk_toolpage_opts *o, struct sk_buf *out,
                     struct sk_error *err) {
  static const struct sk_toolpage_opts none = {NULL, NULL, 0};
  struct sk_html_page page;
  struct sk_buf title;
  char pct[64];
  char mean[64];
  char community[64];
  size_t i;
  int rc = 0;

  if (o == NULL)
    o = &none;
  sk_card_percent_text(c, pct, sizeof(pct));
  sk_card_mean_text(c, mean, sizeof(mean));
  sk_card_community_text(c, community, sizeof(community));
  sk_buf_init(&title, 4096);
  /* The title is plain text; the frame escapes it. */
  SK_BUF_TRY(rc, sk_buf_printf(&title, "%s: %s, panel review · shipskip",
                               c->tool->name, c->panel.label));
  page.title = sk_buf_str(&title);
  page.description = c->tool->tagline;
  page.home_href = o->home_href;
  SK_BUF_TRY(rc, sk_html_page_begin(out, &page));

  if (o->home_href != NULL) {
    SK_BUF_TRY(
        rc, sk_buf_adds(out, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\">"
                             "<a href=\""));
    SK_BUF_TRY(rc, sk_html_escape(out, o->home_href));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\">All tools</a> / "));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->name));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</nav>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "<article>\n<header>\n"));
  if (c->tool->category != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"eyebrow\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->category));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "<h1>"));
  SK_BUF_TRY(rc, sk_html_escape(out, c->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</h1>\n"));
  if (c->tool->tagline != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"lede\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->tagline));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(
      rc, sk_buf_adds(out, "<p class=\"verdict\"><span class=\"eyebrow\">Panel "
                           "verdict</span> <span class=\"badge big "));
  SK_BUF_TRY(rc, sk_buf_adds(out, sk_html_verdict_class(c->panel.verdict)));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, c->panel.label));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</span></p>\n</header>\n"));
  /* Before any figure: the editor reads the flag before the scores. */
  SK_BUF_TRY(rc, sk_toolpage_source_notice(out, c));
  SK_BUF_TRY(rc, sk_toolpage_flag_notice(out, c, 0));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<dl class=\"stats\">\n"));
  SK_BUF_TRY(rc, stat(out, "Panel ship", pct, 0));
  SK_BUF_TRY(rc, stat(out, "Mean score", mean, 0));
  SK_BUF_TRY(rc, stat(out, "Community", community, 1));
  SK_BUF_TRY(
      rc, stat(out, "Entry", c->tool->entry != NULL ? c->tool->entry : "—", 0));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</dl>\n"));

  SK_BUF_TRY(rc, sk_buf_adds(out, "<section aria-labelledby=\"about\">\n<h2 "
                                  "id=\"about\">About</h2>\n"));
  if (c->tool->description != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"about\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->description));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out,
                             "<div class=\"table-wrap\"><table>\n<caption>At a "
                             "glance</caption>\n<tbody>\n"));
  SK_BUF_TRY(rc, fact(out, "Panel verdict", c->panel.label));
  SK_BUF_TRY(rc, fact(out, "Community", community));
  SK_BUF_TRY(rc, fact(out, "Pricing", c->tool->pricing));
  SK_BUF_TRY(rc, fact(out, "Best for", c->tool->best_for));
  SK_BUF_TRY(rc, fact(out, "Category", c->tool->category));
  SK_BUF_TRY(rc, fact(out, "Entry", c->tool->entry));
  if (c->tool->url != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<tr><th scope=\"row\">Website</th><td>"));
    SK_BUF_TRY(rc, sk_html_link(out, c->tool->url, NULL));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</td></tr>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</tbody>\n</table></div>\n</section>\n"));

  SK_BUF_TRY(rc,
             sk_buf_adds(out, "<section aria-labelledby=\"scorecard\">\n<h2 "
                              "id=\"scorecard\">Reviewer scorecard</h2>\n"));
  if (c->nreviews == 0)
    SK_BUF_TRY(rc,
               sk_buf_adds(out, "<p class=\"absent\">No reviews yet.</p>\n"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<div class=\"reviews\">\n"));
  for (i = 0; i < c->nreviews; i++)
    SK_BUF_TRY(rc, review(out, &c->reviews[i]));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</div>\n</section>\n"));

  if (o->ncompared > 0) {
    SK_BUF_TRY(rc,
               sk_buf_adds(out, "<section aria-labelledby=\"compared\">\n<h2 "
                                "id=\"compared\">Compared with</h2>\n<ul "
                                "class=\"plain\">\n"));
    for (i = 0; i < o->ncompared; i++) {
      SK_BUF_TRY(rc, sk_buf_adds(out, "<li><a href=\""));
      SK_BUF_TRY(rc, sk_html_escape(out, o->compared[i].href));
      SK_BUF_TRY(rc, sk_buf_adds(out, "\">"));
      SK_BUF_TRY(rc, sk_html_escape(out, c->tool->name));
      SK_BUF_TRY(rc, sk_buf_adds(out, " vs "));
      SK_BUF_TRY(rc, sk_html_escape(out, o->compared[i].text));
      SK_BUF_TRY(rc, sk_buf_adds(out, "</a></li>\n"));
    }
    SK_BUF_TRY(rc, sk_buf_adds(out, "</ul>\n</section>\n"));
  }

  SK_BUF_TRY(rc, sk_buf_adds(out, "<footer class=\"page quiet\">\n"));
  SK_BUF_TRY(rc, models_line(out, c));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<p>Tokens: "));
  SK_BUF_TRY(rc, sk_toolpage_grouped(out, c->prompt_tokens));
  SK_BUF_TRY(rc, sk_buf_adds(out, " in · "));
  SK_BUF_TRY(rc, sk_toolpage_grouped(out, c->completion_tokens));
  SK_BUF_TRY(rc, sk_buf_adds(out, " out"));
  if (c->has_cost)
    SK_BUF_TRY(rc, sk_buf_printf(out, " · estimated cost $%.4f", c->cost_usd));
  SK_BUF_TRY(rc, sk_buf_adds(out, ".</p>\n</footer>\n</article>\n"));
  SK_BUF_TRY(rc, sk_html_page_end(out));
  sk_buf_cleanup(&title);
  if (rc != 0)
    return sk_error_set(err, rc, "%s: tool page: %s", c->tool->slug,
                        sk_strerror(rc));
  return 0;
}
