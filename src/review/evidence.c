/* evidence.c: whether a structured reply's evidence quote occurs in its
 * review (see evidence.h): both normalised the same way, so a model that
 * re-types its own words with other spacing, case or quote marks is still
 * found, and nothing else is. */
#include "shipskip/review/evidence.h"

#include <stdlib.h>
#include <string.h>

/* Writes s normalised for comparing a quote with its review into out (room
 * for strlen(s) + 1): white space runs folded to one space, ASCII letters
 * lower case, typographic single and double quotes (U+2018-201F, U+00B4,
 * `) made plain ' and ". */
static void normalise(const char *s, char *out) {
  size_t o = 0;
  int space = 0;
  const unsigned char *u = (const unsigned char *)s;

  while (*u != '\0') {
    char c = (char)*u;
    size_t step = 1;
    if (*u == ' ' || *u == '\t' || *u == '\n' || *u == '\r') {
      space = 1;
      u++;
      continue;
    }
    if (u[0] == 0xE2 && u[1] == 0x80 && u[2] >= 0x98 && u[2] <= 0x9F) {
      c = u[2] <= 0x9B ? '\'' : '"';
      step = 3;
    } else if (u[0] == 0xC2 && u[1] == 0xB4) {
      c = '\'';
      step = 2;
    } else if (c == '`') {
      c = '\'';
    } else if (c >= 'A' && c <= 'Z') {
      c = (char)(c - 'A' + 'a');
    }
    if (space && o > 0)
      out[o++] = ' ';
    space = 0;
    out[o++] = c;
    u += step;
  }
  out[o] = '\0';
}

int sk_evidence_occurs(const char *quote, const char *review) {
  static const char TRIM[] = " .,;:!?'\"()";
  char *q = malloc(strlen(quote) + 1);
  char *r = malloc(strlen(review) + 1);
  char *start;
  size_t n;
  int found = 0;

  if (q != NULL && r != NULL) {
    normalise(quote, q);
    normalise(review, r);
    start = q + strspn(q, TRIM);
    n = strlen(start);
    while (n > 0 && strchr(TRIM, start[n - 1]) != NULL)
      start[--n] = '\0';
    found = n > 0 && strstr(r, start) != NULL;
  }
  free(q);
  free(r);
  return found;
}
