/* event.h: what the review engine tells its caller, through one callback.
 *
 * Below the CLI nothing prints (curl's infof/failf discipline): the engine
 * turns everything worth saying (a bad record, a failed review, a retry, a
 * stop, a progress tick) into a struct sk_event and hands it to
 * opts->on_event. The CLI renders events as the text lines on stderr, the
 * progress line and the --log-json lines; a test records them; `draft`
 * may ignore them all.
 *
 * An event is plain data on the stack of the caller: every pointer in it is
 * valid only during the callback (copy what you keep). Fields a kind does
 * not use are zero or NULL. The callback must not call back into the engine.
 */
#ifndef SHIPSKIP_EVENT_H
#define SHIPSKIP_EVENT_H

#include <stddef.h>

struct sk_engine_stats;

enum sk_event_kind {
  /* Text for the user, in message (one line, no "shipskip: " prefix). */
  SK_EVENT_MESSAGE = 0, /* information */
  SK_EVENT_WARNING,     /* a tool, persona or record failed; the run goes on */
  SK_EVENT_ERROR,       /* the run stops because of it */
  /* A record of the input was skipped: message is the text line, detail
   * the record's error ("tools.jsonl:7: ..."). */
  SK_EVENT_BAD_RECORD,
  /* The injection detector matched slug: detail lists the rules, flag is
   * 1 when the tool is refused; message is the text line. */
  SK_EVENT_FLAGGED,
  /* A request of slug/persona was sent: attempt, retry. */
  SK_EVENT_REQUEST,
  /* Its answer came: status (0 for none), detail = the transport error or
   * NULL, seconds. */
  SK_EVENT_RESPONSE,
  /* A retry was scheduled: cause, wait_ms, detail = why. */
  SK_EVENT_RETRY,
  /* The reply broke the contract; the model is asked again: reasons. */
  SK_EVENT_REASK,
  /* A review ended for good: flag 1 accepted (score, verdict) or 0 failed
   * (detail = the first reason, or NULL); attempt = attempts, retry =
   * retries. Not sent for a review cut short by a stop. */
  SK_EVENT_REVIEW_ENDED,
  /* A tool's scorecard is on disk: label, flag = complete. */
  SK_EVENT_TOOL_WRITTEN,
  /* A progress tick (every 200 ms when opts->progress_ticks): stats,
   * in_flight, waiting, total (-1 unknown), ms. */
  SK_EVENT_PROGRESS,
  /* A stop began: stop (a signal number, SK_STOP_DEADLINE or
   * SK_STOP_BUDGET), in_flight, grace_ms; message is the text line. */
  SK_EVENT_STOPPING,
  /* The run's state changed (enum sk_engine_state, engine.h): state, prev. */
  SK_EVENT_RUN_STATE,
  /* A review's state changed (enum sk_run_state, run.h): slug, persona,
   * state, prev. */
  SK_EVENT_REVIEW_STATE,
  /* The run is closing: no more progress ticks (erase the line). */
  SK_EVENT_CLOSING,
  /* A provider's server stopped answering (its breaker opened: flag 1,
   * detail = the last failure, wait_ms = until the first probe) or came
   * back (flag 0, seconds = how long it was away): provider; message is
   * the text line. */
  SK_EVENT_SERVER,
  /* A provider batch moved (net/batcher.h): detail = its name ("b3"),
   * cause = its state, total = its requests, flag = the batcher's event
   * kind (enum sk_batch_event_kind); message is the text line. */
  SK_EVENT_BATCH
};

struct sk_event {
  enum sk_event_kind kind;
  unsigned long ms;    /* since the run started */
  const char *slug;    /* the tool, or NULL */
  const char *origin;  /* where its record came from ("tools.jsonl:3") */
  const char *persona; /* the reviewer, or NULL */
  int attempt;         /* replies asked of the model so far */
  int retry;           /* HTTP-level retries so far */
  long status;         /* HTTP status of a response */
  int flag;            /* accepted / complete / refused, per kind */
  int score;           /* 0-100, for an accepted review */
  const char *verdict; /* "ship" / "skip", for an accepted review */
  const char *label;   /* the panel's label, for a written tool */
  const char *cause;   /* retry cause name (summary.h), for a retry */
  unsigned long wait_ms;
  double seconds;             /* how long a request took */
  const char *message;        /* a line for the user, or NULL */
  const char *detail;         /* a machine-log detail, or NULL */
  const char *const *reasons; /* why a reply was re-asked */
  size_t nreasons;
  int stop;         /* why a stop began */
  long grace_ms;    /* how long in-flight work may still run */
  size_t in_flight; /* requests in flight */
  size_t waiting;   /* reviews waiting to retry */
  long total;       /* records in the input, -1 unknown */
  int state;        /* new state, for *_STATE kinds */
  int prev;         /* the state before */
  const struct sk_engine_stats *stats; /* counts so far, for a tick */
  const char *provider; /* the provider's name, for SK_EVENT_SERVER */
  int server_waiting;   /* a tick: some provider's server is down */
  /* A tick in batch mode: batches created, requests in them and done by
   * their counts, an estimate of the seconds left (-1 unknown). */
  unsigned batches;
  long batch_requests;
  long batch_done;
  long batch_eta_s;
};

/* The callback: ctx is opts->on_event_ctx. */
typedef void (*sk_event_cb)(void *ctx, const struct sk_event *ev);

#endif
