/* panelpage.c: panel.html, the panel figures of a site's scorecards as a
 * table, two agreement paragraphs and two SVG charts (see panelpage.h). */
#include "shipskip/publish/panelpage.h"
#include "shipskip/publish/svgchart.h"
#include "shipskip/util/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A group's label: the persona, and its model when the panel mixes
 * models. */
static void group_label(const struct sk_panelstats *ps,
                        const struct sk_panelstats_group *g, char *buf,
                        size_t size) {
  if (ps->mixed_models)
    snprintf(buf, size, "%s (%s)", g->persona,
             g->model[0] ? g->model : "unknown model");
  else
    snprintf(buf, size, "%s", g->persona);
}

/* "67% (21–94%)" or the explanation of why there is no rate. */
static int rate_cell(struct sk_buf *out, const struct sk_stats_proportion *p) {
  if (p->status != SK_STATS_OK)
    return sk_buf_printf(out, "<td class=\"absent\">%s</td>",
                         sk_stats_explain(p->status));
  return sk_buf_printf(out,
                       "<td class=\"num\">%.0f%% <span class=\"sub\">(%.0f"
                       "\xe2\x80\x93%.0f%%, %lu of %lu)</span></td>",
                       100 * p->p, 100 * p->low, 100 * p->high, p->k, p->n);
}

static int persona_row(struct sk_buf *out, const struct sk_panelstats *ps,
                       const struct sk_panelstats_group *g) {
  const struct sk_stats_summary *s = &g->scores;
  char label[256];
  int rc = 0;

  group_label(ps, g, label, sizeof(label));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<tr><th scope=\"row\">"));
  SK_BUF_TRY(rc, sk_html_escape(out, label));
  SK_BUF_TRY(rc,
             sk_buf_printf(out, "</th><td class=\"num\">%lu</td>", g->reviews));
  SK_BUF_TRY(rc, rate_cell(out, &g->ship_rate));
  if (s->n == 0)
    SK_BUF_TRY(rc, sk_buf_printf(out, "<td class=\"absent\">%s</td>",
                                 sk_stats_explain(s->status)));
  else
    SK_BUF_TRY(rc, sk_buf_printf(out, "<td class=\"num\">%.1f</td>", s->mean));
  if (s->status == SK_STATS_OK)
    SK_BUF_TRY(rc, sk_buf_printf(out, "<td class=\"num\">%.1f</td>", s->sd));
  else
    SK_BUF_TRY(rc, sk_buf_printf(out, "<td class=\"absent\">%s</td>",
                                 sk_stats_explain(s->status)));
  SK_BUF_TRY(rc, rate_cell(out, &g->disagreement));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</tr>\n"));
  return rc;
}

static int agreement(struct sk_buf *out, const struct sk_panelstats *ps) {
  const struct sk_stats_fleiss *k = &ps->kappa;
  const struct sk_stats_alpha *a = &ps->alpha;
  int rc = 0;

  SK_BUF_TRY(rc,
             sk_buf_adds(out, "<section aria-labelledby=\"agreement\">\n"
                              "<h2 id=\"agreement\">Do the reviewers "
                              "agree?</h2>\n<p>Verdicts (Fleiss' kappa): "));
  if (k->status == SK_STATS_OK)
    SK_BUF_TRY(rc, sk_buf_printf(out,
                                 "<strong>%.2f</strong> (95%% interval %.2f to "
                                 "%.2f, p = %.3f)",
                                 sk_panelstats_round(k->kappa),
                                 sk_panelstats_round(k->ci_low),
                                 sk_panelstats_round(k->ci_high),
                                 sk_panelstats_round(k->p_value)));
  else
    SK_BUF_TRY(rc, sk_buf_printf(out, "<span class=\"absent\">%s</span>",
                                 sk_stats_explain(k->status)));
  SK_BUF_TRY(rc, sk_buf_printf(out,
                               ", from %zu tool%s every one of %zu "
                               "persona%s judged.</p>\n<p>Scores "
                               "(Krippendorff's alpha, interval): ",
                               ps->kappa_tools, ps->kappa_tools == 1 ? "" : "s",
                               ps->nraters, ps->nraters == 1 ? "" : "s"));
  if (a->status == SK_STATS_OK)
    SK_BUF_TRY(rc, sk_buf_printf(out, "<strong>%.2f</strong>",
                                 sk_panelstats_round(a->alpha)));
  else
    SK_BUF_TRY(rc, sk_buf_printf(out, "<span class=\"absent\">%s</span>",
                                 sk_stats_explain(a->status)));
  SK_BUF_TRY(rc, sk_buf_printf(out,
                               ", from %zu scores of %zu tool%s.</p>\n"
                               "<p class=\"quiet\">1 is perfect agreement, 0 "
                               "no better than chance, below 0 systematic "
                               "disagreement.</p>\n</section>\n",
                               a->values, a->units, a->units == 1 ? "" : "s"));
  return rc;
}

/* Do the personas agree with people? Community majorities and editors'
 * changes, per persona. */
static int humans(struct sk_buf *out, const struct sk_panelstats *ps) {
  char label[256];
  size_t i;
  int rc = 0;

  SK_BUF_TRY(rc, sk_buf_adds(out, "<section aria-labelledby=\"humans\">\n"
                                  "<h2 id=\"humans\">Do the reviewers agree "
                                  "with people?</h2>\n<p>The panel verdict "
                                  "and the community vote's majority: "));
  if (ps->panel_community.status == SK_STATS_OK)
    SK_BUF_TRY(rc, sk_buf_printf(out, "the same on %lu of %lu tools (%.0f%%).",
                                 ps->panel_community.k, ps->panel_community.n,
                                 100 * ps->panel_community.p));
  else
    SK_BUF_TRY(rc, sk_buf_printf(out,
                                 "<span class=\"absent\">%s</span> (no tool "
                                 "with both a Ship or Skip panel verdict and "
                                 "a community majority).",
                                 sk_stats_explain(ps->panel_community.status)));
  SK_BUF_TRY(
      rc, sk_buf_printf(out,
                        " Tools with a review an editor changed: %lu.</p>\n"
                        "<div class=\"table-wrap\"><table class=\"index\">\n"
                        "<caption>Each persona against the community majority "
                        "(ties left out) and against the editors</caption>\n"
                        "<thead><tr><th scope=\"col\">Persona</th><th "
                        "scope=\"col\" class=\"num\">Agrees with the "
                        "community</th><th scope=\"col\" class=\"num\">Edited "
                        "by an editor</th><th scope=\"col\" class=\"num\">"
                        "Verdict turned around</th></tr></thead>\n<tbody>\n",
                        ps->tools_edited));
  for (i = 0; i < ps->ngroups; i++) {
    const struct sk_panelstats_group *g = &ps->groups[i];
    group_label(ps, g, label, sizeof(label));
    SK_BUF_TRY(rc, sk_buf_adds(out, "<tr><th scope=\"row\">"));
    SK_BUF_TRY(rc, sk_html_escape(out, label));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</th>"));
    SK_BUF_TRY(rc, rate_cell(out, &g->community));
    SK_BUF_TRY(rc, sk_buf_printf(out,
                                 "<td class=\"num\">%lu</td><td "
                                 "class=\"num\">%lu</td></tr>\n",
                                 g->edited, g->editor_flips));
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</tbody>\n</table></div>\n</section>\n"));
  return rc;
}

/* The ship-rate bars and one histogram per group. */
static int charts(struct sk_buf *out, const struct sk_panelstats *ps) {
  struct sk_svgchart_bar *bars = calloc(ps->ngroups + 1, sizeof(*bars));
  char(*labels)[256] = calloc(ps->ngroups + 1, sizeof(*labels));
  struct sk_svgchart_bars chart = {0};
  size_t i;
  int rc = bars == NULL || labels == NULL ? SK_ENOMEM : 0;

  for (i = 0; rc == 0 && i < ps->ngroups; i++) {
    const struct sk_panelstats_group *g = &ps->groups[i];
    group_label(ps, g, labels[i], sizeof(labels[i]));
    bars[i].label = labels[i];
    bars[i].value = g->reviews > 0 ? 100 * g->ship_rate.p : -1;
    bars[i].verdict = "ship";
  }
  chart.title = "Ship rate per persona";
  chart.bars = bars;
  chart.n = ps->ngroups;
  chart.max = 100;
  chart.suffix = "%";
  SK_BUF_TRY(rc, sk_buf_adds(out, "<section aria-labelledby=\"charts\">\n<h2 "
                                  "id=\"charts\">Ship rate and scores</h2>\n"
                                  "<figure>\n"));
  SK_BUF_TRY(rc, sk_svgchart_bars(out, &chart));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<figcaption>Ship rate per persona (the "
                                  "intervals are in the table).</figcaption>"
                                  "\n</figure>\n"));
  for (i = 0; rc == 0 && i < ps->ngroups; i++) {
    const struct sk_panelstats_group *g = &ps->groups[i];
    double *v = calloc(g->reviews + 1, sizeof(*v));
    char title[300];
    size_t n = 0;
    int s;
    unsigned long c;
    if (v == NULL) {
      rc = SK_ENOMEM;
      break;
    }
    for (s = 0; s <= 100; s++)
      for (c = 0; c < g->hist[s]; c++)
        v[n++] = s;
    snprintf(title, sizeof(title), "Scores of %s", labels[i]);
    SK_BUF_TRY(rc, sk_buf_adds(out, "<figure>\n"));
    SK_BUF_TRY(rc, sk_svgchart_histogram(out, title, v, n, 10));
    SK_BUF_TRY(rc, sk_buf_adds(out, "<figcaption>"));
    SK_BUF_TRY(rc, sk_html_escape(out, title));
    SK_BUF_TRY(rc, sk_buf_adds(out, ", 0\xe2\x80\x93"
                                    "100 in bins of 10."
                                    "</figcaption>\n</figure>\n"));
    free(v);
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "</section>\n"));
  free(bars);
  free(labels);
  return rc;
}

/* Night by night (trend.h): each persona's ship rate, and the agreement
 * between personas, as small multiples of lines, oldest night first. */
static int trend_charts(struct sk_buf *out, const struct sk_trend *t) {
  struct sk_svgchart_series series[SK_TREND_MAX_PERSONAS];
  struct sk_svgchart_series agree[2];
  struct sk_svgchart_lines chart;
  size_t i;
  int rc = 0;

  SK_BUF_TRY(rc, sk_buf_printf(out,
                               "<section aria-labelledby=\"trend\">\n<h2 "
                               "id=\"trend\">Night by night</h2>\n<p>The "
                               "last %zu run%s, oldest first.</p>\n",
                               t->nights, t->nights == 1 ? "" : "s"));
  for (i = 0; i < t->npersonas; i++) {
    series[i].label = t->personas[i];
    series[i].values = t->ship_rate[i];
  }
  memset(&chart, 0, sizeof(chart));
  chart.title = "Ship rate per persona, night by night";
  chart.x_labels = (const char *const *)t->labels;
  chart.points = t->nights;
  chart.series = series;
  chart.n_series = t->npersonas;
  chart.y_min = 0;
  chart.y_max = 100;
  chart.suffix = "%";
  SK_BUF_TRY(rc, sk_buf_adds(out, "<figure>\n"));
  SK_BUF_TRY(rc, sk_svgchart_lines(out, &chart));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<figcaption>Ship rate per persona, night "
                                  "by night.</figcaption>\n</figure>\n"));
  agree[0].label = "kappa, verdicts";
  agree[0].values = t->kappa;
  agree[1].label = "alpha, scores";
  agree[1].values = t->alpha;
  chart.title = "Agreement between personas, night by night";
  chart.series = agree;
  chart.n_series = 2;
  chart.y_min = -1;
  chart.y_max = 1;
  chart.decimals = 2;
  chart.suffix = NULL;
  SK_BUF_TRY(rc, sk_buf_adds(out, "<figure>\n"));
  SK_BUF_TRY(rc, sk_svgchart_lines(out, &chart));
  SK_BUF_TRY(rc, sk_buf_adds(out, "<figcaption>Agreement between personas "
                                  "(1 is perfect, 0 is chance), night by "
                                  "night; a gap is a night where it could not "
                                  "be computed.</figcaption>\n</figure>\n"
                                  "</section>\n"));
  return rc;
}

int sk_panelpage_html(const struct sk_panelstats *ps,
                      const struct sk_trend *trend, const char *home_href,
                      struct sk_buf *out, struct sk_error *err) {
  struct sk_html_page page;
  size_t i;
  int rc = 0;

  page.title = "Panel figures · shipskip";
  page.description = "Can the panel be trusted? Ship rates, scores and "
                     "agreement of the reviewer personas.";
  page.home_href = home_href;
  SK_BUF_TRY(rc, sk_html_page_begin(out, &page));
  SK_BUF_TRY(
      rc, sk_buf_printf(out,
                        "<header>\n<p class=\"eyebrow\">Panel figures</p>\n"
                        "<h1>Can the panel be trusted?</h1>\n<p class=\"lede\">"
                        "Figures of %lu tool%s: how each persona votes and "
                        "scores, and how much the personas agree.</p>\n"
                        "</header>\n",
                        ps->tools, ps->tools == 1 ? "" : "s"));
  SK_BUF_TRY(rc, sk_buf_adds(out,
                             "<section aria-labelledby=\"personas\">\n<h2 "
                             "id=\"personas\">Per persona</h2>\n<div "
                             "class=\"table-wrap\"><table class=\"index\">\n"
                             "<caption>Ship rate with its 95% Wilson interval, "
                             "mean and standard deviation of scores, and how "
                             "often the persona voted against the panel "
                             "verdict (Ship or Skip)</caption>\n<thead><tr>"
                             "<th scope=\"col\">Persona</th><th scope=\"col\" "
                             "class=\"num\">Reviews</th><th scope=\"col\" "
                             "class=\"num\">Ship rate</th><th scope=\"col\" "
                             "class=\"num\">Mean score</th><th scope=\"col\" "
                             "class=\"num\">SD</th><th scope=\"col\" "
                             "class=\"num\">Against the panel</th></tr></thead>"
                             "\n<tbody>\n"));
  for (i = 0; i < ps->ngroups; i++)
    SK_BUF_TRY(rc, persona_row(out, ps, &ps->groups[i]));
  if (ps->ngroups == 0)
    SK_BUF_TRY(rc, sk_buf_adds(out, "<tr><td colspan=\"6\" class=\"absent\">No "
                                    "reviews yet.</td></tr>\n"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</tbody>\n</table></div>\n</section>\n"));
  SK_BUF_TRY(rc, agreement(out, ps));
  SK_BUF_TRY(rc, humans(out, ps));
  SK_BUF_TRY(rc, charts(out, ps));
  if (trend != NULL && trend->nights > 0)
    SK_BUF_TRY(rc, trend_charts(out, trend));
  if (ps->matrix_tools < ps->tools)
    SK_BUF_TRY(rc, sk_buf_printf(out,
                                 "<p class=\"quiet\">Agreement is computed on "
                                 "the first %zu tools.</p>\n",
                                 ps->matrix_tools));
  SK_BUF_TRY(rc, sk_html_page_end(out));
  if (rc != 0)
    return sk_error_set(err, rc, "panel page: %s", sk_strerror(rc));
  return 0;
}
