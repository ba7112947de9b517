/* subject.c: whether a review is about the tool it was asked about (see
 * subject.h): by the tool's names, else by the words it shares with the
 * tool's record. */
#include "shipskip/review/subject.h"
#include "shipskip/model/tool.h"
#include "shipskip/util/error.h"

#include <stdlib.h>
#include <string.h>

/* Compares n bytes ignoring ASCII case only (strncasecmp follows the
 * locale, and a review's bytes are UTF-8). Returns 0 when equal. */
static int strncasecmp_ascii(const char *a, const char *b, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char x = (unsigned char)a[i];
    unsigned char y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z')
      x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z')
      y = (unsigned char)(y + 32);
    if (x != y)
      return 1;
  }
  return 0;
}

static int word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

/* Returns 1 if the n bytes of w occur in hay as a whole word (ASCII word
 * boundaries), compared exactly or, with fold, ignoring ASCII case. */
static int has_word(const char *hay, const char *w, size_t n, int fold) {
  const char *p = hay;
  size_t hlen = strlen(hay);
  size_t i;

  if (n == 0)
    return 0;
  for (i = 0; i + n <= hlen; i++) {
    int same = fold ? strncasecmp_ascii(p + i, w, n) : memcmp(p + i, w, n);
    if (same != 0)
      continue;
    if ((i == 0 || !word_byte((unsigned char)p[i - 1])) &&
        !word_byte((unsigned char)p[i + n]))
      return 1;
  }
  return 0;
}

/* Looks for each word of the name (three or more bytes, not only digits)
 * in the review, as written. */
static int names_a_name_word(const char *review, const char *name) {
  const char *p = name;

  while (*p != '\0') {
    const char *w;
    size_t n;
    int letter = 0;
    while (*p != '\0' && !word_byte((unsigned char)*p) &&
           (unsigned char)*p < 0x80)
      p++;
    w = p;
    while (*p != '\0' &&
           (word_byte((unsigned char)*p) || (unsigned char)*p >= 0x80)) {
      letter |= !((unsigned char)*p >= '0' && (unsigned char)*p <= '9');
      p++;
    }
    n = (size_t)(p - w);
    if (n >= 3 && letter && has_word(review, w, n, 0))
      return 1;
  }
  return 0;
}

/* Looks for each proper name of a tagline (a capitalised word such as
 * "Meta" or "DeepMind": an upper-case letter, then a lower-case one, three
 * bytes or more) in the review. A tagline is a phrase, so its first word
 * counts ("Meta's open-weight code model"); after a full stop or a colon a
 * word is capitalised by grammar and does not. At most 400 are tried. */
static int names_a_proper_name(const char *review, const char *text) {
  const char *p = text;
  int tries = 0;
  int sentence_start = 0;

  while (*p != '\0' && tries < 400) {
    const char *w;
    size_t n;
    if (!word_byte((unsigned char)*p)) {
      if (*p == '.' || *p == '!' || *p == '?' || *p == ':')
        sentence_start = 1;
      p++;
      continue;
    }
    w = p;
    while (word_byte((unsigned char)*p))
      p++;
    n = (size_t)(p - w);
    if (!sentence_start && n >= 3 && w[0] >= 'A' && w[0] <= 'Z' &&
        w[1] >= 'a' && w[1] <= 'z') {
      tries++;
      if (has_word(review, w, n, 0))
        return 1;
    }
    sentence_start = 0;
  }
  return 0;
}

/* Long words too common in any review to say what it is about. */
static const char *const COMMON[] = {
    "because",  "through",   "without",    "should",     "rather",
    "within",   "across",    "between",    "before",     "around",
    "against",  "enough",    "almost",     "always",     "actually",
    "really",   "another",   "everything", "something",  "anything",
    "nothing",  "people",    "however",    "instead",    "whether",
    "already",  "different", "important",  "available",  "better",
    "little",   "during",    "itself",     "themselves", "things",
    "others",   "provide",   "provides",   "teams",      "product",
    "products", "software",  "developers", "developer",  "company",
    "companies"};

#define SUBJECT_WORDS 400
#define SUBJECT_WORD_MAX 24
#define SUBJECT_SHARED 4

/* The distinct words of a text worth comparing: six letters or more (ASCII
 * letters; anything else ends a word), lower-cased, not in COMMON, at most
 * SUBJECT_WORD_MAX long. */
struct wordset {
  char w[SUBJECT_WORDS][SUBJECT_WORD_MAX + 1];
  unsigned char hit[SUBJECT_WORDS];
  size_t n;
};

static int common_word(const char *w) {
  size_t i;
  for (i = 0; i < sizeof(COMMON) / sizeof(COMMON[0]); i++)
    if (strcmp(COMMON[i], w) == 0)
      return 1;
  return 0;
}

/* Calls fn(ctx, word) for each comparable word of text. */
static void each_word(const char *text, void (*fn)(void *, const char *),
                      void *ctx) {
  const char *p = text;
  while (*p != '\0') {
    char w[SUBJECT_WORD_MAX + 1];
    size_t n = 0;
    int too_long = 0;
    while (*p != '\0' &&
           !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
      p++;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
      if (n < SUBJECT_WORD_MAX)
        w[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
      else
        too_long = 1;
      p++;
    }
    w[n] = '\0';
    if (n >= 6 && !too_long && !common_word(w))
      fn(ctx, w);
  }
}

static void add_word_cb(void *ctx, const char *w) {
  struct wordset *s = ctx;
  size_t i;
  for (i = 0; i < s->n; i++)
    if (strcmp(s->w[i], w) == 0)
      return;
  if (s->n < SUBJECT_WORDS)
    memcpy(s->w[s->n++], w, strlen(w) + 1);
}

static void mark_word_cb(void *ctx, const char *w) {
  struct wordset *s = ctx;
  size_t i;
  for (i = 0; i < s->n; i++)
    if (strcmp(s->w[i], w) == 0)
      s->hit[i] = 1;
}

/* Returns 1 when the review shares SUBJECT_SHARED distinct comparable
 * words with the tool's record, SK_ENOMEM, else 0. */
static int shares_words(const char *review, const struct sk_tool *tool) {
  struct wordset *s = calloc(1, sizeof(*s));
  size_t i;
  size_t shared = 0;

  if (s == NULL)
    return SK_ENOMEM;
  each_word(tool->name, add_word_cb, s);
  if (tool->tagline != NULL)
    each_word(tool->tagline, add_word_cb, s);
  if (tool->description != NULL)
    each_word(tool->description, add_word_cb, s);
  each_word(review, mark_word_cb, s);
  for (i = 0; i < s->n; i++)
    shared += s->hit[i];
  free(s);
  return shared >= SUBJECT_SHARED;
}

int sk_subject_check(const char *review, const struct sk_tool *tool) {
  if (tool == NULL || tool->name == NULL)
    return 1;
  /* Proper names come from the tagline only: a description names the
   * competitors too, and a review of a competitor would pass as this one. */
  if (has_word(review, tool->name, strlen(tool->name), 1) ||
      names_a_name_word(review, tool->name) ||
      (tool->tagline != NULL && names_a_proper_name(review, tool->tagline)))
    return 1;
  /* Good reviews often say "it" and "this" throughout, so a name alone
   * would refuse them: what the review speaks of counts too. */
  return shares_words(review, tool);
}
