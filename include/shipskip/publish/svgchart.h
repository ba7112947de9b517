/* svgchart.h: small static SVG charts for the published pages: a horizontal
 * bar chart (ship rate per persona), a histogram of scores 0-100 (score
 * distribution per persona), and small multiples of line charts (a figure
 * per persona per night).
 *
 * A chart is text appended to an sk_buf, ready to sit inline in a page or
 * in a file of its own. It obeys the site's Content-Security-Policy
 * (default-src 'none'; style-src 'unsafe-inline'): no script, no external
 * reference (the xmlns is a name, never fetched), no style attribute or
 * element; colours and sizes are SVG presentation attributes. Text is drawn
 * in currentColor, so it follows the page's light or dark scheme; marks
 * carry classes the site's style sheet may recolour (a class rule beats a
 * presentation attribute):
 *   svg.chart                 the figure (also chart-bars, chart-histogram,
 *                             chart-lines, chart-empty)
 *   .bar .ship .skip .split .none    bars, by verdict (none: unknown verdict)
 *   .bin                      histogram bins
 *   .line .point              line chart series and points
 *   .grid                     guide lines
 *
 * Accessibility: the root has role="img", an aria-label and a <title>, both
 * the chart's title; the page should put the numbers in a table or text
 * next to it, since an image is one opaque node to a screen reader.
 *
 * Text: every label goes through sk_html_escape() (html.h), after being cut
 * to a fixed number of characters (on a UTF-8 boundary, with an ellipsis) so
 * it cannot overrun the figure. Each label is the only content of its own
 * <text> element, so a stray bidi override in one label cannot reorder a
 * number or another label.
 *
 * Output is byte-stable: a fixed viewBox 600 units wide (the figure scales
 * to its container, phones included), coordinates printed with one decimal
 * and values with the caller's decimals by integer arithmetic, so neither
 * the locale nor the C library changes a byte. No input, NaN and infinity
 * included, can put "nan" or "inf" in the output: a missing value draws
 * nothing (or "n/a" as its printed value), and no data at all gives a
 * "No data yet" figure.
 *
 * Errors: each function returns 0, SK_EINVAL (a NULL array with a non-zero
 * count), SK_ENOMEM or SK_ETOOBIG (out's cap). On error out is left exactly
 * as it was (its length restored), so a page never holds half a chart.
 */
#ifndef SHIPSKIP_SVGCHART_H
#define SHIPSKIP_SVGCHART_H

#include <stddef.h>

#include "shipskip/util/buf.h"

/* The width of every chart's viewBox; heights follow from the data. */
#define SK_SVGCHART_WIDTH 600

/* Most characters of a label shown before it is cut with an ellipsis. */
#define SK_SVGCHART_LABEL_CHARS 22

/* One bar of a bar chart. */
struct sk_svgchart_bar {
  const char *label;   /* shown left of the bar; NULL is "" */
  double value;        /* bar length; below 0 draws no bar; not finite draws
                          no bar and prints "n/a" */
  const char *verdict; /* colour: "ship", "skip", "split" in any case (as
                          sk_html_verdict_class()), another string for the
                          neutral "none", NULL for the plain accent colour */
};

/* A horizontal bar chart: one row per bar, in the order given. */
struct sk_svgchart_bars {
  const char *title; /* aria-label and <title>; NULL is "Chart" */
  const struct sk_svgchart_bar *bars;
  size_t n;
  double max;         /* value of a full-length bar (100 for percentages);
                         <= 0 or not finite: the largest value */
  int decimals;       /* of the printed values, 0..3 (clamped) */
  const char *suffix; /* after each printed value ("%"), escaped; may be
                         NULL */
};

/* Appends a horizontal bar chart to out: labels on the left, bars, and each
 * value printed at its bar's end. n = 0 appends the "No data yet" figure.
 * Returns 0 or an error as described at the top. */
int sk_svgchart_bars(struct sk_buf *out, const struct sk_svgchart_bars *chart);

/* Appends a histogram of the n scores in bins equal bins over 0-100 (bins
 * is clamped to 1..50; 10 gives 0-9.99, 10-19.99, ..., 90-100, the top bin
 * closed). Each non-empty bin is labelled with its count. Scores outside
 * 0-100, NaN and infinities are left out. When no score is left, the "No
 * data yet" figure. title as in struct sk_svgchart_bars. Returns 0 or an
 * error as described at the top. */
int sk_svgchart_histogram(struct sk_buf *out, const char *title,
                          const double *scores, size_t n, unsigned bins);

/* One series of a line chart: values[0..points-1], one per night; NaN (or
 * infinity) is a night without a value, which leaves a gap in the line. */
struct sk_svgchart_series {
  const char *label; /* the panel's heading; NULL is "" */
  const double *values;
};

/* Small multiples: one panel per series (two panels a row, one when there
 * is one series), sharing the y axis so panels compare at a glance. */
struct sk_svgchart_lines {
  const char *title;           /* as in struct sk_svgchart_bars */
  const char *const *x_labels; /* points labels (nights, oldest first); the
                                  first and last are shown; may be NULL */
  size_t points;
  const struct sk_svgchart_series *series;
  size_t n_series;
  double y_min; /* the shared y axis; when y_max <= y_min or either is not */
  double y_max; /* finite, the range of the data (at least 1 wide) */
  int decimals; /* of the printed values, 0..3 (clamped) */
  const char *suffix; /* after printed values, escaped; may be NULL */
};

/* Appends small multiples of line charts: in each panel the series label,
 * its latest value, the line with a dot per value, the y axis bounds and
 * the first and last x labels. Values outside the y axis are drawn at its
 * edge. A series with no value shows "no data" in its panel; points = 0 or
 * n_series = 0 gives the "No data yet" figure. Returns 0 or an error as
 * described at the top. */
int sk_svgchart_lines(struct sk_buf *out,
                      const struct sk_svgchart_lines *chart);

#endif
