/* scorefile.h: a scorecard file (OUTDIR/<slug>.json) opened for editing.
 *
 * The file is kept as its JSON tree, so a change touches only the keys it
 * must: every other key keeps its value and its place, and printing the
 * tree again (jsonfmt.h) gives the file back byte for byte. Beside the
 * tree, the scorecard is held as the scorecard codec reads it (struct
 * sk_scorecard: the tool, one review per reviewer, the community votes and
 * the injection findings), so the Markdown draft can be rendered again
 * exactly as the review path wrote it. Reviewers are the file's own: their
 * persona names and display names come from the scorecard, not from
 * persona files.
 *
 * The file is read by the one scorecard reader (sk_scorecard_parse()), with
 * the checks and the size cap (SK_SCORECARD_CAP) every user shares.
 *
 * History: a changed review's previous values are appended to the
 * top-level "history" array as {persona, score, verdict, review, model,
 * replaced_at, reason} (the shape prior.h writes for --redo), oldest first,
 * so a scorecard can be rewound to any earlier state.
 */
#ifndef SHIPSKIP_SCOREFILE_H
#define SHIPSKIP_SCOREFILE_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"
#include "shipskip/model/findings.h"
#include "shipskip/model/persona.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/model/tool.h"
#include "shipskip/model/votes.h"

#include <cJSON.h>
#include <stddef.h>

struct sk_scorefile {
  struct sk_scorecard *sc; /* the scorecard as read, kept in step with root
                              by the changes below */
  cJSON *root;             /* the file's JSON tree */
};

/* Reads a scorecard from len bytes of JSON text; path names it in messages.
 * Returns 0 and fills sf (release with sk_scorefile_cleanup, also after a
 * failure), or an error of sk_scorecard_parse(), with its message. */
int sk_scorefile_parse(const char *text, size_t len, const char *path,
                       struct sk_scorefile *sf, struct sk_error *err);

/* Reads the file at path as sk_scorecard_load() does. */
int sk_scorefile_load(const char *path, struct sk_scorefile *sf,
                      struct sk_error *err);

/* Frees everything sf holds and zeroes it. NULL-safe. */
void sk_scorefile_cleanup(struct sk_scorefile *sf);

/* Returns the index of the review by persona name, or -1. */
long sk_scorefile_find(const struct sk_scorefile *sf, const char *persona);

/* Merges the reviews into the panel result (sk_scorecard_merge()). */
void sk_scorefile_panel(const struct sk_scorefile *sf,
                        struct sk_panel_result *out);

/* Replaces review i with an accepted one — score, verdict ("ship"/"skip"),
 * text — written by hand: appends its previous values to "history" with
 * replaced_at `when` (UTC ISO 8601) and reason, marks it "edited": true,
 * sets "status" to "ok", drops the "rubric" coverage (it measured the
 * replaced text), and merges the panel again. The model, tokens and
 * every other key stay. Returns 0, SK_EINVAL for a bad index or verdict, or
 * SK_ENOMEM (sf may then be half changed: discard it). */
int sk_scorefile_set_review(struct sk_scorefile *sf, size_t i, int score,
                            const char *verdict, const char *text,
                            const char *when, const char *reason,
                            struct sk_error *err);

/* Returns the number of history entries. */
size_t sk_scorefile_history_count(const struct sk_scorefile *sf);

/* Returns history entry i (0-based) as the file has it, or NULL. */
const cJSON *sk_scorefile_history_entry(const struct sk_scorefile *sf,
                                        size_t i);

/* Rewinds sf to its state before history entry `entry` (0-based): undoes
 * the entries from the last down to that one, restoring each persona's
 * score, verdict, review and model (a null score restores a failed review),
 * removes them from "history", and merges the panel again. A restored
 * review is "edited" when the persona's last remaining entry was an edit
 * (the change that made it), so rewinding a scorecard only ever edited by
 * hand to its first entry gives back the file as reviewed, byte for byte.
 * An entry for a persona the scorecard no longer has is dropped. Returns 0,
 * SK_EINVAL when there is no such entry, SK_EPARSE for a malformed entry, or
 * SK_ENOMEM. */
int sk_scorefile_rewind(struct sk_scorefile *sf, size_t entry,
                        struct sk_error *err);

/* Appends the scorecard JSON — the tree, printed as the review path prints
 * it — to out. Returns 0 or an error. */
int sk_scorefile_json(const struct sk_scorefile *sf, struct sk_buf *out,
                      struct sk_error *err);

/* Appends the Markdown draft of the scorecard to out, rendered by
 * sk_scorecard_markdown() from the structs. Returns 0 or an error. */
int sk_scorefile_markdown(const struct sk_scorefile *sf, struct sk_buf *out,
                          struct sk_error *err);

/* Writes dir/<stem>.json and then dir/<stem>.md atomically. Returns 0 or
 * the error of the write that failed (the JSON is written first: it is the
 * source of truth). */
int sk_scorefile_save(const struct sk_scorefile *sf, const char *dir,
                      const char *stem, struct sk_error *err);

#endif
