/* validate.h: checks a model's reply against the reply contract.
 *
 * The contract: a "SCORE: NN/100" line with a whole number 0-100, a
 * "VERDICT: ship|skip" line, and "REVIEW:" followed by one paragraph whose
 * word count is within bounds and which covers every rubric element of the
 * persona. Labels may be decorated the way models decorate them (bold,
 * heading marks, any case); chatter before the SCORE line is tolerated.
 * Everything is checked and every failure reported, each as a precise
 * message ("no VERDICT line", "score 140 is out of range 0-100", "rubric: no
 * direct competitors named") that can be quoted back to the model.
 *
 * All patterns, the contract's and each persona's rubric, are compiled once
 * with JIT when the validator is made; checking allocates only the accepted
 * review text.
 */
#ifndef SHIPSKIP_VALIDATE_H
#define SHIPSKIP_VALIDATE_H

#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"

#include <stddef.h>

#define SK_REPLY_MAX_ERRORS 24
#define SK_REPLY_ERROR_LEN 200

struct sk_validate_opts {
  int min_words;    /* default 60 */
  int max_words;    /* default 260 */
  size_t max_reply; /* replies longer than this are refused; default 64 KiB */
};

/* The outcome of checking one reply. */
struct sk_reply {
  int score;       /* valid only when nerrors == 0 */
  char verdict[5]; /* "ship" or "skip" */
  char *review;    /* the paragraph, whitespace folded; heap, NULL on error */
  char errors[SK_REPLY_MAX_ERRORS][SK_REPLY_ERROR_LEN];
  size_t nerrors;
};

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

/* Checks a bare review paragraph against a persona's rubric and length
 * bounds only (for persona tooling and tests). Same returns. */
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

/* Frees r->review. NULL-safe. */
void sk_reply_cleanup(struct sk_reply *r);

#endif
