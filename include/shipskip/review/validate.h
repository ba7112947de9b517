/* validate.h: checks a model's reply against the reply contract.
 *
 * The contract: a score out of 100 (a whole number 0-100), a verdict (ship
 * or skip) and one review paragraph whose word count is within bounds. Three
 * forms carry it, and each is normalised to the same fields of sk_reply:
 *
 *   lines    SCORE: 78/100            the default the prompt asks for;
 *            VERDICT: ship            labels may be decorated the way models
 *            REVIEW: <paragraph>      decorate them (bold, heading marks, any
 *                                     case); chatter before them is tolerated.
 *   compact  SCORE: 78/100 · ship     the seed pages' own line: score and
 *            <paragraph>              verdict on one line, separated by one
 *                                     of · - – — | , (spaces optional). The
 *            paragraph follows on the next lines, or after a REVIEW: label.
 *            "SCORE: 78/100, VERDICT: ship" (both labels on one line) is
 *            the same form. The SCORE label may be left out (the pages
 *            print "78/100 · ship") only on the reply's first non-blank
 *            line, so a score quoted in prose is never taken for one. A
 *            VERDICT line may also be given if it agrees.
 *   json     {"score": 78, "verdict": "ship", "review": "<paragraph>"}
 *            one object, bare or in a ``` fence (any info string, such as
 *            json) with only chatter before the fence and white space after
 *            it. Parsed by cJSON; extra keys are ignored; each of the three
 *            must be there once with its type (a number, a string, a string)
 *            or the reply is refused with a message naming the key; an
 *            escaped NUL (\u0000) or control character is refused.
 *
 * A reply is read as JSON when it has no SCORE/VERDICT/REVIEW label line and
 * its first non-blank character is "{" or it has a ``` fence whose content
 * starts with "{"; otherwise as lines or compact.
 *
 * Format failures are hard, each a precise message that can be quoted back
 * to the model: "no VERDICT line", "score 140 is out of range 0-100", "the
 * review has 2 paragraphs; write exactly one", a length outside the bounds,
 * a quoted fence, a review of another tool (when the tool is given: see
 * sk_validator_check_tool).
 *
 * Rubric coverage is measured, not demanded of every element: each element
 * of the persona's rubric is matched by its pattern against the paragraph,
 * and the result is recorded in the reply (below). Coverage becomes errors
 * only when fewer elements are covered than the threshold: the persona's
 * min_rubric (sk_persona_min_rubric: all but one by default), or the run's
 * policy (SK_RUBRIC_STRICT: every element; SK_RUBRIC_OFF: never). Then one
 * error per missing element, "rubric: <its missing message>", in rubric
 * order, so the re-ask quotes exactly what to add.
 *
 * Evidence (structured replies, model/schema.h): a JSON reply may carry
 * "evidence": {"<element name>": "<quote>"}. An element whose quote is
 * non-empty and occurs in the paragraph (both compared after folding white
 * space, ASCII case and typographic quotes to plain ones, the quote's
 * outer punctuation trimmed) is covered by its quote; otherwise its pattern
 * decides, as for text replies. A malformed "evidence" (not an object, a
 * value not a string) is ignored: the patterns decide.
 *
 * All patterns, the contract's and each persona's rubric, are compiled once
 * with JIT when the validator is made; each rubric pattern also gets its
 * literal prefilter (prefilter.h), which says where in the paragraph a match
 * can start, so the pattern runs from there or not at all.
 */
#ifndef SHIPSKIP_VALIDATE_H
#define SHIPSKIP_VALIDATE_H

#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"

#include <stddef.h>
#include <stdint.h>

#define SK_REPLY_MAX_ERRORS 24
#define SK_REPLY_ERROR_LEN 200

struct sk_tool;

/* How much rubric coverage a run demands. DEFAULT (0, what a zeroed
 * sk_validate_opts gives) takes each persona's min_rubric. */
enum sk_rubric_policy {
  SK_RUBRIC_DEFAULT = 0, /* the persona's min_rubric (all but one) */
  SK_RUBRIC_STRICT,      /* every element */
  SK_RUBRIC_OFF          /* format checks only; coverage still recorded */
};

/* Parses "default", "strict" or "off" (exact, lower case) into *out for a
 * --rubric option. Returns 0, or SK_EINVAL (leaving *out alone). */
int sk_rubric_policy_parse(const char *s, enum sk_rubric_policy *out);

/* The policy's name as sk_rubric_policy_parse takes it ("default"...). */
const char *sk_rubric_policy_name(enum sk_rubric_policy p);

struct sk_validate_opts {
  int min_words;    /* default 60 */
  int max_words;    /* default 260 */
  size_t max_reply; /* replies longer than this are refused; default 64 KiB */
  enum sk_rubric_policy rubric; /* default SK_RUBRIC_DEFAULT */
};

/* The form a reply was written in (see the top of this file). */
enum sk_reply_form {
  SK_REPLY_FORM_NONE = 0, /* not recognised: no score was found */
  SK_REPLY_FORM_LINES,
  SK_REPLY_FORM_COMPACT,
  SK_REPLY_FORM_JSON
};

/* The outcome of checking one reply.
 *
 * Reading coverage (for scorecards, journals, pages): when rubric_checked is
 * 1, element j of the persona (panel->personas[i].rubric[j], j < nrubric) is
 * covered when bit j of covered is set and missing when bit j of missing is
 * set; covered | missing has exactly the low nrubric bits set, ncovered is
 * the number of covered bits. The element's name is rubric[j].name, its
 * message rubric[j].missing; sk_reply_covers(r, j) reads one bit. Bit j of
 * unchecked (a subset of missing) marks an element PCRE2 could not match
 * (a match limit): it counts as missing. rubric_checked is 0 when no
 * paragraph reached the rubric (no score line found, no paragraph, bad
 * bytes); then covered and missing are 0. Coverage is filled on success AND
 * on failure, so a re-asked reply shows what it lacked. */
struct sk_reply {
  int score;       /* valid only when nerrors == 0 */
  char verdict[5]; /* "ship" or "skip" */
  char *review;    /* the paragraph, whitespace folded; heap, NULL on error */
  char errors[SK_REPLY_MAX_ERRORS][SK_REPLY_ERROR_LEN];
  size_t nerrors;
  enum sk_reply_form form;
  int rubric_checked; /* 1 when the paragraph was matched (see above) */
  size_t nrubric;     /* the persona's rubric elements */
  uint32_t covered;   /* bit j: element j matched */
  uint32_t missing;   /* bit j: element j did not (or could not) match */
  uint32_t unchecked; /* bit j: element j could not be matched */
  size_t ncovered;    /* bits set in covered */
  size_t min_rubric;  /* the threshold applied, after the policy */
  int rubric_short;   /* 1 when ncovered < min_rubric: the errors then
                         include "rubric: ..." for each missing element */
  size_t nformat;     /* errors that are not rubric errors: 0 with
                         rubric_short set means only coverage failed
                         (a re-ask), > 0 means a format failure */
  /* Evidence (see the top): bit j of quoted (a subset of covered) marks
   * element j covered by its quote, and evidence[j] is then that quote,
   * white space folded (heap); NULL for every other element. */
  uint32_t quoted;
  char *evidence[SK_PERSONA_MAX_RUBRIC];
};

/* Returns 1 when the reply covered rubric element j, else 0 (also when the
 * rubric was not checked or j is out of range). */
int sk_reply_covers(const struct sk_reply *r, size_t j);

struct sk_validator;

/* Compiles the contract patterns and the rubric of every persona of panel
 * (which must outlive the validator). A rubric pattern that does not compile
 * is SK_EREGEX naming the persona file, the element and the offset. Returns 0
 * and *out (free with sk_validator_free) or an error. */
int sk_validator_new(const struct sk_panel_def *panel,
                     const struct sk_validate_opts *opts,
                     struct sk_validator **out, struct sk_error *err);

/* Frees the validator. NULL-safe. */
void sk_validator_free(struct sk_validator *v);

/* Turns the rubric patterns' literal prefilter (review/prefilter.h) on (the
 * default) or off. Every result is the same either way, only cheaper with
 * it: this exists so tests and the fuzzer can compare the two. */
void sk_validator_set_prefilter(struct sk_validator *v, int on);

/* Checks len bytes of reply text for the persona at index persona of the
 * panel. Fills *r (release with sk_reply_cleanup). Returns 0 when the reply
 * is valid, SK_EREPLY when it is not (r->errors says why), SK_ENOMEM. */
int sk_validator_check(struct sk_validator *v, size_t persona, const char *text,
                       size_t len, struct sk_reply *r);

/* The same, and also refuses a reply that quotes the fenced tool text: one
 * that contains fence (the "TOOL-DATA-<16 hex>" string of the request's
 * prompt, see prompt.h) or any other "TOOL-DATA-<16 hex>", such as a
 * forged fence the tool text carried. The message says so ("the reply quotes
 * the fenced tool text ..."). fence NULL or "" checks exactly as
 * sk_validator_check does. Same returns. */
int sk_validator_check_ex(struct sk_validator *v, size_t persona,
                          const char *text, size_t len, const char *fence,
                          struct sk_reply *r);

/* The same, and also refuses a review of another tool when tool is not
 * NULL: the paragraph must name the tool or speak of what its record
 * describes (sk_subject_check, see subject.h), else "the review never names
 * <name> and hardly speaks of what its description says; review the tool in
 * the data block". tool NULL checks exactly as sk_validator_check_ex does.
 * Same returns. */
int sk_validator_check_tool(struct sk_validator *v, size_t persona,
                            const char *text, size_t len, const char *fence,
                            const struct sk_tool *tool, struct sk_reply *r);

/* Checks a bare review paragraph against a persona's rubric and length
 * bounds only (for persona tooling and tests), with the same coverage
 * policy. Same returns. */
int sk_validator_check_review(struct sk_validator *v, size_t persona,
                              const char *review, size_t len,
                              struct sk_reply *r);

/* Matches each rubric element of the persona at index persona against the
 * len bytes of review, its white space folded as the check folds it: sets
 * hits[j] to 1 when element j's pattern matches, 0 when it does not, -1 when
 * it could not be checked (a PCRE2 matching error, such as a match limit).
 * hits has room for the persona's nrubric elements. For persona tooling:
 * which elements a sample covers. Returns the number of elements hit,
 * SK_EINVAL for a bad persona index, or SK_ENOMEM. */
int sk_validator_rubric_hits(struct sk_validator *v, size_t persona,
                             const char *review, size_t len, int *hits);

/* Frees r->review and r->evidence. NULL-safe. */
void sk_reply_cleanup(struct sk_reply *r);

#endif
