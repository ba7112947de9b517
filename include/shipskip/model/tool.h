/* tool.h: one tool description, the unit shipskip reviews.
 *
 * A tool has a required name and description, optional tagline, category,
 * pricing, entry (normalized to "Free" or "Paid"), best_for and url, and a
 * slug that is always safe as a file name: taken from the record when it is
 * already safe, derived from the name when absent. Records come from
 * submitters and are untrusted: every field is type-checked, length-capped
 * and checked to be valid UTF-8 before it reaches a prompt or a page.
 */
#ifndef SHIPSKIP_TOOL_H
#define SHIPSKIP_TOOL_H

#include "shipskip/util/error.h"
#include "shipskip/util/strmap.h"

#include <cJSON.h>
#include <stddef.h>

/* Caps on what a record may hold; a record over a cap is rejected whole. */
#define SK_TOOL_MAX_DESCRIPTION 20000
#define SK_TOOL_MAX_FIELD 2000
#define SK_TOOL_MAX_SLUG 64

struct sk_tool {
  char *slug;
  char *name;
  char *description;
  char *tagline; /* optional fields are NULL when absent */
  char *category;
  char *pricing;
  char *entry; /* "Free" or "Paid" */
  char *best_for;
  char *url;
  char *origin;   /* "FILE:LINE" where the record started, for messages */
  int slug_given; /* 1 when the record gave the slug, 0 when derived */
};

/* Builds a tool from a parsed JSON object. origin ("FILE:LINE") is copied and
 * prefixed to error messages: `FILE:LINE: field "description" is missing`.
 * Returns 0 and *out (free with sk_tool_free), or SK_EPARSE / SK_EMISSING /
 * SK_ETOOBIG / SK_ENOMEM with err set. */
int sk_tool_from_json(const cJSON *obj, const char *origin,
                      struct sk_tool **out, struct sk_error *err);

/* Frees a tool and its strings. NULL-safe. */
void sk_tool_free(struct sk_tool *t);

/* Returns the value of a field by JSON name ("name", "best_for", "slug"...),
 * or NULL when the field is absent or unknown. */
const char *sk_tool_field(const struct sk_tool *t, const char *field);

/* Derives a file-name-safe slug from a name into out[SK_TOOL_MAX_SLUG + 1]:
 * lowercase ASCII letters and digits; the signs that tell everyday names
 * apart spelled as words ('+' is "plus", '#' after a letter or digit
 * "sharp", '.' opening the name or a word "dot": C++ is "c-plus-plus", C#
 * "c-sharp", .NET "dot-net"); runs of anything else become one '-', no
 * leading or trailing '-'. A name with no ASCII letter or digit gets "tool-"
 * and 12 hex digits of its SHA-256. A slug that would name a run file (see
 * sk_slug_reserved) gets "-tool" appended. Cannot fail. */
void sk_slug_from_name(const char *name, char out[SK_TOOL_MAX_SLUG + 1]);

/* Returns the run file that slug would collide with in an output folder
 * ("summary" gives "summary.json"), or NULL when slug is free for a tool.
 * The returned string is static. */
const char *sk_slug_reserved(const char *slug);

/* Claims t's slug in taken, the batch's set of slugs (keys copied; each
 * value a copy of the holder's name: clean up with free). Returns
 * 1 when t may be reviewed under t->slug; 0 when it may not (err says why:
 * an explicit slug another tool has, or the same name twice); SK_ENOMEM. A
 * derived slug that another tool already has is made distinct with '-' and
 * six hex digits of the SHA-256 of t's name (t->slug replaced), so two
 * distinct names never lose a tool. */
int sk_slug_claim(struct sk_strmap *taken, struct sk_tool *t,
                  struct sk_error *err);

/* The batch's set of slugs as sk_slugset_claim keeps it: per slug, 128
 * bits of the SHA-256 of the slug and 128 of its holder's name, 32 bytes
 * in a table at most three quarters full, whatever the lengths (a set of
 * strings costs several times that per tool, and a batch has one slug per
 * tool). Two slugs, or two names, with the same 128 bits would be taken
 * for one: a chance of about n^2 / 2^129 for n tools (10^-29 for a million),
 * and SHA-256 leaves no way to make such a pair on purpose. Zeroed or
 * sk_slugset_init() is empty; sk_slugset_cleanup() frees it. */
struct sk_slugset_slot {
  unsigned char slug[16]; /* all zero: an empty slot */
  unsigned char name[16];
};

struct sk_slugset {
  struct sk_slugset_slot *slots;
  size_t cap; /* a power of two, or 0 */
  size_t used;
};

/* Initializes an empty set. Cannot fail. */
void sk_slugset_init(struct sk_slugset *s);

/* Frees the set's table. NULL-safe. */
void sk_slugset_cleanup(struct sk_slugset *s);

/* sk_slug_claim on a sk_slugset: the same answers, the same slugs made
 * distinct, the same messages. */
int sk_slugset_claim(struct sk_slugset *s, struct sk_tool *t,
                     struct sk_error *err);

/* Returns 1 if s is a safe slug: 1..64 chars of [a-z0-9-], starting with a
 * letter or digit. Such a slug cannot name a path outside a directory. */
int sk_slug_is_safe(const char *s);

/* Returns 1 if the len bytes at s are valid UTF-8 (no overlongs, no
 * surrogates, nothing past U+10FFFF) with no NUL byte, else 0. */
int sk_utf8_valid(const char *s, size_t len);

#endif
