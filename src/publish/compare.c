/* compare.c: pairing two panels persona by persona, the read, and the
 * comparison in HTML, Markdown and JSON (see compare.h). The figures are
 * computed once in sk_compare_build(); the three renderers only print them,
 * so the formats can never disagree. */
#include "shipskip/publish/compare.h"
#include "shipskip/util/html.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/markdown.h"
#include "shipskip/publish/toolpage.h"

#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends while nothing has failed, so the first error is the one returned.
 */
/* ---- The model ---- */

static const struct sk_review *find_review(const struct sk_scorecard *c,
                                           const char *persona) {
  size_t i;
  for (i = 0; i < c->nreviews; i++)
    if (strcmp(c->reviews[i].persona->name, persona) == 0)
      return &c->reviews[i];
  return NULL;
}

/* Mean scores are written to one decimal; compare them in tenths so 74.5
 * and 74.50000001 are level. */
static long tenths(double mean) {
  return (long)floor(mean * 10.0 + 0.5);
}

static const char *verdict_phrase(const struct sk_scorecard *c) {
  if (c->panel.verdict == NULL)
    return "has no verdict";
  if (strcmp(c->panel.verdict, "Ship") == 0)
    return "ships";
  if (strcmp(c->panel.verdict, "Skip") == 0)
    return "skips";
  return "is split";
}

static int same_verdict(const struct sk_scorecard *a,
                        const struct sk_scorecard *b) {
  if (a->panel.verdict == NULL || b->panel.verdict == NULL)
    return a->panel.verdict == b->panel.verdict;
  return strcmp(a->panel.verdict, b->panel.verdict) == 0;
}

/* Writes the read (see compare.h for the rules) into out. */
static int make_read(struct sk_compare *cmp, struct sk_buf *out) {
  const struct sk_scorecard *a = cmp->a;
  const struct sk_scorecard *b = cmp->b;
  const struct sk_scorecard *w;
  const struct sk_scorecard *l;
  int rc = 0;

  if (same_verdict(a, b)) {
    SK_BUF_TRY(rc, sk_buf_adds(out, a->panel.verdict == NULL
                                        ? "Neither has a panel verdict"
                                    : strcmp(a->panel.verdict, "Ship") == 0
                                        ? "Both ship"
                                    : strcmp(a->panel.verdict, "Skip") == 0
                                        ? "Both skip"
                                        : "Both panels are split"));
  } else {
    SK_BUF_TRY(rc, sk_buf_printf(out, "%s %s, %s %s", a->tool->name,
                                 verdict_phrase(a), b->tool->name,
                                 verdict_phrase(b)));
  }
  cmp->stronger = SK_COMPARE_NONE;
  cmp->by_mean = 0;
  if (a->panel.reviewers == 0 || b->panel.reviewers == 0) {
    if (a->panel.reviewers == 0 && b->panel.reviewers == 0)
      SK_BUF_TRY(
          rc,
          sk_buf_adds(out, "; neither panel has accepted reviews to weigh."));
    else
      SK_BUF_TRY(rc,
                 sk_buf_printf(out, "; only %s has accepted reviews to weigh.",
                               a->panel.reviewers > 0 ? a->tool->name
                                                      : b->tool->name));
    return rc;
  }
  if (a->panel.ship_percent != b->panel.ship_percent) {
    cmp->stronger = a->panel.ship_percent > b->panel.ship_percent
                        ? SK_COMPARE_A
                        : SK_COMPARE_B;
  } else if (tenths(a->panel.mean_score) != tenths(b->panel.mean_score)) {
    cmp->stronger = tenths(a->panel.mean_score) > tenths(b->panel.mean_score)
                        ? SK_COMPARE_A
                        : SK_COMPARE_B;
    cmp->by_mean = 1;
  } else {
    cmp->stronger = SK_COMPARE_TIE;
    SK_BUF_TRY(
        rc, sk_buf_printf(out,
                          "; the panels are level at %d%% ship and a %.1f mean "
                          "score.",
                          a->panel.ship_percent, a->panel.mean_score));
    return rc;
  }
  w = cmp->stronger == SK_COMPARE_A ? a : b;
  l = cmp->stronger == SK_COMPARE_A ? b : a;
  if (!cmp->by_mean)
    SK_BUF_TRY(rc,
               sk_buf_printf(out,
                             "; %s carries the stronger panel, %d/%d against "
                             "%d/%d.",
                             w->tool->name, w->panel.ships, w->panel.skips,
                             l->panel.ships, l->panel.skips));
  else
    SK_BUF_TRY(
        rc, sk_buf_printf(out,
                          "; level at %d%% panel ship, %s carries the stronger "
                          "panel on mean score, %.1f against %.1f.",
                          w->panel.ship_percent, w->tool->name,
                          w->panel.mean_score, l->panel.mean_score));
  return rc;
}

int sk_compare_build(const struct sk_scorecard *a, const struct sk_scorecard *b,
                     struct sk_compare *cmp, struct sk_error *err) {
  struct sk_buf read;
  size_t i;
  int rc = 0;

  memset(cmp, 0, sizeof(*cmp));
  cmp->a = a;
  cmp->b = b;
  cmp->rows = calloc(a->nreviews + b->nreviews + 1, sizeof(*cmp->rows));
  if (cmp->rows == NULL)
    return sk_error_set(err, SK_ENOMEM, "comparison: out of memory");
  /* A's panel order first, then B's personas that A lacks. A persona listed
   * twice on one side pairs once, with its first review. */
  for (i = 0; i < a->nreviews + b->nreviews; i++) {
    const struct sk_review *r =
        i < a->nreviews ? &a->reviews[i] : &b->reviews[i - a->nreviews];
    struct sk_compare_row *row;
    size_t k;
    for (k = 0; k < cmp->nrows; k++)
      if (strcmp(cmp->rows[k].persona, r->persona->name) == 0)
        break;
    if (k < cmp->nrows)
      continue;
    row = &cmp->rows[cmp->nrows++];
    row->persona = r->persona->name;
    row->display_name = r->persona->display_name;
    row->a = find_review(a, r->persona->name);
    row->b = find_review(b, r->persona->name);
    if (row->a != NULL && row->b != NULL && (row->a->status == SK_REVIEW_OK) &&
        (row->b->status == SK_REVIEW_OK)) {
      row->higher = row->a->score > row->b->score   ? SK_COMPARE_A
                    : row->b->score > row->a->score ? SK_COMPARE_B
                                                    : SK_COMPARE_TIE;
      row->split = strcmp(row->a->verdict, row->b->verdict) != 0;
      cmp->nsplit += (size_t)row->split;
    }
  }
  sk_buf_init(&read, 4096);
  rc = make_read(cmp, &read);
  if (rc == 0) {
    cmp->read = sk_buf_take(&read);
    if (cmp->read == NULL)
      rc = SK_ENOMEM;
  }
  sk_buf_cleanup(&read);
  if (rc != 0) {
    sk_compare_cleanup(cmp);
    return sk_error_set(err, rc, "comparison: %s", sk_strerror(rc));
  }
  return 0;
}

void sk_compare_cleanup(struct sk_compare *cmp) {
  if (cmp == NULL)
    return;
  free(cmp->rows);
  free(cmp->read);
  memset(cmp, 0, sizeof(*cmp));
}

void sk_compare_page_name(const char *a, const char *b, char *buf,
                          size_t size) {
  snprintf(buf, size, "%s-vs-%s.html", a, b);
}

/* Plain-text figures shared by the renderers. */

/* "Code Llama 4 (+6)", "Level", or "—". */
static int higher_text(const struct sk_compare *cmp,
                       const struct sk_compare_row *row, struct sk_buf *out) {
  int d;
  if (row->higher == SK_COMPARE_NONE)
    return sk_buf_adds(out, "—");
  if (row->higher == SK_COMPARE_TIE)
    return sk_buf_adds(out, "Level");
  d = row->a->score - row->b->score;
  return sk_buf_printf(out, "%s (+%d)",
                       row->higher == SK_COMPARE_A ? cmp->a->tool->name
                                                   : cmp->b->tool->name,
                       d < 0 ? -d : d);
}

static void score_cell(const struct sk_review *r, char *buf, size_t size) {
  if (r == NULL)
    snprintf(buf, size, "Not on this panel");
  else
    sk_card_score_text(r, buf, size);
}

/* ---- HTML ---- */

/* A decision row: the label and both values, each escaped. */
static int html_row(struct sk_buf *out, const char *label, const char *a,
                    const char *b) {
  int rc = sk_buf_printf(out, "<tr><th scope=\"row\">%s</th><td>", label);
  SK_BUF_TRY(rc, sk_html_escape(out, a != NULL ? a : "—"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td>"));
  SK_BUF_TRY(rc, sk_html_escape(out, b != NULL ? b : "—"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td></tr>\n"));
  return rc;
}

/* The tool's name, linked to its page when the page is known. */
static int html_name(struct sk_buf *out, const struct sk_scorecard *c,
                     const char *href) {
  int rc = 0;
  if (href != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<a href=\""));
    SK_BUF_TRY(rc, sk_html_escape(out, href));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\">"));
  }
  SK_BUF_TRY(rc, sk_html_escape(out, c->tool->name));
  if (href != NULL)
    SK_BUF_TRY(rc, sk_buf_adds(out, "</a>"));
  return rc;
}

static int html_summary(struct sk_buf *out, const struct sk_scorecard *c,
                        const char *href, const char *id) {
  char pct[64];
  char community[64];
  int rc = 0;

  sk_card_percent_text(c, pct, sizeof(pct));
  sk_card_community_text(c, community, sizeof(community));
  SK_BUF_TRY(rc, sk_buf_printf(out,
                               "<section class=\"card tool-sum\" "
                               "aria-labelledby=\"%s\">\n",
                               id));
  if (c->tool->category != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"eyebrow\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->category));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_printf(out, "<h2 id=\"%s\">", id));
  SK_BUF_TRY(rc, html_name(out, c, href));
  SK_BUF_TRY(rc, sk_toolpage_flag_marker(out, c));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</h2>\n"));
  if (c->tool->tagline != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"lede\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->tagline));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(rc,
             sk_buf_adds(out, "<dl class=\"stats\">\n<div><dt>Panel</dt><dd>"));
  SK_BUF_TRY(rc,
             sk_html_badge(out, c->panel.verdict,
                           c->panel.verdict ? c->panel.verdict : "No verdict"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</dd></div>\n<div><dt>Panel ship</dt><dd>"));
  SK_BUF_TRY(rc, sk_html_escape(out, pct));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</dd></div>\n<div><dt>Community</dt><dd "
                                  "class=\"text\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, community));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</dd></div>\n<div><dt>Entry</dt><dd>"));
  SK_BUF_TRY(
      rc, sk_html_escape(out, c->tool->entry != NULL ? c->tool->entry : "—"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</dd></div>\n</dl>\n"));
  if (c->tool->description != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"desc\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, c->tool->description));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</section>\n"));
  return rc;
}

/* The score cell of the summary table. */
static int html_score(struct sk_buf *out, const struct sk_review *r) {
  char score[64];
  int rc = 0;
  score_cell(r, score, sizeof(score));
  if (r == NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<span class=\"absent\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, score));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</span>"));
  } else {
    SK_BUF_TRY(
        rc, sk_html_badge(out, (r->status == SK_REVIEW_OK) ? r->verdict : NULL,
                          score));
  }
  return rc;
}

/* One side of a persona's pair of reviews. */
static int html_side(struct sk_buf *out, const struct sk_scorecard *c,
                     const struct sk_review *r) {
  int rc = 0;
  size_t j;

  SK_BUF_TRY(rc, sk_buf_adds(out, "<article class=\"review\">\n<header><span "
                                  "class=\"who\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, c->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</span>"));
  if (r == NULL) {
    SK_BUF_TRY(rc,
               sk_buf_adds(out, "</header>\n<p class=\"absent\">Not on this "
                                "panel: no "));
    SK_BUF_TRY(rc, sk_buf_adds(out, "review from this persona.</p>\n"));
  } else if (!(r->status == SK_REVIEW_OK)) {
    SK_BUF_TRY(rc, sk_html_badge(out, NULL, "failed"));
    SK_BUF_TRY(rc,
               sk_buf_adds(out, "</header>\n<p class=\"failed\">No review: the "
                                "reply never met the contract.</p>\n"));
    if (r->nerrors > 0) {
      SK_BUF_TRY(rc, sk_buf_adds(out, "<ul>\n"));
      for (j = 0; j < r->nerrors; j++) {
        SK_BUF_TRY(rc, sk_buf_adds(out, "<li>"));
        SK_BUF_TRY(rc, sk_html_escape(out, r->errors[j]));
        SK_BUF_TRY(rc, sk_buf_adds(out, "</li>\n"));
      }
      SK_BUF_TRY(rc, sk_buf_adds(out, "</ul>\n"));
    }
  } else {
    char score[64];
    sk_card_score_text(r, score, sizeof(score));
    SK_BUF_TRY(rc, sk_html_badge(out, r->verdict, score));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</header>\n"));
    SK_BUF_TRY(rc, sk_html_score_bar(out, r->verdict, r->score));
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p>"));
    SK_BUF_TRY(rc, sk_html_escape(out, r->text));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</article>\n"));
  return rc;
}

static int html_split(struct sk_buf *out, const struct sk_compare *cmp) {
  size_t i;
  size_t only = 0;
  int rc = 0;

  SK_BUF_TRY(rc, sk_buf_adds(out, "<section aria-labelledby=\"split\">\n<h2 "
                                  "id=\"split\">Reviewer split</h2>\n"));
  if (cmp->nsplit == 0) {
    SK_BUF_TRY(rc, sk_buf_adds(
                       out, "<p>No split: every reviewer who scored both tools "
                            "gave them the same verdict.</p>\n"));
  } else {
    SK_BUF_TRY(
        rc, sk_buf_printf(out,
                          "<p>%zu reviewer%s disagree%s on ship or skip:</p>\n"
                          "<ul class=\"split-list\">\n",
                          cmp->nsplit, cmp->nsplit == 1 ? "" : "s",
                          cmp->nsplit == 1 ? "s" : ""));
    for (i = 0; i < cmp->nrows; i++) {
      const struct sk_compare_row *row = &cmp->rows[i];
      if (!row->split)
        continue;
      SK_BUF_TRY(rc, sk_buf_adds(out, "<li><strong>"));
      SK_BUF_TRY(rc, sk_html_escape(out, row->display_name));
      SK_BUF_TRY(rc, sk_buf_printf(out, "</strong>: %s for ", row->a->verdict));
      SK_BUF_TRY(rc, sk_html_escape(out, cmp->a->tool->name));
      SK_BUF_TRY(rc, sk_buf_printf(out, ", %s for ", row->b->verdict));
      SK_BUF_TRY(rc, sk_html_escape(out, cmp->b->tool->name));
      SK_BUF_TRY(rc, sk_buf_adds(out, ".</li>\n"));
    }
    SK_BUF_TRY(rc, sk_buf_adds(out, "</ul>\n"));
  }
  for (i = 0; i < cmp->nrows; i++)
    only += cmp->rows[i].a == NULL || cmp->rows[i].b == NULL;
  if (only > 0) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<p class=\"quiet\">On one panel only: "));
    for (i = 0; i < cmp->nrows; i++) {
      const struct sk_compare_row *row = &cmp->rows[i];
      if (row->a != NULL && row->b != NULL)
        continue;
      SK_BUF_TRY(rc, sk_html_escape(out, row->display_name));
      SK_BUF_TRY(rc, sk_buf_adds(out, " ("));
      SK_BUF_TRY(rc, sk_html_escape(out, row->a != NULL ? cmp->a->tool->name
                                                        : cmp->b->tool->name));
      SK_BUF_TRY(rc, sk_buf_adds(out, ")"));
      SK_BUF_TRY(rc, sk_buf_adds(out, --only > 0 ? "; " : "."));
    }
    SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</section>\n"));
  return rc;
}

int sk_compare_html(const struct sk_compare *cmp,
                    const struct sk_compare_opts *o, struct sk_buf *out,
                    struct sk_error *err) {
  static const struct sk_compare_opts none = {NULL, NULL, NULL};
  const struct sk_scorecard *a = cmp->a;
  const struct sk_scorecard *b = cmp->b;
  struct sk_html_page page;
  struct sk_buf title;
  char pa[64];
  char pb[64];
  size_t i;
  int rc = 0;

  if (o == NULL)
    o = &none;
  sk_buf_init(&title, 8192);
  SK_BUF_TRY(rc, sk_buf_printf(&title, "%s vs %s: panel comparison · shipskip",
                               a->tool->name, b->tool->name));
  page.title = sk_buf_str(&title);
  page.description = cmp->read;
  page.home_href = o->home_href;
  SK_BUF_TRY(rc, sk_html_page_begin(out, &page));
  if (o->home_href != NULL) {
    SK_BUF_TRY(
        rc, sk_buf_adds(out, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\">"
                             "<a href=\""));
    SK_BUF_TRY(rc, sk_html_escape(out, o->home_href));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\">All tools</a> / Compare</nav>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(
                     out, "<header>\n<p class=\"eyebrow\">Tool comparison</p>\n"
                          "<h1>"));
  SK_BUF_TRY(rc, sk_html_escape(out, a->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, " vs "));
  SK_BUF_TRY(rc, sk_html_escape(out, b->tool->name));
  SK_BUF_TRY(
      rc,
      sk_buf_adds(out, "</h1>\n<p class=\"lede\">Which one should you ship "
                       "with? The panel verdicts, pricing, reviewer split "
                       "and community votes, side by side.</p>\n</header>\n"));
  /* A flagged side is said before the read, which weighs its reviews. */
  SK_BUF_TRY(rc, sk_toolpage_source_notice(out, a->source != NULL ? a : b));
  SK_BUF_TRY(rc, sk_toolpage_flag_notice(out, a, 1));
  SK_BUF_TRY(rc, sk_toolpage_flag_notice(out, b, 1));
  SK_BUF_TRY(rc,
             sk_buf_adds(out, "<p class=\"read\"><span class=\"eyebrow\">The "
                              "read</span>"));
  SK_BUF_TRY(rc, sk_html_escape(out, cmp->read));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</p>\n<div class=\"pair\">\n"));
  SK_BUF_TRY(rc, html_summary(out, a, o->a_href, "tool-a"));
  SK_BUF_TRY(rc, html_summary(out, b, o->b_href, "tool-b"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</div>\n"));

  /* The decision table. */
  SK_BUF_TRY(rc,
             sk_buf_adds(out, "<section aria-labelledby=\"decision\">\n<h2 "
                              "id=\"decision\">Decision</h2>\n<div "
                              "class=\"table-wrap\"><table>\n<caption>Decision "
                              "table: "));
  SK_BUF_TRY(rc, sk_html_escape(out, a->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, " and "));
  SK_BUF_TRY(rc, sk_html_escape(out, b->tool->name));
  SK_BUF_TRY(
      rc,
      sk_buf_adds(
          out, "</caption>\n<thead><tr><th "
               "scope=\"col\">Decision</th><th scope=\"col\" class=\"name\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, a->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</th><th scope=\"col\" class=\"name\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, b->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</th></tr></thead>\n<tbody>\n<tr><th "
                                  "scope=\"row\">Panel verdict</th><td>"));
  SK_BUF_TRY(rc, sk_html_badge(out, a->panel.verdict, a->panel.label));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td>"));
  SK_BUF_TRY(rc, sk_html_badge(out, b->panel.verdict, b->panel.label));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</td></tr>\n"));
  sk_card_percent_text(a, pa, sizeof(pa));
  sk_card_percent_text(b, pb, sizeof(pb));
  SK_BUF_TRY(rc, html_row(out, "Panel ship", pa, pb));
  sk_card_mean_text(a, pa, sizeof(pa));
  sk_card_mean_text(b, pb, sizeof(pb));
  SK_BUF_TRY(rc, html_row(out, "Mean score", pa, pb));
  sk_card_community_text(a, pa, sizeof(pa));
  sk_card_community_text(b, pb, sizeof(pb));
  SK_BUF_TRY(rc, html_row(out, "Community", pa, pb));
  SK_BUF_TRY(rc, html_row(out, "Pricing", a->tool->pricing, b->tool->pricing));
  SK_BUF_TRY(rc,
             html_row(out, "Best for", a->tool->best_for, b->tool->best_for));
  SK_BUF_TRY(rc,
             html_row(out, "Category", a->tool->category, b->tool->category));
  SK_BUF_TRY(rc, html_row(out, "Entry", a->tool->entry, b->tool->entry));
  if (a->tool->url != NULL || b->tool->url != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "<tr><th scope=\"row\">Website</th><td>"));
    SK_BUF_TRY(rc, a->tool->url != NULL ? sk_html_link(out, a->tool->url, NULL)
                                        : sk_buf_adds(out, "—"));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td>"));
    SK_BUF_TRY(rc, b->tool->url != NULL ? sk_html_link(out, b->tool->url, NULL)
                                        : sk_buf_adds(out, "—"));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</td></tr>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</tbody>\n</table></div>\n</section>\n"));

  /* The reviewer scorecard: a summary table, then the paragraphs. */
  SK_BUF_TRY(
      rc,
      sk_buf_adds(
          out, "<section aria-labelledby=\"scorecard\">\n<h2 "
               "id=\"scorecard\">Reviewer scorecard</h2>\n<div "
               "class=\"table-wrap\"><table>\n<caption>Scores by "
               "reviewer</caption>\n<thead><tr><th "
               "scope=\"col\">Reviewer</th><th scope=\"col\" class=\"name\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, a->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</th><th scope=\"col\" class=\"name\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, b->tool->name));
  SK_BUF_TRY(rc,
             sk_buf_adds(out, "</th><th scope=\"col\">Scored higher</th></tr>"
                              "</thead>\n<tbody>\n"));
  for (i = 0; i < cmp->nrows; i++) {
    const struct sk_compare_row *row = &cmp->rows[i];
    struct sk_buf h;
    SK_BUF_TRY(rc, sk_buf_adds(out, "<tr><th scope=\"row\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, row->display_name));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</th><td>"));
    SK_BUF_TRY(rc, html_score(out, row->a));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td>"));
    SK_BUF_TRY(rc, html_score(out, row->b));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</td><td>"));
    sk_buf_init(&h, 4096);
    SK_BUF_TRY(rc, higher_text(cmp, row, &h));
    SK_BUF_TRY(rc, sk_html_escape(out, sk_buf_str(&h)));
    sk_buf_cleanup(&h);
    SK_BUF_TRY(rc, sk_buf_adds(out, "</td></tr>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</tbody>\n</table></div>\n"));
  for (i = 0; i < cmp->nrows; i++) {
    const struct sk_compare_row *row = &cmp->rows[i];
    SK_BUF_TRY(rc, sk_buf_printf(
                       out,
                       "<section class=\"persona\" aria-labelledby=\"p%zu\">\n"
                       "<h3 id=\"p%zu\">",
                       i, i));
    SK_BUF_TRY(rc, sk_html_escape(out, row->display_name));
    if (row->higher == SK_COMPARE_A || row->higher == SK_COMPARE_B) {
      SK_BUF_TRY(rc, sk_buf_adds(out, " <span class=\"quiet\">· "));
      SK_BUF_TRY(rc, sk_html_escape(out, row->higher == SK_COMPARE_A
                                             ? a->tool->name
                                             : b->tool->name));
      SK_BUF_TRY(rc, sk_buf_adds(out, " scored higher</span>"));
    } else if (row->higher == SK_COMPARE_TIE) {
      SK_BUF_TRY(rc, sk_buf_adds(out, " <span class=\"quiet\">· level</span>"));
    }
    SK_BUF_TRY(rc, sk_buf_adds(out, "</h3>\n<div class=\"pair\">\n"));
    SK_BUF_TRY(rc, html_side(out, a, row->a));
    SK_BUF_TRY(rc, html_side(out, b, row->b));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</div>\n</section>\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</section>\n"));
  SK_BUF_TRY(rc, html_split(out, cmp));
  SK_BUF_TRY(
      rc, sk_buf_adds(out, "<footer class=\"page quiet\"><p>Figures from the "
                           "two scorecards. The read weighs panel ship first, "
                           "then the mean score.</p></footer>\n"));
  SK_BUF_TRY(rc, sk_html_page_end(out));
  sk_buf_cleanup(&title);
  if (rc != 0)
    return sk_error_set(err, rc, "%s vs %s: comparison page: %s", a->tool->slug,
                        b->tool->slug, sk_strerror(rc));
  return 0;
}

/* ---- Markdown ---- */

static int md_row(struct sk_buf *out, const char *label, const char *a,
                  const char *b) {
  int rc = sk_buf_printf(out, "| %s | ", label);
  SK_BUF_TRY(rc, sk_markdown_cell(out, a != NULL ? a : "—"));
  SK_BUF_TRY(rc, sk_buf_adds(out, " | "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, b != NULL ? b : "—"));
  SK_BUF_TRY(rc, sk_buf_adds(out, " |\n"));
  return rc;
}

/* The editor's notice for a flagged side, as a block quote. */
static int md_flag(struct sk_buf *out, const struct sk_scorecard *c) {
  size_t i;
  int rc = 0;

  if (!c->flagged)
    return 0;
  SK_BUF_TRY(
      rc, sk_buf_adds(out, "> **Flagged for the editor:** the submission of "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, c->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(
                     out, " looks like it addresses the model; it was reviewed "
                          "anyway.\n"));
  for (i = 0; i < c->nfindings; i++) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "> - "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, c->findings[i].rule));
    SK_BUF_TRY(rc, sk_buf_adds(out, " in "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, c->findings[i].field));
    SK_BUF_TRY(rc, sk_buf_adds(out, ": "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, c->findings[i].excerpt));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\n"));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "\n"));
  return rc;
}

static int md_side(struct sk_buf *out, const struct sk_scorecard *c,
                   const struct sk_review *r) {
  int rc = sk_buf_adds(out, "**");
  size_t j;

  SK_BUF_TRY(rc, sk_markdown_cell(out, c->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "** — "));
  if (r == NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "not on this panel.\n\n"));
  } else if (!(r->status == SK_REVIEW_OK)) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "failed: no review.\n\n"));
    for (j = 0; j < r->nerrors; j++) {
      SK_BUF_TRY(rc, sk_buf_adds(out, "- "));
      SK_BUF_TRY(rc, sk_markdown_cell(out, r->errors[j]));
      SK_BUF_TRY(rc, sk_buf_adds(out, "\n"));
    }
    if (r->nerrors > 0)
      SK_BUF_TRY(rc, sk_buf_adds(out, "\n"));
  } else {
    SK_BUF_TRY(rc, sk_buf_printf(out, "%d/100 · %s\n\n", r->score, r->verdict));
    SK_BUF_TRY(rc, sk_markdown_text(out, r->text));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\n\n"));
  }
  return rc;
}

int sk_compare_markdown(const struct sk_compare *cmp, struct sk_buf *out,
                        struct sk_error *err) {
  const struct sk_scorecard *a = cmp->a;
  const struct sk_scorecard *b = cmp->b;
  char pa[64];
  char pb[64];
  size_t i;
  int rc = sk_buf_adds(out, "# ");

  SK_BUF_TRY(rc, sk_markdown_cell(out, a->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, " vs "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, b->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\n\n"));
  SK_BUF_TRY(rc, md_flag(out, a));
  SK_BUF_TRY(rc, md_flag(out, b));
  SK_BUF_TRY(rc, sk_buf_adds(
                     out, "Which one should you ship with?\n\n**The read:** "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, cmp->read));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\n\n| Decision | "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, a->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, " | "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, b->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, " |\n| --- | --- | --- |\n"));
  SK_BUF_TRY(rc, md_row(out, "Panel verdict", a->panel.label, b->panel.label));
  sk_card_percent_text(a, pa, sizeof(pa));
  sk_card_percent_text(b, pb, sizeof(pb));
  SK_BUF_TRY(rc, md_row(out, "Panel ship", pa, pb));
  sk_card_mean_text(a, pa, sizeof(pa));
  sk_card_mean_text(b, pb, sizeof(pb));
  SK_BUF_TRY(rc, md_row(out, "Mean score", pa, pb));
  sk_card_community_text(a, pa, sizeof(pa));
  sk_card_community_text(b, pb, sizeof(pb));
  SK_BUF_TRY(rc, md_row(out, "Community", pa, pb));
  SK_BUF_TRY(rc, md_row(out, "Pricing", a->tool->pricing, b->tool->pricing));
  SK_BUF_TRY(rc, md_row(out, "Best for", a->tool->best_for, b->tool->best_for));
  SK_BUF_TRY(rc, md_row(out, "Category", a->tool->category, b->tool->category));
  SK_BUF_TRY(rc, md_row(out, "Entry", a->tool->entry, b->tool->entry));
  if (a->tool->url != NULL || b->tool->url != NULL) {
    SK_BUF_TRY(rc, sk_buf_adds(out, "| Website | "));
    SK_BUF_TRY(rc, a->tool->url != NULL ? sk_markdown_link(out, a->tool->url)
                                        : sk_buf_adds(out, "—"));
    SK_BUF_TRY(rc, sk_buf_adds(out, " | "));
    SK_BUF_TRY(rc, b->tool->url != NULL ? sk_markdown_link(out, b->tool->url)
                                        : sk_buf_adds(out, "—"));
    SK_BUF_TRY(rc, sk_buf_adds(out, " |\n"));
  }

  SK_BUF_TRY(rc, sk_buf_adds(out, "\n## Reviewer scorecard\n\n| Reviewer | "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, a->tool->name));
  SK_BUF_TRY(rc, sk_buf_adds(out, " | "));
  SK_BUF_TRY(rc, sk_markdown_cell(out, b->tool->name));
  SK_BUF_TRY(
      rc, sk_buf_adds(out, " | Scored higher |\n| --- | --- | --- | --- |\n"));
  for (i = 0; i < cmp->nrows; i++) {
    const struct sk_compare_row *row = &cmp->rows[i];
    struct sk_buf h;
    score_cell(row->a, pa, sizeof(pa));
    score_cell(row->b, pb, sizeof(pb));
    sk_buf_init(&h, 4096);
    SK_BUF_TRY(rc, higher_text(cmp, row, &h));
    SK_BUF_TRY(rc, sk_buf_adds(out, "| "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, row->display_name));
    SK_BUF_TRY(rc, sk_buf_adds(out, " | "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, pa));
    SK_BUF_TRY(rc, sk_buf_adds(out, " | "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, pb));
    SK_BUF_TRY(rc, sk_buf_adds(out, " | "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, sk_buf_str(&h)));
    SK_BUF_TRY(rc, sk_buf_adds(out, " |\n"));
    sk_buf_cleanup(&h);
  }
  for (i = 0; i < cmp->nrows; i++) {
    const struct sk_compare_row *row = &cmp->rows[i];
    /* Each side ends with a blank line; only the first heading needs one. */
    SK_BUF_TRY(rc, sk_buf_adds(out, i == 0 ? "\n### " : "### "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, row->display_name));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\n\n"));
    SK_BUF_TRY(rc, md_side(out, a, row->a));
    SK_BUF_TRY(rc, md_side(out, b, row->b));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, cmp->nrows == 0 ? "\n## Reviewer split\n\n"
                                                  : "## Reviewer split\n\n"));
  if (cmp->nsplit == 0)
    SK_BUF_TRY(rc, sk_buf_adds(out,
                               "No split: every reviewer who scored both tools "
                               "gave them the same verdict.\n"));
  for (i = 0; i < cmp->nrows; i++) {
    const struct sk_compare_row *row = &cmp->rows[i];
    if (!row->split)
      continue;
    SK_BUF_TRY(rc, sk_buf_adds(out, "- **"));
    SK_BUF_TRY(rc, sk_markdown_cell(out, row->display_name));
    SK_BUF_TRY(rc, sk_buf_printf(out, "**: %s for ", row->a->verdict));
    SK_BUF_TRY(rc, sk_markdown_cell(out, a->tool->name));
    SK_BUF_TRY(rc, sk_buf_printf(out, ", %s for ", row->b->verdict));
    SK_BUF_TRY(rc, sk_markdown_cell(out, b->tool->name));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\n"));
  }
  for (i = 0; i < cmp->nrows; i++) {
    const struct sk_compare_row *row = &cmp->rows[i];
    if (row->a != NULL && row->b != NULL)
      continue;
    SK_BUF_TRY(rc, sk_buf_adds(out, "\n"));
    SK_BUF_TRY(rc, sk_buf_adds(out, "*On one panel only:* "));
    SK_BUF_TRY(rc, sk_markdown_cell(out, row->display_name));
    SK_BUF_TRY(rc, sk_buf_adds(out, " ("));
    SK_BUF_TRY(rc, sk_markdown_cell(out, row->a != NULL ? a->tool->name
                                                        : b->tool->name));
    SK_BUF_TRY(rc, sk_buf_adds(out, ")\n"));
  }
  if (rc != 0)
    return sk_error_set(err, rc, "%s vs %s: Markdown: %s", a->tool->slug,
                        b->tool->slug, sk_strerror(rc));
  return 0;
}

/* ---- JSON ---- */

static int jstr(cJSON *o, const char *key, const char *v) {
  cJSON *item = v != NULL ? cJSON_CreateString(v) : cJSON_CreateNull();
  if (item == NULL)
    return SK_ENOMEM;
  cJSON_AddItemToObject(o, key, item);
  return 0;
}

static int jnum(cJSON *o, const char *key, double v) {
  return cJSON_AddNumberToObject(o, key, v) == NULL ? SK_ENOMEM : 0;
}

static const char *side_name(enum sk_compare_side s) {
  return s == SK_COMPARE_A     ? "a"
         : s == SK_COMPARE_B   ? "b"
         : s == SK_COMPARE_TIE ? "tie"
                               : NULL;
}

static cJSON *json_tool(const struct sk_scorecard *c) {
  cJSON *o = cJSON_CreateObject();
  cJSON *p;
  char text[64];
  int rc = 0;

  if (o == NULL)
    return NULL;
  SK_BUF_TRY(rc, jstr(o, "slug", c->tool->slug));
  SK_BUF_TRY(rc, jstr(o, "name", c->tool->name));
  SK_BUF_TRY(rc, jstr(o, "tagline", c->tool->tagline));
  SK_BUF_TRY(rc, jstr(o, "category", c->tool->category));
  SK_BUF_TRY(rc, jstr(o, "pricing", c->tool->pricing));
  SK_BUF_TRY(rc, jstr(o, "entry", c->tool->entry));
  SK_BUF_TRY(rc, jstr(o, "best_for", c->tool->best_for));
  SK_BUF_TRY(rc, jstr(o, "url", c->tool->url));
  p = cJSON_AddObjectToObject(o, "panel");
  if (p == NULL)
    rc = SK_ENOMEM;
  SK_BUF_TRY(rc, jstr(p, "verdict", c->panel.verdict));
  SK_BUF_TRY(rc, jstr(p, "label", c->panel.label));
  SK_BUF_TRY(rc, jnum(p, "ships", c->panel.ships));
  SK_BUF_TRY(rc, jnum(p, "skips", c->panel.skips));
  SK_BUF_TRY(rc, jnum(p, "reviewers", c->panel.reviewers));
  if (c->panel.reviewers > 0) {
    SK_BUF_TRY(rc, jnum(p, "ship_percent", c->panel.ship_percent));
    SK_BUF_TRY(rc, jnum(p, "mean_score", c->panel.mean_score));
  } else {
    SK_BUF_TRY(rc, jstr(p, "ship_percent", NULL));
    SK_BUF_TRY(rc, jstr(p, "mean_score", NULL));
  }
  sk_card_community_text(c, text, sizeof(text));
  if (rc == 0 && c->has_community) {
    p = cJSON_AddObjectToObject(o, "community");
    if (p == NULL)
      rc = SK_ENOMEM;
    SK_BUF_TRY(rc, jnum(p, "ship", (double)c->community.ship));
    SK_BUF_TRY(rc, jnum(p, "skip", (double)c->community.skip));
    SK_BUF_TRY(rc, jstr(p, "label", text));
  } else {
    SK_BUF_TRY(rc, jstr(o, "community", NULL));
  }
  /* As the scorecard has it: null when no detector ran. */
  if (rc == 0 && c->scanned) {
    cJSON *list;
    size_t i;
    p = cJSON_AddObjectToObject(o, "injection");
    if (p == NULL || cJSON_AddBoolToObject(p, "flagged", c->flagged) == NULL)
      rc = SK_ENOMEM;
    list = rc == 0 ? cJSON_AddArrayToObject(p, "findings") : NULL;
    if (rc == 0 && list == NULL)
      rc = SK_ENOMEM;
    for (i = 0; i < c->nfindings && rc == 0; i++) {
      cJSON *f = cJSON_CreateObject();
      if (f == NULL) {
        rc = SK_ENOMEM;
        break;
      }
      cJSON_AddItemToArray(list, f);
      SK_BUF_TRY(rc, jstr(f, "rule", c->findings[i].rule));
      SK_BUF_TRY(rc, jstr(f, "field", c->findings[i].field));
      SK_BUF_TRY(rc, jstr(f, "excerpt", c->findings[i].excerpt));
    }
  } else {
    SK_BUF_TRY(rc, jstr(o, "injection", NULL));
  }
  if (rc != 0) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

static int json_side(cJSON *row, const char *key, const struct sk_review *r) {
  cJSON *o;
  int rc = 0;
  if (r == NULL)
    return jstr(row, key, NULL);
  o = cJSON_AddObjectToObject(row, key);
  if (o == NULL)
    return SK_ENOMEM;
  SK_BUF_TRY(rc,
             jstr(o, "status", (r->status == SK_REVIEW_OK) ? "ok" : "failed"));
  if ((r->status == SK_REVIEW_OK)) {
    SK_BUF_TRY(rc, jnum(o, "score", r->score));
    SK_BUF_TRY(rc, jstr(o, "verdict", r->verdict));
    SK_BUF_TRY(rc, jstr(o, "review", r->text));
  } else {
    SK_BUF_TRY(rc, jstr(o, "score", NULL));
    SK_BUF_TRY(rc, jstr(o, "verdict", NULL));
    SK_BUF_TRY(rc, jstr(o, "review", NULL));
  }
  SK_BUF_TRY(rc, jstr(o, "model", r->model));
  return rc;
}

int sk_compare_json(const struct sk_compare *cmp, struct sk_buf *out,
                    struct sk_error *err) {
  cJSON *root = cJSON_CreateObject();
  cJSON *tools;
  cJSON *rows;
  cJSON *split;
  cJSON *t;
  size_t i;
  int rc = 0;

  if (root == NULL)
    return sk_error_set(err, SK_ENOMEM, "comparison JSON: out of memory");
  SK_BUF_TRY(rc, jstr(root, "schema", "shipskip.compare/1"));
  SK_BUF_TRY(rc, jstr(root, "read", cmp->read));
  SK_BUF_TRY(rc, jstr(root, "stronger", side_name(cmp->stronger)));
  SK_BUF_TRY(rc,
             jstr(root, "stronger_by",
                  cmp->stronger == SK_COMPARE_A || cmp->stronger == SK_COMPARE_B
                      ? (cmp->by_mean ? "mean_score" : "ship_percent")
                      : NULL));
  tools = cJSON_AddArrayToObject(root, "tools");
  if (tools == NULL)
    rc = SK_ENOMEM;
  t = rc == 0 ? json_tool(cmp->a) : NULL;
  if (t == NULL)
    rc = SK_ENOMEM;
  else
    cJSON_AddItemToArray(tools, t);
  t = rc == 0 ? json_tool(cmp->b) : NULL;
  if (t == NULL)
    rc = SK_ENOMEM;
  else
    cJSON_AddItemToArray(tools, t);
  rows = rc == 0 ? cJSON_AddArrayToObject(root, "reviewers") : NULL;
  if (rows == NULL)
    rc = SK_ENOMEM;
  for (i = 0; i < cmp->nrows && rc == 0; i++) {
    const struct sk_compare_row *row = &cmp->rows[i];
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) {
      rc = SK_ENOMEM;
      break;
    }
    cJSON_AddItemToArray(rows, o);
    SK_BUF_TRY(rc, jstr(o, "persona", row->persona));
    SK_BUF_TRY(rc, jstr(o, "display_name", row->display_name));
    SK_BUF_TRY(rc, json_side(o, "a", row->a));
    SK_BUF_TRY(rc, json_side(o, "b", row->b));
    SK_BUF_TRY(rc, jstr(o, "higher", side_name(row->higher)));
    if (rc == 0 && cJSON_AddBoolToObject(o, "split", row->split) == NULL)
      rc = SK_ENOMEM;
  }
  split = rc == 0 ? cJSON_AddArrayToObject(root, "split") : NULL;
  if (split == NULL)
    rc = SK_ENOMEM;
  for (i = 0; i < cmp->nrows && rc == 0; i++) {
    cJSON *s;
    if (!cmp->rows[i].split)
      continue;
    s = cJSON_CreateString(cmp->rows[i].persona);
    if (s == NULL)
      rc = SK_ENOMEM;
    else
      cJSON_AddItemToArray(split, s);
  }
  SK_BUF_TRY(rc, sk_json_pretty(root, out));
  cJSON_Delete(root);
  if (rc != 0)
    return sk_error_set(err, rc, "%s vs %s: JSON: %s", cmp->a->tool->slug,
                        cmp->b->tool->slug, sk_strerror(rc));
  return 0;
}
