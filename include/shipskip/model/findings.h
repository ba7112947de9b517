/* findings.h: what the prompt-injection detector found in one tool's text.
 *
 * Plain data, shared by the detector that produces it (review/inject.h) and
 * the scorecard codec that stores it (model/scorecard.h, model/scorefile.h):
 * the data model must be able to hold a finding without linking the PCRE2
 * detector, so the type lives here and the detector above it.
 */
#ifndef SHIPSKIP_FINDINGS_H
#define SHIPSKIP_FINDINGS_H

#include <stddef.h>

#define SK_INJECT_MAX_HITS 32
#define SK_INJECT_RULE_LEN 48    /* longest rule name, with its NUL */
#define SK_INJECT_EXCERPT_LEN 96 /* escaped excerpt, with its NUL */
#define SK_INJECT_MAX_TEXT (1024 * 1024)

/* One finding: which rule matched where. */
struct sk_inject_hit {
  char rule[SK_INJECT_RULE_LEN];
  char field[16]; /* the tool field: "description", "tagline"... */
  size_t offset;  /* byte offset of the match in the field as scanned */
  int stripped;   /* 1: seen only once invisible characters were removed */
  int limit;      /* 1: the rule hit the match limit (reported, not proven) */
  char excerpt[SK_INJECT_EXCERPT_LEN]; /* printable ASCII, see below */
};

/* The findings for one tool. At most one hit per rule and field is kept; past
 * SK_INJECT_MAX_HITS, hits are counted in dropped. Excerpts (up to 16 bytes
 * of context, then the match and what follows, "..." where cut) are escaped
 * so a report can be printed on a terminal or put in a log as it is: '\\'
 * becomes "\\\\", newline, tab and CR "\n", "\t", "\r", other control
 * bytes and invalid UTF-8 "\xNN", and invisible, bidi, tag, C1 and
 * private-use characters "\u{XXXX}"; other text stays UTF-8. Plain storage:
 * nothing to free. */
struct sk_inject_result {
  struct sk_inject_hit hits[SK_INJECT_MAX_HITS];
  size_t nhits;
  size_t dropped;
};

#endif
