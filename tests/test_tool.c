/* test_tool.c: tool records: required fields, types, caps, UTF-8, entry
 * normalisation and slugs. */
#include "harness.h"
#include "shipskip/model/tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *json, struct sk_tool **t, struct sk_error *e) {
  cJSON *v = cJSON_Parse(json);
  int rc;
  sk_error_clear(e);
  rc = sk_tool_from_json(v, "tools.jsonl:7", t, e);
  cJSON_Delete(v);
  return rc;
}

TEST(full_record) {
  struct sk_tool *t = NULL;
  struct sk_error e;
  ASSERT_INT_EQ(parse("{\"name\":\"Code Llama 4\",\"description\":\"  open "
                      "weights  \",\"entry\":\"free\",\"tagline\":\"t\","
                      "\"category\":\"Developer Tools\",\"pricing\":\"Free\","
                      "\"best_for\":\"b\",\"url\":\"https://x\","
                      "\"extra\":1}",
                      &t, &e),
                0);
  ASSERT_STR_EQ(t->slug, "code-llama-4");
  ASSERT_STR_EQ(t->description, "open weights");
  ASSERT_STR_EQ(t->entry, "Free");
  ASSERT_STR_EQ(sk_tool_field(t, "best_for"), "b");
  ASSERT_STR_EQ(t->origin, "tools.jsonl:7");
  ASSERT(sk_tool_field(t, "nope") == NULL);
  sk_tool_free(t);
}

TEST(missing_and_wrong_fields_name_place_and_field) {
  struct sk_tool *t = NULL;
  struct sk_error e;
  ASSERT_INT_EQ(parse("{\"name\":\"x\"}", &t, &e), SK_EMISSING);
  ASSERT_STR_EQ(e.msg, "tools.jsonl:7: field \"description\" is missing");
  ASSERT(t == NULL);
  ASSERT_INT_EQ(parse("{\"description\":\"d\"}", &t, &e), SK_EMISSING);
  ASSERT_STR_EQ(e.msg, "tools.jsonl:7: field \"name\" is missing");
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":5}", &t, &e), SK_EPARSE);
  ASSERT_STR_EQ(e.msg, "tools.jsonl:7: field \"description\" must be a string");
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"   \"}", &t, &e),
                SK_EMISSING);
  ASSERT_CONTAINS(e.msg, "\"description\" is empty");
  ASSERT_INT_EQ(parse("[1]", &t, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "not a JSON object");
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"d\",\"entry\":"
                      "\"maybe\"}",
                      &t, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "\"entry\" must be \"Free\" or \"Paid\"");
}

TEST(hostile_values_are_refused) {
  struct sk_tool *t = NULL;
  struct sk_error e;
  char *big = malloc(SK_TOOL_MAX_DESCRIPTION + 100);
  char *json = malloc(SK_TOOL_MAX_DESCRIPTION + 200);
  memset(big, 'a', SK_TOOL_MAX_DESCRIPTION + 1);
  big[SK_TOOL_MAX_DESCRIPTION + 1] = '\0';
  snprintf(json, SK_TOOL_MAX_DESCRIPTION + 200,
           "{\"name\":\"x\",\"description\":\"%s\"}", big);
  ASSERT_INT_EQ(parse(json, &t, &e), SK_ETOOBIG);
  ASSERT_CONTAINS(e.msg, "limit is 20000");
  free(big);
  free(json);
  /* Invalid UTF-8 (a lone continuation byte) and an overlong slash. */
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"a\x80z\"}", &t, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "not valid UTF-8");
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"\xc0\xaf\"}", &t, &e),
                SK_EPARSE);
  ASSERT_INT_EQ(
      parse("{\"name\":\"x\",\"description\":\"bell\\u0007\"}", &t, &e),
      SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "control character 0x07");
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"d\",\"slug\":"
                      "\"../etc\"}",
                      &t, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "field \"slug\" must be");
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"d\",\"slug\":"
                      "\".hidden\"}",
                      &t, &e),
                SK_EPARSE);
}

/* Builds {"name":"x","description":"d", FIELD: VALUE-of-len-bytes}, with
 * name and description replaced when FIELD is one of them. */
static int parse_sized(const char *field, size_t len, const char *unit,
                       struct sk_tool **t, struct sk_error *e) {
  cJSON *v = cJSON_CreateObject();
  char *val = malloc(len + 1);
  size_t ulen = strlen(unit);
  size_t i;
  int rc;
  for (i = 0; i + ulen <= len; i += ulen)
    memcpy(val + i, unit, ulen);
  for (; i < len; i++)
    val[i] = 'a';
  val[len] = '\0';
  if (strcmp(field, "name") != 0)
    cJSON_AddStringToObject(v, "name", "x");
  if (strcmp(field, "description") != 0)
    cJSON_AddStringToObject(v, "description", "d");
  cJSON_AddStringToObject(v, field, val);
  free(val);
  sk_error_clear(e);
  *t = NULL;
  rc = sk_tool_from_json(v, "tools.jsonl:7", t, e);
  cJSON_Delete(v);
  return rc;
}

TEST(every_field_cap_is_exact_and_named) {
  static const struct {
    const char *field;
    size_t cap;
  } caps[] = {
      {"name", 200},     {"description", SK_TOOL_MAX_DESCRIPTION},
      {"tagline", 2000}, {"category", 200},
      {"pricing", 2000}, {"best_for", 2000},
      {"url", 2000},     {"slug", SK_TOOL_MAX_SLUG},
      {"entry", 20},
  };
  size_t i;
  for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
    struct sk_tool *t = NULL;
    struct sk_error e;
    char want[160];
    int rc = parse_sized(caps[i].field, caps[i].cap, "a", &t, &e);
    /* At the cap the size is fine; entry still has to say Free or Paid. */
    if (strcmp(caps[i].field, "entry") == 0) {
      ASSERT_INT_EQ(rc, SK_EPARSE);
      ASSERT_CONTAINS(e.msg, "must be \"Free\" or \"Paid\"");
    } else {
      if (rc != 0)
        fprintf(stderr, "    %s: %s\n", caps[i].field, e.msg);
      ASSERT_INT_EQ(rc, 0);
      ASSERT_INT_EQ(strlen(sk_tool_field(t, caps[i].field)), caps[i].cap);
    }
    sk_tool_free(t);
    ASSERT_INT_EQ(parse_sized(caps[i].field, caps[i].cap + 1, "a", &t, &e),
                  SK_ETOOBIG);
    snprintf(want, sizeof(want),
             "tools.jsonl:7: field \"%s\" is %zu bytes; the limit is %zu",
             caps[i].field, caps[i].cap + 1, caps[i].cap);
    ASSERT_STR_EQ(e.msg, want);
    ASSERT(t == NULL);
  }
}

TEST(caps_count_bytes_not_characters) {
  struct sk_tool *t = NULL;
  struct sk_error e;
  /* 6666 euro signs (3 bytes each) and two letters: exactly 20000 bytes. */
  ASSERT_INT_EQ(parse_sized("description", SK_TOOL_MAX_DESCRIPTION,
                            "\xe2\x82\xac", &t, &e),
                0);
  sk_tool_free(t);
  /* One more euro sign is over, though it is fewer characters than 20000. */
  ASSERT_INT_EQ(parse_sized("description", SK_TOOL_MAX_DESCRIPTION - 2 + 3,
                            "\xe2\x82\xac", &t, &e),
                SK_ETOOBIG);
  ASSERT_CONTAINS(e.msg, "is 20001 bytes; the limit is 20000");
}

TEST(control_characters_in_any_field) {
  struct sk_tool *t = NULL;
  struct sk_error e;
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"d\",\"tagline\":"
                      "\"\\u001b[31mred\"}",
                      &t, &e),
                SK_EPARSE);
  ASSERT_STR_EQ(e.msg, "tools.jsonl:7: field \"tagline\" contains control "
                       "character 0x1b");
  ASSERT_INT_EQ(parse("{\"name\":\"x\\u007f\",\"description\":\"d\"}", &t, &e),
                SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "field \"name\" contains control character 0x7f");
  ASSERT_INT_EQ(parse("{\"name\":\"x\",\"description\":\"d\",\"url\":"
                      "\"https://x/\\r\\nSet-Cookie: a\"}",
                      &t, &e),
                0);
  /* CR and LF are text, not controls: the url keeps them, and it is the
   * writers' job to escape them (they are checked where they are used). */
  sk_tool_free(t);
  ASSERT_INT_EQ(
      parse("{\"name\":\"x\",\"description\":\"d\",\"category\":7}", &t, &e),
      SK_EPARSE);
  ASSERT_STR_EQ(e.msg, "tools.jsonl:7: field \"category\" must be a string");
  /* cJSON ends a string at an escaped NUL: nothing after it reaches a
   * prompt or a page. */
  ASSERT_INT_EQ(
      parse("{\"name\":\"x\",\"description\":\"safe\\u0000hidden\"}", &t, &e),
      0);
  ASSERT_STR_EQ(t->description, "safe");
  sk_tool_free(t);
}

TEST(slugs_are_always_safe) {
  char s[SK_TOOL_MAX_SLUG + 1];
  char long_name[300];
  sk_slug_from_name("Gemini 2.5 Flash Lite", s);
  ASSERT_STR_EQ(s, "gemini-2-5-flash-lite");
  sk_slug_from_name("../../etc/passwd", s);
  ASSERT_STR_EQ(s, "etc-passwd");
  ASSERT(sk_slug_is_safe(s));
  sk_slug_from_name("  --Hello,   World!!  ", s);
  ASSERT_STR_EQ(s, "hello-world");
  sk_slug_from_name("日本語", s);
  ASSERT(strncmp(s, "tool-", 5) == 0);
  ASSERT_INT_EQ(strlen(s), 17);
  ASSERT(sk_slug_is_safe(s));
  memset(long_name, 'a', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  sk_slug_from_name(long_name, s);
  ASSERT_INT_EQ(strlen(s), SK_TOOL_MAX_SLUG);
  ASSERT(sk_slug_is_safe(s));
  ASSERT(!sk_slug_is_safe(""));
  ASSERT(!sk_slug_is_safe("-x"));
  ASSERT(!sk_slug_is_safe("a/b"));
  ASSERT(!sk_slug_is_safe("A"));
}

TEST(signs_are_spelled_so_names_stay_apart) {
  char s[SK_TOOL_MAX_SLUG + 1];
  sk_slug_from_name("C++", s);
  ASSERT_STR_EQ(s, "c-plus-plus");
  sk_slug_from_name("C#", s);
  ASSERT_STR_EQ(s, "c-sharp");
  sk_slug_from_name("C", s);
  ASSERT_STR_EQ(s, "c");
  sk_slug_from_name("F#", s);
  ASSERT_STR_EQ(s, "f-sharp");
  sk_slug_from_name(".NET", s);
  ASSERT_STR_EQ(s, "dot-net");
  sk_slug_from_name("ASP .NET Core", s);
  ASSERT_STR_EQ(s, "asp-dot-net-core");
  sk_slug_from_name("libflac++-dev", s);
  ASSERT_STR_EQ(s, "libflac-plus-plus-dev");
  sk_slug_from_name("gobjc++-12", s);
  ASSERT_STR_EQ(s, "gobjc-plus-plus-12");
  /* Ordinary names keep the slugs they always had. */
  sk_slug_from_name("Node.js", s);
  ASSERT_STR_EQ(s, "node-js");
  sk_slug_from_name("#1 Tool", s);
  ASSERT_STR_EQ(s, "1-tool");
  sk_slug_from_name("Mistral Medium 3.2", s);
  ASSERT_STR_EQ(s, "mistral-medium-3-2");
}

TEST(run_file_names_are_reserved) {
  char s[SK_TOOL_MAX_SLUG + 1];
  struct sk_tool *t = NULL;
  struct sk_error e;
  sk_slug_from_name("Summary", s);
  ASSERT_STR_EQ(s, "summary-tool");
  sk_slug_from_name("journal", s);
  ASSERT_STR_EQ(s, "journal-tool");
  sk_slug_from_name("Index!", s);
  ASSERT_STR_EQ(s, "index-tool");
  sk_slug_from_name("Summary Pro", s);
  ASSERT_STR_EQ(s, "summary-pro");
  ASSERT_STR_EQ(sk_slug_reserved("summary"), "summary.json");
  ASSERT(sk_slug_reserved("summary-tool") == NULL);
  ASSERT_INT_EQ(parse("{\"name\":\"Summary\",\"description\":\"d\"}", &t, &e),
                0);
  ASSERT_STR_EQ(t->slug, "summary-tool");
  ASSERT_INT_EQ(t->slug_given, 0);
  sk_tool_free(t);
  ASSERT_INT_EQ(parse("{\"name\":\"S\",\"description\":\"d\",\"slug\":"
                      "\"summary\"}",
                      &t, &e),
                SK_EPARSE);
  ASSERT_STR_EQ(e.msg, "tools.jsonl:7: field \"slug\" is \"summary\", which "
                       "names a run file (summary.json) in the output folder; "
                       "choose another slug");
}

/* Claims name (with slug when not NULL) and returns the slug it got, or
 * "" when refused. */
static const char *claim(struct sk_strmap *m, const char *name,
                         const char *slug, char *got, size_t size) {
  struct sk_tool *t = NULL;
  struct sk_error e;
  char json[256];
  int rc;
  snprintf(json, sizeof(json), "{\"name\":\"%s\",\"description\":\"d\"%s%s%s}",
           name, slug ? ",\"slug\":\"" : "", slug ? slug : "",
           slug ? "\"" : "");
  if (parse(json, &t, &e) != 0)
    return "parse error";
  sk_error_clear(&e);
  rc = sk_slug_claim(m, t, &e);
  snprintf(got, size, "%s", rc == 1 ? t->slug : "");
  if (rc == 0 && strstr(e.msg, "is already used by another tool") == NULL)
    snprintf(got, size, "bad message");
  sk_tool_free(t);
  return got;
}

TEST(distinct_names_get_distinct_slugs_in_any_order) {
  struct sk_strmap m;
  char a[80];
  char b[80];
  char c[80];
  char d[80];
  sk_strmap_init(&m);
  ASSERT_STR_EQ(claim(&m, "C++", NULL, a, sizeof(a)), "c-plus-plus");
  ASSERT_STR_EQ(claim(&m, "C", NULL, a, sizeof(a)), "c");
  ASSERT_STR_EQ(claim(&m, "C#", NULL, a, sizeof(a)), "c-sharp");
  ASSERT_STR_EQ(claim(&m, "libflac-dev", NULL, a, sizeof(a)), "libflac-dev");
  ASSERT_STR_EQ(claim(&m, "libflac++-dev", NULL, a, sizeof(a)),
                "libflac-plus-plus-dev");
  /* Names that differ only in case or folded signs: the second gets six hex
   * digits of its name's digest, the same in either order. */
  claim(&m, "Foo Bar", NULL, a, sizeof(a));
  claim(&m, "foo-bar", NULL, b, sizeof(b));
  ASSERT_STR_EQ(a, "foo-bar");
  ASSERT_INT_EQ(strlen(b), strlen("foo-bar-") + 6);
  ASSERT(strncmp(b, "foo-bar-", 8) == 0);
  sk_strmap_cleanup(&m, free);
  sk_strmap_init(&m);
  claim(&m, "foo-bar", NULL, c, sizeof(c));
  claim(&m, "Foo Bar", NULL, d, sizeof(d));
  ASSERT_STR_EQ(c, "foo-bar");
  ASSERT_INT_EQ(strlen(d), strlen(b));
  ASSERT(strncmp(d, "foo-bar-", 8) == 0 && strcmp(d, b) != 0);
  /* The same name twice, or an explicit slug given twice, is reported. */
  ASSERT_STR_EQ(claim(&m, "Foo Bar", NULL, a, sizeof(a)), "");
  ASSERT_STR_EQ(claim(&m, "foo-bar", NULL, a, sizeof(a)), "");
  ASSERT_STR_EQ(claim(&m, "One", "mine", a, sizeof(a)), "mine");
  ASSERT_STR_EQ(claim(&m, "Two", "mine", a, sizeof(a)), "");
  sk_strmap_cleanup(&m, free);
}

TEST(utf8_validator) {
  ASSERT(sk_utf8_valid("plain", 5));
  ASSERT(sk_utf8_valid("\xc3\xa9\xe2\x80\x94\xf0\x9f\x9a\x80", 9));
  ASSERT(!sk_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  ASSERT(!sk_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
  ASSERT(!sk_utf8_valid("\xe2\x80", 2));         /* truncated */
  ASSERT(!sk_utf8_valid("a\0b", 3));
}

int main(void) {
  RUN(signs_are_spelled_so_names_stay_apart);
  RUN(run_file_names_are_reserved);
  RUN(distinct_names_get_distinct_slugs_in_any_order);
  RUN(full_record);
  RUN(missing_and_wrong_fields_name_place_and_field);
  RUN(hostile_values_are_refused);
  RUN(every_field_cap_is_exact_and_named);
  RUN(caps_count_bytes_not_characters);
  RUN(control_characters_in_any_field);
  RUN(slugs_are_always_safe);
  RUN(utf8_validator);
  return TEST_REPORT();
}
