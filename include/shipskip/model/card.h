/* card.h: scorecards for publishing: every scorecard of a directory as a
 * set sorted by slug, finding one by slug, tool name or path, votes from a
 * votes file, and the display texts the pages share.
 *
 * This module reads nothing itself: each file goes through the scorecard
 * codec (scorecard.h, sk_scorecard_load()), so a page is made only from a
 * scorecard every other user would accept too, and a broken one is reported
 * with the codec's message. JSON files of another schema are skipped, so
 * other outputs may share the directory.
 *
 * Community votes: a scorecard's "community" object is used as written;
 * sk_card_apply_votes() sets the votes from a votes file instead.
 */
#ifndef SHIPSKIP_CARD_H
#define SHIPSKIP_CARD_H

#include "shipskip/util/error.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/model/votes.h"

#include <stddef.h>

struct sk_card_set {
  struct sk_scorecard **cards; /* sorted by slug */
  size_t n;
};

/* Sets the card's community votes from votes (the entry for its slug, or no
 * votes when there is none). votes NULL leaves the card as it is. */
void sk_card_apply_votes(struct sk_scorecard *c, const struct sk_votes *votes);

/* Flags of sk_card_set_load(). */
#define SK_CARD_SUMMARY 1u /* keep only what an index needs */

/* Loads every *.json scorecard of dir into set (free with
 * sk_card_set_cleanup), sorted by slug. With SK_CARD_SUMMARY each card is
 * stripped (sk_scorecard_strip()) as it is read, so a set of thousands of tools
 * stays small; load a card again by its path for its page. Files of another
 * schema are skipped silently; a broken scorecard is reported through
 * report(ctx, message) when report is not NULL, counted in *nbad, and skipped.
 * Two scorecards with one slug: the one whose file name sorts later is reported
 * and skipped. Returns 0, or SK_ENOENT / SK_EIO when dir cannot be read, or
 * SK_ENOMEM. */
int sk_card_set_load(const char *dir, unsigned flags, struct sk_card_set *set,
                     size_t *nbad, void (*report)(void *ctx, const char *msg),
                     void *ctx, struct sk_error *err);

/* Frees the cards of set. NULL-safe. */
void sk_card_set_cleanup(struct sk_card_set *set);

/* Returns the card with this slug (a binary search), or NULL. */
struct sk_scorecard *sk_card_set_find(const struct sk_card_set *set,
                                      const char *slug);

/* Finds a card by slug or, failing that, by tool name compared without
 * regard to ASCII case. Returns it, or NULL with err saying the name is
 * unknown (listing known slugs) or ambiguous (listing the matches). */
struct sk_scorecard *sk_card_set_match(const struct sk_card_set *set,
                                       const char *what, struct sk_error *err);

/* Resolves a command-line argument to a card: an existing file path (it
 * contains '/' or ends in ".json"), else the scorecard dir/<what>.json when
 * what is a safe slug, else a tool name matched as sk_card_set_match() does
 * against the scorecards of dir. Returns 0 and *out (free with
 * sk_scorecard_free), or an error naming what was tried. */
int sk_card_resolve(const char *what, const char *dir,
                    struct sk_scorecard **out, struct sk_error *err);

/* Display helpers shared by the renderers; each writes plain text (not yet
 * escaped) into buf of size bytes (64 is always enough). */
void sk_card_percent_text(const struct sk_scorecard *c, char *buf, size_t size);
void sk_card_mean_text(const struct sk_scorecard *c, char *buf, size_t size);
void sk_card_community_text(const struct sk_scorecard *c, char *buf,
                            size_t size);
void sk_card_score_text(const struct sk_review *r, char *buf, size_t size);

#endif
