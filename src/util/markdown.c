/* markdown.c: Markdown escaping and the link rule for published Markdown
 * (see markdown.h). */
#include "shipskip/util/markdown.h"
#include "shipskip/util/html.h"
#include "shipskip/util/unicode.h"

#include <string.h>

/* Characters that open inline markup wherever they stand: code, emphasis,
 * links, images, autolinks and raw HTML, entities, tables, strikethrough,
 * and the backslash itself. */
static const char INLINE[] = "\\`*_[]<>|!~#&";
/* INLINE plus what ends a line (text) or becomes a space (cell): every
 * other byte is copied as it is, a run at a time. */
static const char TEXT_STOP[] = "\\`*_[]<>|!~#&\n\r";
static const char CELL_STOP[] = "\\`*_[]<>|!~#&\n\r\t";

static int is_space(char c) {
  return c == ' ' || c == '\t';
}

/* Appends s; in text mode line starts are checked for block markers, in
 * cell mode line breaks become spaces. */
static int escape(struct sk_buf *out, const char *s, int cell) {
  const char *p;
  int rc = 0;
  int line_start = 1;

  if (s == NULL)
    return 0;
  for (p = s; *p != '\0' && rc == 0; p++) {
    char c;
    if (cell || !line_start) {
      size_t n = strcspn(p, cell ? CELL_STOP : TEXT_STOP);
      if (n > 0) {
        rc = sk_buf_add(out, p, n);
        p += n - 1; /* the loop steps past the run */
        continue;
      }
    }
    c = *p;
    if (cell && (c == '\n' || c == '\r' || c == '\t'))
      c = ' ';
    if (!cell && line_start && is_space(c)) {
      /* Indentation keeps the line's start open for a marker. */
      rc = sk_buf_add(out, &c, 1);
      continue;
    }
    if (!cell && line_start && (c == '-' || c == '+' || c == '=')) {
      /* List items, thematic breaks and setext underlines. */
      rc = sk_buf_add(out, "\\", 1);
    } else if (!cell && line_start && c >= '0' && c <= '9') {
      /* "12. text" or "12) text" is an ordered list: escape its '.' or ')'
       * (a backslash before a digit would be printed, not obeyed). */
      size_t n = strspn(p, "0123456789");
      if (p[n] == '.' || p[n] == ')') {
        rc = sk_buf_add(out, p, n);
        if (rc == 0)
          rc = sk_buf_add(out, "\\", 1);
        if (rc == 0)
          rc = sk_buf_add(out, p + n, 1);
        p += n;
        line_start = 0;
        continue;
      }
    } else if (strchr(INLINE, c) != NULL) {
      rc = sk_buf_add(out, "\\", 1);
    }
    if (rc == 0)
      rc = sk_buf_add(out, &c, 1);
    line_start = !cell && (c == '\n' || c == '\r');
  }
  return rc;
}

/* escape() after showing invisible and reordering characters as
 * "<U+202E>" (whose '<' and '>' escape() then backslashes), so a draft's
 * raw text reads the same in an editor as rendered. */
static int escape_shown(struct sk_buf *out, const char *s, int cell) {
  struct sk_buf shown;
  int rc;

  if (sk_unicode_find(s) == NULL)
    return escape(out, s, cell);
  /* A shown character grows at most fourfold (2 bytes to "<U+0085>"). */
  sk_buf_init(&shown, strlen(s) * 4 + 16);
  rc = sk_unicode_neutralize(&shown, s);
  if (rc == 0)
    rc = escape(out, sk_buf_str(&shown), cell);
  sk_buf_cleanup(&shown);
  return rc;
}

int sk_markdown_text(struct sk_buf *out, const char *s) {
  return escape_shown(out, s, 0);
}

int sk_markdown_cell(struct sk_buf *out, const char *s) {
  return escape_shown(out, s, 1);
}

int sk_markdown_link(struct sk_buf *out, const char *url) {
  int rc;

  if (url == NULL)
    return 0;
  if (!sk_html_url_ok(url))
    return sk_markdown_cell(out, url);
  /* An autolink's text is taken verbatim up to '>', and sk_html_url_ok()
   * refuses '<', '>', spaces and controls, so the URL cannot break out. */
  rc = sk_buf_add(out, "<", 1);
  if (rc == 0)
    rc = sk_buf_adds(out, url);
  if (rc == 0)
    rc = sk_buf_add(out, ">", 1);
  return rc;
}
