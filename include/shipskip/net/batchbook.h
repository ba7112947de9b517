/* batchbook.h: OUTDIR/batches.jsonl, the write-ahead log of a run's
 * provider batches.
 *
 * A batch goes through local steps, each recorded (and fsync'd) before the
 * remote step it leads to and again after it, so a run killed at any point
 * knows on --resume what it had sent:
 *
 *   sealed ──► uploading ──► uploaded ──► creating ──► created ──► collected
 *   (its requests,  (OpenAI: the file)    (POST sent)  (remote id,  (results on
 *    by custom id)                                      state)       disk)
 *
 * and "dropped" for a batch that never reached the provider (a run killed
 * before "creating" answered; its requests go out again) or was replaced
 * by a resubmission. A batch found at "creating" without an id may or may
 * not exist remotely: the batcher looks for it before sending its requests
 * anywhere else (batcher.h).
 *
 * One JSON object per line. The "sealed" line carries the requests:
 *   {"v":1,"batch":"b3","step":"sealed","provider":"claude","api":
 *    "anthropic","label":"sk-...","round":1,"bytes":81234,"requests":
 *    [["CUSTOM_ID","tool-slug","persona",1], ...]}
 * Every later line repeats the batch's whole mutable state, so the last
 * line of a batch is its state:
 *   {"v":1,"batch":"b3","step":"created","id":"msgbatch_...","state":
 *    "running","remote_state":"in_progress","file":"","counts":{"total",
 *    "succeeded","errored","expired","canceled"},"reason":"","at":UNIX,
 *    "results":["b3.results.jsonl"],"resubmits":0,"replaced_by":""}
 * A torn last line (a crash mid-write) is ignored and cut off; any other
 * line that cannot be read is an error naming the line: the book is what
 * stops a request from being paid for twice, so it is never guessed at.
 *
 * Downloaded results are kept beside it, in OUTDIR/batches/, so a resumed
 * run reads them from disk rather than from the provider.
 */
#ifndef SHIPSKIP_BATCHBOOK_H
#define SHIPSKIP_BATCHBOOK_H

#include "shipskip/providers/batch.h"
#include "shipskip/util/error.h"
#include "shipskip/util/strmap.h"

#include <stddef.h>

enum sk_bstep {
  SK_BSTEP_SEALED = 0,
  SK_BSTEP_UPLOADING,
  SK_BSTEP_UPLOADED,
  SK_BSTEP_CREATING,
  SK_BSTEP_CREATED,
  SK_BSTEP_COLLECTED,
  SK_BSTEP_DROPPED
};
const char *sk_bstep_name(enum sk_bstep s);

/* One request of a batch, as the book knows it. */
struct sk_brequest {
  char *id; /* custom id */
  char *tool;
  char *persona;
  int attempt;
};

#define SK_BATCH_MAX_RESULTS 2 /* OpenAI: output and error files */

struct sk_bbatch {
  unsigned num;  /* 3 for "b3" */
  char name[16]; /* "b3" */
  char provider[128];
  enum sk_batch_api api;
  char label[72];
  int round; /* 1: first asks; 2...: retries and re-asks */
  size_t bytes;
  struct sk_brequest *req;
  size_t nreq;
  /* mutable state */
  enum sk_bstep step;
  char file[160];            /* OpenAI: the uploaded file id */
  char id[160];              /* the remote batch id */
  struct sk_batch_status st; /* the last status read (state, counts) */
  long long at;              /* when "creating" began (unix), for finding it */
  char results[SK_BATCH_MAX_RESULTS][64]; /* file names in OUTDIR/batches */
  int nresults;
  int resubmits;        /* times its requests went out again as a whole */
  char replaced_by[16]; /* the batch that took its requests over, or "" */
};

struct sk_batchbook {
  char *path; /* OUTDIR/batches.jsonl */
  char *dir;  /* OUTDIR/batches */
  int fd;
  struct sk_bbatch **b;
  size_t n;
  size_t cap;
  struct sk_strmap ids; /* custom id -> the live batch holding it */
};

/* Opens OUTDIR/batches.jsonl. With resume, an existing book is read (state
 * per batch, the id index) and appended to; without, an existing book whose
 * batches have all ended is moved aside to batches.jsonl.old, and one with
 * batches still at the provider is refused (SK_ECONFIG, saying how many
 * and to use --resume or `shipskip batch cancel`), so no paid-for batch is
 * forgotten. Returns 0 and *out, or an error naming the file and line. */
int sk_batchbook_open(const char *outdir, int resume, struct sk_batchbook **out,
                      struct sk_error *err);
/* Reads a book without changing anything (status, cancel): as open with
 * resume, but the file is opened for reading only and nothing is cut.
 * SK_ENOENT when OUTDIR has no book. */
int sk_batchbook_read(const char *outdir, struct sk_batchbook **out,
                      struct sk_error *err);
void sk_batchbook_close(struct sk_batchbook *bk);

/* Adds a new batch (step sealed) of the given requests (copied) to the
 * book and writes its line; resubmits is how many times these requests
 * went out as a whole before (recorded in that line, so a batch that
 * failed twice is never sent a third time). Returns 0 and *out (owned by the
 * book), or an error (SK_EIO naming the file: the book is as it was). */
int sk_batchbook_seal(struct sk_batchbook *bk, const char *provider,
                      enum sk_batch_api api, const char *label, int round,
                      int resubmits, size_t bytes,
                      const struct sk_brequest *req, size_t n,
                      struct sk_bbatch **out, struct sk_error *err);
/* Writes b's current state as a line and fsyncs it. Returns 0 or SK_EIO. */
int sk_batchbook_save(struct sk_batchbook *bk, struct sk_bbatch *b,
                      struct sk_error *err);
/* The live batch holding custom id (not dropped, not replaced), or NULL. */
struct sk_bbatch *sk_batchbook_find(const struct sk_batchbook *bk,
                                    const char *id);
/* Points b's requests at b in the id index (after a resubmission). */
int sk_batchbook_index(struct sk_batchbook *bk, struct sk_bbatch *b);
/* Whether the batch is still at the provider: created (or maybe created)
 * and neither collected, dropped nor in a final state. */
int sk_bbatch_pending(const struct sk_bbatch *b);

/* Parses one line of a book into *b (a fresh, zeroed batch; for a state
 * line only the state fields are set). Returns 0 and the batch name in
 * name[16], or SK_EPARSE. For the reader and for fuzzing. */
int sk_batchbook_parse_line(const char *line, size_t len, char name[16],
                            struct sk_bbatch *b, int *is_sealed,
                            struct sk_error *err);
void sk_bbatch_free(struct sk_bbatch *b);

#endif
