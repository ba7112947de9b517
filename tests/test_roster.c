/* test_roster.c: the panel listing (the bundled personas, in order) and the
 * check of a persona file: valid files with their sample hits and the
 * elements no sample hits, reply-format samples, skipped "fail"
 * directories, and every way a file can be invalid; and the replies check
 * (accepted / re-asked / rejected per persona, with reasons) on a made-up
 * directory, on our rejection set and on the bundled fixture replies. */
#include "harness.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/desk/roster.h"

#include <sys/stat.h>
#include <unistd.h>

static char tmp[] = "/tmp/sk-roster-XXXXXX";

static int put(const char *rel, const char *text) {
  char path[512];
  char dir[512];
  char *slash;
  struct sk_error e;
  sk_error_clear(&e);
  snprintf(path, sizeof(path), "%s/%s", tmp, rel);
  snprintf(dir, sizeof(dir), "%s", path);
  slash = strrchr(dir, '/');
  *slash = '\0';
  if (sk_fs_mkdirs(dir, &e) != 0)
    return -1;
  return sk_fs_write_atomic(dir, slash + 1, text, strlen(text), &e);
}

TEST(list_the_bundled_panel) {
  struct sk_panel_def panel;
  struct sk_error e;
  struct sk_buf out;
  char dir[1024];
  const char *src = getenv("SK_SOURCE_DIR");
  const char *s;

  snprintf(dir, sizeof(dir), "%s/personas", src != NULL ? src : ".");
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_panel_def_load(dir, NULL, &panel, &e), 0);
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(sk_roster_list(&panel, &out), 0);
  s = sk_buf_str(&out);
  ASSERT(strstr(s, "builder  Builder  (order 10") == s);
  ASSERT(strstr(s, "\nskeptic  Skeptic  (order 20") <
         strstr(s, "\nfuturist  Futurist  (order 30"));
  ASSERT(strstr(s, "\nfuturist  Futurist") < strstr(s, "\nfounder  Founder"));
  ASSERT_CONTAINS(s, "  lens:   You are the Skeptic: a hard-nosed analyst who "
                     "has watched many tools launch and die.\n  rubric: ");
  ASSERT_CONTAINS(s, "  rubric: category: place the tool in its category\n"
                     "          direct competitors: name its direct "
                     "competitors\n");
  ASSERT_CONTAINS(s, "  overrides: none");
  sk_buf_cleanup(&out);
  sk_panel_def_cleanup(&panel);
}

TEST(list_shows_overrides) {
  struct sk_panel_def panel;
  struct sk_error e;
  struct sk_buf out;
  char dir[600];
  ASSERT_INT_EQ(
      put("list/critic.json",
          "{\"name\": \"critic\", \"display_name\": \"Critic\", \"lens\": "
          "\"You judge taste! Then more.\", \"rubric\": [{\"name\": \"taste\", "
          "\"ask\": \"judge taste\", \"missing\": \"no taste\", \"pattern\": "
          "\"taste\"}], \"provider\": \"claude\", \"model\": \"m-1\", "
          "\"temperature\": 0.25, \"max_tokens\": 500}"),
      0);
  snprintf(dir, sizeof(dir), "%s/list", tmp);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_panel_def_load(dir, NULL, &panel, &e), 0);
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(sk_roster_list(&panel, &out), 0);
  ASSERT_CONTAINS(sk_buf_str(&out), "  lens:   You judge taste!\n");
  ASSERT_CONTAINS(sk_buf_str(&out),
                  "  overrides: provider claude, model m-1, temperature "
                  "0.25, max_tokens 500\n");
  sk_buf_cleanup(&out);
  sk_panel_def_cleanup(&panel);
}

static const char CRITIC[] =
    "{\"name\": \"critic\", \"display_name\": \"Critic\", \"order\": 50, "
    "\"lens\": \"You are the Critic.\", \"rubric\": ["
    "{\"name\": \"taste\", \"ask\": \"judge its taste\", \"missing\": \"no "
    "taste\", \"pattern\": \"\\\\btaste\\\\b\"},"
    "{\"name\": \"zebra\", \"ask\": \"mention a zebra\", \"missing\": \"no "
    "zebra\", \"pattern\": \"\\\\bzebra\\\\b\"}]}";

TEST(check_runs_the_samples) {
  struct sk_roster_stats st;
  struct sk_error e;
  struct sk_buf out;
  char path[600];
  char samples[600];
  const char *dirs[2];
  const char *s;

  ASSERT_INT_EQ(put("p/critic.json", CRITIC), 0);
  ASSERT_INT_EQ(put("s/critic/pass/a.txt", "Good taste, and a zebra.\n"), 0);
  ASSERT_INT_EQ(put("s/critic/pass/b.txt", "Questionable taste.\n"), 0);
  /* A reply: only the paragraph after REVIEW: counts. */
  ASSERT_INT_EQ(put("s/reply.txt", "SCORE: 70/100\nVERDICT: ship\n**Review:** "
                                   "no such animal here\n"),
                0);
  /* "fail" directories hold reviews meant to miss: skipped. */
  ASSERT_INT_EQ(put("s/critic/fail/01.txt", "taste zebra\n"), 0);
  ASSERT_INT_EQ(put("s/notes.md", "taste zebra\n"), 0);
  ASSERT_INT_EQ(put("s/bad.txt", "\xff\xfe taste\n"), 0);
  snprintf(path, sizeof(path), "%s/p/critic.json", tmp);
  snprintf(samples, sizeof(samples), "%s/s", tmp);
  dirs[0] = samples;
  dirs[1] = "/nonexistent/samples";
  sk_buf_init(&out, 1 << 20);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_roster_check(path, dirs, 2, &out, &st, &e), 0);
  s = sk_buf_str(&out);
  ASSERT_CONTAINS(s, ": valid: persona \"critic\" (Critic), order 50, 2 rubric "
                     "elements, every pattern compiles\n");
  ASSERT_CONTAINS(s, "note: no sample directory /nonexistent/samples\n");
  ASSERT_CONTAINS(s, "Samples (4): elements hit\n");
  ASSERT_CONTAINS(s, "/s/critic/pass/a.txt  2/2  taste, zebra\n");
  ASSERT_CONTAINS(s, "/s/critic/pass/b.txt  1/2  taste\n");
  ASSERT_CONTAINS(s, "/s/reply.txt          0/2\n");
  ASSERT_CONTAINS(s, "/s/bad.txt            skipped (not valid UTF-8)\n");
  ASSERT_NOT_CONTAINS(s, "fail/01.txt");
  ASSERT_NOT_CONTAINS(s, "notes.md");
  ASSERT_CONTAINS(s, "  taste                        2/3\n");
  ASSERT_CONTAINS(s, "  zebra                        1/3\n");
  ASSERT_CONTAINS(s, "\n3 samples, 1 covering every element; 0 elements no "
                     "sample hits\n");
  ASSERT_INT_EQ(st.samples, 3);
  ASSERT_INT_EQ(st.skipped, 1);
  ASSERT_INT_EQ(st.unhit, 0);
  ASSERT_INT_EQ(st.full, 1);
  ASSERT_INT_EQ(st.elements, 2);
  sk_buf_cleanup(&out);
}

TEST(check_flags_elements_nothing_hits) {
  struct sk_roster_stats st;
  struct sk_error e;
  struct sk_buf out;
  char path[600];
  char samples[600];
  const char *dirs[1];
  ASSERT_INT_EQ(put("p2/critic.json", CRITIC), 0);
  ASSERT_INT_EQ(put("s2/one.txt", "In good taste.\n"), 0);
  snprintf(path, sizeof(path), "%s/p2/critic.json", tmp);
  snprintf(samples, sizeof(samples), "%s/s2", tmp);
  dirs[0] = samples;
  sk_buf_init(&out, 1 << 20);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_roster_check(path, dirs, 1, &out, &st, &e), 0);
  ASSERT_CONTAINS(sk_buf_str(&out),
                  "  zebra                        0/1  <- no sample hits it: "
                  "the pattern may be too narrow\n");
  ASSERT_CONTAINS(sk_buf_str(&out), "1 element no sample hits\n");
  ASSERT_INT_EQ(st.unhit, 1);
  sk_buf_cleanup(&out);
}

static int check(const char *rel, struct sk_error *e) {
  struct sk_roster_stats st;
  struct sk_buf out;
  char path[600];
  int rc;
  snprintf(path, sizeof(path), "%s/%s", tmp, rel);
  sk_buf_init(&out, 1 << 20);
  sk_error_clear(e);
  rc = sk_roster_check(path, NULL, 0, &out, &st, e);
  sk_buf_cleanup(&out);
  return rc;
}

TEST(check_refuses_bad_files) {
  struct sk_error e;
  ASSERT_INT_EQ(put("bad/other.json", CRITIC), 0);
  ASSERT_INT_EQ(check("bad/other.json", &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "\"name\" must match the file name \"other\"");
  ASSERT_INT_EQ(put("bad/critic.json",
                    "{\"name\": \"critic\", \"display_name\": \"C\", \"lens\": "
                    "\"L.\", \"rubric\": [{\"name\": \"x\", \"ask\": \"a\", "
                    "\"missing\": \"m\", \"pattern\": \"(unclosed\"}]}"),
                0);
  ASSERT_INT_EQ(check("bad/critic.json", &e), SK_EREGEX);
  ASSERT_CONTAINS(e.msg, "rubric \"x\": pattern does not compile");
  ASSERT_INT_EQ(
      put("bad/norubric.json", "{\"display_name\": \"N\", \"lens\": \"L.\"}"),
      0);
  ASSERT_INT_EQ(check("bad/norubric.json", &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "\"rubric\" must be a non-empty array");
  ASSERT_INT_EQ(put("bad/broken.json", "{\"name\": "), 0);
  ASSERT_INT_EQ(check("bad/broken.json", &e), SK_EPARSE);
  ASSERT_INT_EQ(put("bad/critic.txt", CRITIC), 0);
  ASSERT_INT_EQ(check("bad/critic.txt", &e), SK_EINVAL);
  ASSERT_INT_EQ(check("bad/missing.json", &e), SK_ENOENT);
}

/* A critic paragraph of 60 words or more that covers the elements named. */
static void critic_reply(char *buf, size_t size, const char *score,
                         const char *words) {
  snprintf(buf, size,
           "SCORE: %s\nVERDICT: ship\nREVIEW: %s Offshoot is a branching "
           "service; the review goes on about it at some length, one plain "
           "clause after another, so that the word count is well past the "
           "lower bound of sixty words that the contract sets for every "
           "paragraph, and nothing in it speaks to anything the critic is "
           "asked about, which is the point of this sentence and of the "
           "next one too.\n",
           score, words);
}

TEST(replies_are_counted_per_persona) {
  struct sk_panel_def panel;
  struct sk_roster_replies res;
  struct sk_validate_opts vo;
  struct sk_error e;
  struct sk_buf out;
  char dir[600];
  char text[2048];
  const char *s;

  ASSERT_INT_EQ(put("rp/critic.json", CRITIC), 0);
  snprintf(dir, sizeof(dir), "%s/rp", tmp);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_panel_def_load(dir, NULL, &panel, &e), 0);
  critic_reply(text, sizeof(text), "70/100", "Taste and a zebra.");
  ASSERT_INT_EQ(put("r/offshoot/critic.txt", text), 0);
  /* One of two: the default (all but one) accepts it. */
  critic_reply(text, sizeof(text), "70/100", "Taste, no stripes.");
  ASSERT_INT_EQ(put("r/offshoot/critic.second.txt", text), 0);
  /* None of two: re-asked. */
  critic_reply(text, sizeof(text), "70/100", "Nothing.");
  ASSERT_INT_EQ(put("r/offshoot/critic.third.txt", text), 0);
  critic_reply(text, sizeof(text), "140/100", "Taste and a zebra.");
  ASSERT_INT_EQ(put("r/zeta/critic.txt", text), 0);
  ASSERT_INT_EQ(put("r/zeta/builder.txt", text), 0);
  ASSERT_INT_EQ(put("r/loose.txt", text), 0);
  ASSERT_INT_EQ(put("r/zeta/notes.md", text), 0);
  snprintf(dir, sizeof(dir), "%s/r", tmp);
  memset(&vo, 0, sizeof(vo));
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(sk_roster_check_replies(&panel, &vo, dir, NULL, &out, &res, &e),
                0);
  s = sk_buf_str(&out);
  ASSERT_CONTAINS(s, "replies checked with rubric policy default\n");
  ASSERT_CONTAINS(s, "  offshoot/critic.txt  accepted  70/100 ship  rubric "
                     "2/2\n");
  ASSERT_CONTAINS(s, "  offshoot/critic.second.txt  accepted  70/100 ship  "
                     "rubric 1/2, missing: zebra\n");
  ASSERT_CONTAINS(s, "  offshoot/critic.third.txt  re-asked  rubric 0/2 "
                     "(needs 1), missing: taste, zebra\n");
  ASSERT_CONTAINS(s, "  zeta/critic.txt  rejected: score 140 is out of "
                     "range 0-100\n");
  ASSERT_CONTAINS(s, "  zeta/builder.txt  not on the panel (no such "
                     "persona)\n");
  ASSERT_NOT_CONTAINS(s, "loose.txt");
  ASSERT_NOT_CONTAINS(s, "notes.md");
  ASSERT_CONTAINS(s, "critic              2        1        1\n"
                     "  1x rubric: no taste\n"
                     "  1x rubric: no zebra\n"
                     "  1x score 140 is out of range 0-100\n");
  ASSERT_CONTAINS(s, "\n4 replies: 2 accepted on the first attempt; 1 not "
                     "on the panel\n");
  ASSERT_INT_EQ(res.n, 1);
  ASSERT_INT_EQ(res.replies, 4);
  ASSERT_INT_EQ(res.unknown, 1);
  ASSERT_INT_EQ(res.per[0].accepted, 2);
  ASSERT_INT_EQ(res.per[0].reasked, 1);
  ASSERT_INT_EQ(res.per[0].rejected, 1);
  sk_roster_replies_cleanup(&res);
  sk_buf_cleanup(&out);
  /* Strict: the one-of-two reply is re-asked too. */
  vo.rubric = SK_RUBRIC_STRICT;
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(sk_roster_check_replies(&panel, &vo, dir, NULL, &out, &res, &e),
                0);
  ASSERT_CONTAINS(sk_buf_str(&out), "policy strict\n");
  ASSERT_INT_EQ(res.per[0].accepted, 1);
  ASSERT_INT_EQ(res.per[0].reasked, 2);
  sk_roster_replies_cleanup(&res);
  sk_buf_cleanup(&out);
  /* Not a directory. */
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(sk_roster_check_replies(&panel, &vo, "/nonexistent/replies",
                                        NULL, &out, &res, &e),
                SK_ENOENT);
  ASSERT_CONTAINS(e.msg, "/nonexistent/replies: not a directory of replies");
  sk_roster_replies_cleanup(&res);
  sk_buf_cleanup(&out);
  sk_panel_def_cleanup(&panel);
}

/* The bundled panel over a directory of the repository, with the tools. */
static int check_bundled(const char *rel, struct sk_roster_replies *res,
                         struct sk_buf *out) {
  struct sk_panel_def panel;
  struct sk_validate_opts vo;
  struct sk_error e;
  char pdir[1024];
  char dir[1024];
  char tools[1024];
  const char *src = getenv("SK_SOURCE_DIR");
  int rc;
  src = src != NULL ? src : ".";
  snprintf(pdir, sizeof(pdir), "%s/personas", src);
  snprintf(dir, sizeof(dir), "%s/%s", src, rel);
  snprintf(tools, sizeof(tools), "%s/fixtures/tools", src);
  sk_error_clear(&e);
  memset(&vo, 0, sizeof(vo));
  rc = sk_panel_def_load(pdir, NULL, &panel, &e);
  if (rc == 0)
    rc = sk_roster_check_replies(&panel, &vo, dir, tools, out, res, &e);
  if (rc != 0)
    fprintf(stderr, "    %s\n", e.msg);
  sk_panel_def_cleanup(&panel);
  return rc;
}

TEST(our_rejection_set_has_no_accepted_reply) {
  struct sk_roster_replies res;
  struct sk_buf out;
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(check_bundled("tests/data/replies/rejects", &res, &out), 0);
  ASSERT_INT_EQ(res.replies, 11);
  ASSERT_INT_EQ(res.per[0].accepted, 0);
  ASSERT_INT_EQ(res.per[0].reasked, 2);
  ASSERT_INT_EQ(res.per[0].rejected, 9);
  ASSERT_INT_EQ(res.no_tool, 0);
  sk_roster_replies_cleanup(&res);
  sk_buf_cleanup(&out);
}

TEST(the_fixture_replies_are_accepted_but_the_recorded_first_attempt) {
  struct sk_roster_replies res;
  struct sk_buf out;
  size_t i;
  size_t accepted = 0;
  sk_buf_init(&out, 1 << 20);
  ASSERT_INT_EQ(check_bundled("fixtures/reviews", &res, &out), 0);
  for (i = 0; i < res.n; i++)
    accepted += res.per[i].accepted;
  ASSERT_INT_EQ(res.replies, 25);
  ASSERT_INT_EQ(accepted, 24);
  ASSERT_CONTAINS(sk_buf_str(&out), "  mistral-medium-3-2/skeptic.first.txt  "
                                    "rejected: no VERDICT line");
  sk_roster_replies_cleanup(&res);
  sk_buf_cleanup(&out);
}

int main(void) {
  int status;
  if (mkdtemp(tmp) == NULL)
    return 1;
  RUN(list_the_bundled_panel);
  RUN(list_shows_overrides);
  RUN(check_runs_the_samples);
  RUN(check_flags_elements_nothing_hits);
  RUN(check_refuses_bad_files);
  RUN(replies_are_counted_per_persona);
  RUN(our_rejection_set_has_no_accepted_reply);
  RUN(the_fixture_replies_are_accepted_but_the_recorded_first_attempt);
  status = TEST_REPORT();
  {
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
      status = 1;
  }
  return status;
}
