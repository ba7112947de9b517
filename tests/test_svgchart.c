/* test_svgchart.c: the static SVG charts. Exact bytes for small inputs (the
 * expected geometry is worked out in the comments), hostile labels and
 * titles escaped and confined to their own <text>, long labels cut on a
 * character boundary, no "nan" or "inf" whatever the numbers, the "No data
 * yet" figure, and a failed append leaving the buffer as it was. */
#include "harness.h"
#include "shipskip/publish/svgchart.h"
#include "shipskip/util/error.h"
#include "shipskip/util/html.h"

#include <ctype.h>
#include <math.h>

/* Returns 1 when hay holds needle, ignoring ASCII case. */
static int has_nocase(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay != '\0'; hay++) {
    size_t i;
    for (i = 0; i < n && hay[i] != '\0'; i++)
      if (tolower((unsigned char)hay[i]) != tolower((unsigned char)needle[i]))
        break;
    if (i == n)
      return 1;
  }
  return 0;
}

/* Returns 1 when s holds an event handler attribute: " on", letters, "=\"".
 * Escaped label text cannot match, since its quotes are references. */
static int has_handler(const char *s) {
  const char *p = s;
  while ((p = strstr(p, " on")) != NULL) {
    const char *q = p + 3;
    while (*q >= 'a' && *q <= 'z')
      q++;
    if (q > p + 3 && q[0] == '=' && q[1] == '"')
      return 1;
    p += 3;
  }
  return 0;
}

/* Counts the occurrences of needle in hay. */
static size_t count(const char *hay, const char *needle) {
  size_t c = 0;
  const char *p = hay;
  while ((p = strstr(p, needle)) != NULL) {
    c++;
    p += strlen(needle);
  }
  return c;
}

/* The promises every chart keeps: no NaN or infinity printed, nothing that
 * runs or loads, no style attribute, balanced text elements, one root. */
#define ASSERT_CLEAN_SVG(s)                                                    \
  do {                                                                         \
    ASSERT(!has_nocase((s), "nan"));                                           \
    ASSERT(!has_nocase((s), "inf"));                                           \
    ASSERT(!has_nocase((s), "<script"));                                       \
    ASSERT(!has_nocase((s), "style="));                                        \
    ASSERT(!has_nocase((s), "href"));                                          \
    ASSERT(!has_nocase((s), "url("));                                          \
    ASSERT(!has_handler(s));                                                   \
    ASSERT_INT_EQ(count((s), "<text"), count((s), "</text>"));                 \
    ASSERT_INT_EQ(count((s), "<svg"), 1);                                      \
    ASSERT_INT_EQ(count((s), "</svg>\n"), 1);                                  \
    ASSERT_CONTAINS((s), "role=\"img\"");                                      \
  } while (0)

static const char NO_DATA[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-empty\" "
    "viewBox=\"0 0 600 60.0\" role=\"img\" aria-label=\"Scores\" "
    "font-size=\"12\"><title>Scores</title>\n"
    "<rect class=\"grid\" x=\"0.5\" y=\"0.5\" width=\"599.0\" "
    "height=\"59.0\" rx=\"6.0\" fill=\"none\" stroke=\"currentColor\" "
    "stroke-opacity=\"0.25\"/>\n"
    "<text x=\"300.0\" y=\"34.0\" text-anchor=\"middle\" "
    "fill=\"currentColor\">No data yet</text>\n"
    "</svg>\n";

/* Two bars, full length 100 = 340 units from x = 180: 25 is 85 long, 75 is
 * 255; values print 6 units past the bar's end; rows are 28 apart from
 * y = 6, text baselines 13 below; height 2 * 28 + 2. */
TEST(bars_exact_bytes) {
  static const struct sk_svgchart_bar bars[] = {
      {"Skeptic", 25, "skip"},
      {"Optimist", 75, "Ship"},
  };
  struct sk_svgchart_bars chart = {"Ship rate", bars, 2, 100, 0, "%"};
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &chart), 0);
  ASSERT_STR_EQ(
      sk_buf_str(&b),
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-bars\" "
      "viewBox=\"0 0 600 58.0\" role=\"img\" aria-label=\"Ship rate\" "
      "font-size=\"12\"><title>Ship rate</title>\n"
      "<line class=\"grid\" x1=\"180.0\" y1=\"0.0\" x2=\"180.0\" y2=\"58.0\" "
      "stroke=\"currentColor\" stroke-opacity=\"0.25\"/>\n"
      "<text x=\"170.0\" y=\"19.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">Skeptic</text>\n"
      "<rect class=\"bar skip\" x=\"180.0\" y=\"6.0\" width=\"85.0\" "
      "height=\"18.0\" rx=\"2.0\" fill=\"#c4402f\"/>\n"
      "<text x=\"271.0\" y=\"19.0\" fill=\"currentColor\">25%</text>\n"
      "<text x=\"170.0\" y=\"47.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">Optimist</text>\n"
      "<rect class=\"bar ship\" x=\"180.0\" y=\"34.0\" width=\"255.0\" "
      "height=\"18.0\" rx=\"2.0\" fill=\"#1f8a52\"/>\n"
      "<text x=\"441.0\" y=\"47.0\" fill=\"currentColor\">75%</text>\n"
      "</svg>\n");
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_cleanup(&b);
}

/* Scores 10, 90, 95 in 2 bins over the 540-unit axis from x = 40: 1 and 2
 * tools; the tallest bin is 160 high, bins 270 wide with a 1-unit gap;
 * ticks every 25 points (135 units). */
TEST(histogram_exact_bytes) {
  static const double scores[] = {10, 90, 95};
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_histogram(&b, "Scores", scores, 3, 2), 0);
  ASSERT_STR_EQ(
      sk_buf_str(&b),
      "<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "class=\"chart chart-histogram\" viewBox=\"0 0 600 204.0\" "
      "role=\"img\" aria-label=\"Scores\" font-size=\"12\">"
      "<title>Scores</title>\n"
      "<rect class=\"bin\" x=\"41.0\" y=\"100.0\" width=\"268.0\" "
      "height=\"80.0\" rx=\"2.0\" fill=\"#3b6fd8\"/>\n"
      "<text x=\"175.0\" y=\"96.0\" text-anchor=\"middle\" "
      "fill=\"currentColor\">1</text>\n"
      "<rect class=\"bin\" x=\"311.0\" y=\"20.0\" width=\"268.0\" "
      "height=\"160.0\" rx=\"2.0\" fill=\"#3b6fd8\"/>\n"
      "<text x=\"445.0\" y=\"16.0\" text-anchor=\"middle\" "
      "fill=\"currentColor\">2</text>\n"
      "<line class=\"grid\" x1=\"40.0\" y1=\"180.0\" x2=\"580.0\" "
      "y2=\"180.0\" stroke=\"currentColor\" stroke-opacity=\"0.25\"/>\n"
      "<text x=\"40.0\" y=\"196.0\" text-anchor=\"middle\" "
      "fill=\"currentColor\">0</text>\n"
      "<text x=\"175.0\" y=\"196.0\" text-anchor=\"middle\" "
      "fill=\"currentColor\">25</text>\n"
      "<text x=\"310.0\" y=\"196.0\" text-anchor=\"middle\" "
      "fill=\"currentColor\">50</text>\n"
      "<text x=\"445.0\" y=\"196.0\" text-anchor=\"middle\" "
      "fill=\"currentColor\">75</text>\n"
      "<text x=\"580.0\" y=\"196.0\" text-anchor=\"middle\" "
      "fill=\"currentColor\">100</text>\n"
      "<text x=\"34.0\" y=\"24.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">2</text>\n"
      "<text x=\"34.0\" y=\"184.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">0</text>\n"
      "</svg>\n");
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_cleanup(&b);
}

/* One series, two nights, axis 0-100: one panel 600 wide, plot from x = 40
 * to 586 and y = 110 (0) up to 30 (100), so 50 is at y = 70, 75 at 50. */
TEST(lines_exact_bytes) {
  static const double skeptic[] = {50, 75};
  static const char *const nights[] = {"Mon", "Tue"};
  static const struct sk_svgchart_series series[] = {{"Skeptic", skeptic}};
  struct sk_svgchart_lines chart = {
      "Ship rate per night", nights, 2, series, 1, 0, 100, 0, "%"};
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_lines(&b, &chart), 0);
  ASSERT_STR_EQ(
      sk_buf_str(&b),
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-lines\" "
      "viewBox=\"0 0 600 140.0\" role=\"img\" "
      "aria-label=\"Ship rate per night\" font-size=\"12\">"
      "<title>Ship rate per night</title>\n"
      "<text x=\"8.0\" y=\"18.0\" fill=\"currentColor\">Skeptic</text>\n"
      "<line class=\"grid\" x1=\"40.0\" y1=\"30.0\" x2=\"586.0\" y2=\"30.0\" "
      "stroke=\"currentColor\" stroke-opacity=\"0.25\"/>\n"
      "<line class=\"grid\" x1=\"40.0\" y1=\"110.0\" x2=\"586.0\" "
      "y2=\"110.0\" stroke=\"currentColor\" stroke-opacity=\"0.25\"/>\n"
      "<text x=\"36.0\" y=\"34.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">100%</text>\n"
      "<text x=\"36.0\" y=\"114.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">0%</text>\n"
      "<text x=\"40.0\" y=\"126.0\" fill=\"currentColor\">Mon</text>\n"
      "<text x=\"586.0\" y=\"126.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">Tue</text>\n"
      "<path class=\"line\" d=\"M40.0 70.0 L586.0 50.0\" fill=\"none\" "
      "stroke=\"#3b6fd8\" stroke-width=\"2\"/>\n"
      "<circle class=\"point\" cx=\"40.0\" cy=\"70.0\" r=\"2.5\" "
      "fill=\"#3b6fd8\"/>\n"
      "<circle class=\"point\" cx=\"586.0\" cy=\"50.0\" r=\"2.5\" "
      "fill=\"#3b6fd8\"/>\n"
      "<text x=\"586.0\" y=\"18.0\" text-anchor=\"end\" "
      "fill=\"currentColor\">75%</text>\n"
      "</svg>\n");
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_cleanup(&b);
}

TEST(empty_input_gives_the_no_data_figure) {
  static const double only_bad[] = {NAN, -1, 101, INFINITY};
  static const double none[] = {NAN, NAN};
  struct sk_svgchart_series series[] = {{"Skeptic", none}};
  struct sk_svgchart_bars bars = {"Scores", NULL, 0, 0, 0, NULL};
  struct sk_svgchart_lines lines = {"Scores", NULL, 0, series, 1,
                                    0,        100,  0, NULL};
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &bars), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), NO_DATA);
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_svgchart_histogram(&b, "Scores", NULL, 0, 10), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), NO_DATA);
  sk_buf_reset(&b);
  /* Scores that are all unusable count as no data. */
  ASSERT_INT_EQ(sk_svgchart_histogram(&b, "Scores", only_bad, 4, 10), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), NO_DATA);
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_svgchart_lines(&b, &lines), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), NO_DATA);
  sk_buf_reset(&b);
  /* A series without any value says so in its own panel. */
  lines.points = 2;
  ASSERT_INT_EQ(sk_svgchart_lines(&b, &lines), 0);
  ASSERT_CONTAINS(sk_buf_str(&b), ">no data</text>");
  ASSERT_NOT_CONTAINS(sk_buf_str(&b), "<path");
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_cleanup(&b);
}

/* Returns the escaped form of s as sk_html_escape() makes it (heap). */
static char *escaped(const char *s) {
  struct sk_buf e;
  sk_buf_init(&e, 1 << 16);
  sk_html_escape(&e, s);
  return sk_buf_take(&e);
}

TEST(hostile_labels_are_escaped_and_confined) {
  /* Markup, both quotes, an ampersand and an unterminated right-to-left
   * override (U+202E): short enough not to be cut. */
  static const char *label = "\xe2\x80\xae<svg onload='x'>\"&";
  static const char *title = "</title><script>alert(1)</script>";
  struct sk_svgchart_bar bars[] = {{label, 40, "<b>"}, {"Next", 60, NULL}};
  struct sk_svgchart_bars chart = {title, bars, 2, 100, 1, "<%>"};
  struct sk_buf b;
  char *want = escaped(label);
  char *cell = NULL;
  const char *s;
  size_t len = strlen(want) + 32;

  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &chart), 0);
  s = sk_buf_str(&b);
  /* The label is exactly what the page escaper makes of it, alone in its
   * <text>: the override cannot reach the number or the next label. */
  cell = malloc(len);
  snprintf(cell, len, "\">%s</text>\n", want);
  ASSERT_CONTAINS(s, cell);
  ASSERT_CONTAINS(s, "&lt;svg onload=&#39;x&#39;&gt;&quot;&amp;");
  ASSERT_CONTAINS(s, "aria-label=\"&lt;/title&gt;&lt;script&gt;alert(1)"
                     "&lt;/script&gt;\"");
  ASSERT_CONTAINS(s, "<title>&lt;/title&gt;&lt;script&gt;");
  /* The suffix is escaped; an unknown verdict is the neutral class. */
  ASSERT_CONTAINS(s, ">40.0&lt;%&gt;</text>");
  ASSERT_CONTAINS(s, "class=\"bar none\"");
  ASSERT_NOT_CONTAINS(s, "<svg onload");
  ASSERT_NOT_CONTAINS(s, "<b>");
  ASSERT_CLEAN_SVG(s);
  free(cell);
  free(want);
  sk_buf_cleanup(&b);
}

TEST(long_labels_are_cut_on_a_character_boundary) {
  char label[200] = "";
  struct sk_svgchart_bar bars[1];
  struct sk_svgchart_bars chart = {"Cut", bars, 1, 0, 0, NULL};
  char want[200] = ">";
  struct sk_buf b;
  int i;

  /* 30 two-byte characters: 21 are kept, then the ellipsis. */
  for (i = 0; i < 30; i++)
    strcat(label, "\xc3\xa9");
  for (i = 0; i < SK_SVGCHART_LABEL_CHARS - 1; i++)
    strcat(want, "\xc3\xa9");
  strcat(want, "\xe2\x80\xa6</text>");
  bars[0].label = label;
  bars[0].value = 1;
  bars[0].verdict = NULL;
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &chart), 0);
  ASSERT_CONTAINS(sk_buf_str(&b), want);
  sk_buf_reset(&b);
  /* Exactly the limit is not cut. */
  label[2 * SK_SVGCHART_LABEL_CHARS] = '\0';
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &chart), 0);
  ASSERT_NOT_CONTAINS(sk_buf_str(&b), "\xe2\x80\xa6");
  sk_buf_cleanup(&b);
}

TEST(no_number_ever_prints_nan_or_inf) {
  static const struct sk_svgchart_bar bars[] = {
      {"a", NAN, "ship"}, {"b", INFINITY, "skip"}, {"c", -INFINITY, NULL},
      {"d", 1e308, NULL}, {"e", -1e308, NULL},     {"f", -0.0001, NULL},
  };
  static const double scores[] = {NAN, INFINITY, -INFINITY, 1e308, 50};
  static const double wild[] = {NAN, 1e308, -1e308, INFINITY, 3};
  static const double flat[] = {70, 70, 70, 70, 70};
  static const char *const nights[] = {"a", "b", "c", "d", "e"};
  struct sk_svgchart_series series[] = {
      {"wild", wild}, {"flat", flat}, {"missing", NULL}};
  struct sk_svgchart_bars bc = {"t", bars, 6, NAN, 2, "%"};
  struct sk_svgchart_lines lc = {"t", nights, 5, series, 3, NAN, NAN, 1, NULL};
  struct sk_buf b;

  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &bc), 0);
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  ASSERT_CONTAINS(sk_buf_str(&b), ">n/a</text>");
  /* -0.0001 rounds to 0 and prints without a sign. */
  ASSERT_CONTAINS(sk_buf_str(&b), ">0.00%</text>");
  ASSERT_NOT_CONTAINS(sk_buf_str(&b), "-0.00");
  bc.max = INFINITY;
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &bc), 0);
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_svgchart_histogram(&b, "t", scores, 5, 0), 0);
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_svgchart_histogram(&b, "t", scores, 5, 1000), 0);
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_svgchart_lines(&b, &lc), 0);
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  /* With only a flat series the axis is widened to 1 around it. */
  lc.series = series + 1;
  lc.n_series = 1;
  sk_buf_reset(&b);
  ASSERT_INT_EQ(sk_svgchart_lines(&b, &lc), 0);
  ASSERT_CONTAINS(sk_buf_str(&b), ">70.5</text>");
  ASSERT_CONTAINS(sk_buf_str(&b), ">69.5</text>");
  ASSERT_CLEAN_SVG(sk_buf_str(&b));
  sk_buf_cleanup(&b);
}

TEST(errors_leave_the_buffer_as_it_was) {
  static const struct sk_svgchart_bar bars[] = {{"Skeptic", 25, "skip"}};
  struct sk_svgchart_bars chart = {"Ship rate", bars, 1, 100, 0, "%"};
  struct sk_svgchart_bars bad = {"Ship rate", NULL, 3, 100, 0, "%"};
  struct sk_svgchart_lines lines = {"x", NULL, 2, NULL, 2, 0, 1, 0, NULL};
  struct sk_buf b;

  sk_buf_init(&b, 300);
  ASSERT_INT_EQ(sk_buf_adds(&b, "<p>before</p>"), 0);
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &chart), SK_ETOOBIG);
  ASSERT_STR_EQ(sk_buf_str(&b), "<p>before</p>");
  ASSERT_INT_EQ(sk_svgchart_bars(&b, &bad), SK_EINVAL);
  ASSERT_INT_EQ(sk_svgchart_histogram(&b, "x", NULL, 2, 10), SK_EINVAL);
  ASSERT_INT_EQ(sk_svgchart_lines(&b, &lines), SK_EINVAL);
  ASSERT_STR_EQ(sk_buf_str(&b), "<p>before</p>");
  sk_buf_cleanup(&b);
}

TEST(output_is_byte_stable) {
  static const double scores[] = {1, 33.3, 66.6, 99.9, 100};
  struct sk_buf a;
  struct sk_buf b;
  sk_buf_init(&a, 1 << 20);
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_svgchart_histogram(&a, "s", scores, 5, 7), 0);
  ASSERT_INT_EQ(sk_svgchart_histogram(&b, "s", scores, 5, 7), 0);
  ASSERT_STR_EQ(sk_buf_str(&a), sk_buf_str(&b));
  ASSERT_CLEAN_SVG(sk_buf_str(&a));
  sk_buf_cleanup(&a);
  sk_buf_cleanup(&b);
}

int main(void) {
  RUN(bars_exact_bytes);
  RUN(histogram_exact_bytes);
  RUN(lines_exact_bytes);
  RUN(empty_input_gives_the_no_data_figure);
  RUN(hostile_labels_are_escaped_and_confined);
  RUN(long_labels_are_cut_on_a_character_boundary);
  RUN(no_number_ever_prints_nan_or_inf);
  RUN(errors_leave_the_buffer_as_it_was);
  RUN(output_is_byte_stable);
  return TEST_REPORT();
}
