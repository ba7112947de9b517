/* journal.h: OUTDIR/journal.jsonl, the record of every review that ended:
 * the batch's write-ahead log, of which scorecards are views.
 *
 * Each accepted or finally failed review is appended as one JSON line as it
 * ends; written, it survives the process (even kill -9: the page cache
 * keeps it). What survives a power cut depends on when it is fsync'd:
 * - group commit (sk_journal_group_start, the batch default): one fsync on
 *   libuv's thread pool covers every line appended in a window (at most
 *   window_ms after the first unsynced line, or max_lines lines), so a
 *   power cut loses at most the reviews of the last window, which
 *   --resume requests again;
 * - strict (the default of a bare journal): every line is fsync'd before
 *   sk_journal_append() returns.
 * Setting SHIPSKIP_DEBUG_SYNCED_LOG=PATH makes the journal append each
 * length it knows to be on disk to PATH, one decimal per line, so a test
 * can cut the journal back to it and play a power cut. A line records
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

#include <stdint.h>
#include <stdio.h>
#include <uv.h>

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

/* Told that a group commit's fsync failed (msg names the file, valid
 * during the call only): lines appended since the last good sync may not
 * be durable. Called on the loop thread. */
typedef void (*sk_journal_fail_cb)(void *ctx, int code, const char *msg);

/* Starts group commit on loop: from now on sk_journal_append() writes
 * without fsync, and the journal fsyncs on libuv's thread pool, one fsync
 * at a time, window_ms after the first line not yet covered or as soon as
 * max_lines lines wait, whichever comes first. A failed fsync goes to fail
 * (may be NULL). Returns 0, or SK_EIO when the timer cannot start (the
 * journal then stays strict). Call sk_journal_group_stop() before the loop
 * closes. */
int sk_journal_group_start(struct sk_journal *j, uv_loop_t *loop,
                           unsigned window_ms, unsigned max_lines,
                           sk_journal_fail_cb fail, void *ctx,
                           struct sk_error *err);

/* Stops group commit: closes its timer (the loop must run again for the
 * close to end); a sync already on the thread pool still completes on
 * the loop. Lines appended later are fsync'd one by one again. Returns 1
 * when it started closing the timer (run the loop once more), else 0.
 * NULL-safe and idempotent. */
int sk_journal_group_stop(struct sk_journal *j);

/* The journal's length in bytes, and how much of it is known to be on
 * disk (every byte before it was covered by a completed fsync). */
uint64_t sk_journal_length(const struct sk_journal *j);
uint64_t sk_journal_synced(const struct sk_journal *j);

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
