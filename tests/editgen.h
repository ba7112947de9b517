/* editgen.h: a scorecard and its Markdown draft for the editor tests
 * (draft, scorefile, apply, diff), written by the review path's own
 * renderers (sk_scorecard_json and sk_scorecard_markdown), so the tests read
 * exactly what `shipskip review` writes.
 *
 * The tool is Code Llama 4 with its published panel (84 ship, 78 ship, 81
 * ship, 55 skip: Ship · 3 ship / 1 skip). Every paragraph says "because"
 * (the rubric of eg_panel()) and carries Markdown's special characters, an
 * ordered-list number, a leading dash or a backslash, so a round trip
 * through the draft's escaping is exercised. eg.fail_futurist makes the
 * Futurist's review a failed one ("no VERDICT line").
 */
#ifndef SHIPSKIP_TEST_EDITGEN_H
#define SHIPSKIP_TEST_EDITGEN_H

#include "shipskip/model/persona.h"
#include "shipskip/model/scorecard.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const EG_NAMES[4] = {"builder", "skeptic", "futurist",
                                        "founder"};
static const char *const EG_DISPLAY[4] = {"Builder", "Skeptic", "Futurist",
                                          "Founder"};
static const int EG_SCORES[4] = {84, 78, 81, 55};
static const char *const EG_VERDICTS[4] = {"ship", "ship", "ship", "skip"};
static const char *const EG_TEXTS[4] = {
    "Ship it *now* because `make test` passes on the first try; see "
    "[the docs](https://example.com) and <b>bold</b> claims | pipes & 100% "
    "of C:\\path\\to\\it, ~strike~ and #hash and _under_ all survive.",
    "- Starts like a list because the skeptic likes dashes; the rivals "
    "are many and the category is crowded, which is the point.",
    "The futurist thinks ahead because timing matters more than polish, "
    "and the future state is a house model per team.",
    "12. A number leads because founders count: the buyer is a platform "
    "team, pricing is free, and the moat belongs to the adopter."};

struct eg {
  struct sk_persona personas[4];
  struct sk_review r[4];
  struct sk_tool tool;
  int fail_futurist;
};

static inline void eg_init(struct eg *g) {
  size_t i;
  memset(g, 0, sizeof(*g));
  for (i = 0; i < 4; i++) {
    struct sk_review *r = &g->r[i];
    g->personas[i].name = (char *)(uintptr_t)EG_NAMES[i];
    g->personas[i].display_name = (char *)(uintptr_t)EG_DISPLAY[i];
    r->persona = &g->personas[i];
    r->status = SK_REVIEW_OK;
    r->score = EG_SCORES[i];
    snprintf(r->verdict, sizeof(r->verdict), "%s", EG_VERDICTS[i]);
    r->text = strdup(EG_TEXTS[i]);
    r->provider = strdup("openai");
    r->model = strdup("gpt-4o-mini");
    r->attempts = 1;
    r->prompt_tokens = 600 + (long)i;
    r->completion_tokens = 250;
    r->cost_usd = -1;
    snprintf(r->inputs, sizeof(r->inputs), "%064d", (int)i);
  }
  g->tool.slug = (char *)(uintptr_t) "code-llama-4";
  g->tool.name = (char *)(uintptr_t) "Code Llama 4";
  g->tool.tagline = (char *)(uintptr_t) "Meta's open-weight *code* model";
  g->tool.description =
      (char *)(uintptr_t) "Open weights.\n\n# Not a heading\n- not a list";
  g->tool.category = (char *)(uintptr_t) "Developer Tools";
  g->tool.pricing = (char *)(uintptr_t) "Free";
  g->tool.entry = (char *)(uintptr_t) "Free";
  g->tool.best_for = (char *)(uintptr_t) "Self-hosted agents | teams";
  g->tool.url = (char *)(uintptr_t) "https://www.llama.com/";
}

/* Makes the Futurist's review one that failed after 3 attempts. */
static inline void eg_fail_futurist(struct eg *g) {
  struct sk_review *r = &g->r[2];
  free(r->text);
  r->text = NULL;
  r->status = SK_REVIEW_FAILED;
  r->attempts = 3;
  sk_review_add_error(r, "no VERDICT line (write VERDICT: ship or skip)");
  sk_review_add_error(r, "rubric: no timing | *early*");
}

static inline void eg_cleanup(struct eg *g) {
  size_t i;
  for (i = 0; i < 4; i++)
    sk_review_cleanup(&g->r[i]);
}

/* The scorecard JSON, or its draft, as a heap string (free it). */
static inline char *eg_render(struct eg *g, int markdown) {
  struct sk_buf b;
  struct sk_error e;
  char *out = NULL;
  int rc;
  sk_buf_init(&b, 1 << 22);
  sk_error_clear(&e);
  rc = markdown ? sk_scorecard_markdown(&g->tool, g->r, 4, NULL, &b, &e)
                : sk_scorecard_json(&g->tool, g->r, 4, NULL, &b, &e);
  if (rc == 0)
    out = sk_buf_take(&b);
  sk_buf_cleanup(&b);
  return out;
}

/* A panel of the four personas whose one rubric element is "because",
 * required ("min_rubric": 1; the default, all but one, would be none). */
static inline int eg_panel(struct sk_panel_def *panel) {
  size_t i;
  panel->n = 4;
  panel->personas = calloc(4, sizeof(*panel->personas));
  if (panel->personas == NULL)
    return -1;
  for (i = 0; i < 4; i++) {
    char json[512];
    struct sk_error e;
    sk_error_clear(&e);
    snprintf(json, sizeof(json),
             "{\"name\": \"%s\", \"display_name\": \"%s\", \"order\": %d, "
             "\"lens\": \"You are the %s.\", \"rubric\": [{\"name\": "
             "\"reason\", \"ask\": \"give a reason\", \"missing\": \"no "
             "reason given (say because)\", \"pattern\": "
             "\"\\\\bbecause\\\\b\"}], \"min_rubric\": 1}",
             EG_NAMES[i], EG_DISPLAY[i], (int)i * 10, EG_DISPLAY[i]);
    if (sk_persona_parse(json, strlen(json), EG_NAMES[i], "test-personas",
                         &panel->personas[i], &e) != 0)
      return -1;
  }
  return 0;
}

/* Replaces the first occurrence of from in *s by to (reallocating). */
static inline int eg_replace(char **s, const char *from, const char *to) {
  char *at = strstr(*s, from);
  size_t n;
  char *out;
  if (at == NULL)
    return -1;
  n = strlen(*s) - strlen(from) + strlen(to);
  out = malloc(n + 1);
  if (out == NULL)
    return -1;
  memcpy(out, *s, (size_t)(at - *s));
  strcpy(out + (at - *s), to);
  strcat(out, at + strlen(from));
  free(*s);
  *s = out;
  return 0;
}

#endif
