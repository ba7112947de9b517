/* journal.h: OUTDIR/journal.jsonl, the record of every review that ended.
 *
 * Each accepted or finally failed review is appended as one JSON line and
 * fsync'd before it counts as done, so a crash (even kill -9) loses at most
 * the reviews in flight. A batch defers the fsync and syncs many lines at
 * once, before the scorecard that depends on them is written. A line records
 * what the review was made from (an "inputs" digest over provider, model,
 * parameters, the rendered prompts and the persona's rubric), so a journaled
 * review is reused only for the very same inputs: change the tool text or a
 * persona and it is redone.
 *
 *   {"tool":"code-llama-4","persona":"founder","inputs":"<64 hex>",
 *    "status":"ok","score":55,"verdict":"skip","review":"...",
 *    "provider":"openai","model":"gpt-4o-mini","attempts":1,"retries":0,
 *    "prompt_tokens":640,"completion_tokens":240,"errors":[]}
 *
 * A line is the tool's slug followed by the review in the review codec's
 * journal layout (model/review.h): the same writer, reader and checks as a
 * review in a scorecard.
 *
 * Opening for resume reads the journal into an index (tool, persona → where
 * the line is), not into memory: the lines are read back when needed. A torn
 * last line (a crash mid-write) is detected, ignored and cut off so new
 * lines start clean; an unreadable line elsewhere is reported and ignored.
 */
#ifndef SHIPSKIP_JOURNAL_H
#define SHIPSKIP_JOURNAL_H

#include "shipskip/util/error.h"
#include "shipskip/model/scorecard.h"

#include <stdio.h>

struct sk_journal;

/* Told of one problem found while reading a journal, which is then
 * skipped: msg is "PATH:LINE: what" with no newline, valid during the call
 * only. Nothing below the CLI prints; the caller says it. */
typedef void (*sk_journal_warn_cb)(void *ctx, const char *msg);

/* Opens OUTDIR/journal.jsonl. With resume, an existing journal is indexed
 * and appended to; without, an existing journal is moved aside to
 * journal.jsonl.old first, so a fresh run never mixes with an old one.
 * Problems found while reading (a torn last line, an unreadable line) go to
 * warn with warn_ctx (warn may be NULL). Returns 0 and *out, or an error
 * naming the file. */
int sk_journal_open(const char *outdir, int resume, sk_journal_warn_cb warn,
                    void *warn_ctx, struct sk_journal **out,
                    struct sk_error *err);

/* Closes the journal. NULL-safe. */
void sk_journal_close(struct sk_journal *j);

/* Number of reviews the opened journal already held. */
unsigned long sk_journal_entries(const struct sk_journal *j);

/* Appends the ended review r of tool slug, made from inputs, and fsyncs
 * (unless syncing is deferred, below). Returns 0, or SK_EIO naming the file
 * (a full disk): the journal is left as it was before the call. */
int sk_journal_append(struct sk_journal *j, const char *slug,
                      const char *inputs, const struct sk_review *r,
                      struct sk_error *err);

/* With on, sk_journal_append() writes each line but no longer fsyncs it: a
 * killed process still loses nothing written, and the caller makes the
 * lines durable with sk_journal_sync() before anything depends on them, one
 * fsync for many lines (group commit). Off, the default, fsyncs each line.
 * sk_journal_close() syncs whatever is left. */
void sk_journal_defer_sync(struct sk_journal *j, int on);

/* fsyncs the journal: when it returns 0, every line appended before the
 * call is on disk; otherwise SK_EIO naming the file. It only touches the
 * open file, so another thread may call it while lines are appended. */
int sk_journal_sync(struct sk_journal *j, struct sk_error *err);

/* Looks up the last journaled review of (slug, persona). Returns 1 and fills
 * *r (persona set to persona; release with sk_review_cleanup) when it exists
 * and was made from the same inputs; 0 when there is none or its inputs
 * differ; a negative code on a read error. */
int sk_journal_lookup(struct sk_journal *j, const char *slug,
                      const struct sk_persona *persona, const char *inputs,
                      struct sk_review *r, struct sk_error *err);

/* Parses one journal line into its fields (for the reader, tools and
 * fuzzing). Returns 0 and fills slug (caller frees), inputs[65] and *r
 * (persona left NULL, its name in *persona_name, caller frees), or
 * SK_EPARSE. */
int sk_journal_parse_line(const char *line, size_t len, char **slug,
                          char **persona_name, char inputs[65],
                          struct sk_review *r);

#endif
