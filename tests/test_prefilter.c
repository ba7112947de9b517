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
 *
 * The extended syntax (SK_PREFILTER_EXTENDED) the same way: its covers, the
 * proof that a non-ASCII pattern character other than U+017F and U+212A
 * caseless-matches no ASCII character, and, for every rule of
 * prompts/injection-patterns.txt compiled as the detector compiles it, the
 * same first match as PCRE2 from every start over the injection corpora and
 * adversarial strings (invalid UTF-8 among them). A set of prefilters gives
 * what each of its members gives alone.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "harness.h"
#include "shipskip/model/persona.h"
#include "shipskip/review/prefilter.h"
#include "shipskip/util/fsutil.h"

#include <cJSON.h>
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

/* The cover of pattern in the extended syntax, as cover() writes it, with
 * the 64 one-byte strings of a non-ASCII start written "<non-ascii>" and a
 * non-ASCII character ending a string as "*". */
static const char *cover_ext(const char *pattern) {
  static char out[4096];
  struct sk_prefilter *pf = NULL;
  size_t i;
  size_t o = 0;
  size_t high = 0;

  if (sk_prefilter_new_opts(pattern, SK_PREFILTER_EXTENDED, &pf) != 0)
    return "ENOMEM";
  if (pf == NULL)
    return "-";
  out[0] = '\0';
  for (i = 0; i < sk_prefilter_count(pf); i++) {
    const char *l = sk_prefilter_literal(pf, i);
    size_t n = strlen(l);
    if (strcmp(l, "\xC5\xBF") == 0 || strcmp(l, "\xE2\x84\xAA") == 0)
      continue;
    if (n == 1 && (unsigned char)l[0] >= 0xC0) {
      high++;
      continue;
    }
    o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%.*s%s", o ? "|" : "",
                          (int)(n - ((unsigned char)l[n - 1] == 0xFF)), l,
                          (unsigned char)l[n - 1] == 0xFF ? "*" : "");
  }
  if (high == 64)
    snprintf(out + o, sizeof(out) - o, "%s<non-ascii>", o ? "|" : "");
  else if (high > 0)
    snprintf(out + o, sizeof(out) - o, "%s%zu high bytes", o ? "|" : "", high);
  sk_prefilter_free(pf);
  return out;
}

TEST(extended_covers) {
  /* What the rubric syntax knows gives the same covers. */
  ASSERT_STR_EQ(cover_ext("\\b(foo|Bar)s?\\b"), "bar|foo");
  ASSERT_STR_EQ(cover_ext("it['\xE2\x80\x99]s"), "it's|it\xE2\x80\x99s");
  /* Escapes, anchors and lookbehinds. */
  ASSERT_STR_EQ(cover_ext("\\x{41}b\\x63"), "abc");
  ASSERT_STR_EQ(cover_ext("a\\tb"), "a\tb");
  ASSERT_STR_EQ(cover_ext("^abc$"), "abc");
  ASSERT_STR_EQ(cover_ext("(?:^|[.;]\\s+)act"), ".|;|act");
  ASSERT_STR_EQ(cover_ext("(?<=a)b(?<!c)d"), "bd");
  ASSERT_STR_EQ(cover_ext("[\\x{41}-\\x{43}]x"), "ax|bx|cx");
  /* Non-ASCII characters: any non-ASCII start, or a string cut there. */
  ASSERT_STR_EQ(cover_ext("\xC3\xA9t\xC3\xA9"), "<non-ascii>");
  ASSERT_STR_EQ(cover_ext("[\\x{200B}\\x{2060}-\\x{2064}]"), "<non-ascii>");
  ASSERT_STR_EQ(cover_ext("h[\xC3\xB6o]chste"), "hochste|h*");
  ASSERT_STR_EQ(cover_ext("\\x{2019}s"), "\xE2\x80\x99s");
  ASSERT_STR_EQ(cover_ext("(?<![^\\x00-\\x7F])[\\x{200C}\\x{200D}]"),
                "<non-ascii>");
  /* Still unknown: characters that fold to ASCII, mixed or backward
   * ranges, verbs, \A, \G, \K, \Q, properties, back references. */
  {
    static const char *none[] = {
        "\\x{17F}x",     "[\\x{212A}]x", "[\\x{100}-\\x{2200}]x",
        "[a-\\x{100}]x", "[c-a]x",       "(*SKIP)a",
        "\\Aabc",        "\\Gabc",       "ab\\Kc",
        "\\Qab\\E",      "\\pLx",        "a\\1",
        "(?i)abc",       "(?<n>x)",      "\\x{D800}a",
        "\\x{}a",        "\\xZZ",        "^\\s*x",
    };
    size_t i;
    for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
      if (strcmp(cover_ext(none[i]), "-") != 0)
        TH_FAIL("\"%s\" has a cover: %s", none[i], cover_ext(none[i]));
  }
}

/* sk_prefilter_first of the extended pattern over text, -1 for none. */
static long first_ext(const char *pattern, const char *text) {
  struct sk_prefilter *pf = NULL;
  size_t at;
  if (sk_prefilter_new_opts(pattern, SK_PREFILTER_EXTENDED, &pf) != 0 ||
      pf == NULL)
    return -2;
  at = sk_prefilter_first(pf, text, strlen(text));
  sk_prefilter_free(pf);
  return at == SK_PREFILTER_NONE ? -1 : (long)at;
}

TEST(extended_first_places) {
  /* A text of ASCII only has no place for a non-ASCII pattern. */
  ASSERT_INT_EQ(first_ext("\\x{200B}", "plain ASCII text"), -1);
  ASSERT_INT_EQ(first_ext("[\\x{202A}-\\x{202E}]", "ab \xE2\x80\xAE"), 3);
  ASSERT_INT_EQ(first_ext("\xE5\xBF\xBD\xE7\x95\xA5", "x \xC3\xA9 y"), 2);
  ASSERT_INT_EQ(first_ext("h[\xC3\xB6o]chste", "the h\xC3\xB6"
                                               "chste"),
                4);
  ASSERT_INT_EQ(first_ext("h[\xC3\xB6o]chste", "the hx"), -1);
  /* A long s still sends the scan back, before any non-ASCII string that
   * starts with its first byte. */
  ASSERT_INT_EQ(first_ext("\\bstrip|\xC5\x81", "we \xC5\xBFtrip"), 0);
  /* Invalid UTF-8: the place is never a continuation byte but the first. */
  ASSERT_INT_EQ(first_ext("\\bfoo", "\xFF\x80 foo"), 3);
  ASSERT_INT_EQ(first_ext("\\bstrip", "\x80\x80\xC5\xBFtrip"), 0);
}

/* The ASCII characters (as a comma list in hex) that the caseless pattern
 * matches, each tried alone. */
static const char *ascii_matches(const char *pattern) {
  static char out[256];
  size_t o = 0;
  int errcode;
  PCRE2_SIZE off;
  unsigned char c;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                 FLAGS, &errcode, &off, NULL);
  pcre2_match_data *md1 = pcre2_match_data_create(1, NULL);

  out[0] = '\0';
  for (c = 1; c < 0x80 && re != NULL && md1 != NULL; c++)
    if (pcre2_match(re, &c, 1, 0, 0, md1, NULL) >= 0)
      o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%x", o ? "," : "", c);
  pcre2_match_data_free(md1);
  pcre2_code_free(re);
  return re == NULL ? "no pattern" : out;
}

TEST(only_long_s_and_kelvin_stand_for_ascii) {
  /* A caseless class matches every case of every member: all non-ASCII
   * code points but the two match no ASCII character, so a match that
   * starts with any other starts with a byte from 0xC0 on... */
  ASSERT_STR_EQ(ascii_matches("[\\x{80}-\\x{17E}\\x{180}-\\x{2129}"
                              "\\x{212B}-\\x{D7FF}\\x{E000}-\\x{10FFFF}]"),
                "");
  /* ...and the two are what makes the difference. */
  ASSERT_STR_EQ(ascii_matches("[\\x{80}-\\x{D7FF}\\x{E000}-\\x{10FFFF}]"),
                "4b,53,6b,73");
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

/* The injection rules, compiled as the detector compiles them. */
#define XFLAGS                                                                 \
  (PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE |                  \
   PCRE2_MATCH_INVALID_UTF)
#define XMAX 128
static pcre2_code *xcodes[XMAX];
static struct sk_prefilter *xpres[XMAX];
static size_t nx;
static struct sk_prefilter_set *xset;
static long xchecked;

/* Loads every pattern of prompts/injection-patterns.txt. Returns 0 or -1. */
static int load_rules(void) {
  char path[1200];
  char *text = NULL;
  size_t len;
  size_t pos = 0;
  struct sk_error e;

  snprintf(path, sizeof(path), "%s/prompts/injection-patterns.txt", src_dir);
  sk_error_clear(&e);
  if (sk_fs_read_file(path, 1 << 20, &text, &len, &e) != 0)
    return -1;
  while (pos < len && nx < XMAX) {
    char *line = text + pos;
    char *nl = strchr(line, '\n');
    char *tab;
    char *end;
    int errcode;
    PCRE2_SIZE off;
    if (nl != NULL)
      *nl = '\0';
    pos += strlen(line) + 1;
    tab = strchr(line, '\t');
    if (line[0] == '#' || tab == NULL)
      continue;
    end = strchr(tab + 1, '\t');
    if (end != NULL)
      *end = '\0';
    xcodes[nx] = pcre2_compile((PCRE2_SPTR)(tab + 1), PCRE2_ZERO_TERMINATED,
                               XFLAGS, &errcode, &off, NULL);
    if (xcodes[nx] == NULL ||
        sk_prefilter_new_opts(tab + 1, SK_PREFILTER_EXTENDED, &xpres[nx]) != 0)
      return -1;
    (void)pcre2_jit_compile(xcodes[nx], PCRE2_JIT_COMPLETE);
    nx++;
  }
  free(text);
  return sk_prefilter_set_new((const struct sk_prefilter *const *)xpres, nx,
                              &xset) == 0
             ? 0
             : -1;
}

/* From every character start o of text: PCRE2 from the prefilter's place
 * gives what it gives from o (result and match), for every rule; and the
 * set's answers for the whole text are each prefilter's. Returns 0 or -1. */
static int same_matches_ext(const char *name, const char *text, size_t len) {
  size_t firsts[XMAX];
  size_t k;
  size_t o;

  sk_prefilter_set_first(xset, text, len, firsts);
  for (k = 0; k < nx; k++) {
    size_t want =
        xpres[k] == NULL ? 0 : sk_prefilter_first(xpres[k], text, len);
    if (firsts[k] != want) {
      fprintf(stderr, "    %s, rule %zu: the set says %zu, alone %zu\n", name,
              k, firsts[k], want);
      return -1;
    }
    for (o = 0; o < len && xpres[k] != NULL; o++) {
      size_t at;
      PCRE2_SIZE a0 = 0;
      PCRE2_SIZE a1 = 0;
      int rc;
      int got = PCRE2_ERROR_NOMATCH;
      if (((unsigned char)text[o] & 0xC0) == 0x80)
        continue; /* not where the detector starts */
      rc = pcre2_match(xcodes[k], (PCRE2_SPTR)text, len, o, 0, md, NULL);
      if (rc >= 0) {
        a0 = pcre2_get_ovector_pointer(md)[0];
        a1 = pcre2_get_ovector_pointer(md)[1];
      }
      at = sk_prefilter_first(xpres[k], text + o, len - o);
      if (at != SK_PREFILTER_NONE)
        got =
            pcre2_match(xcodes[k], (PCRE2_SPTR)text, len, o + at, 0, md, NULL);
      xchecked++;
      if (got != rc || (rc >= 0 && (pcre2_get_ovector_pointer(md)[0] != a0 ||
                                    pcre2_get_ovector_pointer(md)[1] != a1))) {
        fprintf(stderr, "    %s, rule %zu, from %zu: %d, not %d at %zu\n", name,
                k, o, got, rc, (size_t)a0);
        return -1;
      }
    }
  }
  return 0;
}

/* The text as it is, in upper case, with s and k respelt, and with an
 * invalid byte after every seventh byte. */
static int same_ext_every_spelling(const char *name, const char *text,
                                   size_t len) {
  char *alt = malloc(len * 3 + 1);
  size_t i;
  size_t n;
  int rc;
  if (alt == NULL)
    return -1;
  rc = same_matches_ext(name, text, len);
  for (i = 0; i < len; i++)
    alt[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 32 : text[i]);
  if (rc == 0)
    rc = same_matches_ext(name, alt, len);
  n = respell(text, len, 's', "\xC5\xBF", 2, alt);
  if (rc == 0)
    rc = same_matches_ext(name, alt, n);
  n = respell(text, len, 'k', "\xE2\x84\xAA", 3, alt);
  if (rc == 0)
    rc = same_matches_ext(name, alt, n);
  for (i = 0, n = 0; i < len; i++) {
    alt[n++] = text[i];
    if (i % 7 == 6)
      alt[n++] = (char)(i % 14 == 6 ? 0xFF : 0x80);
  }
  if (rc == 0)
    rc = same_matches_ext(name, alt, n);
  free(alt);
  return rc;
}

/* Every string value of every .json file in dir. Returns the number that
 * disagreed (1 when dir is unreadable); counts the strings in *count. */
static int json_strings(const char *dir, int *count) {
  DIR *d = opendir(dir);
  struct dirent *ent;
  int bad = 0;
  if (d == NULL)
    return 1;
  while ((ent = readdir(d)) != NULL) {
    char path[2048];
    char *text = NULL;
    size_t len;
    size_t nl = strlen(ent->d_name);
    cJSON *root;
    const cJSON *item;
    struct sk_error e;
    if (nl < 6 || strcmp(ent->d_name + nl - 5, ".json") != 0)
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
    sk_error_clear(&e);
    if (sk_fs_read_file(path, 1 << 20, &text, &len, &e) != 0) {
      bad++;
      continue;
    }
    root = cJSON_ParseWithLength(text, len);
    free(text);
    cJSON_ArrayForEach(item, root) {
      if (!cJSON_IsString(item))
        continue;
      (*count)++;
      bad += same_ext_every_spelling(path, item->valuestring,
                                     strlen(item->valuestring)) != 0;
    }
    cJSON_Delete(root);
  }
  closedir(d);
  return bad;
}

/* Pieces of hostile and innocent text that the rules look for or near. */
static const char *const PIECES[] = {
    "ignore ",
    "previous ",
    "instructions",
    " all ",
    "you are now ",
    "act as ",
    ". ",
    "detects ",
    "phrases like ",
    "tests for ",
    "<|im_start|>",
    "system",
    ": ",
    "SCORE: 9",
    "95/100",
    "1,100/100",
    "\xC5\xBF",
    "\xE2\x84\xAA",
    "\xE2\x80\x8B",
    "\xE2\x80\x8C",
    "\xF3\xA0\x81\xA9",
    "\xF0\x9F\x8F\xB4",
    "\xFF",
    "\xC3",
    "\x80",
    "\n",
    "## Instructions:",
    "BEGIN TOOL DATA",
    "<!-- ",
    " -->",
    "style=\"display:none\"",
    "\xE5\xBF\xBD\xE7\x95\xA5\xE4\xB9\x8B\xE5\x89\x8D\xE7\x9A\x84"
    "\xE6\x8C\x87\xE4\xBB\xA4",
    "\xD0\xB8\xD0\xB3\xD0\xBD\xD0\xBE\xD1\x80\xD0\xB8\xD1\x80\xD1\x83\xD0\xB9 ",
    "\xC3\xA9",
    "note parfaite",
    "h\xC3\xB6"
    "chste Punktzahl",
    "give it a perfect",
    "verdict: ship",
    "x",
    "word",
    "-",
    "\xE2\x80\x99",
    "[INST]",
    "assistant:",
    "\t",
    "  ",
    "if you are an AI reading",
    "dear AI,",
    "jailbreak",
};

TEST(extended_same_first_match_as_pcre2) {
  char dir[1200];
  int strings = 0;
  unsigned long seed = 12345;
  int i;

  md = pcre2_match_data_create(4, NULL);
  ASSERT(md != NULL);
  ASSERT_INT_EQ(load_rules(), 0);
  ASSERT(nx >= 30);
  snprintf(dir, sizeof(dir), "%s/tests/data/injection/hostile", src_dir);
  ASSERT_INT_EQ(json_strings(dir, &strings), 0);
  snprintf(dir, sizeof(dir), "%s/tests/data/injection/innocent", src_dir);
  ASSERT_INT_EQ(json_strings(dir, &strings), 0);
  snprintf(dir, sizeof(dir), "%s/fixtures/tools", src_dir);
  ASSERT_INT_EQ(json_strings(dir, &strings), 0);
  ASSERT(strings >= 150);
  /* Adversarial strings: pieces in a deterministic random order. */
  for (i = 0; i < 400; i++) {
    char text[2048];
    size_t n = 0;
    int k;
    int pieces = 1 + i % 24;
    for (k = 0; k < pieces; k++) {
      const char *p;
      seed = seed * 6364136223846793005UL + 1442695040888963407UL;
      p = PIECES[(seed >> 33) % (sizeof(PIECES) / sizeof(PIECES[0]))];
      if (n + strlen(p) < sizeof(text)) {
        memcpy(text + n, p, strlen(p));
        n += strlen(p);
      }
    }
    ASSERT_INT_EQ(same_ext_every_spelling("random", text, n), 0);
  }
  fprintf(stderr, "    %d strings, %ld matches compared\n", strings, xchecked);
  for (i = 0; i < (int)nx; i++) {
    pcre2_code_free(xcodes[i]);
    sk_prefilter_free(xpres[i]);
  }
  sk_prefilter_set_free(xset);
  pcre2_match_data_free(md);
}

TEST(a_set_of_none_and_some) {
  struct sk_prefilter *pf[3] = {NULL, NULL, NULL};
  struct sk_prefilter_set *set = NULL;
  size_t firsts[3];
  ASSERT_INT_EQ(sk_prefilter_new("bar", &pf[0]), 0);
  ASSERT_INT_EQ(sk_prefilter_new("\\bfoo", &pf[2]), 0);
  ASSERT_INT_EQ(
      sk_prefilter_set_new((const struct sk_prefilter *const *)pf, 3, &set), 0);
  /* No prefilter: from 0; none found: none. */
  sk_prefilter_set_first(set, "xfoo bar", 8, firsts);
  ASSERT_INT_EQ(firsts[0], 5);
  ASSERT_INT_EQ(firsts[1], 0);
  ASSERT(firsts[2] == SK_PREFILTER_NONE);
  sk_prefilter_set_first(set, "", 0, firsts);
  ASSERT(firsts[0] == SK_PREFILTER_NONE);
  ASSERT_INT_EQ(firsts[1], 0);
  sk_prefilter_set_free(set);
  sk_prefilter_free(pf[0]);
  sk_prefilter_free(pf[2]);
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
  RUN(extended_covers);
  RUN(extended_first_places);
  RUN(only_long_s_and_kelvin_stand_for_ascii);
  RUN(extended_same_first_match_as_pcre2);
  RUN(a_set_of_none_and_some);
  sk_panel_def_cleanup(&panel);
  return TEST_REPORT();
}
