/* fuzz_validate.c: the reply contract over hostile model output.
 *
 * Byte 0 picks the persona (of the real panel in personas/) and, with bit
 * 7, whether the request's fence is passed; the rest is the reply, in a
 * buffer of exactly its size. Checked: a valid reply has a score 0-100, a
 * ship/skip verdict and a review; an invalid one has at least one message,
 * every message terminated, and no review; the rubric coverage is
 * consistent (covered and missing split the persona's elements, the count
 * matches, re-asked only below the threshold). The same bytes are also
 * checked as a bare review paragraph, and as a reply about a fixed tool
 * (the different-tool check). The bare paragraph is checked twice, with
 * the rubric prefilter (review/prefilter.h) and without: the results must
 * be the same.
 */
#include "fuzz.h"
#include "shipskip/review/validate.h"
#include "shipskip/model/tool.h"

#include <stdlib.h>
#include <string.h>

static struct sk_panel_def panel;
static struct sk_validator *v;
static struct sk_validator *plain; /* the same, without the prefilter */

static void teardown(void) {
  sk_validator_free(v);
  sk_validator_free(plain);
  sk_panel_def_cleanup(&panel);
}

static void setup(void) {
  char dir[1024];
  struct sk_error err;
  struct sk_validate_opts opts = {60, 260, 0, SK_RUBRIC_DEFAULT};
  sk_error_clear(&err);
  snprintf(dir, sizeof(dir), "%s/personas", sk_fuzz_source_dir());
  if (sk_panel_def_load(dir, NULL, &panel, &err) != 0 || panel.n == 0 ||
      sk_validator_new(&panel, &opts, &v, &err) != 0 ||
      sk_validator_new(&panel, &opts, &plain, &err) != 0)
    sk_fuzz_fail("setup: %s", err.msg);
  sk_validator_set_prefilter(plain, 0);
  atexit(teardown);
}

static unsigned bits(uint32_t m) {
  unsigned n = 0;
  while (m != 0) {
    n += m & 1u;
    m >>= 1;
  }
  return n;
}

static void check_coverage(int rc, const struct sk_reply *r) {
  uint32_t all;
  if (!r->rubric_checked) {
    if (r->covered != 0 || r->missing != 0 || r->rubric_short)
      sk_fuzz_fail("coverage without a checked rubric");
    return;
  }
  all = r->nrubric >= 32 ? 0xFFFFFFFFu : (1u << r->nrubric) - 1u;
  if ((r->covered | r->missing) != all || (r->covered & r->missing) != 0 ||
      (r->unchecked & ~r->missing) != 0 || bits(r->covered) != r->ncovered ||
      r->min_rubric > r->nrubric)
    sk_fuzz_fail("inconsistent coverage %x/%x of %zu", r->covered, r->missing,
                 r->nrubric);
  if ((r->ncovered < r->min_rubric) != (r->rubric_short != 0))
    sk_fuzz_fail("rubric_short %d with %zu of %zu needed", r->rubric_short,
                 r->ncovered, r->min_rubric);
  if (rc == 0 && r->rubric_short)
    sk_fuzz_fail("accepted below min_rubric");
  if (rc == SK_EREPLY && r->nformat == 0 && !r->rubric_short)
    sk_fuzz_fail("refused with no reason");
}

static void check(int rc, const struct sk_reply *r) {
  size_t i;
  if (rc == 0) {
    if (r->nerrors != 0 || r->score < 0 || r->score > 100 ||
        r->review == NULL ||
        (strcmp(r->verdict, "ship") != 0 && strcmp(r->verdict, "skip") != 0))
      sk_fuzz_fail("a valid reply with score %d verdict \"%.4s\"", r->score,
                   r->verdict);
  } else if (rc == SK_EREPLY) {
    if (r->nerrors == 0 || r->nerrors > SK_REPLY_MAX_ERRORS ||
        r->review != NULL)
      sk_fuzz_fail("an invalid reply with %zu errors", r->nerrors);
    for (i = 0; i < r->nerrors; i++)
      if (memchr(r->errors[i], '\0', SK_REPLY_ERROR_LEN) == NULL ||
          r->errors[i][0] == '\0')
        sk_fuzz_fail("error %zu is empty or unterminated", i);
  } else if (rc != SK_ENOMEM) {
    sk_fuzz_fail("unexpected return %d", rc);
  }
  if (rc != SK_ENOMEM)
    check_coverage(rc, r);
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  static char name[] = "Code Llama 4";
  static char tagline[] = "Meta's open-weight code model";
  static char description[] =
      "A family of open weights: Llama models, tool calls and debugging.";
  struct sk_tool tool;
  char *text;
  size_t persona;
  const char *fence;
  struct sk_reply r;
  int rc;

  if (v == NULL)
    setup();
  memset(&tool, 0, sizeof(tool));
  tool.name = name;
  tool.tagline = tagline;
  tool.description = description;
  if (size < 1)
    return 0;
  persona = (size_t)(data[0] & 0x7f) % panel.n;
  fence = (data[0] & 0x80) ? "TOOL-DATA-0123456789abcdef" : NULL;
  text = malloc(size - 1 > 0 ? size - 1 : 1);
  if (text == NULL)
    return 0;
  if (size > 1)
    memcpy(text, data + 1, size - 1);
  rc = sk_validator_check_ex(v, persona, text, size - 1, fence, &r);
  check(rc, &r);
  sk_reply_cleanup(&r);
  rc = sk_validator_check_review(v, persona, text, size - 1, &r);
  if (rc == 0 && (r.review == NULL || r.nerrors != 0))
    sk_fuzz_fail("a valid review without text");
  {
    struct sk_reply p;
    int prc = sk_validator_check_review(plain, persona, text, size - 1, &p);
    if (prc != SK_ENOMEM && rc != SK_ENOMEM &&
        (prc != rc || p.covered != r.covered || p.missing != r.missing ||
         p.unchecked != r.unchecked))
      sk_fuzz_fail("the prefilter changed the coverage: %x/%x, not %x/%x",
                   r.covered, r.missing, p.covered, p.missing);
    sk_reply_cleanup(&p);
  }
  sk_reply_cleanup(&r);
  rc = sk_validator_check_tool(v, persona, text, size - 1, fence, &tool, &r);
  check(rc, &r);
  sk_reply_cleanup(&r);
  free(text);
  return 0;
}
