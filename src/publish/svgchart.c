/* svgchart.c: static SVG bar charts, score histograms and small-multiple
 * line charts (see svgchart.h). The promises kept here: every label is cut
 * and then escaped by sk_html_escape(), every number is printed by
 * fmt_fixed() with integer arithmetic (locale-proof, byte-stable, never
 * "nan" or "inf"), every mark's geometry is clamped into the viewBox, and a
 * failed append leaves the caller's buffer as it was. */
#include "shipskip/publish/svgchart.h"
#include "shipskip/util/error.h"
#include "shipskip/util/html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Colours for the presentation attributes: mid tones readable on the light
 * and the dark page alike; the site's CSS may override them by class. */
#define FILL_ACCENT "#3b6fd8"
#define FILL_SHIP "#1f8a52"
#define FILL_SKIP "#c4402f"
#define FILL_SPLIT "#b07a12"
#define FILL_NONE "#7a8292"
#define GRID_ATTRS "stroke=\"currentColor\" stroke-opacity=\"0.25\""

/* Values printed in a chart are capped here so the integer arithmetic of
 * fmt_fixed() cannot overflow; no panel figure comes near it. */
#define VALUE_LIMIT 1e12

/* Writes v with decimals digits after the point into dst, by rounding
 * v * 10^decimals to an integer: printf's %f would follow the locale's
 * decimal point and print "nan". v is clamped to +-VALUE_LIMIT (a NaN,
 * which callers never pass, prints as 0), and a value that rounds to 0
 * prints without a sign. */
static void fmt_fixed(char *dst, size_t size, double v, int decimals) {
  static const long long SCALE[] = {1, 10, 100, 1000};
  long long scale;
  long long r;
  const char *sign = "";

  if (decimals < 0)
    decimals = 0;
  if (decimals > 3)
    decimals = 3;
  scale = SCALE[decimals];
  if (isnan(v))
    v = 0;
  if (v > VALUE_LIMIT)
    v = VALUE_LIMIT;
  if (v < -VALUE_LIMIT)
    v = -VALUE_LIMIT;
  r = llround(v * (double)scale);
  if (r < 0) {
    sign = "-";
    r = -r;
  }
  if (decimals == 0)
    snprintf(dst, size, "%s%lld", sign, r);
  else
    snprintf(dst, size, "%s%lld.%0*lld", sign, r / scale, decimals, r % scale);
}

/* Appends a coordinate with one decimal. Callers pass only finite values
 * computed from clamped geometry. */
static int coord(struct sk_buf *out, double v) {
  char s[64]; /* sign, 19 digits, point, 19 digits: ample */
  fmt_fixed(s, sizeof(s), v, 1);
  return sk_buf_adds(out, s);
}

/* Appends a printed value: v with decimals and the escaped suffix, or
 * "n/a" when v is not finite. */
static int value_text(struct sk_buf *out, double v, int decimals,
                      const char *suffix) {
  char s[64]; /* sign, 19 digits, point, 19 digits: ample */
  int rc = 0;

  if (!isfinite(v))
    return sk_buf_adds(out, "n/a");
  fmt_fixed(s, sizeof(s), v, decimals);
  SK_BUF_TRY(rc, sk_buf_adds(out, s));
  SK_BUF_TRY(rc, sk_html_escape(out, suffix));
  return rc;
}

/* Appends s escaped, cut to max_chars characters (UTF-8 code points) with
 * an ellipsis when longer. The cut falls before a lead byte, so no
 * character is split. */
static int label_text(struct sk_buf *out, const char *s, size_t max_chars) {
  char cut[SK_SVGCHART_LABEL_CHARS * 4 + 4];
  size_t chars = 0;
  size_t keep = 0;
  size_t i;
  int rc = 0;

  if (s == NULL)
    return 0;
  if (max_chars > SK_SVGCHART_LABEL_CHARS)
    max_chars = SK_SVGCHART_LABEL_CHARS;
  for (i = 0; s[i] != '\0'; i++) {
    if (((unsigned char)s[i] & 0xC0) == 0x80)
      continue;
    /* A lead byte starts character number chars + 1. Remember where the
     * last character that still fits before an ellipsis begins. */
    if (chars == max_chars - 1)
      keep = i;
    if (chars == max_chars)
      break;
    chars++;
  }
  if (s[i] == '\0')
    return sk_html_escape(out, s);
  if (keep > sizeof(cut) - 1)
    keep = sizeof(cut) - 1;
  memcpy(cut, s, keep);
  cut[keep] = '\0';
  SK_BUF_TRY(rc, sk_html_escape(out, cut));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\xe2\x80\xa6"));
  return rc;
}

/* Appends the opening <svg> with its accessible name, and the <title>. */
static int svg_open(struct sk_buf *out, const char *kind, const char *title,
                    double height) {
  int rc = 0;

  if (title == NULL)
    title = "Chart";
  SK_BUF_TRY(rc, sk_buf_printf(out,
                               "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                               "class=\"chart chart-%s\" viewBox=\"0 0 %d ",
                               kind, SK_SVGCHART_WIDTH));
  SK_BUF_TRY(rc, coord(out, height));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" role=\"img\" aria-label=\""));
  SK_BUF_TRY(rc, sk_html_escape(out, title));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" font-size=\"12\"><title>"));
  SK_BUF_TRY(rc, sk_html_escape(out, title));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</title>\n"));
  return rc;
}

/* Appends the "No data yet" figure: a frame with one line of text. */
static int no_data(struct sk_buf *out, const char *title) {
  int rc = 0;
  SK_BUF_TRY(rc, svg_open(out, "empty", title, 60));
  SK_BUF_TRY(rc, sk_buf_adds(
                     out, "<rect class=\"grid\" x=\"0.5\" y=\"0.5\" "
                          "width=\"599.0\" height=\"59.0\" rx=\"6.0\" "
                          "fill=\"none\" " GRID_ATTRS "/>\n"
                          "<text x=\"300.0\" y=\"34.0\" text-anchor=\"middle\" "
                          "fill=\"currentColor\">No data yet</text>\n"
                          "</svg>\n"));
  return rc;
}

/* Appends <text x y [text-anchor]> opening tag in currentColor. anchor may
 * be NULL for the default (start). */
static int text_open(struct sk_buf *out, double x, double y,
                     const char *anchor) {
  int rc = 0;
  SK_BUF_TRY(rc, sk_buf_adds(out, "<text x=\""));
  SK_BUF_TRY(rc, coord(out, x));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" y=\""));
  SK_BUF_TRY(rc, coord(out, y));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\""));
  if (anchor != NULL)
    SK_BUF_TRY(rc, sk_buf_printf(out, " text-anchor=\"%s\"", anchor));
  SK_BUF_TRY(rc, sk_buf_adds(out, " fill=\"currentColor\">"));
  return rc;
}

/* Appends a rectangle with a class and a fill. */
static int rect(struct sk_buf *out, const char *cls, double x, double y,
                double w, double h, const char *fill) {
  int rc = 0;
  SK_BUF_TRY(rc, sk_buf_printf(out, "<rect class=\"%s\" x=\"", cls));
  SK_BUF_TRY(rc, coord(out, x));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" y=\""));
  SK_BUF_TRY(rc, coord(out, y));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" width=\""));
  SK_BUF_TRY(rc, coord(out, w));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" height=\""));
  SK_BUF_TRY(rc, coord(out, h));
  SK_BUF_TRY(rc, sk_buf_printf(out, "\" rx=\"2.0\" fill=\"%s\"/>\n", fill));
  return rc;
}

/* Appends a horizontal or vertical guide line. */
static int grid_line(struct sk_buf *out, double x1, double y1, double x2,
                     double y2) {
  int rc = 0;
  SK_BUF_TRY(rc, sk_buf_adds(out, "<line class=\"grid\" x1=\""));
  SK_BUF_TRY(rc, coord(out, x1));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" y1=\""));
  SK_BUF_TRY(rc, coord(out, y1));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" x2=\""));
  SK_BUF_TRY(rc, coord(out, x2));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" y2=\""));
  SK_BUF_TRY(rc, coord(out, y2));
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" " GRID_ATTRS "/>\n"));
  return rc;
}

/* Restores out to start after a failed append, so no half chart remains. */
static int finish(struct sk_buf *out, size_t start, int rc) {
  if (rc != 0 && out->len > start) {
    out->len = start;
    out->data[start] = '\0';
  }
  return rc;
}

/* Clamps v into +-VALUE_LIMIT so the geometry below stays finite. */
static double bounded(double v) {
  return fmax(-VALUE_LIMIT, fmin(VALUE_LIMIT, v));
}

/* ---- Bar chart ---- */

/* Geometry of the bar chart: labels end at LABEL_X, bars start at BAR_X
 * and are at most BAR_SPAN long, one row of BAR_ROW per bar. */
#define BAR_LABEL_X 170.0
#define BAR_X 180.0
#define BAR_SPAN 340.0
#define BAR_ROW 28.0
#define BAR_H 18.0
#define BAR_TOP 6.0
#define BAR_BASELINE 13.0 /* text baseline below a row's top */

/* The fill of a bar with the given verdict class (NULL: no verdict). */
static const char *bar_fill(const char *cls) {
  if (cls == NULL)
    return FILL_ACCENT;
  if (strcmp(cls, "ship") == 0)
    return FILL_SHIP;
  if (strcmp(cls, "skip") == 0)
    return FILL_SKIP;
  if (strcmp(cls, "split") == 0)
    return FILL_SPLIT;
  return FILL_NONE;
}

/* The value of a full-length bar: chart->max when usable, else the largest
 * finite value; 0 when nothing is positive (then no bar is drawn). */
static double bars_scale(const struct sk_svgchart_bars *c) {
  double max = 0;
  size_t i;

  if (isfinite(c->max) && c->max > 0)
    return c->max;
  for (i = 0; i < c->n; i++)
    if (isfinite(c->bars[i].value) && c->bars[i].value > max)
      max = c->bars[i].value;
  return max;
}

/* Appends row i: the label, the bar and its printed value. */
static int bar_row(struct sk_buf *out, const struct sk_svgchart_bars *c,
                   size_t i, double max) {
  const struct sk_svgchart_bar *b = &c->bars[i];
  const char *cls = b->verdict ? sk_html_verdict_class(b->verdict) : NULL;
  double y = BAR_TOP + (double)i * BAR_ROW;
  double w = 0;
  char klass[32];
  int rc = 0;

  if (isfinite(b->value) && b->value > 0 && max > 0)
    w = fmin(b->value / max, 1.0) * BAR_SPAN;
  SK_BUF_TRY(rc, text_open(out, BAR_LABEL_X, y + BAR_BASELINE, "end"));
  SK_BUF_TRY(rc, label_text(out, b->label, SK_SVGCHART_LABEL_CHARS));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
  /* A bar too short to see is left out rather than drawn as a sliver. */
  if (w >= 0.05) {
    snprintf(klass, sizeof(klass), "bar%s%s", cls ? " " : "", cls ? cls : "");
    SK_BUF_TRY(rc, rect(out, klass, BAR_X, y, w, BAR_H, bar_fill(cls)));
  }
  SK_BUF_TRY(rc, text_open(out, BAR_X + w + 6.0, y + BAR_BASELINE, NULL));
  SK_BUF_TRY(rc, value_text(out, b->value, c->decimals, c->suffix));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
  return rc;
}

int sk_svgchart_bars(struct sk_buf *out, const struct sk_svgchart_bars *chart) {
  size_t start = out->len;
  double height;
  double max;
  size_t i;
  int rc = 0;

  if (chart->bars == NULL && chart->n > 0)
    return SK_EINVAL;
  if (chart->n == 0)
    return finish(out, start, no_data(out, chart->title));
  height = 2.0 * BAR_TOP + (double)chart->n * BAR_ROW - (BAR_ROW - BAR_H);
  max = bars_scale(chart);
  SK_BUF_TRY(rc, svg_open(out, "bars", chart->title, height));
  SK_BUF_TRY(rc, grid_line(out, BAR_X, 0, BAR_X, height));
  for (i = 0; i < chart->n && rc == 0; i++)
    rc = bar_row(out, chart, i, max);
  SK_BUF_TRY(rc, sk_buf_adds(out, "</svg>\n"));
  return finish(out, start, rc);
}

/* ---- Histogram ---- */

/* The plot area of the histogram, and the most bins allowed. */
#define HIST_LEFT 40.0
#define HIST_RIGHT 580.0
#define HIST_TOP 20.0
#define HIST_BOTTOM 180.0
#define HIST_HEIGHT 204.0
#define HIST_MAX_BINS 50u
#define HIST_LABELLED_BINS 20u /* bins up to this many get count labels */

/* Counts the usable scores into bins; returns how many were counted. */
static unsigned long hist_count(const double *scores, size_t n, unsigned bins,
                                unsigned long *counts) {
  unsigned long total = 0;
  size_t i;

  for (i = 0; i < n; i++) {
    double s = scores[i];
    size_t b;
    /* The comparisons are false for NaN, so NaN is left out too. */
    if (!(s >= 0.0 && s <= 100.0))
      continue;
    b = (size_t)(s * (double)bins / 100.0);
    if (b >= bins)
      b = bins - 1; /* 100 belongs to the top bin */
    counts[b]++;
    total++;
  }
  return total;
}

/* Appends the axis: the base line, score ticks 0-100 and the count scale. */
static int hist_axis(struct sk_buf *out, unsigned long max_count) {
  char s[32];
  int v;
  int rc = 0;

  SK_BUF_TRY(rc,
             grid_line(out, HIST_LEFT, HIST_BOTTOM, HIST_RIGHT, HIST_BOTTOM));
  for (v = 0; v <= 100; v += 25) {
    double x = HIST_LEFT + (HIST_RIGHT - HIST_LEFT) * v / 100.0;
    SK_BUF_TRY(rc, text_open(out, x, HIST_BOTTOM + 16.0, "middle"));
    SK_BUF_TRY(rc, sk_buf_printf(out, "%d</text>\n", v));
  }
  snprintf(s, sizeof(s), "%lu", max_count);
  SK_BUF_TRY(rc, text_open(out, HIST_LEFT - 6.0, HIST_TOP + 4.0, "end"));
  SK_BUF_TRY(rc, sk_buf_printf(out, "%s</text>\n", s));
  SK_BUF_TRY(rc, text_open(out, HIST_LEFT - 6.0, HIST_BOTTOM + 4.0, "end"));
  SK_BUF_TRY(rc, sk_buf_adds(out, "0</text>\n"));
  return rc;
}

int sk_svgchart_histogram(struct sk_buf *out, const char *title,
                          const double *scores, size_t n, unsigned bins) {
  unsigned long counts[HIST_MAX_BINS] = {0};
  unsigned long max_count = 0;
  size_t start = out->len;
  double bw;
  double gap;
  unsigned i;
  int rc = 0;

  if (scores == NULL && n > 0)
    return SK_EINVAL;
  bins = bins < 1 ? 1 : bins > HIST_MAX_BINS ? HIST_MAX_BINS : bins;
  if (hist_count(scores, n, bins, counts) == 0)
    return finish(out, start, no_data(out, title));
  for (i = 0; i < bins; i++)
    if (counts[i] > max_count)
      max_count = counts[i];
  bw = (HIST_RIGHT - HIST_LEFT) / bins;
  gap = bw > 4.0 ? 1.0 : 0.0;
  SK_BUF_TRY(rc, svg_open(out, "histogram", title, HIST_HEIGHT));
  for (i = 0; i < bins && rc == 0; i++) {
    double h = (HIST_BOTTOM - HIST_TOP) * (double)counts[i] / max_count;
    double x = HIST_LEFT + bw * i;
    if (counts[i] == 0)
      continue;
    SK_BUF_TRY(rc, rect(out, "bin", x + gap, HIST_BOTTOM - h, bw - 2 * gap, h,
                        FILL_ACCENT));
    if (bins <= HIST_LABELLED_BINS) {
      SK_BUF_TRY(rc,
                 text_open(out, x + bw / 2, HIST_BOTTOM - h - 4.0, "middle"));
      SK_BUF_TRY(rc, sk_buf_printf(out, "%lu</text>\n", counts[i]));
    }
  }
  SK_BUF_TRY(rc, hist_axis(out, max_count));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</svg>\n"));
  return finish(out, start, rc);
}

/* ---- Small-multiple line charts ---- */

/* A panel's box, and its plot area inside. */
#define PANEL_H 140.0
#define PLOT_LEFT 40.0  /* from the panel's left edge */
#define PLOT_RIGHT 14.0 /* from the panel's right edge */
#define PLOT_TOP 30.0   /* from the panel's top */
#define PLOT_BOTTOM 110.0

/* Where a panel's plot area is, and the shared y range. */
struct panel {
  double left;
  double right;
  double top;
  double bottom;
  double lo;
  double hi;
};

/* The shared y range: the caller's when usable, else the data's, at least 1
 * wide (a flat series sits in the middle), 0..1 when there is no value. */
static void lines_range(const struct sk_svgchart_lines *c, double *lo,
                        double *hi) {
  int any = 0;
  size_t s;
  size_t i;

  if (isfinite(c->y_min) && isfinite(c->y_max) && c->y_max > c->y_min) {
    *lo = bounded(c->y_min);
    *hi = bounded(c->y_max);
    if (*hi > *lo)
      return;
  }
  *lo = 0;
  *hi = 1;
  for (s = 0; s < c->n_series; s++)
    for (i = 0; c->series[s].values != NULL && i < c->points; i++) {
      double v = c->series[s].values[i];
      if (!isfinite(v))
        continue;
      v = bounded(v);
      *lo = any && *lo < v ? *lo : v;
      *hi = any && *hi > v ? *hi : v;
      any = 1;
    }
  if (*hi - *lo < 1.0) {
    double mid = (*hi + *lo) / 2.0;
    *lo = mid - 0.5;
    *hi = mid + 0.5;
  }
}

static double point_x(const struct panel *p, size_t i, size_t points) {
  if (points < 2)
    return (p->left + p->right) / 2.0;
  return p->left + (p->right - p->left) * (double)i / (double)(points - 1);
}

/* The y of v, clamped to the plot area. */
static double point_y(const struct panel *p, double v) {
  double f = (bounded(v) - p->lo) / (p->hi - p->lo);
  f = fmax(0.0, fmin(1.0, f));
  return p->bottom - f * (p->bottom - p->top);
}

/* Appends the panel's frame: guide lines, y bounds and first and last x
 * labels. */
static int panel_frame(struct sk_buf *out, const struct sk_svgchart_lines *c,
                       const struct panel *p) {
  int rc = 0;

  SK_BUF_TRY(rc, grid_line(out, p->left, p->top, p->right, p->top));
  SK_BUF_TRY(rc, grid_line(out, p->left, p->bottom, p->right, p->bottom));
  SK_BUF_TRY(rc, text_open(out, p->left - 4.0, p->top + 4.0, "end"));
  SK_BUF_TRY(rc, value_text(out, p->hi, c->decimals, c->suffix));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
  SK_BUF_TRY(rc, text_open(out, p->left - 4.0, p->bottom + 4.0, "end"));
  SK_BUF_TRY(rc, value_text(out, p->lo, c->decimals, c->suffix));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
  if (c->x_labels == NULL)
    return rc;
  SK_BUF_TRY(rc, text_open(out, c->points < 2 ? point_x(p, 0, 1) : p->left,
                           p->bottom + 16.0, c->points < 2 ? "middle" : NULL));
  SK_BUF_TRY(rc, label_text(out, c->x_labels[0], 12));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
  if (c->points >= 2) {
    SK_BUF_TRY(rc, text_open(out, p->right, p->bottom + 16.0, "end"));
    SK_BUF_TRY(rc, label_text(out, c->x_labels[c->points - 1], 12));
    SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
  }
  return rc;
}

/* Appends a series' line (a gap where a value is missing) and its dots.
 * Returns 0 with *drawn set to how many values were drawn, or an error. */
static int panel_marks(struct sk_buf *out, const struct sk_svgchart_lines *c,
                       const double *values, const struct panel *p,
                       size_t *drawn) {
  int pen_down = 0;
  size_t i;
  int rc = 0;

  *drawn = 0;
  for (i = 0; values != NULL && i < c->points; i++)
    *drawn += isfinite(values[i]) != 0;
  if (*drawn == 0)
    return 0;
  SK_BUF_TRY(rc, sk_buf_adds(out, "<path class=\"line\" d=\""));
  for (i = 0; i < c->points; i++) {
    if (!isfinite(values[i])) {
      pen_down = 0;
      continue;
    }
    SK_BUF_TRY(rc, sk_buf_adds(
                       out, pen_down ? " L" : (i > 0 && rc == 0 ? " M" : "M")));
    SK_BUF_TRY(rc, coord(out, point_x(p, i, c->points)));
    SK_BUF_TRY(rc, sk_buf_adds(out, " "));
    SK_BUF_TRY(rc, coord(out, point_y(p, values[i])));
    pen_down = 1;
  }
  SK_BUF_TRY(rc, sk_buf_adds(out, "\" fill=\"none\" stroke=\"" FILL_ACCENT
                                  "\" stroke-width=\"2\"/>\n"));
  for (i = 0; i < c->points; i++) {
    if (!isfinite(values[i]))
      continue;
    SK_BUF_TRY(rc, sk_buf_adds(out, "<circle class=\"point\" cx=\""));
    SK_BUF_TRY(rc, coord(out, point_x(p, i, c->points)));
    SK_BUF_TRY(rc, sk_buf_adds(out, "\" cy=\""));
    SK_BUF_TRY(rc, coord(out, point_y(p, values[i])));
    SK_BUF_TRY(rc,
               sk_buf_adds(out, "\" r=\"2.5\" fill=\"" FILL_ACCENT "\"/>\n"));
  }
  return rc;
}

/* Appends panel s at (x, y), w wide: heading, latest value, frame and
 * marks, or "no data" when the series has no value. */
static int panel(struct sk_buf *out, const struct sk_svgchart_lines *c,
                 size_t s, double x, double y, double w, double lo, double hi) {
  const struct sk_svgchart_series *ser = &c->series[s];
  struct panel p = {
      x + PLOT_LEFT, x + w - PLOT_RIGHT, y + PLOT_TOP, y + PLOT_BOTTOM, lo, hi};
  size_t drawn = 0;
  size_t i;
  int rc = 0;

  SK_BUF_TRY(rc, text_open(out, x + 8.0, y + 18.0, NULL));
  SK_BUF_TRY(rc, label_text(out, ser->label, SK_SVGCHART_LABEL_CHARS));
  SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
  SK_BUF_TRY(rc, panel_frame(out, c, &p));
  SK_BUF_TRY(rc, panel_marks(out, c, ser->values, &p, &drawn));
  if (rc == 0 && drawn == 0) {
    SK_BUF_TRY(rc, text_open(out, (p.left + p.right) / 2.0,
                             (p.top + p.bottom) / 2.0, "middle"));
    SK_BUF_TRY(rc, sk_buf_adds(out, "no data</text>\n"));
    return rc;
  }
  /* The latest value, top right: what a reader looks for first. */
  for (i = c->points; rc == 0 && i > 0; i--)
    if (isfinite(ser->values[i - 1])) {
      SK_BUF_TRY(rc, text_open(out, p.right, y + 18.0, "end"));
      SK_BUF_TRY(rc,
                 value_text(out, ser->values[i - 1], c->decimals, c->suffix));
      SK_BUF_TRY(rc, sk_buf_adds(out, "</text>\n"));
      break;
    }
  return rc;
}

int sk_svgchart_lines(struct sk_buf *out, const struct sk_svgchart_lines *c) {
  size_t start = out->len;
  size_t cols;
  size_t rows;
  double w;
  double lo;
  double hi;
  size_t s;
  int rc = 0;

  if (c->series == NULL && c->n_series > 0)
    return SK_EINVAL;
  if (c->points == 0 || c->n_series == 0)
    return finish(out, start, no_data(out, c->title));
  cols = c->n_series > 1 ? 2 : 1;
  rows = (c->n_series + cols - 1) / cols;
  w = (double)SK_SVGCHART_WIDTH / (double)cols;
  lines_range(c, &lo, &hi);
  SK_BUF_TRY(rc, svg_open(out, "lines", c->title, (double)rows * PANEL_H));
  for (s = 0; s < c->n_series && rc == 0; s++)
    rc = panel(out, c, s, w * (double)(s % cols), PANEL_H * (double)(s / cols),
               w, lo, hi);
  SK_BUF_TRY(rc, sk_buf_adds(out, "</svg>\n"));
  return finish(out, start, rc);
}
