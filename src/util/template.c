/* template.c: "{{ key }}" placeholder substitution (see template.h). */
#include "shipskip/util/template.h"

#include <string.h>

static int is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.';
}

static size_t line_of(const char *tpl, const char *at) {
  size_t line = 1;
  for (; tpl < at; tpl++)
    if (*tpl == '\n')
      line++;
  return line;
}

int sk_template_render(const char *tpl, size_t len, const char *name,
                       sk_template_lookup_fn lookup, void *ctx,
                       struct sk_buf *out, struct sk_error *err) {
  const char *p = tpl;
  const char *end = tpl + len;
  int rc;

  while (p < end) {
    const char *open = NULL;
    const char *q;
    const char *key;
    size_t keylen;

    for (q = p; q + 1 < end; q++)
      if (q[0] == '{' && q[1] == '{') {
        open = q;
        break;
      }
    if (open == NULL) {
      rc = sk_buf_add(out, p, (size_t)(end - p));
      goto added;
    }
    rc = sk_buf_add(out, p, (size_t)(open - p));
    if (rc != 0)
      goto added;
    q = open + 2;
    while (q < end && *q == ' ')
      q++;
    key = q;
    while (q < end && is_key_char(*q))
      q++;
    keylen = (size_t)(q - key);
    while (q < end && *q == ' ')
      q++;
    if (q + 1 >= end || q[0] != '}' || q[1] != '}') {
      return sk_error_set(err, SK_EPARSE,
                          "%s:%zu: unclosed or malformed placeholder "
                          "(expected {{name}})",
                          name, line_of(tpl, open));
    }
    if (keylen == 0 || keylen > 64)
      return sk_error_set(err, SK_EPARSE,
                          "%s:%zu: empty or over-long "
                          "placeholder name",
                          name, line_of(tpl, open));
    rc = lookup(ctx, key, keylen, out);
    if (rc == 0)
      return sk_error_set(err, SK_EMISSING,
                          "%s:%zu: placeholder {{%.*s}} has no value", name,
                          line_of(tpl, open), (int)keylen, key);
    if (rc < 0)
      goto added;
    p = q + 2;
    continue;
  added:
    if (rc != 0)
      return sk_error_set(err, rc, "%s: rendering failed: %s", name,
                          sk_strerror(rc));
    break;
  }
  return 0;
}
