/* draft.h: reading an editor's Markdown draft (OUTDIR/<slug>.md) back.
 *
 * The draft is what sk_scorecard_markdown() writes: a "# Name" title, an
 * optional flagged-for-the-editor block, the tagline, the decision table
 * and the description (together: the header), a "## Reviewer scorecard"
 * heading, then one section per reviewer,
 *
 *   ### Display name
 *
 *   NN/100 · ship|skip
 *
 *   The paragraph, on one line or wrapped over several.
 *
 * or, for a review that never validated, "No review: failed after N
 * attempts." and one "- reason" line per reason; and last a footer that
 * starts with a "---" line. Structure lines are recognised with PCRE2
 * patterns compiled once per parse. Text from tools and models was escaped
 * by sk_markdown_text()/sk_markdown_cell(), so none of it can pose as one of
 * these lines; sk_draft_unescape() undoes that escaping exactly.
 *
 * Parsing never stops at the first problem: every structural problem (no
 * title, no scorecard heading, a section without a score line, text where
 * none belongs) is recorded with its line number, so an editor sees them
 * all at once. Judging the values — is 140 a score, is "maybe" a verdict,
 * does the paragraph cover the rubric — is not the parser's job: it keeps
 * what was written, and apply.h checks it with the validator.
 */
#ifndef SHIPSKIP_DRAFT_H
#define SHIPSKIP_DRAFT_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stddef.h>

/* Largest draft read. */
#define SK_DRAFT_FILE_CAP (16u * 1024 * 1024)

/* One "### Display name" section. Strings are owned by the draft. */
struct sk_draft_section {
  char *name;      /* the heading's text, unescaped */
  int line;        /* of the heading */
  int failed;      /* 1: a "No review: failed after N attempts." block */
  char *score;     /* the text left of " · " as written ("84/100"), or NULL
                      when the section has no score line */
  char *verdict;   /* the text right of " · " as written ("ship") */
  int score_line;  /* of the score or "No review" line; 0 when none */
  char *review;    /* the paragraph text unescaped, its lines joined by
                      "\n" and paragraphs (blank-line separated blocks) by
                      "\n\n"; NULL when there is none */
  char *folded;    /* the same with every run of white space folded to one
                      space, ready for the validator; NULL when none */
  int review_line; /* of the paragraph's first line; 0 when none */
  int damaged;     /* a structural problem was found inside the section
                      (a second score line: most likely a deleted heading);
                      its values are not worth checking */
  char *body;      /* the non-blank lines after the heading, trailing
                      white space dropped, joined by "\n": for comparing a
                      failed block with the scorecard's */
};

/* A line kept as written, less its CR and trailing white space. */
struct sk_draft_line {
  int line; /* 1-based */
  char *text;
};

/* A problem found while parsing: where and what. */
struct sk_draft_problem {
  int line; /* 1-based; 0: the file as a whole */
  char msg[256];
};

struct sk_draft {
  char *title;    /* "# Title" text, unescaped; NULL when missing */
  int title_line; /* 0 when missing */
  struct sk_draft_line *header; /* the non-blank lines from the start to
                                   the "## Reviewer scorecard" heading,
                                   both included */
  size_t nheader;
  int scorecard_line; /* of "## Reviewer scorecard"; 0 when missing */
  struct sk_draft_section *sections; /* in the order written */
  size_t nsections;
  struct sk_draft_line *footer; /* the non-blank lines from "---" to the
                                   end */
  size_t nfooter;
  int footer_line; /* of "---"; 0 when missing */
  struct sk_draft_problem *problems;
  size_t nproblems;
  int not_a_draft; /* 1: no title and no scorecard heading at all */
};

/* Parses len bytes of draft text into d (release with sk_draft_cleanup,
 * also after a failure). Structural problems are recorded in d->problems,
 * not returned. Returns 0, or SK_ENOMEM (or SK_EREGEX should a built-in
 * pattern not compile). */
int sk_draft_parse(const char *text, size_t len, struct sk_draft *d,
                   struct sk_error *err);

/* Frees everything d holds and zeroes it. NULL-safe. */
void sk_draft_cleanup(struct sk_draft *d);

/* Returns the section whose heading is name (exact match), or NULL. */
const struct sk_draft_section *sk_draft_find(const struct sk_draft *d,
                                             const char *name);

/* Appends len bytes of Markdown text to out with the escaping of
 * sk_markdown_text() and sk_markdown_cell() undone: a backslash before
 * ASCII punctuation is dropped (CommonMark's rule, and the only escapes
 * those helpers write, so sk_draft_unescape(sk_markdown_text(s)) == s for
 * every s); any other backslash is kept. Returns 0, SK_ENOMEM or
 * SK_ETOOBIG. */
int sk_draft_unescape(struct sk_buf *out, const char *s, size_t len);

/* Writes s with every run of white space (space, tab, CR, LF) folded into
 * one space and none at either end into a new heap string (*out, free()
 * it), as the validator folds a paragraph. Returns 0 or SK_ENOMEM. */
int sk_draft_fold(const char *s, char **out);

#endif
