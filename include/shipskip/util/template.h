/* template.h: a minimal text template renderer: "{{ key }}" placeholders are
 * replaced by what a lookup callback supplies. A placeholder with no value is
 * an error naming the template and line, never an empty string, so a typo in
 * a prompt cannot silently drop part of it. Text outside placeholders is
 * copied as it is; a lone "{" or "}" is ordinary text.
 */
#ifndef SHIPSKIP_TEMPLATE_H
#define SHIPSKIP_TEMPLATE_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stddef.h>

/* Appends the value of key (keylen bytes, not NUL-terminated) to out.
 * Returns 1 if it appended a value, 0 if key has no value, or a negative
 * code (SK_ENOMEM, SK_ETOOBIG) to stop rendering. */
typedef int (*sk_template_lookup_fn)(void *ctx, const char *key, size_t keylen,
                                     struct sk_buf *out);

/* Renders len bytes of template text, named name in messages, appending to
 * out. Keys are 1-64 characters of [A-Za-z0-9_.], with optional spaces
 * inside the braces. Returns 0, or SK_EMISSING ("NAME:LINE: placeholder
 * {{tool.url}} has no value"), SK_EPARSE (an unclosed or malformed
 * placeholder), SK_ENOMEM or SK_ETOOBIG. */
int sk_template_render(const char *tpl, size_t len, const char *name,
                       sk_template_lookup_fn lookup, void *ctx,
                       struct sk_buf *out, struct sk_error *err);

#endif
