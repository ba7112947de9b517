/* fuzz_toolsrc.c: the streaming tool loader over hostile files.
 *
 * The input is written twice to the scratch directory, as in.json (shape
 * decided by the first record: one object, an array, JSON Lines, or
 * pretty-printed objects in a row) and as in.jsonl (always line by line),
 * and the directory is read as one input, so directory expansion runs too.
 * A top-level array in in.json is streamed item by item, so the array
 * scanner (strings, escapes, nesting, broken separators, items over the
 * cap) runs on whatever bytes come; NUL bytes anywhere must cost records,
 * never truncate one unseen.
 * Every record the loader accepts must keep the promises of tool.h: a safe
 * slug, a name and a description, valid UTF-8 without control characters,
 * every field within its cap, entry "Free" or "Paid". The progress
 * estimate reads the same files and must not crash either.
 */
#include "fuzz.h"
#include "shipskip/model/toolsrc.h"

#include <string.h>

static void check_field(const struct sk_tool *t, const char *field,
                        size_t cap) {
  const char *v = sk_tool_field(t, field);
  size_t i;
  size_t len;
  if (v == NULL)
    return;
  len = strlen(v);
  if (len > cap)
    sk_fuzz_fail("%s: field %s is %zu bytes, over its cap %zu", t->origin,
                 field, len, cap);
  if (!sk_utf8_valid(v, len))
    sk_fuzz_fail("%s: field %s is not valid UTF-8", t->origin, field);
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)v[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      sk_fuzz_fail("%s: field %s holds control byte 0x%02x", t->origin, field,
                   c);
  }
}

static void check_tool(const struct sk_tool *t) {
  if (t->name == NULL || t->description == NULL || t->origin == NULL)
    sk_fuzz_fail("a tool without name, description or origin");
  if (!sk_slug_is_safe(t->slug))
    sk_fuzz_fail("%s: unsafe slug", t->origin);
  if (t->entry != NULL && strcmp(t->entry, "Free") != 0 &&
      strcmp(t->entry, "Paid") != 0)
    sk_fuzz_fail("%s: entry \"%s\"", t->origin, t->entry);
  check_field(t, "name", 200);
  check_field(t, "description", SK_TOOL_MAX_DESCRIPTION);
  check_field(t, "tagline", SK_TOOL_MAX_FIELD);
  check_field(t, "category", 200);
  check_field(t, "pricing", SK_TOOL_MAX_FIELD);
  check_field(t, "best_for", SK_TOOL_MAX_FIELD);
  check_field(t, "url", SK_TOOL_MAX_FIELD);
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  const char *dir = sk_fuzz_tmpdir();
  const char *inputs[1];
  struct sk_toolsrc *s = NULL;
  struct sk_error err;
  long records = 0;

  sk_fuzz_write("in.json", data, size);
  sk_fuzz_write("in.jsonl", data, size);
  inputs[0] = dir;
  (void)sk_toolsrc_estimate(inputs, 1);
  sk_error_clear(&err);
  if (sk_toolsrc_open(inputs, 1, &s, &err) != 0)
    sk_fuzz_fail("open: %s", err.msg);
  for (;;) {
    struct sk_tool *t = NULL;
    int rc;
    sk_error_clear(&err);
    rc = sk_toolsrc_next(s, &t, &err);
    if (rc == 0 || rc == SK_ENOMEM)
      break;
    if (rc < 0) {
      if (err.msg[0] == '\0')
        sk_fuzz_fail("error %d without a message", rc);
      if (t != NULL)
        sk_fuzz_fail("an error with a tool");
    } else {
      check_tool(t);
      sk_tool_free(t);
    }
    /* Each call consumes at least a line or a byte of a streamed array
     * (an item, an empty item, a missing ","), so each file gives at most
     * size + 1 records. */
    if (++records > 2 * (long)size + 8)
      sk_fuzz_fail("the reader does not advance (%ld records)", records);
  }
  sk_toolsrc_free(s);
  return 0;
}
