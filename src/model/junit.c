/* junit.c: the JUnit XML report of a review run (see junit.h): one
 * testsuite per tool, rendered as each tool ends and kept as text, and the
 * one escaper every text and attribute value goes through. */
#include "shipskip/model/junit.h"

#include "shipskip/model/persona.h"
#include "shipskip/util/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sk_junit {
  struct sk_buf suites; /* the <testsuite> elements so far */
  unsigned long tests;
  unsigned long failures;
};

struct sk_junit *sk_junit_new(void) {
  struct sk_junit *j = calloc(1, sizeof(*j));
  if (j != NULL)
    sk_buf_init(&j->suites, SK_JUNIT_CAP);
  return j;
}

void sk_junit_free(struct sk_junit *j) {
  if (j == NULL)
    return;
  sk_buf_cleanup(&j->suites);
  free(j);
}

/* The length of the valid UTF-8 sequence at s (1-4) and its code point in
 * *cp, or 0 when the bytes there are not one (overlong forms, surrogates
 * and code points past U+10FFFF included). */
static int utf8_seq(const unsigned char *s, unsigned long *cp) {
  int n;
  int i;
  unsigned long c;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    n = 2;
    c = s[0] & 0x1fu;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    n = 3;
    c = s[0] & 0x0fu;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    n = 4;
    c = s[0] & 0x07u;
  } else {
    return 0;
  }
  for (i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0; /* also stops at the NUL */
    c = c << 6 | (s[i] & 0x3fu);
  }
  if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
      (c >= 0xd800 && c <= 0xdfff))
    return 0;
  *cp = c;
  return n;
}

/* The entity for ASCII character c, or NULL when it stands for itself. */
static const char *entity(unsigned char c, int attr) {
  switch (c) {
  case '&':
    return "&amp;";
  case '<':
    return "&lt;";
  case '>':
    return "&gt;";
  case '"':
    return "&quot;";
  case '\'':
    return "&apos;";
  case '\t':
    return attr ? "&#9;" : NULL;
  case '\n':
    return attr ? "&#10;" : NULL;
  case '\r':
    return "&#13;"; /* a raw CR would be normalized away by parsers */
  default:
    return NULL;
  }
}

int sk_junit_escape(struct sk_buf *out, const char *s, int attr) {
  const unsigned char *p = (const unsigned char *)s;
  int rc = 0;

  while (p != NULL && *p != '\0' && rc == 0) {
    unsigned long cp;
    int n = utf8_seq(p, &cp);
    const char *ent = n == 1 ? entity(*p, attr) : NULL;
    if (n == 0) {
      rc = sk_buf_adds(out, "\xef\xbf\xbd"); /* U+FFFD for a bad byte */
      p++;
      continue;
    }
    if (ent != NULL)
      rc = sk_buf_adds(out, ent);
    else if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xfffe ||
             cp == 0xffff)
      ; /* XML 1.0 has no way to write these: drop them */
    else
      rc = sk_buf_add(out, p, (size_t)n);
    p += n;
  }
  return rc;
}

/* Appends r's reasons, one a line: the failure's text. */
static int add_reasons(struct sk_buf *b, const struct sk_review *r) {
  size_t i;
  int rc = 0;
  for (i = 0; i < r->nerrors && rc == 0; i++) {
    rc |= sk_junit_escape(b, r->errors[i], 0);
    rc |= sk_buf_adds(b, "\n");
  }
  if (r->nerrors == 0)
    rc |= sk_buf_adds(b, "the review did not finish\n");
  return rc;
}

/* Appends one <testcase> for review r of tool slug. */
static int add_case(struct sk_buf *b, const char *slug,
                    const struct sk_review *r) {
  int rc = sk_buf_adds(b, "    <testcase classname=\"");
  rc |= sk_junit_escape(b, slug, 1);
  rc |= sk_buf_adds(b, "\" name=\"");
  rc |= sk_junit_escape(b, r->persona->name, 1);
  rc |= sk_buf_adds(b, "\">\n");
  if (r->status == SK_REVIEW_OK) {
    rc |=
        sk_buf_printf(b, "      <system-out>SCORE %d/100, VERDICT ", r->score);
    rc |= sk_junit_escape(b, r->verdict, 0);
    rc |= sk_buf_adds(b, "</system-out>\n");
  } else {
    rc |= sk_buf_adds(b, "      <failure type=\"review\" message=\"");
    rc |= sk_junit_escape(
        b, r->nerrors > 0 ? r->errors[0] : "the review did not finish", 1);
    rc |= sk_buf_adds(b, "\">");
    rc |= add_reasons(b, r);
    rc |= sk_buf_adds(b, "</failure>\n");
  }
  rc |= sk_buf_adds(b, "    </testcase>\n");
  return rc;
}

int sk_junit_add_tool(struct sk_junit *j, const struct sk_tool *t,
                      const struct sk_review *r, size_t n, double seconds) {
  struct sk_buf s;
  size_t failures = 0;
  size_t i;
  int rc;

  for (i = 0; i < n; i++)
    if (r[i].status != SK_REVIEW_OK)
      failures++;
  /* The suite is rendered apart and appended whole, so a failure leaves
   * the report as it was: well-formed. */
  sk_buf_init(&s, SK_JUNIT_CAP);
  rc = sk_buf_adds(&s, "  <testsuite name=\"");
  rc |= sk_junit_escape(&s, t->slug, 1);
  rc |= sk_buf_printf(&s,
                      "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                      "skipped=\"0\" time=\"%.3f\">\n",
                      n, failures, seconds);
  for (i = 0; i < n && rc == 0; i++)
    rc |= add_case(&s, t->slug, &r[i]);
  rc |= sk_buf_adds(&s, "  </testsuite>\n");
  if (rc == 0)
    rc = sk_buf_add(&j->suites, s.data, s.len);
  else
    rc = SK_ENOMEM;
  sk_buf_cleanup(&s);
  if (rc != 0)
    return rc;
  j->tests += n;
  j->failures += failures;
  return 0;
}

int sk_junit_render(const struct sk_junit *j, double seconds,
                    struct sk_buf *out) {
  int rc = sk_buf_printf(out,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<testsuites name=\"shipskip\" tests=\"%lu\" "
                         "failures=\"%lu\" errors=\"0\" time=\"%.3f\">\n",
                         j->tests, j->failures, seconds);
  if (rc == 0 && j->suites.len > 0)
    rc = sk_buf_add(out, j->suites.data, j->suites.len);
  if (rc == 0)
    rc = sk_buf_adds(out, "</testsuites>\n");
  return rc;
}

int sk_junit_write(const struct sk_junit *j, const char *path, double seconds,
                   struct sk_error *err) {
  struct sk_buf b;
  char dir[4096];
  const char *slash = strrchr(path, '/');
  const char *name = slash != NULL ? slash + 1 : path;
  int rc;

  if (slash == NULL)
    snprintf(dir, sizeof(dir), ".");
  else if (slash == path)
    snprintf(dir, sizeof(dir), "/");
  else if ((size_t)(slash - path) < sizeof(dir))
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
  else
    return sk_error_set(err, SK_EINVAL, "%s: path too long", path);
  sk_buf_init(&b, SK_JUNIT_CAP + 4096);
  rc = sk_junit_render(j, seconds, &b);
  if (rc != 0)
    rc = sk_error_set(err, rc, "%s: %s", path, sk_strerror(rc));
  else
    rc = sk_fs_write_atomic(dir, name, b.data, b.len, err);
  sk_buf_cleanup(&b);
  return rc;
}
