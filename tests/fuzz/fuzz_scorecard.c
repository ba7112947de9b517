/* fuzz_scorecard.c: reading a scorecard file (OUTDIR/<slug>.json), which
 * resume, the editor's desk and publishing all take from outside: an
 * earlier run, a hand edit, another machine.
 *
 * The input is parsed by the one scorecard reader (sk_scorecard_parse()).
 * Checked for an accepted scorecard: a safe slug and a name; every
 * accepted review has a score 0-100, a ship/skip verdict and a paragraph;
 * the panel's reviewers are its ships plus skips; the injection flag agrees
 * with the findings. Then the one writer renders it (JSON and Markdown),
 * and what it wrote must be read back (the writer never writes what the
 * reader refuses) and render to the same bytes again. The stripped summary
 * publishing keeps must stay usable.
 */
#include "fuzz.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/model/tool.h"

#include <stdlib.h>
#include <string.h>

static void check(const struct sk_scorecard *sc) {
  size_t i;
  if (!sk_slug_is_safe(sc->tool->slug) || sc->tool->name == NULL ||
      sc->tool->name[0] == '\0')
    sk_fuzz_fail("an accepted scorecard without a safe slug and a name");
  if (sc->panel.reviewers != sc->panel.ships + sc->panel.skips)
    sk_fuzz_fail("reviewers %d is not ships %d + skips %d", sc->panel.reviewers,
                 sc->panel.ships, sc->panel.skips);
  if (sc->flagged != (sc->nfindings > 0) || (sc->flagged && !sc->scanned))
    sk_fuzz_fail("flagged %d with %zu findings", sc->flagged, sc->nfindings);
  for (i = 0; i < sc->nreviews; i++) {
    const struct sk_review *r = &sc->reviews[i];
    if (r->persona == NULL || r->persona->name == NULL)
      sk_fuzz_fail("review %zu without its reviewer", i);
    if (r->status == SK_REVIEW_OK &&
        (r->score < 0 || r->score > 100 || r->text == NULL ||
         (strcmp(r->verdict, "ship") != 0 && strcmp(r->verdict, "skip") != 0)))
      sk_fuzz_fail("an OK review with score %d verdict \"%.4s\"", r->score,
                   r->verdict);
  }
}

/* Whether every finding fits the detector's storage, which the writer
 * takes; one that does not is cut, and a cut may fall inside a UTF-8
 * sequence, so the written file is then not compared. */
static int findings_fit(const struct sk_scorecard *sc) {
  size_t i;
  if (sc->nfindings > SK_INJECT_MAX_HITS)
    return 0;
  for (i = 0; i < sc->nfindings; i++)
    if (strlen(sc->findings[i].rule) >= SK_INJECT_RULE_LEN ||
        strlen(sc->findings[i].field) >= 16 ||
        strlen(sc->findings[i].excerpt) >= SK_INJECT_EXCERPT_LEN)
      return 0;
  return 1;
}

/* Renders sc into b (emptied first). Returns the writer's code. */
static int render(const struct sk_scorecard *sc, struct sk_buf *b,
                  struct sk_buf *md) {
  struct sk_scorecard_meta meta;
  struct sk_inject_result inj;
  struct sk_error err;
  int rc;
  sk_scorecard_meta_of(sc, &inj, &meta);
  sk_buf_reset(b);
  sk_buf_reset(md);
  sk_error_clear(&err);
  rc = sk_scorecard_json(sc->tool, sc->reviews, sc->nreviews, &meta, b, &err);
  if (rc == 0)
    rc = sk_scorecard_markdown(sc->tool, sc->reviews, sc->nreviews, &meta, md,
                               &err);
  return rc;
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  struct sk_scorecard *sc = NULL;
  struct sk_scorecard *again = NULL;
  struct sk_buf first;
  struct sk_buf second;
  struct sk_buf md;
  struct sk_error err;
  cJSON *tree = NULL;

  sk_error_clear(&err);
  if (sk_scorecard_parse((const char *)data, size, "fuzz.json", &sc, &tree,
                         &err) != 0) {
    if (sc != NULL || tree != NULL || err.msg[0] == '\0')
      sk_fuzz_fail("a refused scorecard left output or no message");
    return 0;
  }
  if (tree == NULL)
    sk_fuzz_fail("an accepted scorecard without its tree");
  cJSON_Delete(tree);
  check(sc);
  sk_buf_init(&first, SK_SCORECARD_CAP);
  sk_buf_init(&second, SK_SCORECARD_CAP);
  sk_buf_init(&md, SK_SCORECARD_CAP);
  if (render(sc, &first, &md) == 0 && findings_fit(sc)) {
    sk_error_clear(&err);
    if (sk_scorecard_parse(first.data, first.len, "again.json", &again, NULL,
                           &err) != 0)
      sk_fuzz_fail("the writer wrote what the reader refuses: %s", err.msg);
    check(again);
    if (render(again, &second, &md) != 0 || second.len != first.len ||
        memcmp(first.data, second.data, first.len) != 0)
      sk_fuzz_fail("a scorecard read back renders differently");
    sk_scorecard_free(again);
  }
  sk_scorecard_strip(sc);
  if (sc->nreviews != 0 || sc->tool->slug == NULL || sc->tool->name == NULL)
    sk_fuzz_fail("a stripped summary lost its slug or kept its reviews");
  sk_buf_cleanup(&first);
  sk_buf_cleanup(&second);
  sk_buf_cleanup(&md);
  sk_scorecard_free(sc);
  return 0;
}
