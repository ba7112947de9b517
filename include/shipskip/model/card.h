/* card.h: reading scorecards back — OUTDIR/<slug>.json files, schema
 * "shipskip.scorecard/1" (docs/SCORECARD.md) — for publishing.
 *
 * A card is the scorecard as the pages need it: the tool's fields, the panel
 * figures, community votes, token usage and each reviewer's result. The
 * scorecard file is the source of truth, so its figures are used as written,
 * but nothing in it is trusted: every field is type-checked, every string
 * must be valid UTF-8, figures must be in range, and a file that breaks
 * this is refused with its path and the field. Card sets hold every
 * scorecard of a directory, sorted by slug; JSON files of another schema
 * are skipped, so other outputs may share the directory.
 *
 * Community votes: a scorecard's "community" object ({"ship": N, "skip":
 * M}), when present, is read; sk_card_apply_votes() sets them from a votes
 * file instead.
 *
 * Injection findings: a scorecard's "injection" key is null (or absent)
 * when no prompt-injection detector ran, else {"flagged": true|false,
 * "findings": [{"rule", "field", "excerpt"}, ...]} (inject.h). A flagged
 * card is shown with a notice for the editor; the findings are untrusted
 * text like every other field and are escaped wherever they are shown.
 */
#ifndef SHIPSKIP_CARD_H
#define SHIPSKIP_CARD_H

#include "shipskip/util/error.h"
#include "shipskip/model/votes.h"

#include <stddef.h>

/* Largest scorecard file read. */
#define SK_CARD_FILE_CAP (16u * 1024 * 1024)

struct sk_card_review {
  char *persona;      /* "builder": the id that pairs reviewers up */
  char *display_name; /* "Builder" */
  int ok;             /* 1 accepted, 0 failed */
  int score;          /* 0-100 when ok */
  char verdict[5];    /* "ship" / "skip" when ok, "" when failed */
  char *review;       /* the paragraph when ok, else NULL */
  char *provider;     /* may be NULL */
  char *model;        /* may be NULL */
  int attempts;
  char **errors; /* why it failed */
  size_t nerrors;
};

/* One finding of the prompt-injection detector, as the scorecard has it. */
struct sk_card_finding {
  char *rule;    /* "instr.ignore-previous" */
  char *field;   /* the tool field it was found in: "description" */
  char *excerpt; /* the text around the match, escaped for a terminal by
                    the detector; still untrusted markup-wise */
};

struct sk_card {
  char *path; /* the file read */
  /* The tool; optional fields are NULL when absent. */
  char *slug;
  char *name;
  char *tagline;
  char *category;
  char *pricing;
  char *entry;
  char *best_for;
  char *url;
  char *description;
  /* The panel. */
  char *verdict; /* "Ship", "Skip", "Split", or NULL: no verdict */
  char *label;   /* "Ship · 4 ship / 0 skip" */
  int ships;
  int skips;
  int failed;
  int reviewers;     /* accepted reviews */
  int ship_percent;  /* valid when reviewers > 0 */
  double mean_score; /* valid when reviewers > 0 */
  int has_community; /* votes known (possibly 0 + 0) */
  long long community_ship;
  long long community_skip;
  long long prompt_tokens;
  long long completion_tokens;
  int has_cost; /* usage.cost_usd was present */
  double cost_usd;
  struct sk_card_review *reviews; /* in panel order */
  size_t nreviews;
  /* The prompt-injection detector ("injection"). */
  int scanned; /* a detector ran: "injection" was an object, not null */
  int flagged; /* injection.flagged: it found something */
  struct sk_card_finding *findings; /* what it found; none when !flagged */
  size_t nfindings;
};

struct sk_card_set {
  struct sk_card **cards; /* sorted by slug */
  size_t n;
};

/* Builds a card from scorecard JSON text (len bytes); path names it in
 * messages. Returns 0 and *out (free with sk_card_free), SK_EPARSE naming
 * the path and field ("a.json: panel.ship_percent must be a number from 0
 * to 100", "a.json: injection.findings[0].rule must be a string"),
 * SK_EINVAL when the schema is not "shipskip.scorecard/1", or SK_ENOMEM.
 * injection.flagged must be true exactly when there are findings
 * ("a.json: injection.flagged is false but there are 2 findings"). */
int sk_card_parse(const char *text, size_t len, const char *path,
                  struct sk_card **out, struct sk_error *err);

/* Reads path and parses it as sk_card_parse() does; also SK_ENOENT, SK_EIO,
 * SK_ETOOBIG. */
int sk_card_load(const char *path, struct sk_card **out, struct sk_error *err);

/* Frees a card. NULL-safe. */
void sk_card_free(struct sk_card *c);

/* Sets the card's community votes from votes (the entry for its slug, or no
 * votes when there is none). votes NULL leaves the card as it is. */
void sk_card_apply_votes(struct sk_card *c, const struct sk_votes *votes);

/* Flags of sk_card_set_load(). */
#define SK_CARD_SUMMARY 1u /* keep only what an index needs (sk_card_strip) */

/* Loads every *.json scorecard of dir into set (free with
 * sk_card_set_cleanup), sorted by slug. With SK_CARD_SUMMARY each card is
 * stripped as it is read, so a set of thousands of tools stays small; load
 * a card again by its path for its page. Files of another schema are
 * skipped silently; a broken scorecard is reported through report(ctx,
 * message) when report is not NULL, counted in *nbad, and skipped. Two
 * scorecards with one slug: the one whose file name sorts later is reported
 * and skipped. Returns 0, or SK_ENOENT / SK_EIO when dir cannot be read, or
 * SK_ENOMEM. */
int sk_card_set_load(const char *dir, unsigned flags, struct sk_card_set *set,
                     size_t *nbad, void (*report)(void *ctx, const char *msg),
                     void *ctx, struct sk_error *err);

/* Frees what only a page needs — the reviews, injection findings,
 * description, pricing, best for and url — keeping the tool's slug, name,
 * tagline, category and entry, the panel figures, community votes, usage
 * and whether it was scanned and flagged. */
void sk_card_strip(struct sk_card *c);

/* Frees the cards of set. NULL-safe. */
void sk_card_set_cleanup(struct sk_card_set *set);

/* Returns the card with this slug (a binary search), or NULL. */
struct sk_card *sk_card_set_find(const struct sk_card_set *set,
                                 const char *slug);

/* Finds a card by slug or, failing that, by tool name compared without
 * regard to ASCII case. Returns it, or NULL with err saying the name is
 * unknown (listing known slugs) or ambiguous (listing the matches). */
struct sk_card *sk_card_set_match(const struct sk_card_set *set,
                                  const char *what, struct sk_error *err);

/* Resolves a command-line argument to a card: an existing file path (it
 * contains '/' or ends in ".json"), else the scorecard dir/<what>.json when
 * what is a safe slug, else a tool name matched as sk_card_set_match() does
 * against the scorecards of dir. Returns 0 and *out (free with
 * sk_card_free), or an error naming what was tried. */
int sk_card_resolve(const char *what, const char *dir, struct sk_card **out,
                    struct sk_error *err);

/* Display helpers shared by the renderers; each writes plain text (not yet
 * escaped) into buf of size bytes (64 is always enough). */
void sk_card_percent_text(const struct sk_card *c, char *buf, size_t size);
void sk_card_mean_text(const struct sk_card *c, char *buf, size_t size);
void sk_card_community_text(const struct sk_card *c, char *buf, size_t size);
void sk_card_score_text(const struct sk_card_review *r, char *buf, size_t size);

#endif
