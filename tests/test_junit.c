/* test_junit.c: the JUnit XML report (src/model/junit.c): the exact report
 * of a tool with a passing and a failing review, the escaper (entities,
 * the control characters XML 1.0 forbids, invalid UTF-8), a report with no
 * tools, and a write that fails. The end-to-end test (test_gateway.py)
 * parses a real run's report with an XML parser. */
#include "harness.h"
#include "shipskip/model/junit.h"
#include "shipskip/model/persona.h"

#include <stdlib.h>

/* Escapes s; returns a static copy. */
static const char *esc(const char *s, int attr) {
  static char out[256];
  struct sk_buf b;
  sk_buf_init(&b, 1024);
  if (sk_junit_escape(&b, s, attr) != 0)
    return "(error)";
  snprintf(out, sizeof(out), "%s", b.data != NULL ? b.data : "");
  sk_buf_cleanup(&b);
  return out;
}

TEST(escaper_keeps_xml_well_formed) {
  ASSERT_STR_EQ(esc("a<b>&\"c'", 0), "a&lt;b&gt;&amp;&quot;c&apos;");
  /* Tab and newline stay in text, become references in attributes, where
   * a parser would otherwise turn them into spaces; CR is always one. */
  ASSERT_STR_EQ(esc("x\ty\nz\r", 0), "x\ty\nz&#13;");
  ASSERT_STR_EQ(esc("x\ty\nz", 1), "x&#9;y&#10;z");
  /* XML 1.0 cannot carry other control characters at all: dropped. */
  ASSERT_STR_EQ(esc("a\x01\x08\x0b\x0c\x1f"
                    "b",
                    0),
                "ab");
  /* UTF-8 passes; a stray byte, an overlong form, a surrogate become
   * U+FFFD; U+FFFE and U+FFFF are dropped. */
  ASSERT_STR_EQ(esc("caf\xc3\xa9 \xe2\x9c\x93", 0), "caf\xc3\xa9 \xe2\x9c\x93");
  ASSERT_STR_EQ(esc("a\xff"
                    "b",
                    0),
                "a\xef\xbf\xbd"
                "b");
  ASSERT_STR_EQ(esc("\xc0\xaf", 0), "\xef\xbf\xbd\xef\xbf\xbd");
  ASSERT_STR_EQ(esc("\xed\xa0\x80", 0), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  ASSERT_STR_EQ(esc("a\xef\xbf\xbe\xef\xbf\xbf"
                    "b",
                    0),
                "ab");
  ASSERT_STR_EQ(esc("\xe2\x9c", 0), "\xef\xbf\xbd\xef\xbf\xbd");
  ASSERT_STR_EQ(esc(NULL, 0), "");
}

TEST(report_of_one_tool) {
  struct sk_persona p[2];
  struct sk_review r[2];
  struct sk_tool t;
  char e0[] = "HTTP 404 not_found_error: model <x> & \x01y";
  char e1[] = "gave up after 1 attempt";
  char builder[] = "builder";
  char skeptic[] = "skeptic";
  char slug[] = "flintest";
  char *errs[2] = {e0, e1};
  struct sk_junit *j = sk_junit_new();
  struct sk_buf b;

  memset(p, 0, sizeof(p));
  memset(r, 0, sizeof(r));
  memset(&t, 0, sizeof(t));
  p[0].name = builder;
  p[1].name = skeptic;
  t.slug = slug;
  r[0].persona = &p[0];
  r[0].status = SK_REVIEW_OK;
  r[0].score = 72;
  memcpy(r[0].verdict, "ship", 5);
  r[1].persona = &p[1];
  r[1].status = SK_REVIEW_FAILED;
  r[1].errors = errs;
  r[1].nerrors = 2;
  ASSERT(j != NULL);
  ASSERT_INT_EQ(sk_junit_add_tool(j, &t, r, 2, 1.5), 0);
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_junit_render(j, 2.25, &b), 0);
  ASSERT_STR_EQ(
      b.data,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"shipskip\" tests=\"2\" failures=\"1\" "
      "errors=\"0\" time=\"2.250\">\n"
      "  <testsuite name=\"flintest\" tests=\"2\" failures=\"1\" "
      "errors=\"0\" skipped=\"0\" time=\"1.500\">\n"
      "    <testcase classname=\"flintest\" name=\"builder\">\n"
      "      <system-out>SCORE 72/100, VERDICT ship</system-out>\n"
      "    </testcase>\n"
      "    <testcase classname=\"flintest\" name=\"skeptic\">\n"
      "      <failure type=\"review\" message=\"HTTP 404 not_found_error: "
      "model &lt;x&gt; &amp; y\">HTTP 404 not_found_error: model &lt;x&gt; "
      "&amp; y\ngave up after 1 attempt\n</failure>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "</testsuites>\n");
  sk_buf_cleanup(&b);
  sk_junit_free(j);
}

TEST(empty_report_and_failed_write) {
  struct sk_junit *j = sk_junit_new();
  struct sk_buf b;
  struct sk_error e;
  sk_buf_init(&b, 4096);
  ASSERT_INT_EQ(sk_junit_render(j, 0, &b), 0);
  ASSERT_CONTAINS(b.data, "tests=\"0\" failures=\"0\"");
  ASSERT_CONTAINS(b.data, "</testsuites>\n");
  sk_buf_cleanup(&b);
  sk_error_clear(&e);
  ASSERT(sk_junit_write(j, "/nonexistent-sk-dir/j.xml", 0, &e) != 0);
  ASSERT_CONTAINS(e.msg, "nonexistent-sk-dir");
  sk_junit_free(j);
  sk_junit_free(NULL);
}

int main(void) {
  RUN(escaper_keeps_xml_well_formed);
  RUN(report_of_one_tool);
  RUN(empty_report_and_failed_write);
  return TEST_REPORT();
}
