/* jsonget.h: reading numbers and strings from parsed JSON without trusting
 * them.
 *
 * A JSON number is a double: 1e300, -0.5 or 1e19 all parse, and casting one
 * that does not fit to an integer type is undefined behaviour (fuzzing found
 * it three times). Every integer we take from outside input goes through
 * here, with the bounds its field allows, so there is one cap and one check.
 *
 * A JSON string may hold U+0000 ("\u0000", or a raw NUL byte inside the
 * quotes), and cJSON keeps strings as C strings without a length: the text
 * after the NUL is silently dropped, so a check on the string (control
 * characters, "ship" against "ship\u0000 or not") never sees it. Every JSON
 * text from outside is parsed with sk_json_parse(), which marks each string
 * that held a NUL, and every string is taken out with sk_json_str() (or a
 * sibling), which refuses a marked one: no string reaches our code cut short.
 */
#ifndef SHIPSKIP_JSONGET_H
#define SHIPSKIP_JSONGET_H

#include "shipskip/util/error.h"

#include <cJSON.h>
#include <stddef.h>

/* The largest integer a double holds exactly: the default upper bound for
 * counts (tokens, votes, occurrences) that have no natural limit. */
#define SK_JSON_INT_MAX 9007199254740991LL

/* Bits sk_json_parse() sets in item->type, above the bits cJSON uses (its
 * type is the low byte, cJSON_IsReference 256, cJSON_StringIsConst 512;
 * cJSON tests only those, so printing, duplicating and freeing a marked
 * tree work as before). */
#define SK_JSON_HELD_NUL (1 << 12) /* the value string held a NUL */
#define SK_JSON_KEY_NUL (1 << 13)  /* the member's key held a NUL */

/* Stores v's value in *out and returns 1 when v is a number that is an
 * integer within [min, max]; returns 0 (and leaves *out alone) when v is
 * NULL, not a number, not integral, not finite or out of bounds. */
int sk_json_int(const cJSON *v, long long min, long long max, long long *out);

/* The same for a finite number (integral or not) within [min, max]. */
int sk_json_num(const cJSON *v, double min, double max, double *out);

/* Parses len bytes of text as cJSON_ParseWithLengthOpts(text, len, end, 0)
 * does (the same result, *end and cJSON_GetErrorPtr()), then marks every
 * string value that held a NUL with SK_JSON_HELD_NUL, and renames every
 * object key that held one to its spelling in the source ("name\u0000x"),
 * marked SK_JSON_KEY_NUL, so a lookup of "name" cannot find it and an
 * unknown-key check names it as written. end may be NULL. Returns the tree
 * (free with cJSON_Delete), or NULL when text is not JSON or memory ran
 * out. */
cJSON *sk_json_parse(const char *text, size_t len, const char **end);

/* The answer of sk_json_str() for a string that held a NUL. */
#define SK_JSON_NUL (-1)

/* Takes the string out of v. Returns 1 and *out (owned by v) when v is a
 * string that held no NUL; 0 when v is NULL or not a string; SK_JSON_NUL
 * when it held a NUL. *out is NULL unless 1 is returned. */
int sk_json_str(const cJSON *v, const char **out);

/* The same, explained: returns 1 and *out, 0 when v is NULL or not a string
 * (err untouched: the caller says what it expected), or SK_EPARSE with err
 * reading "WHERE: WHAT holds a NUL character (\u0000), which is refused"
 * (where may be NULL or ""). */
int sk_json_str_at(const cJSON *v, const char *where, const char *what,
                   const char **out, struct sk_error *err);

/* The string of v, or NULL when v is NULL, not a string or held a NUL: for
 * readers to whom a cut string is as bad as no string (comparisons with a
 * keyword, optional labels). */
const char *sk_json_strval(const cJSON *v);

/* Returns 1 when some string value or key in the tree under v (v included)
 * held a NUL, so printing the tree again would not give the source's text;
 * 0 otherwise. With where (size bytes) not NULL, it receives the first
 * such string's path below v ("providers.local.base_url", "reviews[2].
 * verdict"; "" for v itself), cut to fit: for whole-file readers that
 * refuse the file naming the place. */
int sk_json_has_nul(const cJSON *v, char *where, size_t size);

/* For a whole-file reader that refuses a file holding a NUL anywhere:
 * returns 0 when the tree under root holds none, else sets err to code
 * with "PATH: WHERE holds a NUL character (\u0000), which is refused" and
 * returns code. */
int sk_json_refuse_nul(const cJSON *root, const char *path, int code,
                       struct sk_error *err);

#endif
