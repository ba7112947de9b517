/* evidence.h: the evidence check of structured replies.
 *
 * A structured reply (model/schema.h) gives, for each rubric element, the
 * exact words of its review that cover it. The validator (validate.h)
 * counts an element covered by its quote when the quote occurs in the
 * review; otherwise the element's pattern decides.
 */
#ifndef SHIPSKIP_EVIDENCE_H
#define SHIPSKIP_EVIDENCE_H

/* Returns 1 when quote, with the punctuation and quote marks around it
 * trimmed, is non-empty and occurs in review, both compared after folding
 * runs of white space to one space, ASCII letters to lower case and
 * typographic quotes (U+2018-U+201F, U+00B4, `) to plain ' and "; else 0
 * (also when out of memory: then the pattern decides). Both are C
 * strings, borrowed. */
int sk_evidence_occurs(const char *quote, const char *review);

#endif
