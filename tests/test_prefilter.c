/* test_prefilter.c: the rubric patterns' literal prefilter (prefilter.h).
 *
 * The covers of small patterns, exactly; syntax the parser does not know
 * gives no prefilter; every persona's rubric pattern but the one that can
 * start with a digit gets one. Then the proof that the prefilter never
 * changes a result: against the linked PCRE2, the only non-ASCII characters
 * that caseless-match ASCII are the two the scan stops at, and the
 * typographic quotes a cover may hold match only themselves; and over a
 * corpus (the sample reviews of tests/data/reviews, the bundled fixture
 * reviews, each also in upper case and with s and k spelt as U+017F and
 * U+212A, plus every .txt file of the folder SK_PREFILTER_CORPUS names, if
 * set), matching from the prefilter's offset finds the same first match as
 * matching from every third word start of the text.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "harness.h"
#include "shipskip/model/persona.h"
#include "shipskip/review/prefilter.h"
#include "shipskip/util/fsutil.h"

#include <dirent.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

static char src_dir[1024];
static struct sk_panel_def panel;

#define FLAGS (PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP)

/* The cover of pattern, literals joined by "|" without the two guards, or
 * "-" when there is none. */
static const char *cover(const char *pattern) {
  static char out[4096];
  struct sk_prefilter *pf = NULL;
  size_t i;
  size_t o = 0;

  if (sk_prefilter_new(pattern, &pf) != 0)
    return "ENOMEM";
  if (pf == NULL)
    return "-";
  out[0] = '\0';
  for (i = 0; i < sk_prefilter_count(pf); i++) {
    const char *l = sk_prefilter_literal(pf, i);
    if (strcmp(l, "\xC5\xBF") == 0 || strcmp(l, "\xE2\x84\xAA") == 0)
      continue;
    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? "|" : "", l);
  }
  sk_prefilter_free(pf);
  return out;
}

TEST(covers_of_small_patterns) {
  ASSERT_STR_EQ(cover("\\b(foo|Bar)s?\\b"), "bar|foo");
  ASSERT_STR_EQ(cover("(the )?(bet|wager)"), "bet|the bet|the wage|wager");
  ASSERT_STR_EQ(cover("vs\\.?"), "vs");
  ASSERT_STR_EQ(cover("head[- ]to"), "head to|head-to");
  ASSERT_STR_EQ(cover("it['\xE2\x80\x99]s"), "it's|it\xE2\x80\x99s");
  /* Cut at 8 bytes; a quantified atom closes the string. */
  ASSERT_STR_EQ(cover("abcdefghij"), "abcdefgh");
  ASSERT_STR_EQ(cover("ab+c"), "ab");
  ASSERT_STR_EQ(cover("ab{2,3}c"), "ab");
  ASSERT_STR_EQ(cover("a(b|c)d"), "abd|acd");
  /* A lookahead is zero width; an unknown character closes the string. */
  ASSERT_STR_EQ(cover("kill(?! app)er"), "killer");
  ASSERT_STR_EQ(cover("in \\d+ years"), "in ");
  ASSERT_STR_EQ(cover("[^.;]x|yes"), "-");
  ASSERT_STR_EQ(cover("if [\\w.-]+ ships"), "if ");
  /* A shorter string finds what a longer one it starts would. */
  ASSERT_STR_EQ(cover("cap|capture|cat"), "cap|cat");
}

/* sk_prefilter_first of pattern over text, -1 for none. */
static long first(const char *pattern, const char *text) {
  struct sk_prefilter *pf = NULL;
  size_t at;
  if (sk_prefilter_new(pattern, &pf) != 0 || pf == NULL)
    return -2;
  at = sk_prefilter_first(pf, text, strlen(text));
  sk_prefilter_free(pf);
  return at == SK_PREFILTER_NONE ? -1 : (long)at;
}

TEST(first_places) {
  ASSERT_INT_EQ(first("foo", "xFoo foo"), 1);
  ASSERT_INT_EQ(first("foo", "no match"), -1);
  /* Opening with \b, a match never starts inside a word... */
  ASSERT_INT_EQ(first("\\bfoo", "xfoo foo"), 5);
  ASSERT_INT_EQ(first("\\bfoo", "_foo 1foo -foo"), 11);
  /* ...unless the pattern has alternatives outside the \b, or the \b is
   * optional, or the character before is not ASCII (a letter under UCP,
   * perhaps, but left to PCRE2). */
  ASSERT_INT_EQ(first("\\bfoo|bar", "xfoo"), 1);
  ASSERT_INT_EQ(first("\\b?foo", "xfoo"), 1);
  ASSERT_INT_EQ(first("\\bfoo", "\xC3\xA9"
                                "foo"),
                2);
  /* A long s or Kelvin sign may stand inside a literal: the answer steps
   * back far enough for the literal to start there. */
  ASSERT_INT_EQ(first("\\bstrip", "we \xC5\xBFtrip"), 0);
  ASSERT_INT_EQ(first("\\bstrip", "a long prefix, \xC5\xBFtrip"), 8);
}

TEST(unknown_syntax_gives_none) {
  static const char *none[] = {
      "(?i)abc",      "^abc",    "abc$",
      "(?<=a)b",      "(?<n>x)", "\\x{41}bc",
      "\\Qab\\E",     "a\\1",    "(*UTF)a",
      "a|",           "a||b",    "(a|)",
      "\\w+",         "x*",      ".abc",
      "[[:alpha:]]x", "a{,3}",   "(ab",
      "ab)",          "\\pLx",   "\xC3\xA9t\xC3\xA9",
      "[\\d]x",
  };
  size_t i;
  for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
    if (strcmp(cover(none[i]), "-") != 0)
      TH_FAIL("\"%s\" has a cover: %s", none[i], cover(none[i]));
  }
}

TEST(every_persona_pattern_but_one_has_a_cover) {
  size_t i;
  size_t j;
  size_t with = 0;
  size_t all = 0;
  for (i = 0; i < panel.n; i++)
    for (j = 0; j < panel.personas[i].nrubric; j++) {
      struct sk_prefilter *pf = NULL;
      ASSERT_INT_EQ(sk_prefilter_new(panel.personas[i].rubric[j].pattern, &pf),
                    0);
      with += pf != NULL;
      all++;
      sk_prefilter_free(pf);
    }
  ASSERT_INT_EQ((int)all, 16);
  /* The futurist's horizon can start with a digit ("\d+ years out"), and
   * \d takes every Unicode digit under PCRE2_UCP: no cover. */
  ASSERT_INT_EQ((int)with, 15);
}

/* Writes the UTF-8 of code point cp into out; returns its length. */
static size_t utf8(unsigned long cp, unsigned char *out) {
  if (cp < 0x80) {
    out[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (unsigned char)(0xC0 | (cp >> 6));
    out[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (unsigned char)(0xE0 | (cp >> 12));
    out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (unsigned char)(0xF0 | (cp >> 18));
  out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

/* The code points at or above 0x80 that the caseless pattern matches, as a
 * comma list in hex: one scan over all of them, one after another. */
static const char *non_ascii_matches(const char *pattern) {
  static char out[256];
  static unsigned char *all;
  static size_t nall;
  size_t o = 0;
  unsigned long cp;
  int errcode;
  PCRE2_SIZE off;
  PCRE2_SIZE at = 0;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                 FLAGS, &errcode, &off, NULL);
  pcre2_match_data *md1 = pcre2_match_data_create(1, NULL);

  out[0] = '\0';
  if (all == NULL) {
    all = malloc(4 * 0x110000);
    if (all == NULL)
      return "ENOMEM";
    for (cp = 0x80; cp <= 0x10FFFF; cp++)
      if (cp < 0xD800 || cp > 0xDFFF)
        nall += utf8(cp, all + nall);
  }
  (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  while (o < sizeof(out) - 16 &&
         pcre2_match(re, all, nall, at, 0, md1, NULL) >= 0) {
    const unsigned char *u = all + pcre2_get_ovector_pointer(md1)[0];
    unsigned long c = u[0] < 0xE0   ? (u[0] & 0x1Fu)
                      : u[0] < 0xF0 ? (u[0] & 0x0Fu)
                                    : (u[0] & 0x07u);
    size_t n = u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    size_t k;
    for (k = 1; k < n; k++)
      c = (c << 6) | (u[k] & 0x3Fu);
    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%lx", o ? "," : "", c);
    at = pcre2_get_ovector_pointer(md1)[1];
  }
  pcre2_match_data_free(md1);
  pcre2_code_free(re);
  return out;
}

TEST(only_long_s_and_kelvin_fold_to_ascii) {
  /* Every ASCII character, caseless: the scan folds only A-Z itself and
   * stops at these two. */
  ASSERT_STR_EQ(non_ascii_matches("[\\x{01}-\\x{7f}]"), "17f,212a");
  /* The quotes a cover may hold have no other case. */
  ASSERT_STR_EQ(non_ascii_matches("\xE2\x80\x98"), "2018");
  ASSERT_STR_EQ(non_ascii_matches("\xE2\x80\x99"), "2019");
  ASSERT_STR_EQ(non_ascii_matches("\xE2\x80\x9C"), "201c");
  ASSERT_STR_EQ(non_ascii_matches("\xE2\x80\x9D"), "201d");
}

/* Replaces ASCII a with the UTF-8 b (len n) in text (into out, which has
 * room for 3 times the text). */
static size_t respell(const char *text, size_t len, char a, const char *b,
                      size_t n, char *out) {
  size_t i;
  size_t o = 0;
  for (i = 0; i < len; i++) {
    if (text[i] == a) {
      memcpy(out + o, b, n);
      o += n;
    } else {
      out[o++] = text[i];
    }
  }
  return o;
}

static pcre2_code **codes;
static struct sk_prefilter **pres;
static size_t ncodes;
static pcre2_match_data *md;
static long checked;

/* From every word start of text: the prefilter's offset gives the same
 * first match (or none) as PCRE2 from that start. Returns 0 or -1. */
static int same_matches(const char *name, const char *text, size_t len) {
  size_t k;
  size_t o;
  unsigned long words = 0;
  for (k = 0; k < ncodes; k++) {
    if (pres[k] == NULL)
      continue;
    for (o = 0; o < len; o++) {
      size_t first;
      int want;
      int got;
      PCRE2_SIZE at = 0;
      if (o > 0 && !(text[o - 1] == ' ' || text[o - 1] == '\n'))
        continue;
      if (++words % 3 != 1)
        continue; /* every third word start: enough, and quick */
      want = pcre2_match(codes[k], (PCRE2_SPTR)text, len, o, 0, md, NULL);
      if (want >= 0)
        at = pcre2_get_ovector_pointer(md)[0];
      first = sk_prefilter_first(pres[k], text + o, len - o);
      got = first == SK_PREFILTER_NONE
                ? PCRE2_ERROR_NOMATCH
                : pcre2_match(codes[k], (PCRE2_SPTR)text, len, o + first, 0, md,
                              NULL);
      checked++;
      if ((want >= 0) != (got >= 0) ||
          (want >= 0 && pcre2_get_ovector_pointer(md)[0] != at)) {
        fprintf(stderr,
                "    %s, pattern %zu, from %zu: %d at %zu, not %d at %zu\n",
                name, k, o, got, (size_t)pcre2_get_ovector_pointer(md)[0], want,
                (size_t)at);
        return -1;
      }
    }
  }
  return 0;
}

/* The text as it is, in upper case, and with s and k respelt. */
static int same_in_every_spelling(const char *name, const char *text,
                                  size_t len) {
  char *alt = malloc(len * 3 + 1);
  size_t i;
  size_t n;
  int rc;
  if (alt == NULL)
    return -1;
  rc = same_matches(name, text, len);
  for (i = 0; i < len; i++)
    alt[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
  if (rc == 0)
    rc = same_matches(name, alt, len);
  n = respell(text, len, 's', "\xC5\xBF", 2, alt);
  if (rc == 0)
    rc = same_matches(name, alt, n);
  n = respell(text, len, 'k', "\xE2\x84\xAA", 3, alt);
  if (rc == 0)
    rc = same_matches(name, alt, n);
  free(alt);
  return rc;
}

/* Every .txt under dir (one level of subfolders, depth levels deep).
 * Returns the number of files that disagreed, or 1 when dir is
 * unreadable. */
static int corpus(const char *dir, int depth, int *files) {
  DIR *d = opendir(dir);
  struct dirent *ent;
  int bad = 0;
  if (d == NULL) {
    fprintf(stderr, "    cannot read %s\n", dir);
    return 1;
  }
  while ((ent = readdir(d)) != NULL) {
    char path[2048];
    size_t nl = strlen(ent->d_name);
    if (ent->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
    if (nl > 4 && strcmp(ent->d_name + nl - 4, ".txt") == 0) {
      char *text = NULL;
      size_t len;
      struct sk_error e;
      sk_error_clear(&e);
      if (sk_fs_read_file(path, 1 << 20, &text, &len, &e) != 0) {
        bad++;
        continue;
      }
      (*files)++;
      bad += same_in_every_spelling(path, text, len) != 0;
      free(text);
    } else if (depth > 0) {
      DIR *sub = opendir(path);
      if (sub != NULL) {
        closedir(sub);
        bad += corpus(path, depth - 1, files);
      }
    }
  }
  closedir(d);
  return bad;
}

TEST(same_first_match_as_pcre2_over_the_corpus) {
  char dir[1200];
  const char *extra = getenv("SK_PREFILTER_CORPUS");
  int files = 0;
  size_t i;
  size_t j;

  for (i = 0; i < panel.n; i++)
    ncodes += panel.personas[i].nrubric;
  codes = calloc(ncodes, sizeof(*codes));
  pres = calloc(ncodes, sizeof(*pres));
  md = pcre2_match_data_create(4, NULL);
  ASSERT(codes != NULL && pres != NULL && md != NULL);
  for (ncodes = 0, i = 0; i < panel.n; i++)
    for (j = 0; j < panel.personas[i].nrubric; j++, ncodes++) {
      int errcode;
      PCRE2_SIZE off;
      const char *p = panel.personas[i].rubric[j].pattern;
      codes[ncodes] = pcre2_compile((PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED, FLAGS,
                                    &errcode, &off, NULL);
      ASSERT(codes[ncodes] != NULL);
      (void)pcre2_jit_compile(codes[ncodes], PCRE2_JIT_COMPLETE);
      ASSERT_INT_EQ(sk_prefilter_new(p, &pres[ncodes]), 0);
    }
  snprintf(dir, sizeof(dir), "%s/tests/data/reviews", src_dir);
  ASSERT_INT_EQ(corpus(dir, 2, &files), 0);
  snprintf(dir, sizeof(dir), "%s/fixtures/reviews", src_dir);
  ASSERT_INT_EQ(corpus(dir, 1, &files), 0);
  if (extra != NULL && extra[0] != '\0')
    ASSERT_INT_EQ(corpus(extra, 0, &files), 0);
  fprintf(stderr, "    %d files, %ld matches compared\n", files, checked);
  ASSERT(files >= 60);
  for (i = 0; i < ncodes; i++) {
    pcre2_code_free(codes[i]);
    sk_prefilter_free(pres[i]);
  }
  free(codes);
  free(pres);
  pcre2_match_data_free(md);
}

int main(void) {
  const char *s = getenv("SK_SOURCE_DIR");
  char dir[1100];
  struct sk_error e;
  snprintf(src_dir, sizeof(src_dir), "%s", s ? s : ".");
  snprintf(dir, sizeof(dir), "%s/personas", src_dir);
  sk_error_clear(&e);
  if (sk_panel_def_load(dir, NULL, &panel, &e) != 0) {
    fprintf(stderr, "setup: %s\n", e.msg);
    return 1;
  }
  RUN(covers_of_small_patterns);
  RUN(first_places);
  RUN(unknown_syntax_gives_none);
  RUN(every_persona_pattern_but_one_has_a_cover);
  RUN(only_long_s_and_kelvin_fold_to_ascii);
  RUN(same_first_match_as_pcre2_over_the_corpus);
  sk_panel_def_cleanup(&panel);
  return TEST_REPORT();
}
