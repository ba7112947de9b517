/* junit.h: a review run as a JUnit XML report, so CI systems (Jenkins,
 * GitLab, GitHub's test reporters) show it like a test run.
 *
 *   <testsuites name="shipskip" tests="8" failures="1" time="12.345">
 *     <testsuite name="flintest" tests="4" failures="1" errors="0"
 *                skipped="0" time="3.210">
 *       <testcase classname="flintest" name="skeptic">
 *         <system-out>SCORE 72/100, VERDICT ship</system-out>
 *       </testcase>
 *       <testcase classname="flintest" name="builder">
 *         <failure message="first reason" type="review">every reason, one
 *           a line</failure>
 *       </testcase>
 *     </testsuite>
 *   </testsuites>
 *
 * One testsuite per tool, one testcase per persona; a review that failed is
 * a failure carrying its reasons. A verdict of "skip" is a review that
 * succeeded: the tool's verdict is not a test result. Every text goes
 * through one escaper that also keeps the file well-formed XML 1.0: control
 * characters XML forbids are dropped and invalid UTF-8 becomes U+FFFD.
 * A suite's time is the seconds from the start of the run until its last
 * review ended (tools are reviewed concurrently, so suites overlap).
 *
 * Lifetime: sk_junit_new() → sk_junit_add_tool()... → sk_junit_write() →
 * sk_junit_free().
 */
#ifndef SHIPSKIP_JUNIT_H
#define SHIPSKIP_JUNIT_H

#include "shipskip/model/review.h"
#include "shipskip/model/tool.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stddef.h>

/* The largest report kept in memory: far past any real batch. */
#define SK_JUNIT_CAP (256u * 1024 * 1024)

struct sk_junit;

/* Creates an empty report. Returns it, or NULL when out of memory. */
struct sk_junit *sk_junit_new(void);

/* Frees the report. NULL-safe. */
void sk_junit_free(struct sk_junit *j);

/* Adds tool t's suite: n reviews (panel order), seconds since the run
 * started. Nothing is kept from t or r after the call. Returns 0,
 * SK_ENOMEM, or SK_ETOOBIG past SK_JUNIT_CAP (the report then stays as it
 * was before the call). */
int sk_junit_add_tool(struct sk_junit *j, const struct sk_tool *t,
                      const struct sk_review *r, size_t n, double seconds);

/* Renders the whole report (XML declaration, testsuites with the totals,
 * the run's seconds) into out. Returns 0, SK_ENOMEM or SK_ETOOBIG. */
int sk_junit_render(const struct sk_junit *j, double seconds,
                    struct sk_buf *out);

/* Writes the report to path atomically (temporary file, fsync, rename):
 * on failure the previous file, if any, is intact. Returns 0, or an error
 * with err naming path. */
int sk_junit_write(const struct sk_junit *j, const char *path, double seconds,
                   struct sk_error *err);

/* Appends s to out escaped for XML 1.0 text and attribute values: & < > "
 * ' as entities, tab/newline/CR kept (as &#9; &#10; &#13; when attr is
 * not 0, so attribute values keep them), other control characters and
 * U+FFFE/U+FFFF dropped, invalid UTF-8 bytes replaced by U+FFFD. s may be
 * NULL (nothing appended). Returns as sk_buf_add(). */
int sk_junit_escape(struct sk_buf *out, const char *s, int attr);

#endif
