/* panelpage.h: the site's panel page, panel.html: can the panel be
 * trusted? Per persona (and model, when the panel mixes models) the ship
 * rate with its Wilson interval, the mean and spread of the scores and how
 * often the persona goes against the panel verdict, in a table; between
 * personas, Fleiss' kappa on verdicts and Krippendorff's alpha on scores
 * with the number of tools behind each and the interval of kappa. A figure
 * that cannot be computed shows its explanation (sk_stats_explain), never
 * a number. Two static SVG charts (svgchart.h) show the ship rate per
 * persona and each persona's score distribution; the numbers they draw are
 * all in the table, for screen readers. docs/PANEL-STATS.md explains each
 * figure; the page links nowhere but the index.
 */
#ifndef SHIPSKIP_PANELPAGE_H
#define SHIPSKIP_PANELPAGE_H

#include "shipskip/model/panelstats.h"
#include "shipskip/model/trend.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

/* Appends panel.html for the finished figures ps (sk_panelstats_finish)
 * to out, with night-by-night charts of trend when it has nights (NULL:
 * none); home_href links the site name (NULL for none). Returns 0, or
 * SK_ENOMEM / SK_ETOOBIG with err set. */
int sk_panelpage_html(const struct sk_panelstats *ps,
                      const struct sk_trend *trend, const char *home_href,
                      struct sk_buf *out, struct sk_error *err);

#endif
