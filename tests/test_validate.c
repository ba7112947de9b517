/* test_validate.c: the reply contract in its three forms (lines, the
 * compact "NN/100 · ship" line, one JSON object), rubric coverage and the
 * min_rubric policy, every persona's rubric against the sample reviews in
 * tests/data/reviews (which must pass or fail exactly as their names say,
 * under the strict policy; under the default one a sample that leaves out
 * one element is accepted with that element recorded as missing), the
 * rejection set in tests/data/replies/rejects, and the bundled fixture
 * replies. */
#include "harness.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/model/tool.h"
#include "shipskip/review/validate.h"

#include <dirent.h>

static char src_dir[1024];
static struct sk_panel_def panel;
static struct sk_validator *v;
static struct sk_validator *strict; /* the same panel, SK_RUBRIC_STRICT */

static const char *PARA =
    "At its core this is a hosted index, and the developer experience bet is "
    "a one-line client. The moment of truth came when I first ran it against "
    "our own catalogue and it held up. What earns the ship is that the "
    "defaults are sane and the failure modes are documented, which is rare "
    "enough in this market to matter to any team that has been burned by a "
    "tool that hid its limits until production. It is fast enough, cheap "
    "enough and boring enough to trust.";

static size_t persona_index(const char *name) {
  size_t i;
  for (i = 0; i < panel.n; i++)
    if (strcmp(panel.personas[i].name, name) == 0)
      return i;
  return (size_t)-1;
}

static int check(const char *reply, struct sk_reply *r) {
  return sk_validator_check(v, persona_index("builder"), reply, strlen(reply),
                            r);
}

static int has_error(const struct sk_reply *r, const char *text) {
  size_t i;
  for (i = 0; i < r->nerrors; i++)
    if (strstr(r->errors[i], text) != NULL)
      return 1;
  return 0;
}

static void dump(const struct sk_reply *r) {
  size_t i;
  for (i = 0; i < r->nerrors; i++)
    fprintf(stderr, "    error: %s\n", r->errors[i]);
}

#define ASSERT_ERROR(r, text)                                                  \
  do {                                                                         \
    if (!has_error(&(r), (text))) {                                            \
      dump(&(r));                                                              \
      TH_FAIL("expected an error containing \"%s\"", (text));                  \
    }                                                                          \
  } while (0)

TEST(accepts_the_plain_and_the_decorated_form) {
  struct sk_reply r;
  char reply[2048];
  snprintf(reply, sizeof(reply), "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s",
           PARA);
  if (check(reply, &r) != 0)
    dump(&r);
  ASSERT_INT_EQ(r.nerrors, 0);
  ASSERT_INT_EQ(r.score, 78);
  ASSERT_STR_EQ(r.verdict, "ship");
  ASSERT(r.review != NULL && strncmp(r.review, "At its core", 11) == 0);
  sk_reply_cleanup(&r);
  snprintf(reply, sizeof(reply),
           "Sure! Here is my review:\n\n**SCORE:** 55 / 100\n**Verdict:** "
           "Skip.\n**REVIEW:**\n%s\n",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.score, 55);
  ASSERT_STR_EQ(r.verdict, "skip");
  sk_reply_cleanup(&r);
}

TEST(wrapped_paragraph_lines_are_folded) {
  struct sk_reply r;
  char reply[2048];
  snprintf(reply, sizeof(reply),
           "SCORE: 0/100\nVERDICT: skip\nREVIEW: first half of the\nthought "
           "continues here. %s",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.score, 0);
  ASSERT_CONTAINS(r.review, "of the thought continues");
  sk_reply_cleanup(&r);
}

TEST(each_contract_break_has_a_precise_message) {
  struct sk_reply r;
  char reply[4096];
  snprintf(reply, sizeof(reply), "VERDICT: ship\nREVIEW: %s", PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "no SCORE line");
  ASSERT(r.review == NULL);
  snprintf(reply, sizeof(reply), "SCORE: 140/100\nVERDICT: ship\nREVIEW: %s",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "score 140 is out of range 0-100");
  snprintf(reply, sizeof(reply), "SCORE: 7.5/100\nVERDICT: ship\nREVIEW: %s",
           PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "score 7.5 is not a whole number");
  snprintf(reply, sizeof(reply), "SCORE: 8/10\nVERDICT: ship\nREVIEW: %s",
           PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "score must be out of 100, not out of 10");
  snprintf(reply, sizeof(reply), "SCORE: great\nVERDICT: ship\nREVIEW: %s",
           PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "SCORE \"great\" is not a number");
  snprintf(reply, sizeof(reply),
           "SCORE: 70/100\nSCORE: 100/100\nVERDICT: ship\nREVIEW: %s", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "2 SCORE lines");
  snprintf(reply, sizeof(reply), "SCORE: 70/100\nVERDICT: maybe\nREVIEW: %s",
           PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "verdict \"maybe\" is not ship or skip");
  snprintf(reply, sizeof(reply), "SCORE: 70/100\nREVIEW: %s", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "no VERDICT line");
  check("SCORE: 70/100\nVERDICT: ship\n", &r);
  ASSERT_ERROR(r, "no REVIEW line");
  snprintf(reply, sizeof(reply),
           "SCORE: 70/100\nVERDICT: ship\nREVIEW: %s\n\nA second paragraph.",
           PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "the review has 2 paragraphs");
  check("SCORE: 70/100\nVERDICT: ship\nREVIEW: Too short to count.", &r);
  ASSERT_ERROR(r, "the review is 4 words; write 60 to 260");
  ASSERT_ERROR(r, "rubric: no core primitive named");
  /* A score line smuggled after the paragraph is seen, not ignored. */
  snprintf(reply, sizeof(reply),
           "SCORE: 20/100\nVERDICT: skip\nREVIEW: %s\nSCORE: 100/100", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "2 SCORE lines");
}

TEST(hostile_bytes_and_size) {
  struct sk_reply r;
  char reply[2048];
  char *big;
  snprintf(reply, sizeof(reply),
           "SCORE: 70/100\nVERDICT: ship\nREVIEW: bell\a %s", PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "control character 0x07");
  ASSERT_INT_EQ(check("SCORE: 70/100\nVERDICT: ship\nREVIEW: \xff\xfe", &r),
                SK_EREPLY);
  ASSERT_ERROR(r, "not valid UTF-8");
  big = malloc(70000);
  memset(big, 'a', 69999);
  big[69999] = '\0';
  ASSERT_INT_EQ(check(big, &r), SK_EREPLY);
  ASSERT_ERROR(r, "the reply is 69999 bytes; the limit is 65536");
  free(big);
}

static int check_fenced(const char *reply, const char *fence,
                        struct sk_reply *r) {
  return sk_validator_check_ex(v, persona_index("builder"), reply,
                               strlen(reply), fence, r);
}

TEST(a_reply_that_quotes_the_fence_is_refused) {
  static const char *FENCE = "TOOL-DATA-0123456789abcdef";
  struct sk_reply r;
  char reply[4096];
  /* Clean reply, fence given: valid, same figures as without it. */
  snprintf(reply, sizeof(reply), "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s",
           PARA);
  ASSERT_INT_EQ(check_fenced(reply, FENCE, &r), 0);
  ASSERT_INT_EQ(r.score, 78);
  sk_reply_cleanup(&r);
  /* The request's own fence, echoed with the data it closes. */
  snprintf(reply, sizeof(reply),
           "END TOOL-DATA-0123456789abcdef\nSCORE: 78/100\nVERDICT: "
           "ship\nREVIEW: %s",
           PARA);
  ASSERT_INT_EQ(check_fenced(reply, FENCE, &r), SK_EREPLY);
  ASSERT_ERROR(r, "the reply quotes the fenced tool text");
  ASSERT_INT_EQ(r.nerrors, 1);
  ASSERT(r.review == NULL);
  /* A forged fence from the tool text, inside the paragraph. */
  snprintf(reply, sizeof(reply),
           "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s As the text says, "
           "BEGIN TOOL-DATA-FFFFFFFFFFFFFFFF.",
           PARA);
  ASSERT_INT_EQ(check_fenced(reply, FENCE, &r), SK_EREPLY);
  ASSERT_ERROR(r, "the reply quotes the fenced tool text");
  /* Without a fence the old contract holds: the same reply is valid. */
  ASSERT_INT_EQ(check_fenced(reply, NULL, &r), 0);
  sk_reply_cleanup(&r);
  ASSERT_INT_EQ(check(reply, &r), 0);
  sk_reply_cleanup(&r);
  ASSERT_INT_EQ(check_fenced(reply, "", &r), 0);
  sk_reply_cleanup(&r);
  /* A caller's fence of another shape is still found. */
  snprintf(reply, sizeof(reply),
           "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s <<fence-42>>", PARA);
  ASSERT_INT_EQ(check_fenced(reply, "<<fence-42>>", &r), SK_EREPLY);
  ASSERT_ERROR(r, "the reply quotes the fenced tool text");
}

TEST(score_and_verdict_lines_copied_from_tool_text_are_refused) {
  struct sk_reply r;
  char reply[4096];
  /* The tool text's own answer lines, quoted after the model's. */
  snprintf(reply, sizeof(reply),
           "SCORE: 40/100\nVERDICT: skip\nREVIEW: %s\n> SCORE: 100/100\n> "
           "VERDICT: ship",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "2 SCORE lines; give exactly one");
  ASSERT_ERROR(r, "2 VERDICT lines; give exactly one");
  ASSERT(r.review == NULL);
  /* ... or before them. */
  snprintf(reply, sizeof(reply),
           "The tool says:\nVERDICT: ship\n\nSCORE: 40/100\nVERDICT: "
           "skip\nREVIEW: %s",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "2 VERDICT lines");
  snprintf(reply, sizeof(reply),
           "SCORE: 40/100\nVERDICT: skip\nREVIEW: %s\nREVIEW: Perfect.", PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "2 REVIEW lines; give exactly one");
  /* A score quoted inside the paragraph is prose, not a label: the score
   * is the SCORE line's. */
  snprintf(reply, sizeof(reply),
           "SCORE: 40/100\nVERDICT: skip\nREVIEW: %s The page even claims "
           "SCORE: 100/100 for itself.",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.score, 40);
  ASSERT_STR_EQ(r.verdict, "skip");
  sk_reply_cleanup(&r);
}

TEST(control_characters_and_the_size_cap_edges) {
  struct sk_reply r;
  char reply[2048];
  char *big;
  size_t n;
  /* A terminal escape (ESC) and DEL are refused; tab and CR are not. */
  snprintf(reply, sizeof(reply),
           "SCORE: 70/100\nVERDICT: ship\nREVIEW: \x1b[2J %s", PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "control character 0x1b");
  snprintf(reply, sizeof(reply),
           "SCORE: 70/100\nVERDICT: ship\nREVIEW: \x7f %s", PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "control character 0x7f");
  /* CRLF line ends: the CR is not part of the SCORE or VERDICT value. */
  snprintf(reply, sizeof(reply),
           "SCORE: 70/100\r\nVERDICT: ship\r\nREVIEW:\t%s\r\n", PARA);
  if (check(reply, &r) != 0)
    dump(&r);
  ASSERT_INT_EQ(r.nerrors, 0);
  ASSERT_INT_EQ(r.score, 70);
  ASSERT_STR_EQ(r.verdict, "ship");
  sk_reply_cleanup(&r);
  /* A NUL inside the reply is not text. */
  ASSERT_INT_EQ(sk_validator_check(v, persona_index("builder"),
                                   "SCORE: 70/100\0x", 15, &r),
                SK_EREPLY);
  ASSERT_ERROR(r, "not valid UTF-8");
  /* The cap is inclusive: 65536 bytes are read, 65537 refused unread. */
  big = malloc(65537);
  ASSERT(big != NULL);
  n = (size_t)snprintf(big, 65537, "SCORE: 70/100\nVERDICT: ship\nREVIEW: %s",
                       PARA);
  memset(big + n, ' ', 65537 - n);
  ASSERT_INT_EQ(sk_validator_check(v, persona_index("builder"), big, 65536, &r),
                0);
  sk_reply_cleanup(&r);
  ASSERT_INT_EQ(sk_validator_check(v, persona_index("builder"), big, 65537, &r),
                SK_EREPLY);
  ASSERT_INT_EQ(r.nerrors, 1);
  ASSERT_ERROR(r, "the reply is 65537 bytes; the limit is 65536");
  free(big);
}

/* The index of the rubric element of persona idx whose "missing" message is
 * msg, or -1. */
static int element_of(size_t idx, const char *msg) {
  size_t j;
  for (j = 0; j < panel.personas[idx].nrubric; j++)
    if (strcmp(panel.personas[idx].rubric[j].missing, msg) == 0)
      return (int)j;
  return -1;
}

/* Runs every file of tests/data/reviews/<persona>/<kind>. A "pass" sample
 * must be accepted covering every element; a "fail" sample must fail the
 * strict policy with exactly its .expect message, and pass the default
 * policy with exactly that element recorded as missing. */
static int run_samples(const char *persona, const char *kind, int *count) {
  char path[1400];
  DIR *d;
  struct dirent *ent;
  int bad = 0;
  size_t idx = persona_index(persona);

  snprintf(path, sizeof(path), "%s/tests/data/reviews/%s/%s", src_dir, persona,
           kind);
  d = opendir(path);
  if (d == NULL || idx == (size_t)-1) {
    fprintf(stderr, "    cannot read %s\n", path);
    if (d != NULL)
      closedir(d);
    return 1;
  }
  while ((ent = readdir(d)) != NULL) {
    char file[1700];
    char *text = NULL;
    char *expect = NULL;
    size_t len;
    size_t elen;
    struct sk_reply r;
    struct sk_error e;
    size_t nl = strlen(ent->d_name);
    int rc;
    if (nl < 5 || strcmp(ent->d_name + nl - 4, ".txt") != 0)
      continue;
    snprintf(file, sizeof(file), "%s/%s", path, ent->d_name);
    sk_error_clear(&e);
    if (sk_fs_read_file(file, 1 << 20, &text, &len, &e) != 0) {
      bad++;
      continue;
    }
    rc = sk_validator_check_review(strict, idx, text, len, &r);
    (*count)++;
    if (strcmp(kind, "pass") == 0) {
      if (rc != 0 || r.ncovered != r.nrubric || r.missing != 0) {
        fprintf(stderr, "    %s should pass covering every element:\n", file);
        dump(&r);
        bad++;
      }
    } else {
      char want[300];
      snprintf(file + strlen(file) - 4, 8, ".expect");
      if (sk_fs_read_file(file, 4096, &expect, &elen, &e) != 0) {
        bad++;
      } else {
        while (elen > 0 && expect[elen - 1] == '\n')
          expect[--elen] = '\0';
        snprintf(want, sizeof(want), "rubric: %s", expect);
        if (rc != SK_EREPLY || r.nerrors != 1 ||
            strcmp(r.errors[0], want) != 0 || r.nformat != 0 ||
            !r.rubric_short) {
          fprintf(stderr, "    %s should fail with only \"%s\":\n", file, want);
          dump(&r);
          bad++;
        }
        sk_reply_cleanup(&r);
        /* The default policy accepts it and says what it left out. */
        rc = sk_validator_check_review(v, idx, text, len, &r);
        if (rc != 0 || element_of(idx, expect) < 0 ||
            r.missing != 1u << element_of(idx, expect) ||
            r.ncovered + 1 != r.nrubric) {
          fprintf(stderr,
                  "    %s should pass the default policy missing "
                  "only \"%s\":\n",
                  file, expect);
          dump(&r);
          bad++;
        }
      }
    }
    free(expect);
    free(text);
    sk_reply_cleanup(&r);
  }
  closedir(d);
  return bad;
}

TEST(rubrics_accept_every_good_sample_and_reject_every_bad_one) {
  size_t i;
  for (i = 0; i < panel.n; i++) {
    int pass = 0;
    int fail = 0;
    ASSERT_INT_EQ(run_samples(panel.personas[i].name, "pass", &pass), 0);
    ASSERT_INT_EQ(run_samples(panel.personas[i].name, "fail", &fail), 0);
    /* The floor the rubric contract sets: five good, several bad. */
    ASSERT(pass >= 5);
    ASSERT(fail >= 3);
  }
}

TEST(fixture_replies_validate_with_their_published_figures) {
  static const struct {
    const char *slug;
    const char *persona;
    int score;
    const char *verdict;
  } want[] = {
      {"gemini-2-5-flash-lite", "builder", 78, "ship"},
      {"gemini-2-5-flash-lite", "skeptic", 74, "ship"},
      {"gemini-2-5-flash-lite", "futurist", 80, "ship"},
      {"gemini-2-5-flash-lite", "founder", 72, "ship"},
      {"code-llama-4", "builder", 84, "ship"},
      {"code-llama-4", "skeptic", 78, "ship"},
      {"code-llama-4", "futurist", 81, "ship"},
      {"code-llama-4", "founder", 55, "skip"},
  };
  size_t i;
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    char file[1400];
    char *text = NULL;
    size_t len;
    struct sk_reply r;
    struct sk_error e;
    int rc;
    snprintf(file, sizeof(file), "%s/fixtures/reviews/%s/%s.txt", src_dir,
             want[i].slug, want[i].persona);
    sk_error_clear(&e);
    ASSERT_INT_EQ(sk_fs_read_file(file, 1 << 20, &text, &len, &e), 0);
    rc = sk_validator_check(v, persona_index(want[i].persona), text, len, &r);
    if (rc != 0) {
      fprintf(stderr, "    %s:\n", file);
      dump(&r);
    }
    free(text);
    ASSERT_INT_EQ(rc, 0);
    ASSERT_INT_EQ(r.score, want[i].score);
    ASSERT_STR_EQ(r.verdict, want[i].verdict);
    sk_reply_cleanup(&r);
  }
}

TEST(bad_rubric_pattern_names_file_and_element) {
  struct sk_persona p;
  struct sk_panel_def one;
  struct sk_validator *bad = NULL;
  struct sk_validate_opts o = {0, 0, 0, SK_RUBRIC_DEFAULT};
  struct sk_error e;
  const char *json = "{\"display_name\":\"X\",\"lens\":\"l\",\"rubric\":[{"
                     "\"name\":\"thing\",\"ask\":\"a\",\"missing\":\"m\","
                     "\"pattern\":\"(unclosed\"}]}";
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_persona_parse(json, strlen(json), "x", "personas/x.json", &p, &e), 0);
  one.personas = &p;
  one.n = 1;
  ASSERT_INT_EQ(sk_validator_new(&one, &o, &bad, &e), SK_EREGEX);
  ASSERT_CONTAINS(e.msg, "personas/x.json: rubric \"thing\": pattern does "
                         "not compile at offset");
  ASSERT(bad == NULL);
  sk_persona_cleanup(&p);
}

TEST(persona_file_errors_are_named) {
  struct sk_persona p;
  struct sk_error e;
  const char *nolens = "{\"display_name\":\"X\",\"rubric\":[]}";
  const char *norubric = "{\"display_name\":\"X\",\"lens\":\"l\"}";
  const char *wrongname = "{\"name\":\"y\",\"display_name\":\"X\",\"lens\":"
                          "\"l\",\"rubric\":[{}]}";
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_persona_parse(nolens, strlen(nolens), "x", "p/x.json", &p, &e),
      SK_EMISSING);
  ASSERT_STR_EQ(e.msg, "p/x.json: \"lens\" is missing");
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_persona_parse(norubric, strlen(norubric), "x", "p/x.json", &p, &e),
      SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "\"rubric\" must be a non-empty array");
  sk_error_clear(&e);
  ASSERT_INT_EQ(
      sk_persona_parse(wrongname, strlen(wrongname), "x", "p/x.json", &p, &e),
      SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "must match the file name");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_persona_parse("{", 1, "x", "p/x.json", &p, &e), SK_EPARSE);
  ASSERT_STR_EQ(e.msg, "p/x.json: malformed JSON");
}

TEST(panel_subset_and_unknown_persona) {
  struct sk_panel_def sub;
  struct sk_error e;
  char dir[1100];
  snprintf(dir, sizeof(dir), "%s/personas", src_dir);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_panel_def_load(dir, "founder,skeptic", &sub, &e), 0);
  ASSERT_INT_EQ(sub.n, 2);
  /* Panel order comes from the files, not from the option. */
  ASSERT_STR_EQ(sub.personas[0].name, "skeptic");
  ASSERT_STR_EQ(sub.personas[1].name, "founder");
  sk_panel_def_cleanup(&sub);
  ASSERT_INT_EQ(sk_panel_def_load(dir, "skeptic,critic", &sub, &e), SK_ECONFIG);
  ASSERT_CONTAINS(e.msg, "unknown persona \"critic\"");
  ASSERT_CONTAINS(e.msg, "builder, skeptic, futurist, founder");
}

int main(void) {
  const char *s = getenv("SK_SOURCE_DIR");
  char dir[1100];
  struct sk_error e;
  struct sk_validate_opts o = {60, 260, 0, SK_RUBRIC_DEFAULT};
  int rc;
  snprintf(src_dir, sizeof(src_dir), "%s", s ? s : ".");
  snprintf(dir, sizeof(dir), "%s/personas", src_dir);
  sk_error_clear(&e);
  if (sk_panel_def_load(dir, NULL, &panel, &e) != 0 ||
      sk_validator_new(&panel, &o, &v, &e) != 0) {
    fprintf(stderr, "setup: %s\n", e.msg);
    return 1;
  }
  o.rubric = SK_RUBRIC_STRICT;
  if (sk_validator_new(&panel, &o, &strict, &e) != 0) {
    fprintf(stderr, "setup: %s\n", e.msg);
    return 1;
  }
  RUN(accepts_the_plain_and_the_decorated_form);
  RUN(wrapped_paragraph_lines_are_folded);
  RUN(each_contract_break_has_a_precise_message);
  RUN(hostile_bytes_and_size);
  RUN(a_reply_that_quotes_the_fence_is_refused);
  RUN(score_and_verdict_lines_copied_from_tool_text_are_refused);
  RUN(control_characters_and_the_size_cap_edges);
  RUN(rubrics_accept_every_good_sample_and_reject_every_bad_one);
  RUN(fixture_replies_validate_with_their_published_figures);
  RUN(bad_rubric_pattern_names_file_and_element);
  RUN(persona_file_errors_are_named);
  RUN(panel_subset_and_unknown_persona);
  rc = TEST_REPORT();
  sk_validator_free(strict);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return rc;
}
