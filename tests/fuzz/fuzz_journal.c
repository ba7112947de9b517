/* fuzz_journal.c: reading a journal left by an earlier run (--resume).
 *
 * The input is parsed as one journal line, then written as OUTDIR/
 * journal.jsonl and opened for resume, which indexes every line and cuts a
 * torn last one; a review found by the first line's tool, persona and inputs
 * is looked up. Checked: a parsed line has its tool, persona and a 64-hex
 * inputs digest, and an OK review has a score 0-100 and a ship/skip
 * verdict.
 */
#include "fuzz.h"
#include "shipskip/review/journal.h"

#include <stdlib.h>
#include <string.h>

static void check_review(const struct sk_review *r) {
  if (r->status == SK_REVIEW_OK &&
      (r->score < 0 || r->score > 100 || r->text == NULL ||
       (strcmp(r->verdict, "ship") != 0 && strcmp(r->verdict, "skip") != 0)))
    sk_fuzz_fail("an OK review with score %d verdict \"%.4s\"", r->score,
                 r->verdict);
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  const char *dir = sk_fuzz_tmpdir();
  char *slug = NULL;
  char *persona_name = NULL;
  char inputs[65];
  struct sk_review r;
  struct sk_journal *j = NULL;
  struct sk_error err;
  char *line = malloc(size > 0 ? size : 1);
  int parsed;

  if (line == NULL)
    return 0;
  if (size > 0)
    memcpy(line, data, size);
  memset(inputs, 0, sizeof(inputs));
  parsed =
      sk_journal_parse_line(line, size, &slug, &persona_name, inputs, &r) == 0;
  if (parsed) {
    if (slug == NULL || persona_name == NULL || strlen(inputs) != 64)
      sk_fuzz_fail("a parsed line without tool, persona or inputs");
    check_review(&r);
    sk_review_cleanup(&r);
  }
  sk_fuzz_write("journal.jsonl", data, size);
  sk_error_clear(&err);
  if (sk_journal_open(dir, 1, NULL, NULL, &j, &err) == 0) {
    if (parsed) {
      struct sk_persona p;
      memset(&p, 0, sizeof(p));
      p.name = persona_name;
      sk_error_clear(&err);
      if (sk_journal_lookup(j, slug, &p, inputs, &r, &err) == 1) {
        check_review(&r);
        sk_review_cleanup(&r);
      }
    }
    sk_journal_close(j);
  }
  free(slug);
  free(persona_name);
  free(line);
  return 0;
}
