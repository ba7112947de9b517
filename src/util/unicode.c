/* unicode.c: finding and showing invisible and reordering characters (see
 * unicode.h). One decoder and one table serve the HTML and Markdown
 * escapers and the terminal, so the three cannot disagree on what is shown.
 */
#include "shipskip/util/unicode.h"
#include "shipskip/util/error.h"

#include <stdint.h>
#include <string.h>

/* Format (Cf) characters and their like, as closed ranges. */
static const uint32_t HIDDEN[][2] = {
    {0x0080, 0x009F},   /* C1 controls (0x9B is a CSI to some terminals) */
    {0x00AD, 0x00AD},   /* soft hyphen */
    {0x0600, 0x0605},   /* Arabic number signs */
    {0x061C, 0x061C},   /* Arabic letter mark (bidi) */
    {0x06DD, 0x06DD},   /* Arabic end of ayah */
    {0x070F, 0x070F},   /* Syriac abbreviation mark */
    {0x0890, 0x0891},   /* Arabic pound and piastre marks above */
    {0x08E2, 0x08E2},   /* Arabic disputed end of ayah */
    {0x180E, 0x180E},   /* Mongolian vowel separator */
    {0x200B, 0x200F},   /* zero width space, (non-)joiner, LRM, RLM */
    {0x2028, 0x202E},   /* line and paragraph separators, embeddings,
                           overrides */
    {0x2060, 0x2064},   /* word joiner, invisible operators */
    {0x2066, 0x206F},   /* isolates, deprecated format characters */
    {0xFEFF, 0xFEFF},   /* zero width no-break space (BOM) */
    {0xFFF9, 0xFFFB},   /* interlinear annotation */
    {0x110BD, 0x110BD}, /* Kaithi number sign */
    {0x110CD, 0x110CD},
    {0x13430, 0x1343F}, /* Egyptian hieroglyph format controls */
    {0x1BCA0, 0x1BCA3}, /* shorthand format controls */
    {0x1D173, 0x1D17A}, /* musical symbol format controls */
    {0xE0001, 0xE0001}, /* language tag */
    {0xE0020, 0xE007F}, /* tag characters */
};

/* Decodes the well-formed UTF-8 sequence at s into *cp and returns its
 * length, or 0 when s does not start one (ASCII included). */
static size_t decode(const unsigned char *s, uint32_t *cp) {
  size_t n;
  size_t k;
  uint32_t v;

  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    n = 2;
    v = s[0] & 0x1Fu;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    n = 3;
    v = s[0] & 0x0Fu;
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    n = 4;
    v = s[0] & 0x07u;
  } else {
    return 0;
  }
  for (k = 1; k < n; k++) {
    if ((s[k] & 0xC0) != 0x80) /* the NUL ends it here too */
      return 0;
    v = (v << 6) | (s[k] & 0x3Fu);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
      (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
    return 0;
  *cp = v;
  return n;
}

/* Whether cp is shown, given prev, the code point before it that was kept
 * as it is (0 at the start or after a shown one). */
static int hidden(uint32_t cp, uint32_t prev) {
  size_t i;

  if ((cp == 0x200C || cp == 0x200D) && prev >= 0x80)
    return 0; /* joiners inside non-Latin words and emoji sequences */
  if (cp >= 0xE0020 && cp <= 0xE007F &&
      (prev == 0x1F3F4 || (prev >= 0xE0020 && prev <= 0xE007E)))
    return 0; /* the tags of a subdivision flag */
  for (i = 0; i < sizeof(HIDDEN) / sizeof(HIDDEN[0]); i++)
    if (cp >= HIDDEN[i][0] && cp <= HIDDEN[i][1])
      return 1;
  return 0;
}

/* Scans s for the next character to show, starting with prev as the code
 * point before s. Returns a pointer to it (its length in *len, its value
 * in *cp) or NULL. terminal adds C0 controls but tab and LF, and DEL. */
static const char *scan(const char *s, uint32_t prev, int terminal, size_t *len,
                        uint32_t *cp) {
  const unsigned char *p = (const unsigned char *)s;

  while (*p != '\0') {
    size_t n = 0;
    uint32_t v = *p;
    if (*p >= 0x80)
      n = decode(p, &v);
    else if (terminal &&
             ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F))
      n = 1;
    if (n > 0 && (v < 0x80 || hidden(v, prev))) {
      *len = n;
      *cp = v;
      return (const char *)p;
    }
    prev = v; /* a stray byte counts as non-ASCII: it is not Latin text */
    p += n > 0 ? n : 1;
  }
  return NULL;
}

const char *sk_unicode_find(const char *s) {
  size_t len;
  uint32_t cp;
  return s != NULL ? scan(s, 0, 0, &len, &cp) : NULL;
}

/* Calls put(ctx, bytes, n) for s with shown characters as "<U+XXXX>". */
static int emit(const char *s, int terminal,
                int (*put)(void *ctx, const char *p, size_t n), void *ctx) {
  const char *run = s;
  uint32_t prev = 0;
  int rc = 0;

  while (rc == 0) {
    size_t len = 0;
    uint32_t cp = 0;
    const char *at = scan(run, prev, terminal, &len, &cp);
    char mark[16];
    if (at == NULL)
      return put(ctx, run, strlen(run));
    rc = put(ctx, run, (size_t)(at - run));
    if (rc == 0)
      rc = put(ctx, mark,
               (size_t)snprintf(mark, sizeof(mark), "<U+%04X>", (unsigned)cp));
    run = at + len;
    prev = 0; /* a joiner after a shown character is shown too */
  }
  return rc;
}

static int put_buf(void *ctx, const char *p, size_t n) {
  return n > 0 ? sk_buf_add(ctx, p, n) : 0;
}

static int put_file(void *ctx, const char *p, size_t n) {
  return n > 0 && fwrite(p, 1, n, ctx) != n ? -1 : 0;
}

int sk_unicode_neutralize(struct sk_buf *out, const char *s) {
  return s != NULL ? emit(s, 0, put_buf, out) : 0;
}

int sk_unicode_fputs(const char *s, FILE *f) {
  return emit(s, 1, put_file, f);
}

int sk_hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}
