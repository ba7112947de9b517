/* cardgen.h: scorecard JSON for the publishing tests, built the way the
 * review path writes it (sk_scorecard_json), from a one-line description of
 * the panel:
 *
 *   card_json("code-llama-4", "Code Llama 4",
 *             "builder:84:ship skeptic:78:ship futurist:81:ship "
 *             "founder:55:skip")
 *
 * Each word is persona:score:verdict, or persona:fail for a review that
 * never validated (with the error "no VERDICT line"). Display names are the
 * persona id capitalized; every review is "A paragraph by <persona>." and
 * used model "gpt-4o-mini". Tool fields other than slug and name are fixed
 * sample values. Returns a heap string (free it) or NULL. Its "injection"
 * is null (no detector ran); card_json_inj() writes the findings of inj
 * instead (cardgen_hit() adds one), as the review path does.
 */
#ifndef SHIPSKIP_TEST_CARDGEN_H
#define SHIPSKIP_TEST_CARDGEN_H

#include "shipskip/model/scorecard.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdint.h>

#define CARDGEN_MAX 16

/* Adds a finding to r (zeroed by the caller first). */
static inline void cardgen_hit(struct sk_inject_result *r, const char *rule,
                               const char *field, const char *excerpt) {
  struct sk_inject_hit *h;
  if (r->nhits >= SK_INJECT_MAX_HITS)
    return;
  h = &r->hits[r->nhits++];
  snprintf(h->rule, sizeof(h->rule), "%s", rule);
  snprintf(h->field, sizeof(h->field), "%s", field);
  snprintf(h->excerpt, sizeof(h->excerpt), "%s", excerpt);
}

static inline char *card_json_inj(const char *slug, const char *name,
                                  const char *spec,
                                  const struct sk_inject_result *inj) {
  static struct sk_persona personas[CARDGEN_MAX];
  static char names[CARDGEN_MAX][64];
  static char display[CARDGEN_MAX][64];
  struct sk_review r[CARDGEN_MAX];
  struct sk_tool t;
  struct sk_scorecard_meta meta;
  struct sk_buf b;
  struct sk_error e;
  char text[CARDGEN_MAX][96];
  size_t n = 0;
  size_t i;
  const char *p = spec;
  char *out = NULL;

  memset(r, 0, sizeof(r));
  while (*p != '\0' && n < CARDGEN_MAX) {
    char word[64];
    char verdict[8] = "";
    int score = 0;
    size_t len = strcspn(p, " ");
    char *colon;
    snprintf(word, sizeof(word), "%.*s", (int)len, p);
    p += len;
    while (*p == ' ')
      p++;
    colon = strchr(word, ':');
    if (colon == NULL)
      continue;
    *colon = '\0';
    snprintf(names[n], sizeof(names[n]), "%s", word);
    snprintf(display[n], sizeof(display[n]), "%s", word);
    display[n][0] = (char)toupper((unsigned char)display[n][0]);
    personas[n].name = names[n];
    personas[n].display_name = display[n];
    r[n].persona = &personas[n];
    r[n].model = strdup("gpt-4o-mini");
    r[n].provider = strdup("openai");
    r[n].attempts = 1;
    r[n].prompt_tokens = 600;
    r[n].completion_tokens = 250;
    r[n].cost_usd = -1; /* no price known: usage.cost_usd is null */
    if (strcmp(colon + 1, "fail") == 0) {
      r[n].status = SK_REVIEW_FAILED;
      r[n].attempts = 3;
      sk_review_add_error(&r[n], "no VERDICT line");
    } else {
      sscanf(colon + 1, "%d:%7s", &score, verdict);
      r[n].status = SK_REVIEW_OK;
      r[n].score = score;
      snprintf(r[n].verdict, sizeof(r[n].verdict), "%.4s", verdict);
      snprintf(text[n], sizeof(text[n]), "A paragraph by %s.", word);
      r[n].text = strdup(text[n]);
    }
    n++;
  }
  memset(&t, 0, sizeof(t));
  t.slug = (char *)(uintptr_t)slug;
  t.name = (char *)(uintptr_t)name;
  t.description = (char *)(uintptr_t) "A sample description.";
  t.tagline = (char *)(uintptr_t) "A sample tagline";
  t.category = (char *)(uintptr_t) "Developer Tools";
  t.pricing = (char *)(uintptr_t) "Free tier, then per seat";
  t.entry = (char *)(uintptr_t) "Free";
  t.best_for = (char *)(uintptr_t) "Teams trying things out";
  t.url = (char *)(uintptr_t) "https://example.com/";
  memset(&meta, 0, sizeof(meta));
  meta.injection = inj;
  sk_buf_init(&b, 1 << 22);
  sk_error_clear(&e);
  if (sk_scorecard_json(&t, r, n, &meta, &b, &e) == 0)
    out = sk_buf_take(&b);
  sk_buf_cleanup(&b);
  for (i = 0; i < n; i++)
    sk_review_cleanup(&r[i]);
  return out;
}

static char *card_json(const char *slug, const char *name, const char *spec) {
  return card_json_inj(slug, name, spec, NULL);
}

/* The two published panels of the seeds. */
#define GEMINI_PANEL                                                           \
  "builder:78:ship skeptic:74:ship futurist:80:ship founder:72:ship"
#define LLAMA_PANEL                                                            \
  "builder:84:ship skeptic:78:ship futurist:81:ship founder:55:skip"

#endif
