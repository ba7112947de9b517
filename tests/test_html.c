/* test_html.c: the HTML escaping helper, the link rule (only http and https
 * become links), verdict badges, and the page frame's promises: viewport,
 * Content-Security-Policy, dark scheme, print, and nothing external. */
#include "harness.h"
#include "shipskip/util/html.h"

static char *esc(const char *s) {
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  if (sk_html_escape(&b, s) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

static char *link(const char *url, const char *text) {
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  if (sk_html_link(&b, url, text) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

TEST(escapes_the_five_characters) {
  char *s = esc("<script>alert(\"x\" & 'y')</script>");
  ASSERT_STR_EQ(s, "&lt;script&gt;alert(&quot;x&quot; &amp; "
                   "&#39;y&#39;)&lt;/script&gt;");
  free(s);
  s = esc("plain text, café — naïve ✓");
  ASSERT_STR_EQ(s, "plain text, café — naïve ✓");
  free(s);
  s = esc("");
  ASSERT_STR_EQ(s, "");
  free(s);
  s = esc("&amp;");
  ASSERT_STR_EQ(s, "&amp;amp;");
  free(s);
}

TEST(null_appends_nothing) {
  struct sk_buf b;
  sk_buf_init(&b, 64);
  ASSERT_INT_EQ(sk_html_escape(&b, NULL), 0);
  ASSERT_INT_EQ(b.len, 0);
  sk_buf_cleanup(&b);
}

TEST(drops_control_characters) {
  char *s = esc("a\x01"
                "b\x1b[31mc\x7f"
                "d\te\nf\rg");
  ASSERT_STR_EQ(s, "ab[31mcd\te\nf\rg");
  free(s);
}

TEST(cap_is_reported) {
  struct sk_buf b;
  sk_buf_init(&b, 8);
  ASSERT_INT_EQ(sk_html_escape(&b, "<<<<"), SK_ETOOBIG);
  sk_buf_cleanup(&b);
}

TEST(url_rule) {
  ASSERT_INT_EQ(sk_html_url_ok("https://www.llama.com/"), 1);
  ASSERT_INT_EQ(sk_html_url_ok("http://example.com/a?b=c&d=e#f"), 1);
  ASSERT_INT_EQ(sk_html_url_ok("HTTPS://EXAMPLE.COM"), 1);
  ASSERT_INT_EQ(sk_html_url_ok("hTtPs://example.com"), 1);
  ASSERT_INT_EQ(sk_html_url_ok("javascript:alert(1)"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("JavaScript:alert(1)"), 0);
  ASSERT_INT_EQ(sk_html_url_ok(" javascript:alert(1)"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("java\tscript:alert(1)"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("data:text/html,<script>"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("vbscript:msgbox"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("//evil.example/"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("/relative"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("ftp://example.com"), 0);
  ASSERT_INT_EQ(sk_html_url_ok(" https://example.com"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https://"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https:///path"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https://a b"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https://a\"onmouseover=\"x"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https://a'b"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https://a<b"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https:\\\\evil.example"), 0);
  ASSERT_INT_EQ(sk_html_url_ok("https://a\nb"), 0);
  ASSERT_INT_EQ(sk_html_url_ok(""), 0);
  ASSERT_INT_EQ(sk_html_url_ok(NULL), 0);
}

TEST(links_only_http) {
  char *s = link("https://example.com/?a=1&b=2", NULL);
  ASSERT_STR_EQ(s, "<a class=\"url\" href=\"https://example.com/?a=1&amp;b=2\" "
                   "rel=\"nofollow noopener noreferrer\">"
                   "https://example.com/?a=1&amp;b=2</a>");
  free(s);
  s = link("https://example.com/", "<b>Site</b>");
  ASSERT_CONTAINS(s, ">&lt;b&gt;Site&lt;/b&gt;</a>");
  free(s);
  s = link("javascript:alert(\"x\")", NULL);
  ASSERT_STR_EQ(s, "<span class=\"url\">javascript:alert(&quot;x&quot;)"
                   "</span>");
  free(s);
  s = link("data:text/html,<script>alert(1)</script>", "click");
  ASSERT_NOT_CONTAINS(s, "href");
  ASSERT_NOT_CONTAINS(s, "<script");
  ASSERT_NOT_CONTAINS(s, "click");
  free(s);
}

TEST(badges) {
  struct sk_buf b;
  sk_buf_init(&b, 4096);
  ASSERT_INT_EQ(sk_html_badge(&b, "Ship", "Ship · 4 ship / 0 skip"), 0);
  ASSERT_STR_EQ(sk_buf_str(&b),
                "<span class=\"badge ship\">Ship · 4 ship / 0 skip</span>");
  sk_buf_reset(&b);
  sk_html_badge(&b, "skip", "<x>");
  ASSERT_STR_EQ(sk_buf_str(&b), "<span class=\"badge skip\">&lt;x&gt;</span>");
  ASSERT_STR_EQ(sk_html_verdict_class("Split"), "split");
  ASSERT_STR_EQ(sk_html_verdict_class(NULL), "none");
  ASSERT_STR_EQ(sk_html_verdict_class("\" onclick=\""), "none");
  sk_buf_cleanup(&b);
}

/* A skip's bar is drawn in the skip colour, not the accent every bar
 * once had; the width stays inside the track. */
TEST(score_bars_take_the_verdict_colour) {
  struct sk_buf b;
  sk_buf_init(&b, 4096);
  ASSERT_INT_EQ(sk_html_score_bar(&b, "skip", 41), 0);
  ASSERT_STR_EQ(sk_buf_str(&b), "<div class=\"bar\" aria-hidden=\"true\"><span "
                                "class=\"skip\" style=\"width:41%\"></span>"
                                "</div>\n");
  sk_buf_reset(&b);
  sk_html_score_bar(&b, "ship", 130);
  ASSERT_CONTAINS(sk_buf_str(&b), "class=\"ship\" style=\"width:100%\"");
  sk_buf_reset(&b);
  sk_html_score_bar(&b, NULL, -5);
  ASSERT_CONTAINS(sk_buf_str(&b), "class=\"none\" style=\"width:0%\"");
  sk_buf_cleanup(&b);
}

TEST(page_frame) {
  struct sk_buf b;
  struct sk_html_page p = {"A <b> title", "desc \"q\"", "../index.html"};
  const char *s;
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_html_page_begin(&b, &p), 0);
  ASSERT_INT_EQ(sk_html_page_end(&b), 0);
  s = sk_buf_str(&b);
  ASSERT(strncmp(s, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
  ASSERT_CONTAINS(s, "<meta charset=\"utf-8\">");
  ASSERT_CONTAINS(s, "name=\"viewport\" content=\"width=device-width");
  ASSERT_CONTAINS(s, "Content-Security-Policy\" content=\"default-src "
                     "'none'; style-src 'unsafe-inline'");
  ASSERT_CONTAINS(s, "<title>A &lt;b&gt; title</title>");
  ASSERT_CONTAINS(s, "content=\"desc &quot;q&quot;\"");
  ASSERT_CONTAINS(s, "@media (prefers-color-scheme:dark)");
  ASSERT_CONTAINS(s, "@media print");
  ASSERT_CONTAINS(s, "href=\"../index.html\"");
  ASSERT_CONTAINS(s, "<main class=\"wrap\">");
  ASSERT_CONTAINS(s, "</main>");
  ASSERT(strcmp(s + b.len - 8, "</html>\n") == 0);
  /* Self-contained: nothing that runs or loads. */
  ASSERT_NOT_CONTAINS(s, "<script");
  ASSERT_NOT_CONTAINS(s, "<link");
  ASSERT_NOT_CONTAINS(s, "@import");
  ASSERT_NOT_CONTAINS(s, "url(");
  ASSERT_NOT_CONTAINS(s, "@font-face");
  ASSERT_NOT_CONTAINS(s, "http://");
  ASSERT_NOT_CONTAINS(s, "https://");
  sk_buf_cleanup(&b);
}

TEST(page_frame_without_home) {
  struct sk_buf b;
  struct sk_html_page p = {"t", NULL, NULL};
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_html_page_begin(&b, &p), 0);
  ASSERT_NOT_CONTAINS(sk_buf_str(&b), "<a ");
  ASSERT_NOT_CONTAINS(sk_buf_str(&b), "name=\"description\"");
  sk_buf_cleanup(&b);
  /* A full buffer is an error, not a truncated page. */
  sk_buf_init(&b, 100);
  ASSERT_INT_EQ(sk_html_page_begin(&b, &p), SK_ETOOBIG);
  sk_buf_cleanup(&b);
}

int main(void) {
  RUN(escapes_the_five_characters);
  RUN(null_appends_nothing);
  RUN(drops_control_characters);
  RUN(cap_is_reported);
  RUN(url_rule);
  RUN(links_only_http);
  RUN(badges);
  RUN(score_bars_take_the_verdict_colour);
  RUN(page_frame);
  RUN(page_frame_without_home);
  return TEST_REPORT();
}
