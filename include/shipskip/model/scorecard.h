/* scorecard.h: the scorecard codec: merging a tool's reviews into its
 * scorecard, writing it, and reading it back.
 *
 * The panel verdict counts accepted reviews: Ship when ships outnumber
 * skips, Skip when skips do, Split on a tie; with no accepted review there
 * is no verdict (never a guessed one). ship_percent is ships / accepted
 * reviews, rounded to a whole percent; mean_score is rounded to one decimal.
 *
 * OUTDIR/<slug>.json is the source of truth (schema "shipskip.scorecard/1",
 * keys documented in docs/SCORECARD.md); OUTDIR/<slug>.md is the editor's
 * draft. Both are written atomically and contain nothing that varies from
 * run to run, so a replayed run reproduces them byte for byte.
 *
 * One record, one codec: sk_scorecard_json() is the only writer of the
 * JSON and sk_scorecard_parse() / sk_scorecard_load() the only reader, for
 * every user: resume and --redo (prior.h), the editor's desk (scorefile.h)
 * and publishing (card.h). So a scorecard the engine accepts is one
 * publishing accepts, refused files are refused everywhere with the same
 * message, and no file larger than SK_SCORECARD_CAP is written or read.
 * Each review inside goes through the review codec (review.h).
 */
#ifndef SHIPSKIP_SCORECARD_H
#define SHIPSKIP_SCORECARD_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"
#include "shipskip/model/persona.h"
#include "shipskip/model/tool.h"
#include "shipskip/model/findings.h"
#include "shipskip/model/review.h"
#include "shipskip/model/votes.h"

#include <cJSON.h>
#include <stddef.h>

/* The one size cap of a scorecard file, in bytes: the writer refuses to
 * render a larger one (SK_ETOOBIG) and the reader to read one, so nothing
 * the engine writes is refused later for its size. A file of exactly this
 * many bytes is accepted. 16 MiB holds thousands of reviews; a real one is
 * a few kilobytes. */
#define SK_SCORECARD_CAP (16u * 1024 * 1024)

struct sk_panel_result {
  const char *verdict; /* "Ship", "Skip", "Split", or NULL: no verdict */
  int ships;
  int skips;
  int failed;
  int reviewers;     /* accepted reviews */
  int ship_percent;  /* valid when reviewers > 0 */
  double mean_score; /* valid when reviewers > 0 */
  int complete;      /* 1 when every review was accepted */
  char label[64];    /* "Ship · 3 ship / 1 skip" */
};

/* Merges n reviews into the panel result. Cannot fail. */
void sk_scorecard_merge(const struct sk_review *r, size_t n,
                        struct sk_panel_result *out);

/* What a scorecard carries besides the tool and its reviews; every member
 * may be NULL, and so may the struct itself.
 *   community:    the community vote tally: "community" becomes {"ship": N,
 *                 "skip": M} and the draft says "62% ship · 412 votes";
 *                 NULL writes null and "No community votes yet".
 *   injection:    what the prompt-injection detector found in the tool's
 *                 text: "injection": {"flagged", "findings": [...]} and a
 *                 warning for the editor at the top of the draft; NULL
 *                 (no detector ran) writes null.
 *   generated_at: a timestamp for "generated_at"; NULL (the default) writes
 *                 none, so a replay reproduces the files byte for byte.
 *   history:      the reviews this scorecard's reviews replaced (--redo,
 *                 shipskip apply), oldest first, so nothing an editor saw is
 *                 lost.
 *   source:       what the reviews really are when they are not a model's
 *                 output (the bundled samples: "hand-written sample
 *                 replies..."), from the replayed fixtures' LABEL file;
 *                 written as "source" and said on every page and draft made
 *                 from the scorecard. NULL (a real model's run) writes none. */
struct sk_scorecard_meta {
  const struct sk_vote *community;
  const struct sk_inject_result *injection;
  const char *generated_at;
  const cJSON *history; /* replaced reviews, written as "history" when not
                           NULL and not empty (see prior.h) */
  const char *source;
};

/* Renders the scorecard JSON (pretty-printed, trailing newline) into out. */
int sk_scorecard_json(const struct sk_tool *t, const struct sk_review *r,
                      size_t n, const struct sk_scorecard_meta *meta,
                      struct sk_buf *out, struct sk_error *err);

/* Renders the Markdown draft into out. */
int sk_scorecard_markdown(const struct sk_tool *t, const struct sk_review *r,
                          size_t n, const struct sk_scorecard_meta *meta,
                          struct sk_buf *out, struct sk_error *err);

/* Writes OUTDIR/<slug>.json and OUTDIR/<slug>.md atomically. The slug must
 * be safe (sk_slug_is_safe); anything else is refused. Both files are
 * rendered before either is written. */
int sk_scorecard_write(const char *outdir, const struct sk_tool *t,
                       const struct sk_review *r, size_t n,
                       const struct sk_scorecard_meta *meta,
                       struct sk_error *err);

/* The same in two steps, so the writing (fsyncs) can leave the thread that
 * renders: a tool's two files, rendered and named, ready to be written.
 * Caller-owned: _init, then _cleanup frees the contents. */
struct sk_scorecard_files {
  char json_name[SK_TOOL_MAX_SLUG + 8]; /* "<slug>.json" */
  char md_name[SK_TOOL_MAX_SLUG + 8];   /* "<slug>.md" */
  struct sk_buf json;
  struct sk_buf md;
};
void sk_scorecard_files_init(struct sk_scorecard_files *f);
void sk_scorecard_files_cleanup(struct sk_scorecard_files *f);

/* Renders the tool's JSON and Markdown into f (initialised). Returns 0, or
 * SK_EINVAL for an unsafe slug, SK_ENOMEM, SK_ETOOBIG, with err set. */
int sk_scorecard_render(const struct sk_tool *t, const struct sk_review *r,
                        size_t n, const struct sk_scorecard_meta *meta,
                        struct sk_scorecard_files *f, struct sk_error *err);

/* Writes f's two files into outdir atomically, the JSON first. Touches only
 * f and the files, so another thread may run it. Returns 0 or SK_EIO. */
int sk_scorecard_files_write(const char *outdir,
                             const struct sk_scorecard_files *f,
                             struct sk_error *err);

/* ---- Reading ---------------------------------------------------------- */

/* One finding of the prompt-injection detector as the file has it. Heap
 * strings of any length: a file is not bound by the detector's storage
 * (findings.h), and the pages show every finding whole. */
struct sk_scorecard_finding {
  char *rule;    /* "instr.ignore-previous" */
  char *field;   /* the tool field it was found in: "description" */
  char *excerpt; /* the text around the match; untrusted markup-wise */
};

/* A scorecard file as read back: plain data, everything the file says.
 * The panel figures, usage and community votes are used as written (the
 * file is the source of truth); they are checked, not recomputed. Owned by
 * the struct: free with sk_scorecard_free(). */
struct sk_scorecard {
  char *path;           /* the file read, for messages */
  char *generated_at;   /* NULL when absent */
  char *source;         /* NULL when absent: see sk_scorecard_meta.source */
  struct sk_tool *tool; /* slug (safe) and name always; others NULL when
                           absent or null; origin is the path */
  struct sk_panel_result panel; /* verdict is "Ship", "Skip", "Split" (a
                                   static string) or NULL; label composed
                                   from the figures as the merge writes it */
  int has_community;        /* "community" was an object (or votes applied) */
  struct sk_vote community; /* ship and skip; slug unused */
  long long prompt_tokens;  /* usage: 0 when absent */
  long long completion_tokens;
  int has_cost; /* usage.cost_usd was a number */
  double cost_usd;
  int scanned; /* "injection" was an object: a detector ran */
  int flagged; /* injection.flagged: it found something */
  struct sk_scorecard_finding *findings; /* none when !flagged, or after
                                            sk_scorecard_strip() */
  size_t nfindings;
  struct sk_persona *personas; /* personas[i] wrote reviews[i]: only name
                                  and display_name are set */
  struct sk_review *reviews;   /* in the file's (panel) order; persona set */
  size_t nreviews;
  cJSON *history; /* the "history" array, each entry checked ({"persona",
                     "score", "verdict", "review", "model", "replaced_at",
                     "reason"}), kept as JSON so writing it back keeps every
                     key; NULL when absent */
};

/* Reads a scorecard from len bytes of JSON text; path names it in
 * messages. Every field is checked: types, ranges, UTF-8, a safe slug, the
 * panel figures against each other, the injection flag against its
 * findings, each review through the review codec. Returns 0 and *out (free
 * with sk_scorecard_free), or with *out NULL: SK_ETOOBIG past
 * SK_SCORECARD_CAP bytes ("<path>: larger than the N-byte limit", the words
 * of sk_fs_read_file()), SK_EINVAL when the text is not a scorecard (no
 * "schema": "shipskip.scorecard/1"), SK_EPARSE naming the path and field
 * ("a.json: panel.ship_percent must be a whole number from 0 to 100"), or
 * SK_ENOMEM. With tree not NULL, a successful parse also hands over the
 * parsed JSON (*tree, free with cJSON_Delete) for an editor that changes
 * keys in place. */
int sk_scorecard_parse(const char *text, size_t len, const char *path,
                       struct sk_scorecard **out, cJSON **tree,
                       struct sk_error *err);

/* Reads the file at path (at most SK_SCORECARD_CAP bytes) and parses it as
 * sk_scorecard_parse() does; also SK_ENOENT and SK_EIO. */
int sk_scorecard_load(const char *path, struct sk_scorecard **out, cJSON **tree,
                      struct sk_error *err);

/* Frees a scorecard. NULL-safe. */
void sk_scorecard_free(struct sk_scorecard *sc);

/* Frees what only a page needs -- the reviews, the injection findings, the
 * description, pricing, best for and url -- keeping the tool's slug, name,
 * tagline, category and entry, the panel figures, community votes, usage,
 * and whether it was scanned and flagged: a summary for an index. */
void sk_scorecard_strip(struct sk_scorecard *sc);

/* Fills meta from sc (community, injection, generated_at, history), so the
 * scorecard can be rendered again with sk_scorecard_json() or
 * sk_scorecard_markdown(). The findings are copied into *inj, the
 * detector's storage: each part cut to fit and past SK_INJECT_MAX_HITS
 * counted as dropped (the engine never writes more, so what it wrote comes
 * back whole). meta points into sc and inj. */
void sk_scorecard_meta_of(const struct sk_scorecard *sc,
                          struct sk_inject_result *inj,
                          struct sk_scorecard_meta *meta);

#endif
