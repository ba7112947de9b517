/* test_template.c: placeholder substitution and its errors. */
#include "harness.h"
#include "shipskip/util/template.h"

static int lookup(void *ctx, const char *key, size_t len, struct sk_buf *out) {
  (void)ctx;
  if (len == 4 && memcmp(key, "name", 4) == 0) {
    int rc = sk_buf_adds(out, "Gemini {{not.expanded}}");
    return rc == 0 ? 1 : rc;
  }
  if (len == 8 && memcmp(key, "tool.url", 8) == 0)
    return 0;
  return 0;
}

static int render(const char *tpl, struct sk_buf *out, struct sk_error *e) {
  sk_buf_reset(out);
  sk_error_clear(e);
  return sk_template_render(tpl, strlen(tpl), "prompts/user.txt", lookup, NULL,
                            out, e);
}

TEST(substitutes_and_copies_the_rest) {
  struct sk_buf b;
  struct sk_error e;
  sk_buf_init(&b, 1024);
  ASSERT_INT_EQ(render("Hi {{name}} and {{ name }}! {single} }} {", &b, &e), 0);
  /* A value is inserted as-is: placeholders inside values stay literal. */
  ASSERT_STR_EQ(sk_buf_str(&b), "Hi Gemini {{not.expanded}} and Gemini "
                                "{{not.expanded}}! {single} }} {");
  sk_buf_cleanup(&b);
}

TEST(missing_value_names_template_line_and_field) {
  struct sk_buf b;
  struct sk_error e;
  sk_buf_init(&b, 1024);
  ASSERT_INT_EQ(render("line one\nline two {{tool.url}}\n", &b, &e),
                SK_EMISSING);
  ASSERT_STR_EQ(e.msg,
                "prompts/user.txt:2: placeholder {{tool.url}} has no value");
  sk_buf_cleanup(&b);
}

TEST(malformed_placeholders) {
  struct sk_buf b;
  struct sk_error e;
  sk_buf_init(&b, 1024);
  ASSERT_INT_EQ(render("a {{name", &b, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "prompts/user.txt:1: unclosed or malformed");
  ASSERT_INT_EQ(render("a {{na me}}", &b, &e), SK_EPARSE);
  ASSERT_INT_EQ(render("a {{}}", &b, &e), SK_EPARSE);
  ASSERT_CONTAINS(e.msg, "empty or over-long");
  sk_buf_cleanup(&b);
}

TEST(output_cap_is_an_error) {
  struct sk_buf b;
  struct sk_error e;
  sk_buf_init(&b, 5);
  ASSERT_INT_EQ(render("{{name}}", &b, &e), SK_ETOOBIG);
  sk_buf_cleanup(&b);
}

int main(void) {
  RUN(substitutes_and_copies_the_rest);
  RUN(missing_value_names_template_line_and_field);
  RUN(malformed_placeholders);
  RUN(output_cap_is_an_error);
  return TEST_REPORT();
}
