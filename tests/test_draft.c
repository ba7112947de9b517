/* test_draft.c: reading a Markdown draft back: unescaping (the exact
 * inverse of the draft's escaping), the parts of a draft as the review path
 * writes it, wrapped and CRLF text, failed reviews, and every structural
 * problem with its line. */
#include "editgen.h"
#include "harness.h"
#include "shipskip/desk/draft.h"
#include "shipskip/util/markdown.h"

static char *unescape(const char *s) {
  struct sk_buf b;
  sk_buf_init(&b, 1 << 20);
  if (sk_draft_unescape(&b, s, strlen(s)) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

static const char *const ROUND_TRIP[] = {
    "",
    "plain words",
    "*bold* _under_ `code` [link](http://x) ![img](y) <b>html</b> &amp;",
    "a | b ~ c ! d # e \\ f \\\\ g \\n h",
    "1. ordered\n12) also\n- dash\n+ plus\n= setext\n  - indented dash",
    "# heading\n## two\n> quote\n---\n***",
    "C:\\path\\to\\file and a trailing backslash \\",
    "UTF-8: naïve café — “quotes” ’ ünïcödé 1\\.",
    "line one\r\nline two\ttab",
};

TEST(unescape_inverts_text_escaping) {
  size_t i;
  for (i = 0; i < sizeof(ROUND_TRIP) / sizeof(ROUND_TRIP[0]); i++) {
    struct sk_buf b;
    char *back;
    sk_buf_init(&b, 1 << 20);
    ASSERT_INT_EQ(sk_markdown_text(&b, ROUND_TRIP[i]), 0);
    back = unescape(sk_buf_str(&b));
    sk_buf_cleanup(&b);
    ASSERT(back != NULL);
    if (strcmp(back, ROUND_TRIP[i]) != 0) {
      free(back);
      TH_FAIL("round trip %zu differs", i);
    }
    free(back);
  }
}

TEST(unescape_inverts_cell_escaping) {
  /* Cells fold line breaks into spaces; everything else comes back. */
  struct sk_buf b;
  char *back;
  const char *s = "Display | *name* \\ [x] <y> 1. z";
  sk_buf_init(&b, 1 << 20);
  ASSERT_INT_EQ(sk_markdown_cell(&b, s), 0);
  back = unescape(sk_buf_str(&b));
  sk_buf_cleanup(&b);
  ASSERT_STR_EQ(back, s);
  free(back);
}

TEST(unescape_keeps_other_backslashes) {
  char *s = unescape("\\n \\d \\é \\* \\\\");
  ASSERT_STR_EQ(s, "\\n \\d \\é * \\");
  free(s);
  s = unescape("end\\");
  ASSERT_STR_EQ(s, "end\\");
  free(s);
}

TEST(fold_white_space) {
  char *s = NULL;
  ASSERT_INT_EQ(sk_draft_fold("  a\n b\t\tc \r\n\n d  ", &s), 0);
  ASSERT_STR_EQ(s, "a b c d");
  free(s);
  ASSERT_INT_EQ(sk_draft_fold("", &s), 0);
  ASSERT_STR_EQ(s, "");
  free(s);
}

static int parse(const char *text, struct sk_draft *d) {
  struct sk_error e;
  sk_error_clear(&e);
  return sk_draft_parse(text, strlen(text), d, &e);
}

TEST(parses_the_review_paths_draft) {
  struct eg g;
  struct sk_draft d;
  char *md;
  size_t i;

  eg_init(&g);
  md = eg_render(&g, 1);
  eg_cleanup(&g);
  ASSERT(md != NULL);
  ASSERT_INT_EQ(parse(md, &d), 0);
  free(md);
  ASSERT_INT_EQ(d.nproblems, 0);
  ASSERT_INT_EQ(d.not_a_draft, 0);
  ASSERT_STR_EQ(d.title, "Code Llama 4");
  ASSERT_INT_EQ(d.title_line, 1);
  ASSERT(d.scorecard_line > 0);
  ASSERT(d.footer_line > d.scorecard_line);
  ASSERT_STR_EQ(d.header[0].text, "# Code Llama 4");
  ASSERT_STR_EQ(d.header[d.nheader - 1].text, "## Reviewer scorecard");
  ASSERT_STR_EQ(d.footer[0].text, "---");
  ASSERT_INT_EQ(d.nfooter, 2);
  ASSERT_INT_EQ(d.nsections, 4);
  for (i = 0; i < 4; i++) {
    const struct sk_draft_section *s = &d.sections[i];
    char score[16];
    snprintf(score, sizeof(score), "%d/100", EG_SCORES[i]);
    ASSERT_STR_EQ(s->name, EG_DISPLAY[i]);
    ASSERT_INT_EQ(s->failed, 0);
    ASSERT_INT_EQ(s->damaged, 0);
    ASSERT_STR_EQ(s->score, score);
    ASSERT_STR_EQ(s->verdict, EG_VERDICTS[i]);
    /* The escaping is undone exactly. */
    ASSERT_STR_EQ(s->review, EG_TEXTS[i]);
    ASSERT_STR_EQ(s->folded, EG_TEXTS[i]);
    ASSERT_INT_EQ(s->score_line, s->line + 2);
    ASSERT_INT_EQ(s->review_line, s->line + 4);
  }
  ASSERT(sk_draft_find(&d, "Founder") == &d.sections[3]);
  ASSERT(sk_draft_find(&d, "founder") == NULL);
  sk_draft_cleanup(&d);
}

/* The scorecard's "*Not covered: ...*" note under a review is shown to the
 * editor but is not part of the review: the paragraph reads back alone. */
TEST(coverage_note_is_not_review_text) {
  struct sk_draft d;
  const char *md = "# Tool\n\n## Reviewer scorecard\n\n### Founder\n\n"
                   "55/100 · skip\n\nThe buyer is a platform team.\n\n"
                   "*Not covered: moat, what would change the verdict.*\n"
                   "\n---\n\n*Models: Founder m.*\n";
  ASSERT_INT_EQ(parse(md, &d), 0);
  ASSERT_INT_EQ(d.nproblems, 0);
  ASSERT_INT_EQ(d.nsections, 1);
  ASSERT_STR_EQ(d.sections[0].review, "The buyer is a platform team.");
  sk_draft_cleanup(&d);
}

TEST(failed_review_block) {
  struct eg g;
  struct sk_draft d;
  char *md;

  eg_init(&g);
  eg_fail_futurist(&g);
  md = eg_render(&g, 1);
  eg_cleanup(&g);
  ASSERT(md != NULL);
  ASSERT_INT_EQ(parse(md, &d), 0);
  free(md);
  ASSERT_INT_EQ(d.nproblems, 0);
  ASSERT_INT_EQ(d.sections[2].failed, 1);
  ASSERT(d.sections[2].score == NULL);
  ASSERT(d.sections[2].review == NULL);
  ASSERT_STR_EQ(d.sections[2].body,
                "No review: failed after 3 attempts.\n"
                "- no VERDICT line (write VERDICT: ship or skip)\n"
                "- rubric: no timing \\| \\*early\\*");
  sk_draft_cleanup(&d);
}

static const char HEAD[] = "# Tool\n\n| Decision | |\n| --- | --- |\n\n"
                           "Description.\n\n## Reviewer scorecard\n\n";
static const char FOOT[] = "\n---\n\n*Models: Builder m.*\n";

TEST(wrapped_crlf_paragraphs) {
  struct sk_draft d;
  char text[1024];
  snprintf(text, sizeof(text),
           "%s### Builder\r\n\r\n  70/100  ·  Ship  \r\nFirst line\\*\r\n"
           "second line\r\n\r\nsecond paragraph\r\n%s",
           HEAD, FOOT);
  ASSERT_INT_EQ(parse(text, &d), 0);
  ASSERT_INT_EQ(d.nproblems, 0);
  ASSERT_INT_EQ(d.nsections, 1);
  ASSERT_STR_EQ(d.sections[0].score, "70/100");
  ASSERT_STR_EQ(d.sections[0].verdict, "Ship");
  ASSERT_STR_EQ(d.sections[0].review,
                "First line*\nsecond line\n\nsecond paragraph");
  ASSERT_STR_EQ(d.sections[0].folded,
                "First line* second line second paragraph");
  ASSERT_INT_EQ(d.sections[0].review_line, 13);
  sk_draft_cleanup(&d);
}

/* Returns 1 when d has a problem at line whose message contains needle. */
static int has_problem(const struct sk_draft *d, int line, const char *needle) {
  size_t i;
  for (i = 0; i < d->nproblems; i++)
    if (d->problems[i].line == line && strstr(d->problems[i].msg, needle))
      return 1;
  for (i = 0; i < d->nproblems; i++)
    fprintf(stderr, "  problem %d: %s\n", d->problems[i].line,
            d->problems[i].msg);
  return 0;
}

TEST(not_a_draft) {
  struct sk_draft d;
  ASSERT_INT_EQ(parse("hello\nworld\n", &d), 0);
  ASSERT_INT_EQ(d.not_a_draft, 1);
  ASSERT_INT_EQ(d.nproblems, 1);
  ASSERT(has_problem(&d, 1, "not a shipskip draft"));
  sk_draft_cleanup(&d);
  ASSERT_INT_EQ(parse("", &d), 0);
  ASSERT_INT_EQ(d.not_a_draft, 1);
  sk_draft_cleanup(&d);
}

TEST(structural_problems_have_lines) {
  struct sk_draft d;
  char text[2048];
  /* Lines: 1-9 HEAD; 10 stray text; 12 ### Builder; 14 not a score line;
   * 16 ### Skeptic (empty); 18 ### Builder again; 20 its score line; 22
   * paragraph; 24 a second score line; 26 paragraph; 28 bad UTF-8; no
   * footer. */
  snprintf(text, sizeof(text),
           "%sstray text\n\n### Builder\n\nJust words.\n\n### Skeptic\n\n"
           "### Builder\n\n50/100 · ship\n\npara\n\n60/100 · skip\n\npara\n"
           "\n\xff\xfe\n",
           HEAD);
  ASSERT_INT_EQ(parse(text, &d), 0);
  ASSERT(has_problem(&d, 10, "text outside any reviewer section"));
  ASSERT(has_problem(&d, 14, "Builder: no score line"));
  ASSERT(has_problem(&d, 16, "Skeptic: the section is empty"));
  ASSERT(has_problem(&d, 18,
                     "a second \"### Builder\" section (the first "
                     "is at line 12)"));
  ASSERT(has_problem(&d, 24, "Builder: a second score line"));
  ASSERT(has_problem(&d, 28, "not valid UTF-8"));
  ASSERT(has_problem(&d, 28, "no footer"));
  ASSERT_INT_EQ(d.nsections, 3);
  ASSERT_INT_EQ(d.sections[2].damaged, 1);
  ASSERT_STR_EQ(d.sections[0].review, "Just words.");
  sk_draft_cleanup(&d);
}

TEST(missing_title_and_heading) {
  struct sk_draft d;
  ASSERT_INT_EQ(parse("Some text\n\n## Reviewer scorecard\n\n### Builder\n\n"
                      "70/100 · ship\n\nx\n\n---\n",
                      &d),
                0);
  ASSERT_INT_EQ(d.not_a_draft, 0);
  ASSERT(has_problem(&d, 1, "no \"# Tool name\" title"));
  sk_draft_cleanup(&d);
  ASSERT_INT_EQ(
      parse("# Tool\n\n### Builder\n\n70/100 · ship\n\nx\n\n---\n", &d), 0);
  ASSERT(has_problem(&d, 3, "no \"## Reviewer scorecard\" heading"));
  ASSERT_INT_EQ(d.nsections, 1);
  sk_draft_cleanup(&d);
}

int main(void) {
  RUN(unescape_inverts_text_escaping);
  RUN(unescape_inverts_cell_escaping);
  RUN(unescape_keeps_other_backslashes);
  RUN(fold_white_space);
  RUN(parses_the_review_paths_draft);
  RUN(coverage_note_is_not_review_text);
  RUN(failed_review_block);
  RUN(wrapped_crlf_paragraphs);
  RUN(not_a_draft);
  RUN(structural_problems_have_lines);
  RUN(missing_title_and_heading);
  return TEST_REPORT();
}
