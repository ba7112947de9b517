/* fuzz_validate.c: the reply contract over hostile model output.
 *
 * Byte 0 picks the persona (of the real panel in personas/) and, with bit
 * 7, whether the request's fence is passed; the rest is the reply, in a
 * buffer of exactly its size. Checked: a valid reply has a score 0-100, a
 * ship/skip verdict and a review; an invalid one has at least one message,
 * every message terminated, and no review. The same bytes are also checked
 * as a bare review paragraph.
 */
#include "fuzz.h"
#include "shipskip/review/validate.h"

#include <stdlib.h>
#include <string.h>

static struct sk_panel_def panel;
static struct sk_validator *v;

static void teardown(void) {
  sk_validator_free(v);
  sk_panel_def_cleanup(&panel);
}

static void setup(void) {
  char dir[1024];
  struct sk_error err;
  struct sk_validate_opts opts = {60, 260, 0, SK_RUBRIC_DEFAULT};
  sk_error_clear(&err);
  snprintf(dir, sizeof(dir), "%s/personas", sk_fuzz_source_dir());
  if (sk_panel_def_load(dir, NULL, &panel, &err) != 0 || panel.n == 0 ||
      sk_validator_new(&panel, &opts, &v, &err) != 0)
    sk_fuzz_fail("setup: %s", err.msg);
  atexit(teardown);
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
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  char *text;
  size_t persona;
  const char *fence;
  struct sk_reply r;
  int rc;

  if (v == NULL)
    setup();
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
  sk_reply_cleanup(&r);
  free(text);
  return 0;
}
