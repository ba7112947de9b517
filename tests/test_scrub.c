/* test_scrub.c: the credential scrubber (util/scrub.h): every occurrence of
 * a registered secret is replaced, in raw and JSON-escaped form, the
 * longest first; short placeholders are not secrets; URL credentials are
 * found; text without a secret is left alone, byte for byte. */
#include "harness.h"

#include "shipskip/util/error.h"
#include "shipskip/util/scrub.h"

static size_t scrub_str(char *s) {
  return sk_scrub(s, strlen(s));
}

TEST(replaces_every_occurrence) {
  char buf[256] = "key sk-live-0123456789 then sk-live-0123456789.";
  size_t n;
  sk_scrub_clear();
  ASSERT_INT_EQ(sk_scrub_add("sk-live-0123456789"), 0);
  n = scrub_str(buf);
  ASSERT_STR_EQ(buf, "key [redacted] then [redacted].");
  ASSERT_INT_EQ(n, strlen(buf));
  ASSERT(!sk_scrub_found(buf, n));
}

TEST(text_without_secret_is_untouched) {
  char buf[64] = "nothing to see here";
  sk_scrub_clear();
  ASSERT_INT_EQ(sk_scrub_add("sk-live-0123456789"), 0);
  ASSERT_INT_EQ(scrub_str(buf), 19);
  ASSERT_STR_EQ(buf, "nothing to see here");
  /* A prefix of the secret at the very end is no match, and no overread. */
  strcpy(buf, "tail sk-live-01234");
  ASSERT_INT_EQ(scrub_str(buf), 18);
  ASSERT_STR_EQ(buf, "tail sk-live-01234");
}

TEST(short_keys_are_not_secrets) {
  char buf[64] = "x marks none of the spots";
  sk_scrub_clear();
  ASSERT_INT_EQ(sk_scrub_add("x"), 0);
  ASSERT_INT_EQ(sk_scrub_add("none"), 0);
  ASSERT_INT_EQ(sk_scrub_add("123456789"), 0); /* 9 bytes: below the min */
  ASSERT_INT_EQ(sk_scrub_add(NULL), 0);
  scrub_str(buf);
  ASSERT_STR_EQ(buf, "x marks none of the spots");
  /* Exactly the minimum is scrubbed (the mark is as long). */
  ASSERT_INT_EQ(sk_scrub_add("0123456789"), 0);
  strcpy(buf, "a0123456789b");
  ASSERT_INT_EQ(scrub_str(buf), 12);
  ASSERT_STR_EQ(buf, "a[redacted]b");
}

TEST(json_escaped_form_is_found) {
  char buf[128] = "{\"message\":\"bad key ab\\\"cd\\\\efghij\"}";
  sk_scrub_clear();
  ASSERT_INT_EQ(sk_scrub_add("ab\"cd\\efghij"), 0);
  scrub_str(buf);
  ASSERT_STR_EQ(buf, "{\"message\":\"bad key [redacted]\"}");
}

TEST(longest_secret_wins) {
  char buf[128] = "<sk-abcdefghij-LONGER-PART>";
  sk_scrub_clear();
  ASSERT_INT_EQ(sk_scrub_add("sk-abcdefghij"), 0);
  ASSERT_INT_EQ(sk_scrub_add("sk-abcdefghij-LONGER-PART"), 0);
  scrub_str(buf);
  ASSERT_STR_EQ(buf, "<[redacted]>");
}

TEST(embedded_nul_and_dup) {
  char buf[64];
  char *d;
  size_t n;
  sk_scrub_clear();
  ASSERT_INT_EQ(sk_scrub_add("secret-value-1"), 0);
  memcpy(buf, "a\0secret-value-1\0b", 19);
  n = sk_scrub(buf, 18);
  ASSERT_INT_EQ(n, 14);
  ASSERT(memcmp(buf, "a\0[redacted]\0b", 14) == 0);
  d = sk_scrub_dup("<secret-value-1>");
  ASSERT(d != NULL);
  ASSERT_STR_EQ(d, "<[redacted]>");
  free(d);
}

TEST(url_credentials) {
  char buf[256] = "GET /x?key=AIzaSyQUERY-0001&model=m tok%2Bken-0002 "
                  "tok+ken-0002 pw:hunter2-hunter2@";
  sk_scrub_clear();
  ASSERT_INT_EQ(sk_scrub_add_url("https://u:hunter2-hunter2@api.example/"
                                 "v1?model=gpt-4o-mini-long&key=AIzaSyQUERY-"
                                 "0001&access_token=tok%2Bken-0002#frag"),
                0);
  scrub_str(buf);
  ASSERT_STR_EQ(buf, "GET /x?key=[redacted]&model=m [redacted] "
                     "[redacted] pw:[redacted]@");
  /* Parameters that do not name a credential are not secrets. */
  strcpy(buf, "gpt-4o-mini-long");
  scrub_str(buf);
  ASSERT_STR_EQ(buf, "gpt-4o-mini-long");
  ASSERT_INT_EQ(sk_scrub_add_url(NULL), 0);
  ASSERT_INT_EQ(sk_scrub_add_url("http://plain.example/v1"), 0);
}

TEST(registry_is_capped_and_cleared) {
  char s[32];
  int i;
  int rc = 0;
  sk_scrub_clear();
  for (i = 0; i < SK_SCRUB_MAX + 1 && rc == 0; i++) {
    snprintf(s, sizeof(s), "secret-number-%03d", i);
    rc = sk_scrub_add(s);
  }
  ASSERT_INT_EQ(rc, SK_ETOOBIG);
  ASSERT_INT_EQ(i, SK_SCRUB_MAX + 1);
  /* A duplicate is not a new entry (and not an error when full). */
  ASSERT_INT_EQ(sk_scrub_add("secret-number-000"), 0);
  sk_scrub_clear();
  strcpy(s, "secret-number-000");
  ASSERT(!sk_scrub_found(s, strlen(s)));
}

int main(void) {
  RUN(replaces_every_occurrence);
  RUN(text_without_secret_is_untouched);
  RUN(short_keys_are_not_secrets);
  RUN(json_escaped_form_is_found);
  RUN(longest_secret_wins);
  RUN(embedded_nul_and_dup);
  RUN(url_credentials);
  RUN(registry_is_capped_and_cleared);
  sk_scrub_clear();
  return TEST_REPORT();
}
