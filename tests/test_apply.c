/* test_apply.c: an edited draft taken back into its scorecard: unchanged
 * and rewrapped drafts change nothing, edits are applied with history and a
 * new panel, Markdown escaping round-trips, and every kind of bad edit is
 * reported as FILE:LINE: message with the scorecard left as it was. */
#include "editgen.h"
#include "harness.h"
#include "shipskip/desk/apply.h"
#include "shipskip/util/fsutil.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static struct sk_panel_def panel;

struct fixture {
  char *json;
  char *md;
  struct sk_scorefile sf;
  struct sk_apply_opts o;
  struct sk_apply_result res;
  struct sk_error e;
};

/* Sets up the fixture for the tool called name (NULL: the usual one). */
static int setup_named(struct fixture *f, int fail_futurist, const char *name) {
  struct eg g;
  memset(f, 0, sizeof(*f));
  eg_init(&g);
  if (name != NULL)
    g.tool.name = (char *)(uintptr_t)name;
  if (fail_futurist)
    eg_fail_futurist(&g);
  f->json = eg_render(&g, 0);
  f->md = eg_render(&g, 1);
  eg_cleanup(&g);
  f->o.panel = &panel;
  f->o.min_words = 5;
  f->o.now_utc = "2026-11-21T08:00:00Z";
  sk_error_clear(&f->e);
  if (f->json == NULL || f->md == NULL)
    return -1;
  return sk_scorefile_parse(f->json, strlen(f->json), "t.json", &f->sf, &f->e);
}

static int setup(struct fixture *f, int fail_futurist) {
  return setup_named(f, fail_futurist, NULL);
}

static void teardown(struct fixture *f) {
  sk_apply_result_cleanup(&f->res);
  sk_scorefile_cleanup(&f->sf);
  free(f->json);
  free(f->md);
}

static int apply(struct fixture *f) {
  sk_apply_result_cleanup(&f->res);
  sk_error_clear(&f->e);
  return sk_apply_text(f->md, strlen(f->md), "t.md", &f->sf, &f->o, &f->res,
                       &f->e);
}

static char *json_now(struct fixture *f) {
  struct sk_buf b;
  sk_buf_init(&b, 1 << 22);
  if (sk_scorefile_json(&f->sf, &b, &f->e) != 0) {
    sk_buf_cleanup(&b);
    return NULL;
  }
  return sk_buf_take(&b);
}

/* The line number of the first line of text containing needle, or 0. */
static int line_of(const char *text, const char *needle) {
  const char *at = strstr(text, needle);
  const char *p;
  int line = 1;
  if (at == NULL)
    return 0;
  for (p = text; p < at; p++)
    line += *p == '\n';
  return line;
}

/* Asserts that the result holds exactly the problem "t.md:LINE: msg". */
static int has(const struct sk_apply_result *res, int line, const char *msg) {
  char want[512];
  size_t i;
  snprintf(want, sizeof(want), "t.md:%d: %s", line, msg);
  for (i = 0; i < res->nproblems; i++)
    if (strcmp(res->problems[i], want) == 0)
      return 1;
  fprintf(stderr, "  want: %s\n", want);
  for (i = 0; i < res->nproblems; i++)
    fprintf(stderr, "  got:  %s\n", res->problems[i]);
  return 0;
}

/* Checks that the scorecard is still the one read. */
#define ASSERT_UNCHANGED(f)                                                    \
  do {                                                                         \
    char *th_now = json_now(f);                                                \
    int th_same = th_now != NULL && strcmp(th_now, (f)->json) == 0;            \
    free(th_now);                                                              \
    ASSERT(th_same);                                                           \
  } while (0)

TEST(names_compare_as_rendered) {
  /* A line feed, a bidi override and Markdown's specials in the tool's
   * name: the draft can only hold the name as rendered, and an edit to it
   * still applies (once "not this scorecard's tool" for the line feed). */
  static const char *const NAMES[] = {
      "Line\nFeed Tool", "Evil\xe2\x80\xae Tool 4",
      "*Star* _under_ [x](y) <b> #1 | C++", "Code Llama 4"};
  size_t i;
  for (i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++) {
    struct fixture f;
    ASSERT_INT_EQ(setup_named(&f, 0, NAMES[i]), 0);
    ASSERT_INT_EQ(eg_replace(&f.md, "55/100 · skip", "65/100 · ship"), 0);
    ASSERT_INT_EQ(apply(&f), 0);
    ASSERT_INT_EQ(f.res.nproblems, 0);
    ASSERT_INT_EQ(f.res.nchanges, 1);
    ASSERT_STR_EQ(f.sf.sc->tool->name, NAMES[i]);
    teardown(&f);
  }
}

TEST(unchanged_draft_changes_nothing) {
  struct fixture f;
  int fail;
  for (fail = 0; fail < 2; fail++) {
    ASSERT_INT_EQ(setup(&f, fail), 0);
    ASSERT_INT_EQ(apply(&f), 0);
    ASSERT_INT_EQ(f.res.nproblems, 0);
    ASSERT_INT_EQ(f.res.nchanges, 0);
    ASSERT_STR_EQ(f.res.after.label, f.res.before.label);
    ASSERT_UNCHANGED(&f);
    teardown(&f);
  }
}

TEST(rewrapped_crlf_draft_changes_nothing) {
  struct fixture f;
  struct sk_buf b;
  const char *p;
  ASSERT_INT_EQ(setup(&f, 0), 0);
  /* CRLF everywhere, every space in the Builder's paragraph a line break,
   * and blank lines doubled. */
  sk_buf_init(&b, 1 << 22);
  for (p = f.md; *p != '\0'; p++) {
    if (*p == '\n')
      sk_buf_adds(&b, "\r\n");
    else
      sk_buf_add(&b, p, 1);
  }
  free(f.md);
  f.md = sk_buf_take(&b);
  ASSERT_INT_EQ(eg_replace(&f.md, "Ship it \\*now\\* because",
                           "Ship it\r\n\\*now\\*\r\n   because"),
                0);
  ASSERT_INT_EQ(eg_replace(&f.md, "\r\n\r\n### Skeptic",
                           "\r\n\r\n\r\n\r\n"
                           "### Skeptic"),
                0);
  ASSERT_INT_EQ(apply(&f), 0);
  ASSERT_INT_EQ(f.res.nchanges, 0);
  ASSERT_UNCHANGED(&f);
  teardown(&f);
}

TEST(edit_score_verdict_and_paragraph) {
  struct fixture f;
  struct sk_buf b;
  const struct sk_apply_change *ch;
  char *edited_md;
  const cJSON *h;

  ASSERT_INT_EQ(setup(&f, 0), 0);
  ASSERT_INT_EQ(eg_replace(&f.md, "55/100 · skip", "65/100 · ship"), 0);
  ASSERT_INT_EQ(eg_replace(&f.md, "the moat belongs to the adopter",
                           "the moat is *thin*, C:\\\\x"),
                0);
  ASSERT_INT_EQ(apply(&f), 0);
  ASSERT_INT_EQ(f.res.nproblems, 0);
  ASSERT_INT_EQ(f.res.nchanges, 1);
  ch = &f.res.changes[0];
  ASSERT_STR_EQ(ch->persona, "founder");
  ASSERT_INT_EQ(ch->old_ok, 1);
  ASSERT_INT_EQ(ch->old_score, 55);
  ASSERT_STR_EQ(ch->old_verdict, "skip");
  ASSERT_INT_EQ(ch->score, 65);
  ASSERT_STR_EQ(ch->verdict, "ship");
  ASSERT_INT_EQ(ch->review_changed, 1);
  ASSERT_STR_EQ(f.res.before.label, "Ship · 3 ship / 1 skip");
  ASSERT_STR_EQ(f.res.after.label, "Ship · 4 ship / 0 skip");
  ASSERT_INT_EQ(f.res.after.ship_percent, 100);
  /* Stored as the editor meant it: Markdown escapes undone. */
  ASSERT_STR_EQ(f.sf.sc->reviews[3].text,
                "12. A number leads because founders count: the buyer is a "
                "platform team, pricing is free, and the moat is *thin*, "
                "C:\\x.");
  ASSERT_INT_EQ(f.sf.sc->reviews[3].edited, 1);
  h = sk_scorefile_history_entry(&f.sf, 0);
  ASSERT(h != NULL);
  ASSERT_STR_EQ(cJSON_GetObjectItemCaseSensitive(h, "replaced_at")->valuestring,
                "2026-11-21T08:00:00Z");
  /* The re-rendered draft applies as unchanged: the round trip is exact. */
  sk_buf_init(&b, 1 << 22);
  ASSERT_INT_EQ(sk_scorefile_markdown(&f.sf, &b, &f.e), 0);
  edited_md = sk_buf_take(&b);
  ASSERT_CONTAINS(edited_md, "moat is \\*thin\\*, C:\\\\x.");
  free(f.json);
  f.json = json_now(&f);
  /* The old draft is now stale: its table no longer matches. */
  ASSERT_INT_EQ(apply(&f), SK_EREPLY);
  ASSERT(has(&f.res, line_of(f.md, "| Panel verdict"),
             "the tool's details, decision table and description come from "
             "the scorecard and cannot be edited in the draft: this line "
             "should read \"| Panel verdict | Ship · 4 ship / 0 skip |\" (or "
             "the draft is older than the scorecard)"));
  ASSERT_UNCHANGED(&f);
  free(f.md);
  f.md = edited_md;
  ASSERT_INT_EQ(apply(&f), 0);
  ASSERT_INT_EQ(f.res.nchanges, 0);
  ASSERT_UNCHANGED(&f);
  teardown(&f);
}

TEST(paragraph_only_edit) {
  struct fixture f;
  ASSERT_INT_EQ(setup(&f, 0), 0);
  ASSERT_INT_EQ(eg_replace(&f.md, "timing matters more than polish",
                           "timing matters more than anything"),
                0);
  ASSERT_INT_EQ(apply(&f), 0);
  ASSERT_INT_EQ(f.res.nchanges, 1);
  ASSERT_STR_EQ(f.res.changes[0].persona, "futurist");
  ASSERT_INT_EQ(f.res.changes[0].score, 81);
  ASSERT_INT_EQ(f.res.changes[0].review_changed, 1);
  ASSERT_STR_EQ(f.res.after.label, f.res.before.label);
  teardown(&f);
}

TEST(failed_review_written_by_the_editor) {
  struct fixture f;
  ASSERT_INT_EQ(setup(&f, 1), 0);
  ASSERT_INT_EQ(
      eg_replace(&f.md,
                 "No review: failed after 3 attempts.\n\n- no VERDICT line "
                 "(write VERDICT: ship or skip)\n- rubric: no timing \\| "
                 "\\*early\\*\n",
                 "70/100 · ship\n\nWritten by the editor because the model "
                 "never answered.\n"),
      0);
  ASSERT_INT_EQ(apply(&f), 0);
  ASSERT_INT_EQ(f.res.nchanges, 1);
  ASSERT_INT_EQ(f.res.changes[0].old_ok, 0);
  ASSERT_STR_EQ(f.res.before.label, "Ship · 2 ship / 1 skip");
  ASSERT_STR_EQ(f.res.after.label, "Ship · 3 ship / 1 skip");
  ASSERT_INT_EQ(f.sf.sc->reviews[2].status, SK_REVIEW_OK);
  teardown(&f);
}

/* Applies an edit of one kind and checks the one problem it must raise
 * and that nothing changed. */
static void expect_problem(const char *from, const char *to, int fail,
                           const char *line_text, const char *msg,
                           int *failed) {
  struct fixture f;
  int line;
  *failed = 1;
  if (setup(&f, fail) != 0 || eg_replace(&f.md, from, to) != 0) {
    fprintf(stderr, "  setup or replace failed for %s\n", from);
    teardown(&f);
    return;
  }
  line = line_of(f.md, line_text);
  if (apply(&f) == SK_EREPLY && f.res.nchanges == 0 && has(&f.res, line, msg)) {
    char *now = json_now(&f);
    *failed = now == NULL || strcmp(now, f.json) != 0;
    free(now);
  }
  teardown(&f);
}

#define EXPECT_PROBLEM(from, to, fail, line_text, msg)                         \
  do {                                                                         \
    int th_bad;                                                                \
    expect_problem(from, to, fail, line_text, msg, &th_bad);                   \
    if (th_bad)                                                                \
      TH_FAIL("expected problem: %s", msg);                                    \
  } while (0)

TEST(bad_edits_are_reported_by_line) {
  EXPECT_PROBLEM("84/100 · ship", "140/100 · ship", 0, "140/100",
                 "Builder: score 140 is out of range 0-100");
  EXPECT_PROBLEM("84/100 · ship", "84.5/100 · ship", 0, "84.5/100",
                 "Builder: score 84.5 is not a whole number");
  EXPECT_PROBLEM("78/100 · ship", "78/100 · maybe", 0, "maybe",
                 "Skeptic: verdict \"maybe\" is not ship or skip");
  EXPECT_PROBLEM("78/100 · ship", "78/100 ship", 0, "78/100 ship",
                 "Skeptic: no score line; the section starts with \"NN/100 · "
                 "ship\" or \"NN/100 · skip\" under its heading");
  EXPECT_PROBLEM("### Futurist", "### Critic", 0, "### Critic",
                 "reviewer \"Critic\" is not on this scorecard's panel (it "
                 "has Builder, Skeptic, Futurist, Founder); a reviewer is "
                 "added by a persona file and a review run, not in the "
                 "draft");
  EXPECT_PROBLEM("### Futurist\n\n81/100 · ship\n\nThe futurist thinks ahead "
                 "because timing matters more than polish, and the future "
                 "state is a house model per team.\n\n",
                 "", 0, "### Founder",
                 "no \"### Futurist\" section: every reviewer of the "
                 "scorecard keeps one (its score line and paragraph)");
  EXPECT_PROBLEM("### Skeptic\n\n", "", 0, "78/100 · ship",
                 "Builder: a second score line in the section; is a \"### "
                 "Reviewer\" heading missing above it?");
  EXPECT_PROBLEM("12\\. A number leads because founders",
                 "12\\. A number leads as founders", 0, "12\\. A number",
                 "Founder: rubric: no reason given (say because)");
  EXPECT_PROBLEM("and the future state is a house model per team.",
                 "and the future state is a house model per team.\n\nA "
                 "second paragraph.",
                 0, "The futurist thinks",
                 "Futurist: the review has 2 paragraphs; write exactly one");
  EXPECT_PROBLEM("The futurist thinks ahead because timing matters more than "
                 "polish, and the future state is a house model per team.",
                 "Too short because.", 0, "Too short",
                 "Futurist: the review is 3 words; write 5 to 260");
  EXPECT_PROBLEM("81/100 · ship\n\nThe futurist thinks ahead because timing "
                 "matters more than polish, and the future state is a house "
                 "model per team.",
                 "81/100 · ship", 0, "81/100",
                 "Futurist: the review paragraph is missing; write it under "
                 "the score line");
  EXPECT_PROBLEM("# Code Llama 4", "# Code Llama 5", 0, "# Code Llama 5",
                 "the title \"Code Llama 5\" is not this scorecard's tool "
                 "(\"Code Llama 4\"); is this the draft of another tool?");
  EXPECT_PROBLEM("| Category | Developer Tools |", "| Category | Databases |",
                 0, "| Category",
                 "the tool's details, decision table and description come "
                 "from the scorecard and cannot be edited in the draft: this "
                 "line should read \"| Category | Developer Tools |\" (or the "
                 "draft is older than the scorecard)");
  EXPECT_PROBLEM("Tokens: 2406 in", "Tokens: 1 in", 0, "*Models",
                 "the footer comes from the scorecard and cannot be edited "
                 "in the draft: this line should read \"*Models: Builder "
                 "gpt-4o-mini; Skeptic gpt-4o-mini; Futurist ...\" (or the "
                 "draft is older than the scorecard)");
  EXPECT_PROBLEM("- rubric: no timing", "- rubric: no timing at all", 1,
                 "No review:",
                 "Futurist: why a review failed is the record of the run and "
                 "cannot be edited; to write this review yourself, replace "
                 "the block with \"NN/100 · ship|skip\" and the paragraph");
  EXPECT_PROBLEM("81/100 · ship", "No review: failed after 1 attempt.", 0,
                 "No review:",
                 "Futurist: \"No review\" is for a review that failed, and "
                 "this one was accepted; keep its score line and paragraph");
}

TEST(every_problem_is_reported_and_sorted) {
  struct fixture f;
  ASSERT_INT_EQ(setup(&f, 0), 0);
  ASSERT_INT_EQ(eg_replace(&f.md, "55/100 · skip", "55/100 · maybe"), 0);
  ASSERT_INT_EQ(eg_replace(&f.md, "84/100 · ship", "140/100 · ship"), 0);
  ASSERT_INT_EQ(apply(&f), SK_EREPLY);
  ASSERT_INT_EQ(f.res.nproblems, 2);
  ASSERT_CONTAINS(f.res.problems[0], "Builder: score 140");
  ASSERT_CONTAINS(f.res.problems[1], "Founder: verdict \"maybe\"");
  ASSERT_CONTAINS(f.e.msg, "t.md: 2 problems");
  ASSERT_UNCHANGED(&f);
  teardown(&f);
}

TEST(not_a_draft) {
  struct fixture f;
  ASSERT_INT_EQ(setup(&f, 0), 0);
  free(f.md);
  f.md = strdup("# shipskip\n\nPanel reviews.\n\n### Reviewing tools\n");
  ASSERT_INT_EQ(apply(&f), SK_EREPLY);
  ASSERT_INT_EQ(f.res.nproblems, 1);
  ASSERT(has(&f.res, 1,
             "not a shipskip draft of Code Llama 4: no \"## Reviewer "
             "scorecard\" heading, and the title is \"shipskip\" (drafts are "
             "the OUTDIR/<slug>.md files shipskip review writes)"));
  ASSERT_UNCHANGED(&f);
  teardown(&f);
}

TEST(no_rubric) {
  struct fixture f;
  ASSERT_INT_EQ(setup(&f, 0), 0);
  ASSERT_INT_EQ(eg_replace(&f.md, "12\\. A number leads because founders",
                           "12\\. A number leads as founders"),
                0);
  ASSERT_INT_EQ(apply(&f), SK_EREPLY);
  f.o.no_rubric = 1;
  ASSERT_INT_EQ(apply(&f), 0);
  ASSERT_INT_EQ(f.res.nchanges, 1);
  teardown(&f);
  /* Without persona files at all, --no-rubric still checks the rest. */
  ASSERT_INT_EQ(setup(&f, 0), 0);
  f.o.panel = NULL;
  f.o.no_rubric = 1;
  ASSERT_INT_EQ(eg_replace(&f.md, "84/100 · ship", "101/100 · ship"), 0);
  ASSERT_INT_EQ(apply(&f), SK_EREPLY);
  ASSERT_INT_EQ(f.res.nproblems, 1);
  f.o.no_rubric = 0;
  ASSERT_INT_EQ(apply(&f), SK_ECONFIG);
  ASSERT_CONTAINS(f.e.msg, "reviewer \"builder\" has no persona file");
  teardown(&f);
}

static int write_file(const char *dir, const char *name, const char *text) {
  struct sk_error e;
  sk_error_clear(&e);
  return sk_fs_write_atomic(dir, name, text, strlen(text), &e);
}

static char *read_path(const char *dir, const char *name) {
  char path[512];
  char *text = NULL;
  size_t len;
  struct sk_error e;
  sk_error_clear(&e);
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (sk_fs_read_file(path, 1 << 22, &text, &len, &e) != 0)
    return NULL;
  return text;
}

TEST(apply_file_writes_json_and_draft) {
  struct fixture f;
  struct sk_apply_result res;
  struct sk_error e;
  char dir[] = "/tmp/sk-apply-XXXXXX";
  char md_path[256];
  char *text;

  ASSERT_INT_EQ(setup(&f, 0), 0);
  ASSERT(mkdtemp(dir) != NULL);
  ASSERT_INT_EQ(write_file(dir, "code-llama-4.json", f.json), 0);
  ASSERT_INT_EQ(write_file(dir, "code-llama-4.md", f.md), 0);
  snprintf(md_path, sizeof(md_path), "%s/code-llama-4.md", dir);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_apply_file(md_path, &f.o, &res, &e), 0);
  ASSERT_INT_EQ(res.written, 0);
  sk_apply_result_cleanup(&res);
  /* An edit, first as a dry run. */
  ASSERT_INT_EQ(eg_replace(&f.md, "55/100 · skip", "65/100 · ship"), 0);
  ASSERT_INT_EQ(write_file(dir, "code-llama-4.md", f.md), 0);
  f.o.dry_run = 1;
  ASSERT_INT_EQ(sk_apply_file(md_path, &f.o, &res, &e), 0);
  ASSERT_INT_EQ(res.nchanges, 1);
  ASSERT_INT_EQ(res.written, 0);
  sk_apply_result_cleanup(&res);
  text = read_path(dir, "code-llama-4.json");
  ASSERT_STR_EQ(text, f.json);
  free(text);
  f.o.dry_run = 0;
  ASSERT_INT_EQ(sk_apply_file(md_path, &f.o, &res, &e), 0);
  ASSERT_INT_EQ(res.written, 1);
  sk_apply_result_cleanup(&res);
  text = read_path(dir, "code-llama-4.json");
  ASSERT_CONTAINS(text, "\"label\": \"Ship · 4 ship / 0 skip\"");
  ASSERT_CONTAINS(text, "\"reason\": \"edited\"");
  free(text);
  text = read_path(dir, "code-llama-4.md");
  ASSERT_CONTAINS(text, "| Panel ship | 100% |");
  free(text);
  /* Names and missing files. */
  ASSERT_INT_EQ(sk_apply_file("notes.txt", &f.o, &res, &e), SK_EINVAL);
  sk_apply_result_cleanup(&res);
  snprintf(md_path, sizeof(md_path), "%s/other.md", dir);
  ASSERT_INT_EQ(write_file(dir, "other.md", f.md), 0);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_apply_file(md_path, &f.o, &res, &e), SK_ENOENT);
  ASSERT_CONTAINS(e.msg, "no scorecard beside the draft");
  sk_apply_result_cleanup(&res);
  snprintf(md_path, sizeof(md_path), "%s/code-llama-4.json", dir);
  unlink(md_path);
  snprintf(md_path, sizeof(md_path), "%s/code-llama-4.md", dir);
  unlink(md_path);
  snprintf(md_path, sizeof(md_path), "%s/other.md", dir);
  unlink(md_path);
  rmdir(dir);
  teardown(&f);
}

TEST(failed_write_changes_nothing) {
  struct fixture f;
  struct sk_apply_result res;
  struct sk_error e;
  struct rlimit old;
  struct rlimit small;
  char dir[] = "/tmp/sk-apply-XXXXXX";
  char path[256];
  char *text;
  int rc;

  ASSERT_INT_EQ(setup(&f, 0), 0);
  ASSERT(mkdtemp(dir) != NULL);
  ASSERT_INT_EQ(write_file(dir, "code-llama-4.json", f.json), 0);
  ASSERT_INT_EQ(eg_replace(&f.md, "55/100 · skip", "65/100 · ship"), 0);
  ASSERT_INT_EQ(write_file(dir, "code-llama-4.md", f.md), 0);
  snprintf(path, sizeof(path), "%s/code-llama-4.md", dir);
  /* A file-size limit makes the write fail part-way, as a full disk does. */
  signal(SIGXFSZ, SIG_IGN);
  getrlimit(RLIMIT_FSIZE, &old);
  small = old;
  small.rlim_cur = 1000;
  setrlimit(RLIMIT_FSIZE, &small);
  sk_error_clear(&e);
  rc = sk_apply_file(path, &f.o, &res, &e);
  setrlimit(RLIMIT_FSIZE, &old);
  ASSERT_INT_EQ(rc, SK_EIO);
  ASSERT_CONTAINS(e.msg, "code-llama-4.json: write failed");
  ASSERT_INT_EQ(res.nchanges, 1);
  ASSERT_INT_EQ(res.written, 0);
  sk_apply_result_cleanup(&res);
  text = read_path(dir, "code-llama-4.json");
  ASSERT_STR_EQ(text, f.json);
  free(text);
  text = read_path(dir, "code-llama-4.md");
  ASSERT_STR_EQ(text, f.md);
  free(text);
  snprintf(path, sizeof(path), "rm -rf '%s'", dir);
  ASSERT_INT_EQ(system(path), 0);
  teardown(&f);
}

int main(void) {
  if (eg_panel(&panel) != 0) {
    fprintf(stderr, "cannot build the test panel\n");
    return 1;
  }
  RUN(names_compare_as_rendered);
  RUN(unchanged_draft_changes_nothing);
  RUN(rewrapped_crlf_draft_changes_nothing);
  RUN(edit_score_verdict_and_paragraph);
  RUN(paragraph_only_edit);
  RUN(failed_review_written_by_the_editor);
  RUN(bad_edits_are_reported_by_line);
  RUN(every_problem_is_reported_and_sorted);
  RUN(not_a_draft);
  RUN(no_rubric);
  RUN(apply_file_writes_json_and_draft);
  RUN(failed_write_changes_nothing);
  sk_panel_def_cleanup(&panel);
  return TEST_REPORT();
}
