/* test_slugset.c: the batch's slug set kept as 128-bit digests
 * (sk_slugset_claim, tool.h) answers every claim exactly as the set of
 * strings (sk_slug_claim) does: the same slugs kept, the same derived slugs
 * made distinct, the same tools refused with the same messages, over names
 * that fold together, explicit slugs taken twice, the same name twice, and
 * a batch large enough to grow the table many times.
 */
#include "harness.h"
#include "shipskip/model/tool.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A tool record for name (and slug when not NULL). */
static struct sk_tool *make(const char *name, const char *slug) {
  cJSON *v = cJSON_CreateObject();
  struct sk_tool *t = NULL;
  struct sk_error e;
  sk_error_clear(&e);
  if (v != NULL && cJSON_AddStringToObject(v, "name", name) != NULL &&
      cJSON_AddStringToObject(v, "description", "d") != NULL &&
      (slug == NULL || cJSON_AddStringToObject(v, "slug", slug) != NULL))
    (void)sk_tool_from_json(v, "tools.jsonl:1", &t, &e);
  cJSON_Delete(v);
  return t;
}

/* Claims name in both sets; 1 when both answered alike (the same code, the
 * same slug, the same message), 0 otherwise (said on stderr). *kept counts
 * the tools kept. */
static int claim_both(struct sk_strmap *m, struct sk_slugset *s,
                      const char *name, const char *slug, int *kept) {
  struct sk_tool *a = make(name, slug);
  struct sk_tool *b = make(name, slug);
  struct sk_error ea;
  struct sk_error eb;
  int ra;
  int rb;
  int same;

  if (a == NULL || b == NULL) {
    sk_tool_free(a);
    sk_tool_free(b);
    return 0;
  }
  sk_error_clear(&ea);
  sk_error_clear(&eb);
  ra = sk_slug_claim(m, a, &ea);
  rb = sk_slugset_claim(s, b, &eb);
  same =
      ra == rb && strcmp(a->slug, b->slug) == 0 && strcmp(ea.msg, eb.msg) == 0;
  if (!same)
    fprintf(stderr, "%s: strmap %d %s \"%s\", slugset %d %s \"%s\"\n", name, ra,
            a->slug, ea.msg, rb, b->slug, eb.msg);
  *kept += rb == 1;
  sk_tool_free(a);
  sk_tool_free(b);
  return same;
}

TEST(the_same_answers_as_the_set_of_strings) {
  static const char *const CASES[][2] = {
      {"C++", NULL},          {"C", NULL},
      {"C#", NULL},           {"Foo", NULL},
      {"foo", NULL},          {"FOO", NULL},
      {"f.o.o", NULL},        {"Foo", NULL},   /* the same name twice */
      {"Bar", "mine"},        {"Baz", "mine"}, /* an explicit slug twice */
      {"mine", NULL},         {"Summary", NULL},
      {"summary tool", NULL}, {"\xe6\x97\xa5\xe6\x9c\xac", NULL},
  };
  struct sk_strmap m;
  struct sk_slugset s;
  size_t i;
  int kept = 0;
  int alike = 1;

  sk_strmap_init(&m);
  sk_slugset_init(&s);
  for (i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++)
    alike &= claim_both(&m, &s, CASES[i][0], CASES[i][1], &kept);
  sk_strmap_cleanup(&m, free);
  sk_slugset_cleanup(&s);
  ASSERT_INT_EQ(alike, 1);
  /* Refused: "Foo" again, and "Baz" (its explicit slug "mine" taken).
   * "mine" derives the slug "mine" that "Bar" holds under another name:
   * made distinct, so kept. Twelve of fourteen kept. */
  ASSERT_INT_EQ(kept, 12);
}

TEST(a_large_batch_keeps_every_distinct_name) {
  struct sk_strmap m;
  struct sk_slugset s;
  int kept = 0;
  int alike = 1;
  int i;

  sk_strmap_init(&m);
  sk_slugset_init(&s);
  for (i = 0; i < 20000 && alike; i++) {
    char name[64];
    /* Pairs that fold to one slug ("Tool 7" / "tool-7"), and every 100th
     * name twice. */
    if (i % 100 == 99)
      snprintf(name, sizeof(name), "Tool %d", i - 1);
    else if (i % 2)
      snprintf(name, sizeof(name), "tool-%d", i - 1);
    else
      snprintf(name, sizeof(name), "Tool %d", i);
    alike &= claim_both(&m, &s, name, NULL, &kept);
  }
  ASSERT_INT_EQ(alike, 1);
  ASSERT_INT_EQ(s.used, m.used);
  /* The table is a quarter free at least, and not more than twice that. */
  ASSERT(s.used * 4 <= s.cap * 3);
  ASSERT(s.used * 8 > s.cap * 3);
  sk_strmap_cleanup(&m, free);
  sk_slugset_cleanup(&s);
  ASSERT_INT_EQ(kept, 20000 - 200);
}

TEST(cleanup_leaves_an_empty_set) {
  struct sk_slugset s;
  int kept = 0;
  struct sk_strmap m;
  sk_strmap_init(&m);
  sk_slugset_init(&s);
  ASSERT_INT_EQ(claim_both(&m, &s, "Once", NULL, &kept), 1);
  sk_slugset_cleanup(&s);
  ASSERT(s.slots == NULL && s.cap == 0 && s.used == 0);
  sk_slugset_cleanup(NULL);
  sk_strmap_cleanup(&m, free);
  sk_strmap_init(&m);
  ASSERT_INT_EQ(claim_both(&m, &s, "Once", NULL, &kept), 1);
  ASSERT_INT_EQ(kept, 2);
  sk_slugset_cleanup(&s);
  sk_strmap_cleanup(&m, free);
}

int main(void) {
  RUN(the_same_answers_as_the_set_of_strings);
  RUN(a_large_batch_keeps_every_distinct_name);
  RUN(cleanup_leaves_an_empty_set);
  return TEST_REPORT();
}
