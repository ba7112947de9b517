/* batcher.h: sends requests through the providers' batch APIs instead of
 * one HTTP request each, on the engine's libuv loop.
 *
 * The engine hands each request to sk_batcher_add() instead of the
 * transport. Requests wait in a group per provider (and, for Gemini, per
 * model) until sk_batcher_flush(), an idle moment, or a provider's limit
 * seals them into a batch (providers/batch.h); the batch is then uploaded
 * and created, polled with a growing pause, and its results downloaded,
 * kept on disk (batchbook.h) and handed back one per request, through the
 * callback given to add, as what the online API would have answered. A
 * failed line that can be retried, an expired one and a re-ask are simply
 * added again by the engine: they go out in the next round.
 *
 * Every remote step is written to OUTDIR/batches.jsonl before and after it
 * happens (batchbook.h), and a request's custom id is derived from the
 * request itself (its fixture key and how many times it was sent), so a
 * resumed run that asks the same request again finds it in a batch already
 * sent and waits for that batch instead of sending it twice. A batch a
 * killed run may have created without learning its id is looked for in
 * the provider's list of batches first (OpenAI: by its file; Gemini: by
 * its display name; Anthropic: by time and size, checked against its
 * results).
 *
 * Control requests go through a transport of their own (transport.h), so
 * --record and --replay cover them like any exchange.
 *
 * Without opts.wait, once every batch that has requests waiting has been
 * read once in this run and nothing else is under way, on_quiet is called:
 * the engine stops and a later --resume collects what has ended.
 */
#ifndef SHIPSKIP_BATCHER_H
#define SHIPSKIP_BATCHER_H

#include "shipskip/model/config.h"
#include "shipskip/net/batchbook.h"
#include "shipskip/net/transport.h"
#include "shipskip/providers/batch.h"
#include "shipskip/util/error.h"

#include <uv.h>

/* A provider (a config entry) that takes batch requests: sample is an
 * online request built for it (its URL gives the base, its headers the
 * credential and the gateway's headers). Borrowed for the batcher's
 * life. */
struct sk_batcher_provider {
  const char *name; /* the config's provider name, as the book records it */
  enum sk_batch_api api;
  const struct sk_wire_request *sample;
};

/* The batch providers of a panel's routes, each once, with its sample
 * request (built for the first route's model). p[i].sample is &w[i]. */
struct sk_batch_samples {
  struct sk_batcher_provider *p;
  struct sk_wire_request *w;
  size_t n;
};

/* Fills s from routes[0..n): with batch_only, the providers in batch mode
 * (a batch-mode provider whose type has no batch API is SK_ECONFIG naming
 * it); without, every provider whose type has a batch API (for `batch
 * status` and `batch cancel`). Returns 0 or an error; s is then empty.
 * Release with sk_batch_samples_cleanup(), which wipes the credentials. */
int sk_batch_samples_build(struct sk_batch_samples *s,
                           const struct sk_route *routes, size_t n,
                           int batch_only, struct sk_error *err);
void sk_batch_samples_cleanup(struct sk_batch_samples *s);

/* What happened to a batch, for the caller to say. */
enum sk_batch_event_kind {
  SK_BATCH_EV_SUBMITTED = 0, /* created at the provider */
  SK_BATCH_EV_REATTACHED,    /* a resumed run waits for a batch it sent */
  SK_BATCH_EV_STATE,         /* its state or counts changed */
  SK_BATCH_EV_COLLECTED,     /* results on disk, being handed back */
  SK_BATCH_EV_FAILED,        /* failed as a whole (reason in message) */
  SK_BATCH_EV_RESUBMITTED,   /* a failed batch went out again */
  SK_BATCH_EV_CANCELED,      /* cancel asked */
  SK_BATCH_EV_WARNING        /* something to say, the run goes on */
};
struct sk_batch_event {
  enum sk_batch_event_kind kind;
  const struct sk_bbatch *batch; /* may be NULL for a warning */
  const char *message;           /* one line */
};

/* The progress of every batch this run waits on. */
struct sk_batch_progress {
  unsigned batches;       /* created or being created */
  unsigned batches_ended; /* collected */
  long requests;          /* in those batches */
  long requests_done;     /* answered, failed or expired, by the counts */
  long eta_s;             /* -1: not known yet */
};

struct sk_batcher_opts {
  const char *outdir;
  int resume;
  int wait;     /* poll until every batch has ended */
  long poll_ms; /* the first pause between polls; doubles while
                   nothing changes, up to poll_max_ms */
  long poll_max_ms;
  long idle_ms;        /* seal what waits this long after the last add */
  size_t max_requests; /* per batch; 0 (or more): the provider's limit */
  size_t max_bytes;
  long retry_base_ms;     /* a control request that failed: first pause */
  long max_retry_time_ms; /* ...and how long to keep trying (0: always) */
  struct sk_transport_opts transport; /* fixture mode and dir, HTTP opts */
  const struct sk_batcher_provider *providers;
  size_t nproviders;
  void (*on_event)(void *ctx, const struct sk_batch_event *ev);
  void (*on_quiet)(void *ctx); /* without wait: nothing more this run */
  /* The batches cannot go on (the batch API stopped answering for
   * max_retry_time, the book cannot be written, a batch vanished): the run
   * stops; requests still waiting are canceled. code is an SK_E*. */
  void (*on_fatal)(void *ctx, int code, const char *msg);
  void *ctx;
};

/* The answer to one request. */
struct sk_batch_answer {
  enum sk_batch_result_kind kind; /* providers/batch.h; CANCELED also when
                                     the batcher canceled it locally */
  long status;                    /* ANSWER */
  const char *body;               /* ANSWER: what parse() takes */
  size_t body_len;
  int retry;           /* ERROR: asking again may help */
  const char *message; /* ERROR / EXPIRED / CANCELED */
  const char *batch;   /* the batch's name ("b3") */
};
typedef void (*sk_batch_done_cb)(const struct sk_batch_answer *a, void *arg);

struct sk_batcher;

/* Creates a batcher on loop: opens the book (batchbook.h: fresh or
 * resumed) and the control transport, and starts looking for batches a
 * killed run may have created. Returns 0 and *out, or an error. */
int sk_batcher_new(uv_loop_t *loop, const struct sk_batcher_opts *opts,
                   struct sk_batcher **out, struct sk_error *err);

/* Queues request w of provider (a name in opts.providers) under custom id
 * id (providers/batch.h's rule), for tool/persona/attempt; cb(arg) runs
 * once with its answer, never from inside this call. A request the book
 * already holds in a live batch is not sent again: it waits for that
 * batch, and *reattached (may be NULL) is set to 1. Returns 0, or an
 * error (cb never runs): SK_EINVAL for an unknown provider, a bad id or
 * an id already waiting. */
int sk_batcher_add(struct sk_batcher *b, const char *provider,
                   const struct sk_wire_request *w, const char *id,
                   const char *tool, const char *persona, int attempt,
                   sk_batch_done_cb cb, void *arg, int *reattached,
                   struct sk_error *err);

/* Seals every group that has requests waiting (nothing more is coming
 * now). */
void sk_batcher_flush(struct sk_batcher *b);

/* Without wait: 1 when nothing more will happen in this run (see the top);
 * always 0 with wait. */
int sk_batcher_quiet(const struct sk_batcher *b);

/* Requests waiting (queued or in a batch). */
size_t sk_batcher_waiting(const struct sk_batcher *b);

/* Cancels every waiting request locally (remote batches are left alone:
 * --resume finds them): each callback runs with CANCELED before this
 * returns. */
void sk_batcher_cancel_waiting(struct sk_batcher *b);

void sk_batcher_progress(const struct sk_batcher *b,
                         struct sk_batch_progress *out);

/* Counts for the summary. */
struct sk_batcher_stats {
  unsigned long batches;     /* created in this run */
  unsigned long resubmitted; /* failed as a whole and sent again */
  unsigned long reattached;  /* requests found in an earlier run's batch */
  unsigned long submitted;   /* requests sent in batches this run */
  unsigned long results;     /* answers handed back */
  unsigned long expired;
  unsigned long line_errors;
  unsigned long polls;
  unsigned long control_requests;
  int rounds;            /* the highest round created */
  unsigned long pending; /* batches still at the provider at the end */
};
void sk_batcher_stats(const struct sk_batcher *b, struct sk_batcher_stats *out);

/* Batches of the book still at the provider (created or maybe created,
 * not ended, not collected). */
size_t sk_batcher_pending_batches(const struct sk_batcher *b);

/* Cancels what is waiting, closes timers and the transport; the loop must
 * run until they are closed, b is freed then. NULL-safe. */
void sk_batcher_close(struct sk_batcher *b);

/* The custom id of a request: "k" + 40 hex digits of its fixture key
 * (fixture.h: provider, path and body) + "-" + occurrence. */
void sk_batcher_custom_id(const char *key, int occurrence, char id[64]);

#endif
