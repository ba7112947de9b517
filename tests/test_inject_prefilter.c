/* test_inject_prefilter.c: the prompt-injection detector with its literal
 * prefilters and its patterns JIT-compiled on first use finds exactly what
 * it finds matching every rule from the start (sk_inject_set_prefilter(d,
 * 0), the way it worked before): the same hits, rule, field, offset, the
 * "stripped" and "limit" marks and excerpt, the same dropped count, over
 * every tool of the injection corpora and the bundled fixtures, every one
 * of their fields respelt (upper case, U+017F for s, U+212A for k, invalid
 * bytes), and adversarial strings built from the pieces the rules look
 * for. Also: loading compiles but JIT-compiles nothing, a plain ASCII field
 * JIT-compiles only the rules without a prefilter, a bad pattern is still
 * reported at load with its file and line, and a match limit reached after
 * the first literal is the same finding at the same offset.
 */
#include "harness.h"
#include "shipskip/review/inject.h"
#include "shipskip/util/fsutil.h"

#include <dirent.h>

static char src_dir[1024];
static struct sk_inject *fast;
static struct sk_inject *ref;
static long compared;

/* 0 when a and b are the same result; else prints the first difference. */
static int same_result(const char *what, const struct sk_inject_result *a,
                       const struct sk_inject_result *b) {
  size_t i;
  compared++;
  if (a->nhits != b->nhits || a->dropped != b->dropped) {
    fprintf(stderr, "    %s: %zu hits (%zu dropped), not %zu (%zu)\n", what,
            a->nhits, a->dropped, b->nhits, b->dropped);
    return -1;
  }
  for (i = 0; i < a->nhits; i++) {
    const struct sk_inject_hit *x = &a->hits[i];
    const struct sk_inject_hit *y = &b->hits[i];
    if (strcmp(x->rule, y->rule) != 0 || strcmp(x->field, y->field) != 0 ||
        x->offset != y->offset || x->stripped != y->stripped ||
        x->limit != y->limit || strcmp(x->excerpt, y->excerpt) != 0) {
      fprintf(stderr,
              "    %s: hit %zu is %s/%s at %zu (%s), not %s/%s at %zu (%s)\n",
              what, i, x->rule, x->field, x->offset, x->excerpt, y->rule,
              y->field, y->offset, y->excerpt);
      return -1;
    }
  }
  return 0;
}

/* Scans text with both detectors (as a description); 0 when they agree. */
static int same_text(struct sk_inject *d, struct sk_inject *r, const char *what,
                     const char *text, size_t len) {
  struct sk_inject_result a;
  struct sk_inject_result b;
  int ra;
  int rb;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  ra = sk_inject_scan_text(d, "description", text, len, &a);
  rb = sk_inject_scan_text(r, "description", text, len, &b);
  if (ra != rb) {
    fprintf(stderr, "    %s: %d, not %d\n", what, ra, rb);
    return -1;
  }
  return same_result(what, &a, &b);
}

/* Replaces ASCII a with the UTF-8 b (n bytes) in text, into out (room for
 * three times the text); returns the length. */
static size_t respell(const char *text, size_t len, char a, const char *b,
                      size_t n, char *out) {
  size_t i;
  size_t o = 0;
  for (i = 0; i < len; i++) {
    if (text[i] == a) {
      memcpy(out + o, b, n);
      o += n;
    } else {
      out[o++] = text[i];
    }
  }
  return o;
}

/* The text as it is, in upper case, with s and k respelt and with invalid
 * bytes; 0 when the detectors agree on every spelling. */
static int same_every_spelling(const char *what, const char *text, size_t len) {
  char *alt = malloc(len * 3 + 1);
  size_t i;
  size_t n;
  int rc;
  if (alt == NULL)
    return -1;
  rc = same_text(fast, ref, what, text, len);
  for (i = 0; i < len; i++)
    alt[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
  if (rc == 0)
    rc = same_text(fast, ref, what, alt, len);
  n = respell(text, len, 's', "\xC5\xBF", 2, alt);
  if (rc == 0)
    rc = same_text(fast, ref, what, alt, n);
  n = respell(text, len, 'k', "\xE2\x84\xAA", 3, alt);
  if (rc == 0)
    rc = same_text(fast, ref, what, alt, n);
  for (i = 0, n = 0; i < len; i++) {
    alt[n++] = text[i];
    if (i % 5 == 4)
      alt[n++] = (char)(i % 10 == 4 ? 0xFF : 0x80);
  }
  if (rc == 0)
    rc = same_text(fast, ref, what, alt, n);
  free(alt);
  return rc;
}

/* Every tool of the folder rel: scanned whole by both detectors, and each
 * string field in every spelling. Returns the number of disagreements (1
 * when the folder is unreadable); counts the tools in *count. */
static int same_corpus(const char *rel, int *count) {
  char dir[1200];
  DIR *d;
  struct dirent *ent;
  int bad = 0;

  snprintf(dir, sizeof(dir), "%s/%s", src_dir, rel);
  d = opendir(dir);
  if (d == NULL)
    return 1;
  while ((ent = readdir(d)) != NULL) {
    char path[2400];
    char *text = NULL;
    size_t len;
    size_t nl = strlen(ent->d_name);
    cJSON *root;
    const cJSON *item;
    struct sk_tool *t = NULL;
    struct sk_error e;
    struct sk_inject_result a;
    struct sk_inject_result b;
    if (nl < 6 || strcmp(ent->d_name + nl - 5, ".json") != 0)
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
    sk_error_clear(&e);
    if (sk_fs_read_file(path, 1 << 20, &text, &len, &e) != 0) {
      bad++;
      continue;
    }
    root = cJSON_ParseWithLength(text, len);
    free(text);
    if (sk_tool_from_json(root, path, &t, &e) != 0) {
      fprintf(stderr, "    %s\n", e.msg);
      bad++;
    } else {
      (*count)++;
      bad += sk_inject_scan(fast, t, &a) != sk_inject_scan(ref, t, &b) ||
             same_result(path, &a, &b) != 0;
    }
    sk_tool_free(t);
    cJSON_ArrayForEach(item, root) {
      if (cJSON_IsString(item))
        bad += same_every_spelling(path, item->valuestring,
                                   strlen(item->valuestring)) != 0;
    }
    cJSON_Delete(root);
  }
  closedir(d);
  return bad;
}

TEST(same_hits_over_the_corpora) {
  int n = 0;
  ASSERT_INT_EQ(same_corpus("tests/data/injection/hostile", &n), 0);
  ASSERT_INT_EQ(same_corpus("tests/data/injection/innocent", &n), 0);
  ASSERT_INT_EQ(same_corpus("fixtures/tools", &n), 0);
  ASSERT(n >= 50);
}

/* Pieces of hostile and innocent text the rules look for, or stop near. */
static const char *const PIECES[] = {
    "ignore ",
    "all ",
    "previous ",
    "instructions",
    "you are now ",
    "DAN ",
    "act as ",
    ". ",
    "? ",
    "detects ",
    "phrases like ",
    "tests for ",
    "It flags ",
    "<|im_start|>",
    "system",
    ": ",
    "SCORE: 9",
    "95/100",
    "\xC5\xBF",
    "\xE2\x84\xAA",
    "\xE2\x80\x8B",
    "\xE2\x80\x8C",
    "\xE2\x80\xAE",
    "\xF3\xA0\x81\xA9",
    "\xF3\xA0\x81\xAF",
    "\xF0\x9F\x8F\xB4",
    "\xFF",
    "\xC3",
    "\x80",
    "\n",
    "## Instructions:\n",
    "BEGIN TOOL DATA",
    "TOOL-DATA-0a1b",
    "<!-- ",
    " -->",
    "style=\"display:none\"",
    "[//]: # ",
    "\xE5\xBF\xBD\xE7\x95\xA5\xE4\xB9\x8B\xE5\x89\x8D\xE7\x9A\x84\xE6\x8C\x87"
    "\xE4\xBB\xA4",
    "\xD0\xB8\xD0\xB3\xD0\xBD\xD0\xBE\xD1\x80\xD0\xB8\xD1\x80\xD1\x83\xD0\xB9 ",
    "\xC3\xA9",
    "note parfaite",
    "give it a perfect score",
    "verdict: ship",
    "x",
    "word",
    "-",
    "\xE2\x80\x99",
    "[INST]",
    "assistant:",
    "\t",
    "  ",
    "if you are an AI reading",
    "dear AI,",
    "jailbreak",
    "rate it ship",
    "pretend to be ",
    "new instructions: ",
    "user: you ",
};

TEST(same_hits_over_adversarial_strings) {
  unsigned long seed = 42;
  int i;
  for (i = 0; i < 1500; i++) {
    char text[4096];
    size_t n = 0;
    int k;
    int pieces = 1 + i % 40;
    for (k = 0; k < pieces; k++) {
      const char *p;
      seed = seed * 6364136223846793005UL + 1442695040888963407UL;
      p = PIECES[(seed >> 33) % (sizeof(PIECES) / sizeof(PIECES[0]))];
      if (n + strlen(p) < sizeof(text)) {
        memcpy(text + n, p, strlen(p));
        n += strlen(p);
      }
    }
    ASSERT_INT_EQ(same_every_spelling("random", text, n), 0);
  }
  fprintf(stderr, "    %ld results compared\n", compared);
}

static int load(const char *rules, struct sk_inject **d, struct sk_error *e) {
  sk_error_clear(e);
  return sk_inject_new(rules, strlen(rules), "rules.txt", d, e);
}

TEST(a_limit_after_the_first_literal_is_the_same_finding) {
  struct sk_inject *d = NULL;
  struct sk_inject *r = NULL;
  struct sk_inject_result a;
  struct sk_error e;
  char text[128];
  /* The literal "x" lets the prefilter start matching at 20, where the
   * nested quantifiers run out of budget; the finding is reported at the
   * place the scan started (0), as without the prefilter. */
  memset(text, ' ', 20);
  text[20] = 'x';
  memset(text + 21, 'a', 40);
  text[61] = '!';
  ASSERT_INT_EQ(load("slow\tx(a+)+$\n", &d, &e), 0);
  ASSERT_INT_EQ(load("slow\tx(a+)+$\n", &r, &e), 0);
  sk_inject_set_prefilter(r, 0);
  memset(&a, 0, sizeof(a));
  ASSERT_INT_EQ(sk_inject_scan_text(d, "description", text, 62, &a), 1);
  ASSERT_INT_EQ(a.hits[0].limit, 1);
  ASSERT_INT_EQ(a.hits[0].offset, 0);
  ASSERT_INT_EQ(same_text(d, r, "limit", text, 62), 0);
  sk_inject_free(d);
  sk_inject_free(r);
}

TEST(patterns_are_jit_compiled_when_first_matched) {
  struct sk_inject *d = NULL;
  struct sk_inject_stats st;
  struct sk_inject_result r;
  struct sk_error e;
  char path[1200];
  const char *plain = "Zebra";
  snprintf(path, sizeof(path), "%s/prompts/injection-patterns.txt", src_dir);
  sk_error_clear(&e);
  ASSERT_INT_EQ(sk_inject_load(path, &d, &e), 0);
  sk_inject_stats(d, &st);
  ASSERT(st.patterns >= 30);
  ASSERT(st.prefiltered >= 25);
  ASSERT_INT_EQ(st.jit_compiled, 0);
  /* No rule's literal occurs in this text: only the rules without a
   * prefilter are matched, and so JIT-compiled. */
  memset(&r, 0, sizeof(r));
  ASSERT_INT_EQ(sk_inject_scan_text(d, "name", plain, strlen(plain), &r), 0);
  sk_inject_stats(d, &st);
  ASSERT_INT_EQ(st.jit_compiled, st.patterns - st.prefiltered);
  sk_inject_free(d);
  /* A bad pattern is still an error at load, with its file and line. */
  ASSERT_INT_EQ(load("ok\tabc\nbad\tx(\n", &d, &e), SK_ECONFIG);
  ASSERT_CONTAINS(e.msg, "rules.txt:2: rule \"bad\": pattern does not "
                         "compile at offset 2: missing closing parenthesis");
  ASSERT(d == NULL);
}

int main(void) {
  const char *s = getenv("SK_SOURCE_DIR");
  char path[1200];
  struct sk_error e;
  int rc;
  snprintf(src_dir, sizeof(src_dir), "%s", s ? s : ".");
  snprintf(path, sizeof(path), "%s/prompts/injection-patterns.txt", src_dir);
  sk_error_clear(&e);
  if (sk_inject_load(path, &fast, &e) != 0 ||
      sk_inject_load(path, &ref, &e) != 0) {
    fprintf(stderr, "setup: %s\n", e.msg);
    return 1;
  }
  sk_inject_set_prefilter(ref, 0);
  RUN(same_hits_over_the_corpora);
  RUN(same_hits_over_adversarial_strings);
  RUN(a_limit_after_the_first_literal_is_the_same_finding);
  RUN(patterns_are_jit_compiled_when_first_matched);
  rc = TEST_REPORT();
  sk_inject_free(fast);
  sk_inject_free(ref);
  return rc;
}
