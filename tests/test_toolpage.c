/* test_toolpage.c: the tool page holds what a reader needs — name,
 * tagline, category, entry, pricing, description, the verdict badge, ship
 * %, mean, community, each reviewer's score line and paragraph, failed
 * reviews with reasons, models and tokens — and a cost only when the
 * scorecard has one. */
#include "harness.h"
#include "cardgen.h"
#include "shipskip/card.h"
#include "shipskip/toolpage.h"

static struct sk_card *card(const char *slug, const char *name,
                            const char *panel) {
  char *json = card_json(slug, name, panel);
  struct sk_card *c = NULL;
  struct sk_error e;
  sk_error_clear(&e);
  if (json != NULL)
    sk_card_parse(json, strlen(json), "t.json", &c, &e);
  free(json);
  return c;
}

static char *page(const struct sk_card *c, const struct sk_toolpage_opts *o) {
  struct sk_buf b;
  struct sk_error e;
  sk_buf_init(&b, 1 << 22);
  sk_error_clear(&e);
  if (sk_toolpage_html(c, o, &b, &e) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

TEST(holds_the_scorecard) {
  struct sk_card *c =
      card("gemini-2-5-flash-lite", "Gemini 2.5 Flash Lite", GEMINI_PANEL);
  char *s;
  ASSERT(c != NULL);
  s = page(c, NULL);
  ASSERT(s != NULL);
  ASSERT_CONTAINS(s, "<h1>Gemini 2.5 Flash Lite</h1>");
  ASSERT_CONTAINS(s, "<p class=\"lede\">A sample tagline</p>");
  ASSERT_CONTAINS(s, "<p class=\"eyebrow\">Developer Tools</p>");
  ASSERT_CONTAINS(s, "<span class=\"badge big ship\">Ship · 4 ship / 0 skip"
                     "</span>");
  ASSERT_CONTAINS(s, "<dt>Panel ship</dt><dd>100%</dd>");
  ASSERT_CONTAINS(s, "<dt>Mean score</dt><dd>76.0</dd>");
  ASSERT_CONTAINS(s, "<dt>Community</dt><dd class=\"text\">No community "
                     "votes yet</dd>");
  ASSERT_CONTAINS(s, "<dt>Entry</dt><dd>Free</dd>");
  ASSERT_CONTAINS(s, "<th scope=\"row\">Pricing</th><td>Free tier, then per "
                     "seat</td>");
  ASSERT_CONTAINS(s, "<th scope=\"row\">Best for</th>");
  ASSERT_CONTAINS(s, "<caption>At a glance</caption>");
  ASSERT_CONTAINS(s, "A sample description.");
  ASSERT_CONTAINS(s, "href=\"https://example.com/\"");
  ASSERT_CONTAINS(s, "<h2 id=\"scorecard\">Reviewer scorecard</h2>");
  ASSERT_CONTAINS(s, "<h3>Builder</h3><span class=\"badge ship\">78/100 · "
                     "ship</span>");
  ASSERT_CONTAINS(s, "<h3>Founder</h3><span class=\"badge ship\">72/100 · "
                     "ship</span>");
  ASSERT_CONTAINS(s, "<p>A paragraph by futurist.</p>");
  ASSERT_CONTAINS(s, "style=\"width:80%\"");
  ASSERT_CONTAINS(s, "Reviews written by <strong>gpt-4o-mini</strong> "
                     "(Builder, Skeptic, Futurist, Founder).");
  ASSERT_CONTAINS(s, "Tokens: 2,400 in · 1,000 out.");
  ASSERT_NOT_CONTAINS(s, "cost");
  /* Standalone: no breadcrumb, no comparisons. */
  ASSERT_NOT_CONTAINS(s, "All tools");
  ASSERT_NOT_CONTAINS(s, "Compared with");
  free(s);
  sk_card_free(c);
}

TEST(failed_reviews_votes_cost_links) {
  struct sk_card *c =
      card("code-llama-4", "Code Llama 4",
           "builder:84:ship skeptic:78:ship futurist:81:ship founder:fail");
  struct sk_page_link links[1] = {
      {"../compare/code-llama-4-vs-x.html", "X <i>"}};
  struct sk_toolpage_opts o = {"../index.html", links, 1};
  char *s;
  ASSERT(c != NULL);
  c->has_community = 1;
  c->community_ship = 255;
  c->community_skip = 157;
  c->has_cost = 1;
  c->cost_usd = 0.01234;
  c->reviews[1].model[0] = 'G'; /* a second model */
  s = page(c, &o);
  ASSERT(s != NULL);
  ASSERT_CONTAINS(s, "Ship · 3 ship / 0 skip");
  ASSERT_CONTAINS(s, "<h3>Founder</h3><span class=\"badge none\">failed"
                     "</span>");
  ASSERT_CONTAINS(s, "No review: failed after 3 attempts.");
  ASSERT_CONTAINS(s, "<li>no VERDICT line</li>");
  ASSERT_CONTAINS(s, "62% ship · 412 votes");
  ASSERT_CONTAINS(s, "estimated cost $0.0123");
  ASSERT_CONTAINS(s, "<strong>gpt-4o-mini</strong> (Builder, Futurist, "
                     "Founder); <strong>Gpt-4o-mini</strong> (Skeptic).");
  ASSERT_CONTAINS(s, "<a href=\"../index.html\">All tools</a> / Code Llama 4");
  ASSERT_CONTAINS(s, "<a href=\"../compare/code-llama-4-vs-x.html\">Code "
                     "Llama 4 vs X &lt;i&gt;</a>");
  free(s);
  sk_card_free(c);
}

TEST(no_reviews_and_grouping) {
  struct sk_card *c = card("x", "X", "");
  struct sk_buf b;
  char *s;
  ASSERT(c != NULL);
  s = page(c, NULL);
  ASSERT_CONTAINS(s, "No verdict · 0 ship / 0 skip");
  ASSERT_CONTAINS(s, "<dt>Panel ship</dt><dd>—</dd>");
  ASSERT_CONTAINS(s, "No reviews yet.");
  free(s);
  sk_card_free(c);
  sk_buf_init(&b, 64);
  sk_toolpage_grouped(&b, 0);
  sk_buf_adds(&b, " ");
  sk_toolpage_grouped(&b, 999);
  sk_buf_adds(&b, " ");
  sk_toolpage_grouped(&b, 1000);
  sk_buf_adds(&b, " ");
  sk_toolpage_grouped(&b, 1234567);
  ASSERT_STR_EQ(sk_buf_str(&b), "0 999 1,000 1,234,567");
  sk_buf_cleanup(&b);
}

int main(void) {
  RUN(holds_the_scorecard);
  RUN(failed_reviews_votes_cost_links);
  RUN(no_reviews_and_grouping);
  return TEST_REPORT();
}
