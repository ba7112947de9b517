/* fuzz_draft.c: an editor's draft, however mangled, applied to a scorecard.
 *
 * The scorecard is Code Llama 4's, built at start-up from the sample tool
 * (fixtures/tools) and its sample replies (fixtures/reviews) with the
 * review path's renderers; the panel is the real one in personas/. Byte 0:
 * bit 0 checks without the rubric; bit 1 picks the mode. Whole mode: the
 * rest of the input is the draft. Edit mode: bytes 1-2 are an offset into
 * the scorecard's own draft, byte 3 how many bytes to delete there, and the
 * rest is inserted in their place, so the fuzzer starts from a valid draft.
 *
 * Checked: the parser's problems have lines within the text; the escaping
 * round-trips (sk_draft_unescape of sk_markdown_text gives the text back);
 * apply either reports problems (each "fuzz.md:LINE: ...") and leaves the
 * scorecard exactly as it was, or succeeds with no problems, one history
 * entry per change, a scorecard that reads back, and a draft that applies
 * to it again as unchanged.
 */
#include "fuzz.h"
#include "shipskip/util/unicode.h"
#include "shipskip/desk/apply.h"
#include "shipskip/desk/draft.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/markdown.h"
#include "shipskip/model/scorefile.h"

#include <stdlib.h>
#include <string.h>

static struct sk_panel_def panel;
static char *json;  /* the scorecard */
static char *draft; /* its draft */
static size_t draft_len;

static void teardown(void) {
  sk_panel_def_cleanup(&panel);
  free(json);
  free(draft);
}

/* The paragraph of a sample reply (after "REVIEW:"), a heap string. */
static char *review_of(const char *slug, const char *persona) {
  char path[1200];
  char *text = NULL;
  size_t len = 0;
  char *at;
  char *out;
  struct sk_error e;
  sk_error_clear(&e);
  snprintf(path, sizeof(path), "%s/fixtures/reviews/%s/%s.txt",
           sk_fuzz_source_dir(), slug, persona);
  if (sk_fs_read_file(path, 1 << 20, &text, &len, &e) != 0)
    sk_fuzz_fail("setup: %s", e.msg);
  at = strstr(text, "REVIEW:");
  if (at == NULL)
    sk_fuzz_fail("setup: %s has no REVIEW line", path);
  if (sk_draft_fold(at + 7, &out) != 0)
    sk_fuzz_fail("setup: out of memory");
  free(text);
  return out;
}

static void setup(void) {
  static const int scores[] = {84, 78, 81, 55};
  static const char *const verdicts[] = {"ship", "ship", "ship", "skip"};
  struct sk_review r[4];
  struct sk_tool *tool = NULL;
  struct sk_error e;
  struct sk_buf b;
  char dir[1100];
  char *text = NULL;
  size_t len = 0;
  cJSON *obj;
  size_t i;

  sk_error_clear(&e);
  snprintf(dir, sizeof(dir), "%s/personas", sk_fuzz_source_dir());
  if (sk_panel_def_load(dir, NULL, &panel, &e) != 0 || panel.n < 4)
    sk_fuzz_fail("setup: %s", e.msg);
  snprintf(dir, sizeof(dir), "%s/fixtures/tools/code-llama-4.json",
           sk_fuzz_source_dir());
  if (sk_fs_read_file(dir, 1 << 20, &text, &len, &e) != 0)
    sk_fuzz_fail("setup: %s", e.msg);
  obj = cJSON_ParseWithLengthOpts(text, len, NULL, 0);
  free(text);
  if (obj == NULL || sk_tool_from_json(obj, "fuzz", &tool, &e) != 0)
    sk_fuzz_fail("setup: the sample tool: %s", e.msg);
  cJSON_Delete(obj);
  memset(r, 0, sizeof(r));
  for (i = 0; i < 4; i++) {
    r[i].persona = &panel.personas[i];
    r[i].status = SK_REVIEW_OK;
    r[i].score = scores[i];
    snprintf(r[i].verdict, sizeof(r[i].verdict), "%s", verdicts[i]);
    r[i].text = review_of("code-llama-4", panel.personas[i].name);
    r[i].model = strdup("gpt-4o-mini");
    r[i].attempts = 1;
    r[i].cost_usd = -1;
  }
  sk_buf_init(&b, 1 << 22);
  if (sk_scorecard_json(tool, r, 4, NULL, &b, &e) != 0)
    sk_fuzz_fail("setup: %s", e.msg);
  json = sk_buf_take(&b);
  if (sk_scorecard_markdown(tool, r, 4, NULL, &b, &e) != 0)
    sk_fuzz_fail("setup: %s", e.msg);
  draft_len = b.len;
  draft = sk_buf_take(&b);
  for (i = 0; i < 4; i++)
    sk_review_cleanup(&r[i]);
  sk_tool_free(tool);
  atexit(teardown);
}

static char *print_json(const struct sk_scorefile *sf) {
  struct sk_buf b;
  struct sk_error e;
  sk_error_clear(&e);
  sk_buf_init(&b, 1 << 24);
  if (sk_scorefile_json(sf, &b, &e) != 0)
    sk_fuzz_fail("JSON: %s", e.msg);
  return sk_buf_take(&b);
}

static void check_parser(const char *text, size_t len) {
  struct sk_draft d;
  struct sk_error e;
  struct sk_buf b;
  struct sk_buf back;
  size_t lines = 1;
  size_t i;

  for (i = 0; i < len; i++)
    lines += text[i] == '\n';
  sk_error_clear(&e);
  if (sk_draft_parse(text, len, &d, &e) != 0)
    sk_fuzz_fail("parse: %s", e.msg);
  for (i = 0; i < d.nproblems; i++)
    if (d.problems[i].line < 0 || (size_t)d.problems[i].line > lines ||
        memchr(d.problems[i].msg, '\0', sizeof(d.problems[i].msg)) == NULL)
      sk_fuzz_fail("problem %zu at line %d of %zu", i, d.problems[i].line,
                   lines);
  sk_draft_cleanup(&d);
  /* The escaping round-trips for any text without a NUL, and without the
   * bidi, invisible and C1 characters a draft shows as "<U+XXXX>" on
   * purpose (docs/SECURITY.md): those are neutralised, not escaped. */
  if (memchr(text, '\0', len) != NULL)
    return;
  sk_buf_init(&b, 1 << 24);
  sk_buf_init(&back, 1 << 24);
  if (sk_buf_add(&b, text, len) != 0 || sk_unicode_find(sk_buf_str(&b))) {
    sk_buf_cleanup(&b);
    sk_buf_cleanup(&back);
    return;
  }
  sk_buf_reset(&b);
  if (sk_markdown_text(&b, text) != 0 ||
      sk_draft_unescape(&back, sk_buf_str(&b), b.len) != 0 || back.len != len ||
      memcmp(back.data, text, len) != 0)
    sk_fuzz_fail("escaping does not round-trip");
  sk_buf_cleanup(&b);
  sk_buf_cleanup(&back);
}

static void check_apply(const char *text, size_t len, int no_rubric) {
  struct sk_scorefile sf;
  struct sk_scorefile again;
  struct sk_apply_opts o;
  struct sk_apply_result res;
  struct sk_error e;
  struct sk_buf md;
  char *now;
  size_t i;
  int rc;

  memset(&o, 0, sizeof(o));
  o.panel = &panel;
  o.no_rubric = no_rubric;
  o.now_utc = "2026-11-21T08:00:00Z";
  sk_error_clear(&e);
  if (sk_scorefile_parse(json, strlen(json), "fuzz.json", &sf, &e) != 0)
    sk_fuzz_fail("scorecard: %s", e.msg);
  rc = sk_apply_text(text, len, "fuzz.md", &sf, &o, &res, &e);
  if (rc == SK_EREPLY) {
    if (res.nproblems == 0 || res.nchanges != 0)
      sk_fuzz_fail("refused with %zu problems, %zu changes", res.nproblems,
                   res.nchanges);
    for (i = 0; i < res.nproblems; i++)
      if (strncmp(res.problems[i], "fuzz.md:", 8) != 0 ||
          res.problems[i][8] < '0' || res.problems[i][8] > '9')
        sk_fuzz_fail("problem without FILE:LINE: %s", res.problems[i]);
    now = print_json(&sf);
    if (strcmp(now, json) != 0)
      sk_fuzz_fail("a refused draft changed the scorecard");
    free(now);
  } else if (rc == 0) {
    if (res.nproblems != 0 || sk_scorefile_history_count(&sf) != res.nchanges)
      sk_fuzz_fail("applied with %zu problems, %zu changes, %zu entries",
                   res.nproblems, res.nchanges,
                   sk_scorefile_history_count(&sf));
    if (res.nchanges > 0) {
      /* The new scorecard reads back, and its draft is unchanged. */
      struct sk_apply_result res2;
      now = print_json(&sf);
      if (sk_scorefile_parse(now, strlen(now), "fuzz2.json", &again, &e) != 0)
        sk_fuzz_fail("the applied scorecard does not read back: %s", e.msg);
      sk_buf_init(&md, 1 << 24);
      if (sk_scorefile_markdown(&again, &md, &e) != 0)
        sk_fuzz_fail("draft: %s", e.msg);
      rc = sk_apply_text(sk_buf_str(&md), md.len, "fuzz2.md", &again, &o, &res2,
                         &e);
      if (rc != 0 || res2.nchanges != 0)
        sk_fuzz_fail("the re-rendered draft does not apply unchanged (%d, "
                     "%zu changes, %s)",
                     rc, res2.nchanges,
                     res2.nproblems > 0 ? res2.problems[0] : "");
      sk_apply_result_cleanup(&res2);
      sk_buf_cleanup(&md);
      sk_scorefile_cleanup(&again);
      free(now);
    }
  } else if (rc != SK_ENOMEM) {
    sk_fuzz_fail("apply returned %d (%s)", rc, e.msg);
  }
  sk_apply_result_cleanup(&res);
  sk_scorefile_cleanup(&sf);
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  struct sk_buf b;
  unsigned flags;

  if (panel.n == 0)
    setup();
  if (size < 1)
    return 0;
  flags = data[0];
  sk_buf_init(&b, 1 << 24);
  if ((flags & 2) == 0) {
    sk_buf_add(&b, data + 1, size - 1);
  } else {
    size_t at;
    size_t del;
    if (size < 4)
      return 0;
    at = ((size_t)data[1] << 8 | data[2]) % (draft_len + 1);
    del = data[3];
    if (del > draft_len - at)
      del = draft_len - at;
    sk_buf_add(&b, draft, at);
    sk_buf_add(&b, data + 4, size - 4);
    sk_buf_add(&b, draft + at + del, draft_len - at - del);
  }
  if (b.data == NULL)
    sk_buf_add(&b, "", 0);
  check_parser(b.data != NULL ? b.data : "", b.len);
  check_apply(b.data != NULL ? b.data : "", b.len, (int)(flags & 1));
  sk_buf_cleanup(&b);
  return 0;
}
