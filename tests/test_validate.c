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

#include <cJSON.h>
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

/* Covers two of the builder's four elements: primitive and DX bet. */
static const char *PARA_TWO =
    "At its core this is a hosted index, and the developer experience bet is "
    "a one-line client. The documentation is short and clear, the pricing "
    "page lists every limit, and the dashboard shows request counts per key. "
    "Support answers by email within a day. The client library is small, "
    "typed and versioned with the server, and the changelog goes back three "
    "years with dates and migration notes for each release of the service.";

/* The same, with the moment of truth: three of four. */
static const char *PARA_THREE =
    "At its core this is a hosted index, and the developer experience bet is "
    "a one-line client. The moment of truth is loading our own catalogue. "
    "The documentation is short and clear, the pricing page lists every "
    "limit, and the dashboard shows request counts per key. Support answers "
    "by email within a day. The client library is small, typed and "
    "versioned with the server, and the changelog goes back three years.";

TEST(compact_form_reads_like_the_lines_form) {
  static const char *seps[] = {"\xc2\xb7",     "-", "\xe2\x80\x93",
                               "\xe2\x80\x94", "|", ","};
  struct sk_reply r;
  char reply[4096];
  size_t i;
  for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
    /* With and without spaces around the separator. */
    snprintf(reply, sizeof(reply), "SCORE: 72/100 %s ship\n\n%s\n", seps[i],
             PARA);
    if (check(reply, &r) != 0)
      dump(&r);
    ASSERT_INT_EQ(r.nerrors, 0);
    ASSERT_INT_EQ(r.score, 72);
    ASSERT_STR_EQ(r.verdict, "ship");
    ASSERT_INT_EQ(r.form, SK_REPLY_FORM_COMPACT);
    ASSERT(r.review != NULL && strncmp(r.review, "At its core", 11) == 0);
    sk_reply_cleanup(&r);
    snprintf(reply, sizeof(reply), "SCORE: 55/100%sskip\nREVIEW: %s", seps[i],
             PARA);
    ASSERT_INT_EQ(check(reply, &r), 0);
    ASSERT_INT_EQ(r.score, 55);
    ASSERT_STR_EQ(r.verdict, "skip");
    sk_reply_cleanup(&r);
  }
  /* The pages' own form: no label, as the first line; decorated. */
  snprintf(reply, sizeof(reply), "\n**78/100 \xc2\xb7 Ship**\n\n%s\n", PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.score, 78);
  ASSERT_STR_EQ(r.verdict, "ship");
  ASSERT_INT_EQ(r.form, SK_REPLY_FORM_COMPACT);
  sk_reply_cleanup(&r);
  /* Both labels on one line. */
  snprintf(reply, sizeof(reply), "SCORE: 64/100, **Verdict:** skip\nREVIEW: %s",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.score, 64);
  ASSERT_STR_EQ(r.verdict, "skip");
  sk_reply_cleanup(&r);
  /* A VERDICT line that agrees is fine; one that disagrees is not. */
  snprintf(reply, sizeof(reply),
           "SCORE: 72/100 \xc2\xb7 ship\nVERDICT: ship\nREVIEW: %s", PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  sk_reply_cleanup(&r);
  snprintf(reply, sizeof(reply),
           "SCORE: 72/100 \xc2\xb7 ship\nVERDICT: skip\nREVIEW: %s", PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "the SCORE line says ship but the VERDICT line says skip");
  ASSERT_INT_EQ(r.nerrors, 1);
  /* The line-form plain score with the lines form: form LINES. */
  snprintf(reply, sizeof(reply), "SCORE: 72/100\nVERDICT: ship\nREVIEW: %s",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.form, SK_REPLY_FORM_LINES);
  sk_reply_cleanup(&r);
}

TEST(compact_form_keeps_every_precise_message) {
  struct sk_reply r;
  char reply[4096];
  snprintf(reply, sizeof(reply), "SCORE: 140/100 \xc2\xb7 ship\n\n%s", PARA);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_ERROR(r, "score 140 is out of range 0-100");
  ASSERT_INT_EQ(r.nerrors, 1);
  snprintf(reply, sizeof(reply), "SCORE: 8/10 - ship\n\n%s", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "score must be out of 100, not out of 10");
  snprintf(reply, sizeof(reply), "SCORE: 7.5/100 | ship\n\n%s", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "score 7.5 is not a whole number");
  snprintf(reply, sizeof(reply), "SCORE: 70/100 \xc2\xb7 maybe\n\n%s", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "verdict \"maybe\" is not ship or skip");
  ASSERT_INT_EQ(r.nerrors, 1);
  snprintf(reply, sizeof(reply), "SCORE: 70/100 \xc2\xb7 shipp\n\n%s", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "verdict \"shipp\" is not ship or skip");
  /* No separator: not the compact form, and not a number either. */
  snprintf(reply, sizeof(reply), "SCORE: 70/100 ship\n\n%s", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "SCORE \"70/100 ship\" is not a number out of 100");
  /* A bare compact line that is not the first line is prose. */
  snprintf(reply, sizeof(reply), "Here it is.\n78/100 \xc2\xb7 ship\n\n%s",
           PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "no SCORE line");
  /* Two paragraphs after a compact line are two paragraphs. */
  snprintf(reply, sizeof(reply), "SCORE: 70/100 - ship\n\n%s\n\nMore.", PARA);
  check(reply, &r);
  ASSERT_ERROR(r, "the review has 2 paragraphs; write exactly one");
  /* Without a paragraph at all. */
  check("SCORE: 70/100 - ship\n", &r);
  ASSERT_ERROR(r, "the REVIEW paragraph is empty");
}

/* The template with its one "%s" (if any) replaced by para: a plain
 * substitution, so the templates need no format checking. */
static char *json_reply(const char *tmpl, const char *para) {
  static char buf[4096];
  const char *at = strstr(tmpl, "%s");
  if (at == NULL)
    snprintf(buf, sizeof(buf), "%s", tmpl);
  else
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - tmpl), tmpl, para,
             at + 2);
  return buf;
}

TEST(json_form_reads_like_the_lines_form) {
  struct sk_reply r;
  ASSERT_INT_EQ(
      check(json_reply("{\"score\": 72, \"verdict\": \"ship\", \"review\": "
                       "\"%s\"}",
                       PARA),
            &r),
      0);
  ASSERT_INT_EQ(r.score, 72);
  ASSERT_STR_EQ(r.verdict, "ship");
  ASSERT_INT_EQ(r.form, SK_REPLY_FORM_JSON);
  ASSERT(r.review != NULL && strncmp(r.review, "At its core", 11) == 0);
  ASSERT_INT_EQ(r.ncovered, 4);
  sk_reply_cleanup(&r);
  /* In a fence, after chatter, with extra keys and a capitalised verdict. */
  ASSERT_INT_EQ(
      check(json_reply("Here is my review:\n```json\n{\n  \"score\": 0,\n  "
                       "\"verdict\": \"Skip\",\n  \"confidence\": \"high\",\n"
                       "  \"review\": \"%s\"\n}\n```\n",
                       PARA),
            &r),
      0);
  ASSERT_INT_EQ(r.score, 0);
  ASSERT_STR_EQ(r.verdict, "skip");
  sk_reply_cleanup(&r);
  ASSERT_INT_EQ(check(json_reply("```\n{\"score\": 100, \"verdict\": \"ship\", "
                                 "\"review\": \"%s\"}\n```",
                                 PARA),
                      &r),
                0);
  ASSERT_INT_EQ(r.score, 100);
  sk_reply_cleanup(&r);
  /* Escapes are decoded: the review holds the quote, not the backslash. */
  ASSERT_INT_EQ(check(json_reply("{\"score\": 60, \"verdict\": \"ship\", "
                                 "\"review\": \"\\\"Quoted\\\" %s\"}",
                                 PARA),
                      &r),
                0);
  ASSERT(r.review != NULL && strncmp(r.review, "\"Quoted\" At", 11) == 0);
  sk_reply_cleanup(&r);
}

TEST(json_form_errors_are_precise) {
  static const struct {
    const char *fmt;
    const char *error;
  } cases[] = {
      {"{\"score\": \"72\", \"verdict\": \"ship\", \"review\": \"%s\"}",
       "\"score\" must be a number, not a string"},
      {"{\"score\": 140, \"verdict\": \"ship\", \"review\": \"%s\"}",
       "score 140 is out of range 0-100"},
      {"{\"score\": -1, \"verdict\": \"ship\", \"review\": \"%s\"}",
       "score -1 is out of range 0-100"},
      {"{\"score\": 7.5, \"verdict\": \"ship\", \"review\": \"%s\"}",
       "score 7.5 is not a whole number"},
      {"{\"score\": 1e300, \"verdict\": \"ship\", \"review\": \"%s\"}",
       "score 1e+300 is out of range 0-100"},
      {"{\"score\": 72, \"verdict\": 1, \"review\": \"%s\"}",
       "\"verdict\" must be a string (\"ship\" or \"skip\"), not a number"},
      {"{\"score\": 72, \"verdict\": \"maybe\", \"review\": \"%s\"}",
       "verdict \"maybe\" is not ship or skip"},
      {"{\"score\": 72, \"verdict\": \"ship\", \"review\": [\"%s\"]}",
       "\"review\" must be a string (one paragraph), not an array"},
      {"{\"score\": 72, \"review\": \"%s\"}",
       "the JSON reply has no \"verdict\""},
      {"{\"score\": 72, \"score\": 70, \"verdict\": \"ship\", \"review\": "
       "\"%s\"}",
       "2 \"score\" keys in the JSON reply; give exactly one"},
      {"{\"Score\": 72, \"verdict\": \"ship\", \"review\": \"%s\"}",
       "the JSON reply has no \"score\""},
      {"[{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\"}]",
       "no SCORE line"},
      {"{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\"",
       "the reply looks like JSON but does not parse"},
      {"{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\"} Thanks!",
       "text after the JSON object; send one JSON object only"},
      {"```json\n{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\"}\n"
       "```\nHope this helps.",
       "text after the JSON code fence; send the JSON object only"},
      {"```json\n{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\"}",
       "the JSON code fence is not closed"},
      {"{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\\u0000 "
       "hidden\"}",
       "the JSON reply contains an escaped NUL (\\u0000)"},
      {"{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\\u001b[2J\"}",
       "the reply contains control character 0x1b"},
      {"{\"score\": 72, \"verdict\": \"ship\", \"review\": \"%s\\n\\nMore.\"}",
       "the review has 2 paragraphs; write exactly one"},
      {"{\"score\": 72, \"verdict\": \"ship\", \"review\": \"Too "
       "short\"}",
       "the review is 2 words; write 60 to 260"},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct sk_reply r;
    int rc = check(json_reply(cases[i].fmt, PARA), &r);
    if (rc != SK_EREPLY || !has_error(&r, cases[i].error) || r.nformat == 0 ||
        r.review != NULL) {
      dump(&r);
      TH_FAIL("case %zu: expected an error containing \"%s\"", i,
              cases[i].error);
    }
  }
}

TEST(coverage_is_recorded_and_min_rubric_decides) {
  struct sk_reply r;
  char reply[4096];
  size_t b = persona_index("builder");
  /* Every element: covered has the four low bits. */
  snprintf(reply, sizeof(reply), "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s",
           PARA);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.rubric_checked, 1);
  ASSERT_INT_EQ(r.nrubric, 4);
  ASSERT_INT_EQ(r.covered, 0xF);
  ASSERT_INT_EQ(r.missing, 0);
  ASSERT_INT_EQ(r.ncovered, 4);
  ASSERT_INT_EQ(r.min_rubric, 3);
  ASSERT_INT_EQ(sk_reply_covers(&r, 2), 1);
  ASSERT_INT_EQ(sk_reply_covers(&r, 4), 0);
  sk_reply_cleanup(&r);
  /* Three of four: accepted by default, the fourth recorded missing. */
  snprintf(reply, sizeof(reply), "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s",
           PARA_THREE);
  ASSERT_INT_EQ(check(reply, &r), 0);
  ASSERT_INT_EQ(r.ncovered, 3);
  ASSERT_INT_EQ(r.missing, 1u << 3);
  ASSERT_INT_EQ(sk_reply_covers(&r, 3), 0);
  ASSERT_STR_EQ(panel.personas[b].rubric[3].name, "what earns the verdict");
  sk_reply_cleanup(&r);
  /* ... and refused under strict, quoting exactly that element. */
  ASSERT_INT_EQ(sk_validator_check(strict, b, reply, strlen(reply), &r),
                SK_EREPLY);
  ASSERT_INT_EQ(r.nerrors, 1);
  ASSERT_STR_EQ(r.errors[0], "rubric: no reason given for the verdict (what "
                             "earns the ship or skip)");
  ASSERT_INT_EQ(r.nformat, 0);
  ASSERT_INT_EQ(r.rubric_short, 1);
  ASSERT_INT_EQ(r.min_rubric, 4);
  /* Two of four: below the default, re-asked for exactly the two. */
  snprintf(reply, sizeof(reply), "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s",
           PARA_TWO);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_INT_EQ(r.nerrors, 2);
  ASSERT_STR_EQ(r.errors[0], "rubric: no moment of truth described");
  ASSERT_STR_EQ(r.errors[1], "rubric: no reason given for the verdict (what "
                             "earns the ship or skip)");
  ASSERT_INT_EQ(r.nformat, 0);
  ASSERT_INT_EQ(r.rubric_short, 1);
  ASSERT_INT_EQ(r.covered, 0x3);
  ASSERT_INT_EQ(r.missing, 0xC);
  ASSERT(r.review == NULL);
  /* A format failure with enough coverage has no rubric errors. */
  snprintf(reply, sizeof(reply), "SCORE: 140/100\nVERDICT: ship\nREVIEW: %s",
           PARA_THREE);
  ASSERT_INT_EQ(check(reply, &r), SK_EREPLY);
  ASSERT_INT_EQ(r.nerrors, 1);
  ASSERT_INT_EQ(r.nformat, 1);
  ASSERT_INT_EQ(r.rubric_short, 0);
  ASSERT_INT_EQ(r.ncovered, 3);
  /* No score line anywhere: nothing reached the rubric. */
  check("nothing to see", &r);
  ASSERT_INT_EQ(r.rubric_checked, 0);
  ASSERT_INT_EQ(r.covered | r.missing, 0);
}

TEST(policy_off_checks_the_format_only) {
  struct sk_validator *off = NULL;
  struct sk_validate_opts o = {60, 260, 0, SK_RUBRIC_OFF};
  struct sk_error e;
  struct sk_reply r;
  char reply[4096];
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_validator_new(&panel, &o, &off, &e), 0);
  snprintf(reply, sizeof(reply), "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s",
           PARA_TWO);
  ASSERT_INT_EQ(sk_validator_check(off, persona_index("skeptic"), reply,
                                   strlen(reply), &r),
                0);
  /* Still measured: a builder paragraph covers no skeptic element here. */
  ASSERT_INT_EQ(r.rubric_checked, 1);
  ASSERT_INT_EQ(r.min_rubric, 0);
  ASSERT(r.ncovered < 2);
  sk_reply_cleanup(&r);
  snprintf(reply, sizeof(reply), "SCORE: 178/100\nVERDICT: ship\nREVIEW: %s",
           PARA_TWO);
  ASSERT_INT_EQ(sk_validator_check(off, persona_index("builder"), reply,
                                   strlen(reply), &r),
                SK_EREPLY);
  ASSERT_ERROR(r, "score 178 is out of range 0-100");
  sk_validator_free(off);
}

TEST(rubric_policy_names) {
  enum sk_rubric_policy p = SK_RUBRIC_OFF;
  ASSERT_INT_EQ(sk_rubric_policy_parse("strict", &p), 0);
  ASSERT_INT_EQ(p, SK_RUBRIC_STRICT);
  ASSERT_INT_EQ(sk_rubric_policy_parse("default", &p), 0);
  ASSERT_INT_EQ(p, SK_RUBRIC_DEFAULT);
  ASSERT_INT_EQ(sk_rubric_policy_parse("off", &p), 0);
  ASSERT_INT_EQ(p, SK_RUBRIC_OFF);
  ASSERT_INT_EQ(sk_rubric_policy_parse("Strict", &p), SK_EINVAL);
  ASSERT_INT_EQ(sk_rubric_policy_parse("", &p), SK_EINVAL);
  ASSERT_INT_EQ(sk_rubric_policy_parse(NULL, &p), SK_EINVAL);
  ASSERT_INT_EQ(p, SK_RUBRIC_OFF);
  ASSERT_STR_EQ(sk_rubric_policy_name(SK_RUBRIC_STRICT), "strict");
  ASSERT_STR_EQ(sk_rubric_policy_name(SK_RUBRIC_DEFAULT), "default");
  ASSERT_STR_EQ(sk_rubric_policy_name(SK_RUBRIC_OFF), "off");
}

/* A persona of n elements matching "e1".."en", with extra JSON members. */
static int parse_persona(size_t n, const char *extra, struct sk_persona *p,
                         struct sk_error *e) {
  char json[2048];
  size_t used;
  size_t j;
  used = (size_t)snprintf(json, sizeof(json),
                          "{\"display_name\":\"X\",\"lens\":\"l\",%s"
                          "\"rubric\":[",
                          extra);
  for (j = 0; j < n; j++)
    used += (size_t)snprintf(json + used, sizeof(json) - used,
                             "%s{\"name\":\"e%zu\",\"ask\":\"a\",\"missing\":"
                             "\"no e%zu\",\"pattern\":\"\\\\be%zu\\\\b\"}",
                             j ? "," : "", j + 1, j + 1, j + 1);
  snprintf(json + used, sizeof(json) - used, "]}");
  sk_error_clear(e);
  return sk_persona_parse(json, strlen(json), "x", "personas/x.json", p, e);
}

TEST(persona_min_rubric) {
  struct sk_persona p;
  struct sk_error e;
  static const char *bad[] = {"\"min_rubric\": 5,", "\"min_rubric\": -1,",
                              "\"min_rubric\": 1.5,", "\"min_rubric\": \"2\",",
                              "\"min_rubric\": null,"};
  size_t i;
  /* Absent: all but one. */
  ASSERT_INT_EQ(parse_persona(4, "", &p, &e), 0);
  ASSERT_INT_EQ(p.has_min_rubric, 0);
  ASSERT_INT_EQ(sk_persona_min_rubric(&p), 3);
  sk_persona_cleanup(&p);
  ASSERT_INT_EQ(parse_persona(1, "", &p, &e), 0);
  ASSERT_INT_EQ(sk_persona_min_rubric(&p), 0);
  sk_persona_cleanup(&p);
  /* Set: 0 and every element are both allowed. */
  ASSERT_INT_EQ(parse_persona(4, "\"min_rubric\": 4,", &p, &e), 0);
  ASSERT_INT_EQ(sk_persona_min_rubric(&p), 4);
  /* A caller that drops the rubric caps it. */
  p.nrubric = 2;
  ASSERT_INT_EQ(sk_persona_min_rubric(&p), 2);
  p.nrubric = 4;
  sk_persona_cleanup(&p);
  ASSERT_INT_EQ(parse_persona(4, "\"min_rubric\": 0,", &p, &e), 0);
  ASSERT_INT_EQ(sk_persona_min_rubric(&p), 0);
  sk_persona_cleanup(&p);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ASSERT_INT_EQ(parse_persona(4, bad[i], &p, &e), SK_EPARSE);
    ASSERT_STR_EQ(e.msg, "personas/x.json: \"min_rubric\" must be an integer "
                         "from 0 to 4 (the number of rubric elements)");
  }
}

/* Numbers a persona file cannot hold are refused with a message, never cast
 * (1e300 to int is undefined behaviour). */
TEST(persona_numbers_are_bounded) {
  struct sk_persona p;
  struct sk_error e;
  static const struct {
    const char *extra;
    const char *msg;
  } bad[] = {
      {"\"order\": 1e300,", "personas/x.json: \"order\" must be an integer"},
      {"\"order\": 2.5,", "personas/x.json: \"order\" must be an integer"},
      {"\"max_tokens\": 1e300,",
       "personas/x.json: \"max_tokens\" must be a positive integer"},
      {"\"max_tokens\": 0,",
       "personas/x.json: \"max_tokens\" must be a positive integer"},
      {"\"temperature\": 1e300,",
       "personas/x.json: \"temperature\" must be a number from 0 to 2"},
  };
  size_t i;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ASSERT_INT_EQ(parse_persona(2, bad[i].extra, &p, &e), SK_EPARSE);
    ASSERT_STR_EQ(e.msg, bad[i].msg);
  }
  ASSERT_INT_EQ(
      parse_persona(2,
                    "\"order\": -5, \"max_tokens\": 600, \"temperature\": 0.7,",
                    &p, &e),
      0);
  ASSERT_INT_EQ(p.order, -5);
  ASSERT_INT_EQ(p.max_tokens, 600);
  ASSERT(p.temperature == 0.7);
  sk_persona_cleanup(&p);
}

TEST(min_rubric_of_a_persona_file_is_applied) {
  struct sk_persona p;
  struct sk_panel_def one;
  struct sk_validator *mv = NULL;
  struct sk_validate_opts o = {1, 260, 0, SK_RUBRIC_DEFAULT};
  struct sk_error e;
  struct sk_reply r;
  static const char *TEXT = "e1 e2 here";
  ASSERT_INT_EQ(parse_persona(4, "\"min_rubric\": 2,", &p, &e), 0);
  one.personas = &p;
  one.n = 1;
  ASSERT_INT_EQ(sk_validator_new(&one, &o, &mv, &e), 0);
  ASSERT_INT_EQ(sk_validator_check_review(mv, 0, TEXT, strlen(TEXT), &r), 0);
  ASSERT_INT_EQ(r.ncovered, 2);
  sk_reply_cleanup(&r);
  ASSERT_INT_EQ(sk_validator_check_review(mv, 0, "e1 only", 7, &r), SK_EREPLY);
  ASSERT_INT_EQ(r.nerrors, 3);
  ASSERT_STR_EQ(r.errors[0], "rubric: no e2");
  ASSERT_STR_EQ(r.errors[2], "rubric: no e4");
  sk_validator_free(mv);
  sk_persona_cleanup(&p);
}

/* Loads fixtures/tools/<slug>.json. */
static struct sk_tool *load_tool(const char *slug) {
  char file[1400];
  char *text = NULL;
  size_t len;
  struct sk_error e;
  struct sk_tool *t = NULL;
  cJSON *root;
  snprintf(file, sizeof(file), "%s/fixtures/tools/%s.json", src_dir, slug);
  sk_error_clear(&e);
  if (sk_fs_read_file(file, 1 << 20, &text, &len, &e) != 0)
    return NULL;
  root = cJSON_ParseWithLengthOpts(text, len, NULL, 0);
  free(text);
  if (root != NULL && sk_tool_from_json(root, file, &t, &e) != 0)
    t = NULL;
  cJSON_Delete(root);
  return t;
}

/* Checks one rejection-set file against its .expect: lines "rejected: MSG"
 * (a format failure, MSG the only error) or "re-asked: MSG" (one line per
 * missing element, exactly the errors in order). */
static int run_reject(const char *dir, const char *name,
                      const struct sk_tool *tool) {
  char file[1600];
  char *text = NULL;
  char *expect = NULL;
  size_t len;
  size_t elen;
  struct sk_reply r;
  struct sk_error e;
  char persona[32];
  size_t n = strcspn(name, ".");
  const char *line;
  size_t k = 0;
  int reasked = -1;
  int bad = 0;
  int rc;
  snprintf(persona, sizeof(persona), "%.*s", (int)n, name);
  snprintf(file, sizeof(file), "%s/%s", dir, name);
  sk_error_clear(&e);
  if (sk_fs_read_file(file, 1 << 20, &text, &len, &e) != 0)
    return 1;
  rc = sk_validator_check_tool(v, persona_index(persona), text, len, NULL, tool,
                               &r);
  free(text);
  snprintf(file + strlen(file) - 4, 8, ".expect");
  if (sk_fs_read_file(file, 4096, &expect, &elen, &e) != 0) {
    sk_reply_cleanup(&r);
    return 1;
  }
  for (line = expect; *line != '\0'; k++) {
    const char *nl = strchr(line, '\n');
    size_t ll = nl != NULL ? (size_t)(nl - line) : strlen(line);
    int re = strncmp(line, "re-asked: ", 10) == 0;
    size_t skip = re ? 10 : 10; /* "rejected: " is as long */
    if (reasked == -1)
      reasked = re;
    if (k >= r.nerrors || strlen(r.errors[k]) != ll - skip ||
        strncmp(r.errors[k], line + skip, ll - skip) != 0)
      bad = 1;
    line += nl != NULL ? ll + 1 : ll;
  }
  if (rc != SK_EREPLY || k != r.nerrors ||
      (reasked ? (r.nformat != 0 || !r.rubric_short) : r.nformat == 0))
    bad = 1;
  if (bad) {
    fprintf(stderr, "    %s: expected:\n%s    got:\n", file, expect);
    dump(&r);
  }
  free(expect);
  sk_reply_cleanup(&r);
  return bad;
}

TEST(the_rejection_set_is_rejected) {
  char dir[1400];
  DIR *d;
  struct dirent *ent;
  struct sk_tool *tool = load_tool("code-llama-4");
  int n = 0;
  int bad = 0;
  ASSERT(tool != NULL);
  snprintf(dir, sizeof(dir), "%s/tests/data/replies/rejects/code-llama-4",
           src_dir);
  d = opendir(dir);
  ASSERT(d != NULL);
  while ((ent = readdir(d)) != NULL) {
    size_t nl = strlen(ent->d_name);
    if (nl < 5 || strcmp(ent->d_name + nl - 4, ".txt") != 0)
      continue;
    n++;
    bad += run_reject(dir, ent->d_name, tool);
  }
  closedir(d);
  sk_tool_free(tool);
  ASSERT_INT_EQ(bad, 0);
  /* No score, 140, no verdict, misspelt, two paragraphs, 20 words, another
   * tool, one element, none, a JSON string score, a compact 140. */
  ASSERT_INT_EQ(n, 11);
}

TEST(a_review_of_another_tool_is_refused) {
  struct sk_tool *llama = load_tool("code-llama-4");
  struct sk_tool *offshoot = load_tool("offshoot");
  struct sk_reply r;
  char reply[4096];
  ASSERT(llama != NULL && offshoot != NULL);
  snprintf(reply, sizeof(reply),
           "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s It is called Offshoot.",
           PARA);
  /* Named: accepted for its tool, refused for another; no tool, no check. */
  ASSERT_INT_EQ(sk_validator_check_tool(v, persona_index("builder"), reply,
                                        strlen(reply), NULL, offshoot, &r),
                0);
  sk_reply_cleanup(&r);
  ASSERT_INT_EQ(sk_validator_check_tool(v, persona_index("builder"), reply,
                                        strlen(reply), NULL, llama, &r),
                SK_EREPLY);
  ASSERT_ERROR(r, "the review never names Code Llama 4 and hardly speaks of "
                  "what its description says");
  ASSERT_INT_EQ(r.nerrors, 1);
  ASSERT_INT_EQ(sk_validator_check_tool(v, persona_index("builder"), reply,
                                        strlen(reply), NULL, NULL, &r),
                0);
  sk_reply_cleanup(&r);
  /* The maker named in the tagline is enough ("Meta"), and so is the name
   * in any case; a name word must be written as the name writes it. */
  snprintf(reply, sizeof(reply),
           "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s Meta made it.", PARA);
  ASSERT_INT_EQ(sk_validator_check_tool(v, persona_index("builder"), reply,
                                        strlen(reply), NULL, llama, &r),
                0);
  sk_reply_cleanup(&r);
  snprintf(reply, sizeof(reply),
           "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s code llama 4 it is.",
           PARA);
  ASSERT_INT_EQ(sk_validator_check_tool(v, persona_index("builder"), reply,
                                        strlen(reply), NULL, llama, &r),
                0);
  sk_reply_cleanup(&r);
  snprintf(reply, sizeof(reply),
           "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s The code is fine.", PARA);
  ASSERT_INT_EQ(sk_validator_check_tool(v, persona_index("builder"), reply,
                                        strlen(reply), NULL, llama, &r),
                SK_EREPLY);
  /* Unnamed but about what the record describes: four shared words. */
  snprintf(reply, sizeof(reply),
           "SCORE: 78/100\nVERDICT: ship\nREVIEW: %s The weights, the "
           "parameters, the hardware and the license all check out.",
           PARA);
  ASSERT_INT_EQ(sk_validator_check_tool(v, persona_index("builder"), reply,
                                        strlen(reply), NULL, llama, &r),
                0);
  sk_reply_cleanup(&r);
  sk_tool_free(llama);
  sk_tool_free(offshoot);
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
    struct sk_tool *tool;
    int rc;
    snprintf(file, sizeof(file), "%s/fixtures/reviews/%s/%s.txt", src_dir,
             want[i].slug, want[i].persona);
    sk_error_clear(&e);
    ASSERT_INT_EQ(sk_fs_read_file(file, 1 << 20, &text, &len, &e), 0);
    tool = load_tool(want[i].slug);
    ASSERT(tool != NULL);
    /* Each is about its own tool, as the different-tool check sees it. */
    rc = sk_validator_check_tool(v, persona_index(want[i].persona), text, len,
                                 NULL, tool, &r);
    sk_tool_free(tool);
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

/* The rubric prefilter (review/prefilter.h) changes no coverage: every
 * sample review and bundled fixture review, checked by every persona, with
 * it and without. */
TEST(prefilter_changes_no_coverage) {
  static const char *dirs[] = {
      "tests/data/reviews/builder/pass",  "tests/data/reviews/founder/pass",
      "tests/data/reviews/futurist/pass", "tests/data/reviews/skeptic/pass",
      "tests/data/reviews/builder/fail",  "tests/data/reviews/founder/fail",
      "tests/data/reviews/futurist/fail", "tests/data/reviews/skeptic/fail"};
  size_t d;
  int compared = 0;
  for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
    char path[1200];
    DIR *dir;
    struct dirent *ent;
    snprintf(path, sizeof(path), "%s/%s", src_dir, dirs[d]);
    dir = opendir(path);
    ASSERT(dir != NULL);
    while ((ent = readdir(dir)) != NULL) {
      char file[1500];
      char *text = NULL;
      size_t len;
      size_t p;
      struct sk_error e;
      if (strstr(ent->d_name, ".txt") == NULL)
        continue;
      snprintf(file, sizeof(file), "%s/%s", path, ent->d_name);
      sk_error_clear(&e);
      ASSERT_INT_EQ(sk_fs_read_file(file, 1 << 20, &text, &len, &e), 0);
      for (p = 0; p < panel.n; p++) {
        struct sk_reply with;
        struct sk_reply without;
        int a = sk_validator_check_review(v, p, text, len, &with);
        int b;
        sk_validator_set_prefilter(v, 0);
        b = sk_validator_check_review(v, p, text, len, &without);
        sk_validator_set_prefilter(v, 1);
        ASSERT_INT_EQ(a, b);
        ASSERT_INT_EQ((int)with.covered, (int)without.covered);
        ASSERT_INT_EQ((int)with.missing, (int)without.missing);
        compared++;
        sk_reply_cleanup(&with);
        sk_reply_cleanup(&without);
      }
      free(text);
    }
    closedir(dir);
  }
  ASSERT(compared >= 200);
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
  RUN(compact_form_reads_like_the_lines_form);
  RUN(compact_form_keeps_every_precise_message);
  RUN(json_form_reads_like_the_lines_form);
  RUN(json_form_errors_are_precise);
  RUN(coverage_is_recorded_and_min_rubric_decides);
  RUN(policy_off_checks_the_format_only);
  RUN(rubric_policy_names);
  RUN(persona_min_rubric);
  RUN(persona_numbers_are_bounded);
  RUN(min_rubric_of_a_persona_file_is_applied);
  RUN(the_rejection_set_is_rejected);
  RUN(a_review_of_another_tool_is_refused);
  RUN(rubrics_accept_every_good_sample_and_reject_every_bad_one);
  RUN(fixture_replies_validate_with_their_published_figures);
  RUN(prefilter_changes_no_coverage);
  RUN(bad_rubric_pattern_names_file_and_element);
  RUN(persona_file_errors_are_named);
  RUN(panel_subset_and_unknown_persona);
  rc = TEST_REPORT();
  sk_validator_free(strict);
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
  return rc;
}
