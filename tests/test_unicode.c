/* test_unicode.c: the scanner of invisible and reordering characters
 * (util/unicode.c) and the three writers that use it: HTML escaping,
 * Markdown escaping and terminal lines. A tool name holding U+202E (right-
 * to-left override) followed by ASCII must come out with the override
 * shown as "<U+202E>", so nothing after it can be reversed. */
#include "harness.h"
#include "shipskip/util/html.h"
#include "shipskip/util/markdown.h"
#include "shipskip/util/unicode.h"

#define RLO "\xe2\x80\xae"

/* Runs one writer over s into a fresh buffer; returns it (static). */
static const char *with(int (*fn)(struct sk_buf *, const char *),
                        const char *s) {
  static char out[1024];
  struct sk_buf b;
  sk_buf_init(&b, sizeof(out) - 1);
  if (fn(&b, s) != 0)
    snprintf(out, sizeof(out), "(failed)");
  else
    snprintf(out, sizeof(out), "%s", sk_buf_str(&b));
  sk_buf_cleanup(&b);
  return out;
}

TEST(finds_bidi_and_invisible_characters) {
  ASSERT(sk_unicode_find("plain ASCII, caf\xc3\xa9, \xe6\x97\xa5") == NULL);
  ASSERT_STR_EQ(sk_unicode_find("ab" RLO "cd"), RLO "cd");
  ASSERT(sk_unicode_find("\xe2\x81\xa6x") != NULL);    /* U+2066 isolate */
  ASSERT(sk_unicode_find("\xe2\x80\x8ex") != NULL);    /* U+200E LRM */
  ASSERT(sk_unicode_find("\xd8\x9cx") != NULL);        /* U+061C ALM */
  ASSERT(sk_unicode_find("a\xe2\x80\x8b") != NULL);    /* U+200B ZWSP */
  ASSERT(sk_unicode_find("a\xef\xbb\xbf") != NULL);    /* U+FEFF */
  ASSERT(sk_unicode_find("a\xe2\x81\xa4") != NULL);    /* U+2064 */
  ASSERT(sk_unicode_find("a\xc2\x9b[2J") != NULL);     /* U+009B CSI */
  ASSERT(sk_unicode_find("a\xc2\xad") != NULL);        /* soft hyphen */
  ASSERT(sk_unicode_find("\xf3\xa0\x80\x81") != NULL); /* U+E0001 */
  /* A joiner after Latin text hides; inside Persian or an emoji sequence
   * it is how the script is written. */
  ASSERT(sk_unicode_find("a\xe2\x80\x8d") != NULL);
  ASSERT(sk_unicode_find("\xd9\x85\xe2\x80\x8c\xd9\x85") == NULL);
  ASSERT(sk_unicode_find("\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x92\xbb") ==
         NULL);
  /* A subdivision flag's tags (Scotland) are kept. */
  ASSERT(sk_unicode_find("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2"
                         "\xf3\xa0\x81\xb3\xf3\xa0\x81\xa3\xf3\xa0\x81\xb4"
                         "\xf3\xa0\x81\xbf") == NULL);
  /* Malformed bytes are the escapers' business, not reported here. */
  ASSERT(sk_unicode_find("\xff\xe2\x80") == NULL);
  ASSERT(sk_unicode_find(NULL) == NULL);
}

TEST(neutralize_shows_code_points) {
  ASSERT_STR_EQ(with(sk_unicode_neutralize, "Evil" RLO "Tool"),
                "Evil<U+202E>Tool");
  ASSERT_STR_EQ(with(sk_unicode_neutralize, "\xf3\xa0\x80\x81x\xc2\x85"),
                "<U+E0001>x<U+0085>");
  /* A joiner after a shown character is shown too. */
  ASSERT_STR_EQ(with(sk_unicode_neutralize, "\xd9\x85" RLO "\xe2\x80\x8d"),
                "\xd9\x85<U+202E><U+200D>");
  ASSERT_STR_EQ(with(sk_unicode_neutralize, "tab\tand\nCR\r"),
                "tab\tand\nCR\r");
}

TEST(html_markdown_and_terminal_show_the_override) {
  FILE *f = tmpfile();
  char buf[256];
  size_t n;

  ASSERT_STR_EQ(with(sk_html_escape, "Evil" RLO " <Tool>"),
                "Evil&lt;U+202E&gt; &lt;Tool&gt;");
  ASSERT_STR_EQ(with(sk_markdown_cell, "Evil" RLO "Tool\n*x*"),
                "Evil\\<U+202E\\>Tool \\*x\\*");
  ASSERT_STR_EQ(with(sk_markdown_text, RLO "12. x"), "\\<U+202E\\>12. x");
  ASSERT(f != NULL);
  ASSERT_INT_EQ(sk_unicode_fputs("a" RLO "b\r\x1b\x7f\tc\n", f), 0);
  rewind(f);
  n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  ASSERT_STR_EQ(buf, "a<U+202E>b<U+000D><U+001B><U+007F>\tc\n");
  fclose(f);
}

TEST(a_full_buffer_is_an_error) {
  struct sk_buf b;
  sk_buf_init(&b, 6);
  ASSERT(sk_html_escape(&b, "x" RLO) != 0);
  sk_buf_cleanup(&b);
}

TEST(hex_values_of_every_byte) {
  int c;
  for (c = 0; c < 256; c++) {
    int want = -1;
    if (c >= '0' && c <= '9')
      want = c - '0';
    else if (c >= 'a' && c <= 'f')
      want = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      want = c - 'A' + 10;
    ASSERT_INT_EQ(sk_hex_value((char)c), want);
  }
}

int main(void) {
  RUN(finds_bidi_and_invisible_characters);
  RUN(neutralize_shows_code_points);
  RUN(html_markdown_and_terminal_show_the_override);
  RUN(a_full_buffer_is_an_error);
  RUN(hex_values_of_every_byte);
  return TEST_REPORT();
}
