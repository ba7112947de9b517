/* test_markdown.c: Markdown escaping of paragraphs and inline text, and the
 * link rule: markup, raw HTML and javascript: links never survive. */
#include "harness.h"
#include "shipskip/util/markdown.h"

static char *md(int (*fn)(struct sk_buf *, const char *), const char *s) {
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  if (fn(&b, s) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

TEST(inline_markup_is_escaped) {
  char *s = md(sk_markdown_text, "*em* _em_ `code` ~~del~~ [x](javascript:"
                                 "alert(1)) ![i](https://e/x.png) <b> a&b | "
                                 "c \\ d");
  ASSERT_STR_EQ(s, "\\*em\\* \\_em\\_ \\`code\\` \\~\\~del\\~\\~ "
                   "\\[x\\](javascript:alert(1)) \\!\\[i\\](https://e/x.png) "
                   "\\<b\\> a\\&b \\| c \\\\ d");
  free(s);
}

TEST(block_markers_at_line_start) {
  char *s = md(sk_markdown_text, "# h\n- l\n+ l\n= =\n  > q\n12. one\n3) two\n"
                                 "2024 was a year. 1. mid-line");
  ASSERT_STR_EQ(s, "\\# h\n\\- l\n\\+ l\n\\= =\n  \\> q\n12\\. one\n3\\) two\n"
                   "2024 was a year. 1. mid-line");
  free(s);
  /* A leading number with no list marker is left as it is: "\7" would
   * print the backslash. */
  s = md(sk_markdown_text, "70B parameters");
  ASSERT_STR_EQ(s, "70B parameters");
  free(s);
}

TEST(cell_is_one_line) {
  char *s = md(sk_markdown_cell, "a|b\nc\r\td # - 1.");
  ASSERT_STR_EQ(s, "a\\|b c  d \\# - 1.");
  free(s);
  s = md(sk_markdown_cell, NULL);
  ASSERT_STR_EQ(s, "");
  free(s);
}

TEST(links) {
  char *s = md(sk_markdown_link, "https://www.llama.com/");
  ASSERT_STR_EQ(s, "<https://www.llama.com/>");
  free(s);
  s = md(sk_markdown_link, "javascript:alert(1)");
  ASSERT_STR_EQ(s, "javascript:alert(1)");
  free(s);
  s = md(sk_markdown_link, "<javascript:alert(1)>");
  ASSERT_STR_EQ(s, "\\<javascript:alert(1)\\>");
  free(s);
  s = md(sk_markdown_link, "https://a.example/x>[y](javascript:z)");
  ASSERT_STR_EQ(s, "https://a.example/x\\>\\[y\\](javascript:z)");
  free(s);
}

int main(void) {
  RUN(inline_markup_is_escaped);
  RUN(block_markers_at_line_start);
  RUN(cell_is_one_line);
  RUN(links);
  return TEST_REPORT();
}
