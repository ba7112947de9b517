/* harness.h: the small test harness every tests/test_*.c uses.
 *
 * Each test file defines TEST(name) functions and lists them in a main()
 * through RUN(name). An assertion that fails prints the file, line, the
 * expression and both values, marks the test failed and returns from it; the
 * other tests still run. The process exits non-zero when any test failed, and
 * prints "N passed, N failed" last, which ctest's log shows.
 */
#ifndef SHIPSKIP_TEST_HARNESS_H
#define SHIPSKIP_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int th_failed_now;
static int th_passed;
static int th_failed;

#define TEST(name) static void name(void)

#define RUN(name)                                                              \
  do {                                                                         \
    th_failed_now = 0;                                                         \
    name();                                                                    \
    if (th_failed_now) {                                                       \
      th_failed++;                                                             \
      fprintf(stderr, "FAIL %s\n", #name);                                     \
    } else {                                                                   \
      th_passed++;                                                             \
      fprintf(stderr, "ok   %s\n", #name);                                     \
    }                                                                          \
  } while (0)

#define TEST_REPORT()                                                          \
  (fprintf(stderr, "%d passed, %d failed\n", th_passed, th_failed),            \
   th_failed == 0 ? 0 : 1)

#define TH_FAIL(...)                                                           \
  do {                                                                         \
    fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                            \
    fprintf(stderr, __VA_ARGS__);                                              \
    fputc('\n', stderr);                                                       \
    th_failed_now = 1;                                                         \
    return;                                                                    \
  } while (0)

#define ASSERT(cond)                                                           \
  do {                                                                         \
    if (!(cond))                                                               \
      TH_FAIL("assertion failed: %s", #cond);                                  \
  } while (0)

#define ASSERT_INT_EQ(a, b)                                                    \
  do {                                                                         \
    long long th_a = (long long)(a);                                           \
    long long th_b = (long long)(b);                                           \
    if (th_a != th_b)                                                          \
      TH_FAIL("%s == %s: %lld != %lld", #a, #b, th_a, th_b);                   \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                    \
  do {                                                                         \
    const char *th_a = (a);                                                    \
    const char *th_b = (b);                                                    \
    if (th_a == NULL || th_b == NULL || strcmp(th_a, th_b) != 0)               \
      TH_FAIL("%s == %s:\n  got:  \"%s\"\n  want: \"%s\"", #a, #b,             \
              th_a ? th_a : "(null)", th_b ? th_b : "(null)");                 \
  } while (0)

#define ASSERT_CONTAINS(hay, needle)                                           \
  do {                                                                         \
    const char *th_h = (hay);                                                  \
    const char *th_n = (needle);                                               \
    if (th_h == NULL || strstr(th_h, th_n) == NULL)                            \
      TH_FAIL("%s contains %s:\n  in:   \"%s\"\n  want: \"%s\"", #hay,         \
              #needle, th_h ? th_h : "(null)", th_n);                          \
  } while (0)

#define ASSERT_NOT_CONTAINS(hay, needle)                                       \
  do {                                                                         \
    const char *th_h = (hay);                                                  \
    const char *th_n = (needle);                                               \
    if (th_h != NULL && strstr(th_h, th_n) != NULL)                            \
      TH_FAIL("%s must not contain %s:\n  in:   \"%s\"", #hay, #needle, th_h); \
  } while (0)

#endif
