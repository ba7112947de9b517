/* scrub.h: keeping credentials out of everything shipskip prints or
 * writes.
 *
 * A server may repeat the key it was sent (in an error body, a reply, a
 * header), and from there it would reach stderr, scorecards, the journal,
 * the JSON log and recorded fixtures. So every credential the program
 * knows is registered once at start-up, and text from outside (every byte
 * a server sends, before any parsing) and text on its way out (the event
 * renderer, the JSON log, every atomically written file) goes through
 * sk_scrub(), which replaces each occurrence with SK_SCRUB_MARK.
 *
 * A secret shorter than SK_SCRUB_MIN_LEN bytes is not registered: such a
 * "key" is a placeholder for a local server that takes none ("x", "none",
 * "sk-local"), not a credential, and replacing every occurrence of a short
 * common string would corrupt reviews. The minimum is also the marker's
 * length, so scrubbing never makes text longer and works in place.
 *
 * The registry is process-wide (one thread), holds copies of the secrets
 * and is emptied, wiped, by sk_scrub_clear().
 */
#ifndef SHIPSKIP_SCRUB_H
#define SHIPSKIP_SCRUB_H

#include <stddef.h>

#define SK_SCRUB_MARK "[redacted]"
#define SK_SCRUB_MIN_LEN 10 /* == strlen(SK_SCRUB_MARK) */
#define SK_SCRUB_MAX 64     /* registered strings, escaped forms included */

/* Registers secret (copied), and its JSON-escaped form when that differs,
 * so a key with a quote or a backslash is also found inside JSON text.
 * NULL, a secret shorter than SK_SCRUB_MIN_LEN and one already registered
 * are ignored. Returns 0, SK_ENOMEM, or SK_ETOOBIG past SK_SCRUB_MAX. */
int sk_scrub_add(const char *secret);

/* Registers the credentials a URL may carry: the password of its user
 * part and the value of every query parameter whose name holds "key",
 * "token", "secret", "auth", "sig" or "pass" (case-insensitive), as
 * written and percent-decoded. Returns 0 or as sk_scrub_add(). */
int sk_scrub_add_url(const char *url);

/* Replaces, in place, every occurrence of a registered secret in the len
 * bytes at buf (embedded NULs allowed) with SK_SCRUB_MARK, the longest
 * secret first where two start at one place. Returns the new length (never
 * more than len); when it shrank, buf[new length] is set to NUL, so buf
 * must then hold len + 1 bytes (a NUL-terminated string or an sk_buf). */
size_t sk_scrub(char *buf, size_t len);

/* Returns 1 when a registered secret occurs in the len bytes at buf, else
 * 0: for callers holding const text, which copy it only then. */
int sk_scrub_found(const char *buf, size_t len);

/* Returns a scrubbed heap copy of s (free() it), or NULL when out of
 * memory. */
char *sk_scrub_dup(const char *s);

/* Forgets every secret, wiping the copies first. */
void sk_scrub_clear(void);

#endif
