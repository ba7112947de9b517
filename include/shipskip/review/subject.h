/* subject.h: is a review about the tool it was asked about?
 *
 * A model asked to review one tool sometimes reviews another: one named in
 * the tool text, or one from an earlier turn. A review is taken as one of
 * the tool when it names it, that is contains as a whole word its full
 * name (any case), a word of its name of three or more letters that is not
 * only digits (as written: "Code" of "Code Llama 4" is not met by the noun
 * "code"), or a capitalised proper name of its tagline ("Meta" of "Meta's
 * open-weight code model"); or else when it shares at least four distinct
 * words of six letters or more (minus a few dozen common ones) with the
 * tool's name, tagline and description. Proper names of the description
 * are not used: descriptions name the competitors.
 *
 * Measured on the fixture replies, each checked against the five other
 * sample tools: 110 of 120 refused, and none of the 24 written for their
 * own tool nor the 12 published seed reviews. Two tools that share a name
 * cannot be told apart.
 */
#ifndef SHIPSKIP_SUBJECT_H
#define SHIPSKIP_SUBJECT_H

struct sk_tool;

/* Returns 1 when review (NUL-terminated, white space folded) is taken as a
 * review of tool, or tool is NULL; 0 when it is not; SK_ENOMEM. */
int sk_subject_check(const char *review, const struct sk_tool *tool);

#endif
