/* events.c: renders the review engine's events (see events.h).
 *
 * Three outputs, each exactly what the engine printed itself before events
 * existed: a message is "shipskip: <text>" on its own line (erasing the
 * progress line first); a tick redraws the progress line in place; the
 * machine log gets {fields..., "ms":..., "event":"..."} per line, flushed
 * at once so a killed run leaves whole lines. The log never carries a
 * credential: only names, counts and the server's one-line messages, and
 * both the log and the messages go through the credential scrub (scrub.h).
 * A failed log write is remembered (log_errno) for the caller to report.
 */
#include "events.h"

#include "shipskip/review/engine.h"

#include "shipskip/util/scrub.h"
#include "shipskip/util/unicode.h"

#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void sk_events_init(struct sk_events *r, FILE *text, FILE *log, int progress) {
  memset(r, 0, sizeof(*r));
  r->text = text;
  r->log = log;
  r->progress = progress;
}

static void clear_progress(struct sk_events *r) {
  if (r->drawn) {
    fputs("\r\033[K", r->text);
    r->drawn = 0;
  }
}

/* Prints msg as a "shipskip: " line. Messages carry server text (already
 * scrubbed at ingress) and tool text: the credential scrub runs here
 * again, since this is where text leaves for the terminal. */
static void say(struct sk_events *r, const char *msg) {
  char *clean = NULL;
  clear_progress(r);
  if (sk_scrub_found(msg, strlen(msg))) {
    clean = sk_scrub_dup(msg);
    msg = clean != NULL ? clean
                        : "(a message holding a credential was withheld: out "
                          "of memory)";
  }
  /* Messages carry tool names: a bidi control or a carriage return in one
   * is shown ("<U+202E>"), so it cannot reorder or rewrite the line. */
  fputs("shipskip: ", r->text);
  sk_unicode_fputs(msg, r->text);
  fputc('\n', r->text);
  free(clean);
}

/* Formats a duration as "1h02m", "3m05s" or "42s". */
static void fmt_duration(char *buf, size_t size, double secs) {
  long s = secs < 0 ? 0 : secs > 359999 ? 359999 : (long)(secs + 0.5);
  if (s >= 3600)
    snprintf(buf, size, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    snprintf(buf, size, "%ldm%02lds", s / 60, s % 60);
  else
    snprintf(buf, size, "%lds", s);
}

static void draw_progress(struct sk_events *r, const struct sk_event *ev) {
  const struct sk_engine_stats *st = ev->stats;
  double secs = (double)ev->ms / 1000.0;
  unsigned long done = st->tools_ok + st->tools_failed + st->records_bad +
                       st->tools_skipped_shard;
  long tokens = st->prompt_tokens + st->completion_tokens;
  char total[32] = "";
  char eta[48] = "";

  if (ev->total >= 0) {
    snprintf(total, sizeof(total), "/%ld", ev->total);
    if (done > 0 && (long)done < ev->total && secs > 1) {
      char d[32];
      fmt_duration(d, sizeof(d),
                   secs / (double)done * (double)(ev->total - (long)done));
      snprintf(eta, sizeof(eta), " · ETA %s", d);
    }
  }
  if (ev->batches > 0) {
    /* Batch mode: the batches are the progress. */
    eta[0] = '\0';
    if (ev->batch_eta_s >= 0) {
      char d[32];
      fmt_duration(d, sizeof(d), (double)ev->batch_eta_s);
      snprintf(eta, sizeof(eta), " · ETA %s", d);
    }
    fprintf(r->text,
            "\r\033[Kshipskip: %lu%s tools (%lu with failures) · %u batch%s "
            "· %ld/%ld requests done%s",
            done, total, st->tools_failed, ev->batches,
            ev->batches == 1 ? "" : "es", ev->batch_done, ev->batch_requests,
            eta);
    r->drawn = 1;
    return;
  }
  fprintf(r->text,
          "\r\033[Kshipskip: %lu%s tools (%lu with failures, %lu bad) · "
          "%zu in flight · %zu retrying · %.0f req/s · %ld%s tokens%s%s",
          done, total, st->tools_failed, st->records_bad, ev->in_flight,
          ev->waiting, secs > 0 ? (double)st->requests / secs : 0.0,
          tokens >= 10000 ? tokens / 1000 : tokens, tokens >= 10000 ? "k" : "",
          eta, ev->server_waiting ? " · waiting for the server" : "");
  r->drawn = 1;
}

/* Starts a log object about ev's review (tool, persona). */
static cJSON *review_object(const struct sk_event *ev) {
  cJSON *o = cJSON_CreateObject();
  if (o != NULL) {
    cJSON_AddStringToObject(o, "tool", ev->slug);
    cJSON_AddStringToObject(o, "persona", ev->persona);
  }
  return o;
}

/* The fields of a review that ended. */
static cJSON *review_ended(const struct sk_event *ev) {
  cJSON *o = review_object(ev);
  if (o == NULL)
    return NULL;
  cJSON_AddStringToObject(o, "status", ev->flag ? "ok" : "failed");
  if (ev->flag) {
    cJSON_AddNumberToObject(o, "score", ev->score);
    cJSON_AddStringToObject(o, "verdict", ev->verdict);
  } else if (ev->detail != NULL) {
    cJSON_AddStringToObject(o, "reason", ev->detail);
  }
  cJSON_AddNumberToObject(o, "attempts", ev->attempt);
  cJSON_AddNumberToObject(o, "retries", ev->retry);
  return o;
}

/* The fields of a request, a response, a retry or a re-ask. */
static cJSON *exchange_object(const struct sk_event *ev) {
  cJSON *o = review_object(ev);
  size_t i;
  if (o == NULL)
    return NULL;
  if (ev->kind == SK_EVENT_REQUEST) {
    cJSON_AddNumberToObject(o, "attempt", ev->attempt);
    cJSON_AddNumberToObject(o, "retry", ev->retry);
  } else if (ev->kind == SK_EVENT_RESPONSE) {
    cJSON_AddNumberToObject(o, "status", (double)ev->status);
    if (ev->detail != NULL)
      cJSON_AddStringToObject(o, "error", ev->detail);
    cJSON_AddNumberToObject(o, "seconds", ev->seconds);
  } else if (ev->kind == SK_EVENT_RETRY) {
    cJSON_AddStringToObject(o, "cause", ev->cause);
    cJSON_AddNumberToObject(o, "wait_ms", (double)ev->wait_ms);
    cJSON_AddStringToObject(o, "message", ev->detail);
  } else {
    cJSON *why = cJSON_AddArrayToObject(o, "reasons");
    for (i = 0; why != NULL && i < ev->nreasons; i++)
      cJSON_AddItemToArray(why, cJSON_CreateString(ev->reasons[i]));
  }
  return o;
}

/* The fields of a server that went away ("waiting") or came back. */
static cJSON *server_object(const struct sk_event *ev) {
  cJSON *o = cJSON_CreateObject();
  if (o == NULL)
    return NULL;
  cJSON_AddStringToObject(o, "provider", ev->provider);
  cJSON_AddStringToObject(o, "state", ev->flag ? "waiting" : "back");
  if (ev->flag) {
    cJSON_AddStringToObject(o, "reason", ev->detail);
    cJSON_AddNumberToObject(o, "probe_in_ms", (double)ev->wait_ms);
  } else {
    cJSON_AddNumberToObject(o, "seconds", ev->seconds);
  }
  cJSON_AddStringToObject(o, "message", ev->message);
  return o;
}

/* The log object of ev and its event name, or NULL when ev is not logged
 * (or out of memory: the line is dropped, as before). */
static cJSON *log_object(const struct sk_event *ev, const char **name) {
  cJSON *o = NULL;
  switch (ev->kind) {
  case SK_EVENT_BAD_RECORD:
    *name = "bad_record";
    o = cJSON_CreateObject();
    if (o != NULL)
      cJSON_AddStringToObject(o, "message", ev->detail);
    return o;
  case SK_EVENT_FLAGGED:
    *name = "flagged";
    o = cJSON_CreateObject();
    if (o != NULL) {
      cJSON_AddStringToObject(o, "tool", ev->slug);
      cJSON_AddStringToObject(o, "rules", ev->detail);
      cJSON_AddBoolToObject(o, "refused", ev->flag);
    }
    return o;
  case SK_EVENT_TOOL_WRITTEN:
    *name = "tool";
    o = cJSON_CreateObject();
    if (o != NULL) {
      cJSON_AddStringToObject(o, "tool", ev->slug);
      cJSON_AddStringToObject(o, "label", ev->label);
      cJSON_AddBoolToObject(o, "complete", ev->flag);
    }
    return o;
  case SK_EVENT_STOPPING:
    *name = "stop";
    o = cJSON_CreateObject();
    if (o != NULL)
      cJSON_AddStringToObject(o, "reason", ev->detail);
    return o;
  case SK_EVENT_REVIEW_ENDED:
    *name = "review";
    return review_ended(ev);
  case SK_EVENT_SERVER:
    *name = "server";
    return server_object(ev);
  case SK_EVENT_BATCH:
    *name = "batch";
    o = cJSON_CreateObject();
    if (o != NULL) {
      static const char *const kinds[] = {
          "submitted", "reattached",  "state",    "collected",
          "failed",    "resubmitted", "canceled", "warning"};
      cJSON_AddStringToObject(o, "batch", ev->detail);
      cJSON_AddStringToObject(o, "provider", ev->provider);
      cJSON_AddStringToObject(
          o, "what", ev->flag >= 0 && ev->flag < 8 ? kinds[ev->flag] : "?");
      cJSON_AddStringToObject(o, "state", ev->cause);
      cJSON_AddNumberToObject(o, "requests", (double)ev->total);
      cJSON_AddStringToObject(o, "message", ev->message);
    }
    return o;
  case SK_EVENT_REQUEST:
  case SK_EVENT_RESPONSE:
  case SK_EVENT_RETRY:
  case SK_EVENT_REASK:
    *name = ev->kind == SK_EVENT_REQUEST    ? "request"
            : ev->kind == SK_EVENT_RESPONSE ? "response"
            : ev->kind == SK_EVENT_RETRY    ? "retry"
                                            : "reask";
    return exchange_object(ev);
  default:
    return NULL;
  }
}

/* Writes ev's --log-json line, if it has one. */
static void write_log(struct sk_events *r, const struct sk_event *ev) {
  const char *name = NULL;
  cJSON *o;
  char *line;
  if (r->log == NULL || r->log_errno != 0)
    return;
  o = log_object(ev, &name);
  if (o == NULL)
    return;
  cJSON_AddNumberToObject(o, "ms", (double)ev->ms);
  cJSON_AddStringToObject(o, "event", name);
  line = cJSON_PrintUnformatted(o);
  if (line != NULL) {
    size_t len = sk_scrub(line, strlen(line));
    /* Every write is checked: the first failure is kept for the run's
     * end (a lost log is an error, not a silent exit 0), and nothing more
     * is written after it, so the log never has a hole in the middle. */
    errno = 0;
    if (fwrite(line, 1, len, r->log) != len || fputc('\n', r->log) == EOF ||
        fflush(r->log) != 0)
      r->log_errno = errno != 0 ? errno : EIO;
    cJSON_free(line);
  }
  cJSON_Delete(o);
}

void sk_events_cb(void *ctx, const struct sk_event *ev) {
  struct sk_events *r = ctx;
  switch (ev->kind) {
  case SK_EVENT_PROGRESS:
    if (r->progress)
      draw_progress(r, ev);
    return;
  case SK_EVENT_CLOSING:
    clear_progress(r);
    return;
  case SK_EVENT_FLAGGED:
  case SK_EVENT_STOPPING:
    /* Logged first, then said: the order the run has always used. */
    write_log(r, ev);
    if (ev->message != NULL)
      say(r, ev->message);
    return;
  default:
    if (ev->message != NULL)
      say(r, ev->message);
    write_log(r, ev);
    return;
  }
}
