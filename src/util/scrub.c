/* scrub.c: the registry of known credentials and the in-place scrubber
 * (see scrub.h).
 *
 * Secrets are kept longest first, with a table of the bytes any of them
 * starts with, so scanning text is one table lookup per byte and a compare
 * only where a secret could start: bodies of megabytes scrub in linear
 * time, and the common case (no secret anywhere) copies nothing.
 */
#include "shipskip/util/scrub.h"
#include "shipskip/util/unicode.h"
#include "shipskip/util/error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct secret {
  char *s;
  size_t len;
};

static struct secret secrets[SK_SCRUB_MAX];
static size_t nsecrets;
static unsigned char first_byte[256]; /* 1 where a secret may start */

/* Overwrites n bytes in a way the compiler may not drop as a dead store. */
static void wipe(char *p, size_t n) {
  volatile char *v = p;
  while (n-- > 0)
    *v++ = 0;
}

static int registered(const char *s, size_t len) {
  size_t i;
  for (i = 0; i < nsecrets; i++)
    if (secrets[i].len == len && memcmp(secrets[i].s, s, len) == 0)
      return 1;
  return 0;
}

/* Adds len bytes at s to the registry, keeping it longest first. */
static int add_raw(const char *s, size_t len) {
  size_t at;
  char *copy;

  if (len < SK_SCRUB_MIN_LEN || registered(s, len))
    return 0;
  if (nsecrets == SK_SCRUB_MAX)
    return SK_ETOOBIG;
  copy = malloc(len + 1);
  if (copy == NULL)
    return SK_ENOMEM;
  memcpy(copy, s, len);
  copy[len] = '\0';
  at = nsecrets;
  while (at > 0 && secrets[at - 1].len < len) {
    secrets[at] = secrets[at - 1];
    at--;
  }
  secrets[at].s = copy;
  secrets[at].len = len;
  nsecrets++;
  first_byte[(unsigned char)s[0]] = 1;
  return 0;
}

/* Writes s JSON-escaped, as cJSON prints a string, into out (room for
 * 6 * strlen(s) + 1 bytes); returns its length. */
static size_t json_escape(const char *s, char *out) {
  static const char hex[] = "0123456789abcdef";
  size_t n = 0;
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    const char *short_form = c == '"'    ? "\\\""
                             : c == '\\' ? "\\\\"
                             : c == '\b' ? "\\b"
                             : c == '\f' ? "\\f"
                             : c == '\n' ? "\\n"
                             : c == '\r' ? "\\r"
                             : c == '\t' ? "\\t"
                                         : NULL;
    if (short_form != NULL) {
      memcpy(out + n, short_form, 2);
      n += 2;
    } else if (c < 0x20) {
      memcpy(out + n, "\\u00", 4);
      out[n + 4] = hex[c >> 4];
      out[n + 5] = hex[c & 15];
      n += 6;
    } else {
      out[n++] = (char)c;
    }
  }
  out[n] = '\0';
  return n;
}

int sk_scrub_add(const char *secret) {
  size_t len;
  char *esc;
  size_t elen;
  int rc;

  if (secret == NULL)
    return 0;
  len = strlen(secret);
  rc = add_raw(secret, len);
  if (rc != 0 || len < SK_SCRUB_MIN_LEN)
    return rc;
  esc = malloc(6 * len + 1);
  if (esc == NULL)
    return SK_ENOMEM;
  elen = json_escape(secret, esc);
  if (elen != len)
    rc = add_raw(esc, elen);
  wipe(esc, elen);
  free(esc);
  return rc;
}

/* Registers len bytes at v as written and percent-decoded. */
static int add_url_value(const char *v, size_t len) {
  char *raw = malloc(len + 1);
  char *dec = malloc(len + 1);
  size_t i;
  size_t n = 0;
  int rc = SK_ENOMEM;

  if (raw != NULL && dec != NULL) {
    memcpy(raw, v, len);
    raw[len] = '\0';
    for (i = 0; i < len; i++) {
      if (v[i] == '%' && i + 2 < len && sk_hex_value(v[i + 1]) >= 0 &&
          sk_hex_value(v[i + 2]) >= 0) {
        dec[n++] = (char)(sk_hex_value(v[i + 1]) * 16 + sk_hex_value(v[i + 2]));
        i += 2;
      } else {
        dec[n++] = v[i] == '+' ? ' ' : v[i];
      }
    }
    dec[n] = '\0';
    rc = sk_scrub_add(raw);
    if (rc == 0 && memchr(dec, '\0', n) == NULL)
      rc = sk_scrub_add(dec);
    wipe(raw, len);
    wipe(dec, n);
  }
  free(raw);
  free(dec);
  return rc;
}

/* Whether a query parameter's name (len bytes) names a credential. */
static int secret_name(const char *name, size_t len) {
  static const char *const words[] = {"key",  "token", "secret",
                                      "auth", "sig",   "pass"};
  size_t i;
  size_t j;
  for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
    size_t wl = strlen(words[i]);
    for (j = 0; j + wl <= len; j++)
      if (strncasecmp(name + j, words[i], wl) == 0)
        return 1;
  }
  return 0;
}

/* Registers the password of "scheme://user:password@host...". */
static int add_userinfo(const char *url) {
  const char *p = strstr(url, "://");
  size_t auth_len;
  const char *at;
  const char *colon;

  if (p == NULL)
    return 0;
  p += 3;
  auth_len = strcspn(p, "/?#");
  at = memchr(p, '@', auth_len);
  if (at == NULL)
    return 0;
  colon = memchr(p, ':', (size_t)(at - p));
  if (colon == NULL)
    return 0;
  return add_url_value(colon + 1, (size_t)(at - colon - 1));
}

int sk_scrub_add_url(const char *url) {
  const char *q;
  const char *end;
  int rc;

  if (url == NULL)
    return 0;
  rc = add_userinfo(url);
  q = strchr(url, '?');
  if (rc != 0 || q == NULL)
    return rc;
  q++;
  end = q + strcspn(q, "#");
  while (rc == 0 && q < end) {
    size_t plen = strcspn(q, "&#");
    const char *eq = memchr(q, '=', plen);
    if (eq != NULL && secret_name(q, (size_t)(eq - q)))
      rc = add_url_value(eq + 1, (size_t)(q + plen - eq - 1));
    /* Past the '&' (at end, q lands on it and the loop stops). */
    q += plen + (q + plen < end ? 1 : 0);
  }
  return rc;
}

/* The length of the longest secret at p (avail bytes left), or 0. */
static size_t match_at(const char *p, size_t avail) {
  size_t i;
  if (!first_byte[(unsigned char)*p])
    return 0;
  for (i = 0; i < nsecrets; i++)
    if (secrets[i].len <= avail && memcmp(p, secrets[i].s, secrets[i].len) == 0)
      return secrets[i].len;
  return 0;
}

size_t sk_scrub(char *buf, size_t len) {
  static const char mark[] = SK_SCRUB_MARK;
  size_t r = 0;
  size_t w = 0;

  if (nsecrets == 0 || !sk_scrub_found(buf, len))
    return len;
  /* Every secret is at least as long as the mark, so the write position
   * never passes the read position. */
  while (r < len) {
    size_t m = match_at(buf + r, len - r);
    if (m > 0) {
      memcpy(buf + w, mark, sizeof(mark) - 1);
      w += sizeof(mark) - 1;
      r += m;
    } else {
      buf[w++] = buf[r++];
    }
  }
  if (w < len)
    buf[w] = '\0';
  return w;
}

int sk_scrub_found(const char *buf, size_t len) {
  size_t i;
  if (nsecrets == 0)
    return 0;
  for (i = 0; i < len; i++)
    if (match_at(buf + i, len - i) > 0)
      return 1;
  return 0;
}

char *sk_scrub_dup(const char *s) {
  size_t len = strlen(s);
  char *copy = malloc(len + 1);
  if (copy == NULL)
    return NULL;
  memcpy(copy, s, len + 1);
  sk_scrub(copy, len);
  return copy;
}

void sk_scrub_clear(void) {
  size_t i;
  for (i = 0; i < nsecrets; i++) {
    wipe(secrets[i].s, secrets[i].len);
    free(secrets[i].s);
    secrets[i].s = NULL;
  }
  nsecrets = 0;
  memset(first_byte, 0, sizeof(first_byte));
}
