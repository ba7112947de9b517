/* engine.c: the review batch on one libuv loop (see engine.h).
 *
 * Data flow: pump() admits tools from the source while the window has room,
 * turns each into one review_run per persona on the ready queue, and sends
 * ready reviews while fewer than `concurrency` requests are in flight. Every
 * response comes back to on_response(), which accepts the review, re-asks,
 * schedules a retry on a uv timer, or fails it, and calls pump() again. When
 * the last review of a tool ends, its scorecard is written on libuv's thread
 * pool (after an fsync of the journal that covers its reviews), so the disk
 * never holds up the network, and the tool is freed once it is on disk. When
 * nothing is queued, in flight, waiting or unread, the HTTP client and the
 * progress timer are closed and the loop runs dry.
 */
#include "shipskip/review/engine.h"
#include "shipskip/util/bucket.h"
#include "shipskip/review/journal.h"
#include "shipskip/model/prior.h"
#include "shipskip/model/scorecard.h"
#include "shipskip/util/sha256.h"
#include "shipskip/review/summary.h"
#include "shipskip/util/strmap.h"
#include "shipskip/net/transport.h"

#include <cJSON.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define container_of(ptr, type, member)                                        \
  ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct engine;
struct tool_run;

struct review_run {
  struct engine *e;
  struct tool_run *tool;
  size_t idx;   /* the persona's index in the panel */
  char *system; /* the first two messages */
  char *user;
  char **turns; /* then assistant reply, re-ask, assistant reply... */
  size_t nturns;
  int occurrence;  /* sends of the current request so far (fixture key) */
  char inputs[65]; /* digest of what the review is made from ("" if none) */
  long estimate;   /* tokens charged to --tpm for the request in flight */
  double est_cost; /* its estimated cost, counted against --budget */
  struct review_run *next; /* ready-queue link */
};

struct tool_run {
  struct sk_tool *tool;
  struct review_run *runs;   /* one per persona */
  struct sk_review *reviews; /* the results, same order */
  size_t n;
  size_t pending; /* reviews not yet ended */
  int abandoned;  /* stopped before every review ended: not written */
  char fence[27]; /* the fence around its text: a reply must not quote it */
  cJSON *history; /* replaced reviews (from the scorecard, plus --redo) */
  struct sk_inject_result *injection; /* detector findings, NULL if none ran */
};

/* A review waiting to be retried; listed so a stop can cancel it. */
struct delay {
  uv_timer_t timer;
  struct review_run *rr;
  struct delay *prev;
  struct delay *next;
};

struct engine {
  uv_loop_t loop;
  const struct sk_engine_opts *o;
  struct sk_engine_stats *st;
  struct sk_toolsrc *src;
  struct sk_transport *tr;
  struct review_run *ready_head;
  struct review_run *ready_tail;
  size_t inflight;
  size_t timers;
  size_t active_tools;
  size_t window;
  int eof;
  int fatal;
  int no_more_writes; /* a replay miss: write nothing more */
  struct sk_error fatal_err;
  int closing;
  uv_timer_t progress;
  int progress_on;
  int progress_drawn;
  uint64_t rng;
  struct sk_strmap slugs; /* every slug of the batch: no two share a file */
  struct delay *delays;   /* retries waiting on their timers */
  /* Stopping early: a signal or the deadline. New work stops; work in
   * flight may finish within the grace period, then is canceled. */
  int stopping; /* 0, SIGINT, SIGTERM, or -1 for the deadline */
  int hard_stop;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  uv_timer_t grace;
  uv_timer_t deadline;
  int signals_on;
  int grace_on;
  int deadline_on;
  /* Rate limits and the adaptive in-flight window. */
  /* Rate limits per provider: personas on one provider share its buckets;
   * limit_of[i] is persona i's index into limits. */
  struct limit {
    struct sk_bucket rpm;
    struct sk_bucket tpm;
    uint64_t paused_until_ms; /* the server said its budget is spent */
  } * limits;
  size_t *limit_of;
  double spent_usd;     /* cost of the answers so far */
  double committed_usd; /* estimated cost of the requests in flight */
  uv_timer_t rate_timer;
  int rate_on;
  int rate_waiting;
  double cwnd;          /* in-flight target, 1..concurrency */
  uint64_t last_cut_ms; /* when the window was last halved */
  uint64_t start_ms;
};

/* ---- small helpers ---------------------------------------------------- */

static uint64_t next_rand(struct engine *e) {
  /* xorshift64*: jitter only needs to decorrelate clients, not be secure. */
  e->rng ^= e->rng >> 12;
  e->rng ^= e->rng << 25;
  e->rng ^= e->rng >> 27;
  return e->rng * 2685821657736338717ULL;
}

static void clear_progress(struct engine *e) {
  if (e->progress_drawn) {
    fputs("\r\033[K", stderr);
    e->progress_drawn = 0;
  }
}

static void report(struct engine *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void report(struct engine *e, const char *fmt, ...) {
  va_list ap;
  clear_progress(e);
  fputs("shipskip: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static void set_fatal(struct engine *e, int code, const char *msg) {
  if (!e->fatal) {
    e->fatal = 1;
    sk_error_set(&e->fatal_err, code, "%s", msg);
  }
}

/* Writes one --log-json event: {"ms":..., "event":..., fields...}. The
 * object is consumed. Never carries a credential: only names, counts and
 * the server's one-line messages. */
static void log_event(struct engine *e, const char *event, cJSON *o) {
  char *line;
  if (e->o->log_json == NULL || o == NULL) {
    cJSON_Delete(o);
    return;
  }
  cJSON_AddNumberToObject(o, "ms", (double)(uv_now(&e->loop) - e->start_ms));
  cJSON_AddStringToObject(o, "event", event);
  line = cJSON_PrintUnformatted(o);
  if (line != NULL) {
    fputs(line, e->o->log_json);
    fputc('\n', e->o->log_json);
    fflush(e->o->log_json);
    cJSON_free(line);
  }
  cJSON_Delete(o);
}

/* Starts an event about one review. */
static cJSON *review_event(const struct review_run *rr);

/* ---- the ready queue ------------------------------------------------- */

static void push_back(struct engine *e, struct review_run *rr) {
  rr->next = NULL;
  if (e->ready_tail != NULL)
    e->ready_tail->next = rr;
  else
    e->ready_head = rr;
  e->ready_tail = rr;
}

/* Retries and re-asks jump the queue so tools already started finish first
 * and the window keeps moving. */
static void push_front(struct engine *e, struct review_run *rr) {
  rr->next = e->ready_head;
  e->ready_head = rr;
  if (e->ready_tail == NULL)
    e->ready_tail = rr;
}

static struct review_run *pop_ready(struct engine *e) {
  struct review_run *rr = e->ready_head;
  if (rr != NULL) {
    e->ready_head = rr->next;
    if (e->ready_head == NULL)
      e->ready_tail = NULL;
    rr->next = NULL;
  }
  return rr;
}

/* ---- tools ------------------------------------------------------------ */

static void free_run(struct review_run *rr) {
  size_t i;
  free(rr->system);
  free(rr->user);
  for (i = 0; i < rr->nturns; i++)
    free(rr->turns[i]);
  free(rr->turns);
}

static void free_tool_run(struct tool_run *tr) {
  size_t i;
  if (tr == NULL)
    return;
  for (i = 0; tr->runs != NULL && i < tr->n; i++)
    free_run(&tr->runs[i]);
  for (i = 0; tr->reviews != NULL && i < tr->n; i++)
    sk_review_cleanup(&tr->reviews[i]);
  free(tr->runs);
  free(tr->reviews);
  free(tr->injection);
  cJSON_Delete(tr->history);
  sk_tool_free(tr->tool);
  free(tr);
}

/* A finished tool's scorecard: rendered on the loop, written (two fsyncs,
 * and one of the journal) on a thread-pool thread, so the disk never holds
 * responses up. */
struct card_write {
  uv_work_t req;
  struct engine *e;
  struct tool_run *tr;
  struct sk_panel_result p;
  struct sk_scorecard_files files;
  struct sk_journal *journal;
  const char *outdir;
  struct sk_error err;
  int rc;
};

/* Runs off the loop: makes the journal lines of the tool's reviews durable
 * (group commit: one fsync covers every line written so far), then writes
 * the scorecard. It touches only w and the files. */
static void write_work_cb(uv_work_t *req) {
  struct card_write *w = container_of(req, struct card_write, req);
  if (w->journal != NULL)
    w->rc = sk_journal_sync(w->journal, &w->err);
  if (w->rc == 0)
    w->rc = sk_scorecard_files_write(w->outdir, &w->files, &w->err);
}

/* Back on the loop: counts the written tool and frees it and w. */
static void tool_written(struct card_write *w) {
  struct engine *e = w->e;
  struct tool_run *tr = w->tr;
  if (w->rc != 0) {
    e->st->tools_unwritten++;
    report(e, "%s: cannot write scorecard: %s", tr->tool->slug, w->err.msg);
    /* An output directory that cannot take one scorecard will not take the
     * next: stop starting work rather than spend on reviews that are lost. */
    set_fatal(e, w->rc, w->err.msg);
  } else {
    cJSON *ev = cJSON_CreateObject();
    if (w->p.complete)
      e->st->tools_ok++;
    else
      e->st->tools_failed++;
    if (e->o->summary != NULL &&
        sk_summary_add(e->o->summary, tr->tool, tr->reviews, tr->n) != 0)
      set_fatal(e, SK_ENOMEM, "out of memory");
    if (ev != NULL) {
      cJSON_AddStringToObject(ev, "tool", tr->tool->slug);
      cJSON_AddStringToObject(ev, "label", w->p.label);
      cJSON_AddBoolToObject(ev, "complete", w->p.complete);
    }
    log_event(e, "tool", ev);
  }
  e->active_tools--;
  free_tool_run(tr);
  sk_scorecard_files_cleanup(&w->files);
  free(w);
}

static void pump_engine(struct engine *e);

static void write_done_cb(uv_work_t *req, int status) {
  struct card_write *w = container_of(req, struct card_write, req);
  struct engine *e = w->e;
  (void)status; /* never canceled */
  tool_written(w);
  /* A slot in the window opened. */
  pump_engine(e);
}

static void finish_tool(struct engine *e, struct tool_run *tr) {
  struct sk_panel_result p;
  struct card_write *w;
  size_t i;

  for (i = 0; i < tr->n; i++) {
    struct sk_review *r = &tr->reviews[i];
    e->st->prompt_tokens += r->prompt_tokens;
    e->st->completion_tokens += r->completion_tokens;
    if (r->status == SK_REVIEW_OK) {
      e->st->reviews_ok++;
      continue;
    }
    if (r->status == SK_REVIEW_PENDING)
      continue; /* never ended (the run stopped): not a failure */
    e->st->reviews_failed++;
    if (e->fatal)
      continue; /* the stop was reported once; these are its echoes */
    report(e, "%s: %s: %s review failed after %d attempt%s, %d retr%s: %s%s",
           tr->tool->origin, tr->tool->slug, r->persona->name, r->attempts,
           r->attempts == 1 ? "" : "s", r->retries,
           r->retries == 1 ? "y" : "ies",
           r->nerrors > 0 ? r->errors[0] : "unknown error",
           r->nerrors > 1 ? " (and more; see the scorecard)" : "");
  }
  sk_scorecard_merge(tr->reviews, tr->n, &p);
  if (e->no_more_writes || tr->abandoned) {
    /* Stopped before its reviews all ended (a replay miss, a signal, the
     * deadline): a scorecard now would be a guess at the panel. Its ended
     * reviews are in the journal for --resume. */
    e->st->tools_unfinished++;
    e->active_tools--;
    free_tool_run(tr);
    return;
  }
  w = calloc(1, sizeof(*w));
  if (w == NULL) {
    e->st->tools_unwritten++;
    report(e, "%s: cannot write scorecard: out of memory", tr->tool->slug);
    set_fatal(e, SK_ENOMEM, "out of memory");
    e->active_tools--;
    free_tool_run(tr);
    return;
  }
  w->e = e;
  w->tr = tr;
  w->p = p;
  w->journal = e->o->journal;
  w->outdir = e->o->outdir;
  sk_error_clear(&w->err);
  sk_scorecard_files_init(&w->files);
  {
    struct sk_scorecard_meta meta;
    meta.community =
        e->o->votes != NULL ? sk_votes_find(e->o->votes, tr->tool->slug) : NULL;
    meta.injection = tr->injection;
    meta.generated_at = e->o->generated_at;
    meta.history = tr->history;
    w->rc = sk_scorecard_render(tr->tool, tr->reviews, tr->n, &meta, &w->files,
                                &w->err);
  }
  /* The tool stays active (in the window, holding the loop open) until its
   * scorecard is on disk. */
  if (w->rc != 0 ||
      uv_queue_work(&e->loop, &w->req, write_work_cb, write_done_cb) != 0) {
    if (w->rc == 0)
      write_work_cb(&w->req);
    tool_written(w);
  }
}

static void end_review(struct engine *e, struct review_run *rr) {
  struct tool_run *tr = rr->tool;
  if (--tr->pending == 0)
    finish_tool(e, tr);
}

/* A review ended for good (accepted, or failed for reasons that would not
 * change): journal it, then end it. The journal line is written at once and
 * fsync'd before the tool's scorecard is written (write_work_cb), so a
 * review counts as done only once it cannot be lost. */
static void conclude_review(struct engine *e, struct review_run *rr) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  cJSON *ev = review_event(rr);
  if (e->o->journal != NULL && rr->inputs[0] != '\0') {
    struct sk_error err;
    sk_error_clear(&err);
    if (sk_journal_append(e->o->journal, rr->tool->tool->slug, rr->inputs, r,
                          &err) != 0) {
      report(e, "%s", err.msg);
      set_fatal(e, SK_EIO, err.msg);
    }
  }
  if (ev != NULL) {
    cJSON_AddStringToObject(ev, "status",
                            r->status == SK_REVIEW_OK ? "ok" : "failed");
    if (r->status == SK_REVIEW_OK) {
      cJSON_AddNumberToObject(ev, "score", r->score);
      cJSON_AddStringToObject(ev, "verdict", r->verdict);
    } else if (r->nerrors > 0) {
      cJSON_AddStringToObject(ev, "reason", r->errors[0]);
    }
    cJSON_AddNumberToObject(ev, "attempts", r->attempts);
    cJSON_AddNumberToObject(ev, "retries", r->retries);
  }
  log_event(e, "review", ev);
  if (e->o->on_review != NULL)
    e->o->on_review(e->o->on_review_ctx, rr->tool->tool, rr->tool->reviews,
                    rr->tool->n, rr->idx);
  end_review(e, rr);
}

static void fail_review(struct engine *e, struct review_run *rr,
                        const char *msg) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  r->status = SK_REVIEW_FAILED;
  if (sk_review_add_error(r, msg) != 0)
    set_fatal(e, SK_ENOMEM, "out of memory");
  conclude_review(e, rr);
}

/* A review cut short by a stop (signal, deadline, replay miss): not a
 * result, so not journaled; its tool is not written, and --resume redoes
 * it. */
static void abandon_review(struct engine *e, struct review_run *rr) {
  rr->tool->abandoned = 1;
  end_review(e, rr);
}

static cJSON *review_event(const struct review_run *rr) {
  cJSON *o;
  if (rr->e->o->log_json == NULL)
    return NULL;
  o = cJSON_CreateObject();
  if (o != NULL) {
    cJSON_AddStringToObject(o, "tool", rr->tool->tool->slug);
    cJSON_AddStringToObject(o, "persona",
                            rr->e->o->panel->personas[rr->idx].name);
  }
  return o;
}

/* The provider, model and price persona i uses. */
static const struct sk_route *route_of(const struct engine *e, size_t i) {
  return &e->o->routes[i];
}

/* Returns 1 if name is in the comma-separated list. */
static int in_list(const char *list, const char *name) {
  size_t n = strlen(name);
  const char *p = list;
  while (*p != '\0') {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0)
      return 1;
    if (comma == NULL)
      break;
    p = comma + 1;
  }
  return 0;
}

/* Digests what a review is made from: provider, model, sampling
 * parameters, the rendered prompts and the persona's rubric. */
static void inputs_digest(const struct engine *e, const struct sk_persona *p,
                          const char *model, const struct review_run *rr,
                          char out[65]) {
  struct sk_sha256 s;
  unsigned char d[32];
  char num[96];
  size_t i;
  static const char hex[] = "0123456789abcdef";
  double temp = e->o->temperature >= 0 ? e->o->temperature : p->temperature;
  long maxtok = e->o->max_tokens > 0 ? e->o->max_tokens : p->max_tokens;

  sk_sha256_init(&s);
  sk_sha256_update(&s, "shipskip-review-inputs/1\n", 25);
  sk_sha256_update(
      &s,
      route_of(e, (size_t)(p - e->o->panel->personas))->provider->impl->name,
      strlen(route_of(e, (size_t)(p - e->o->panel->personas))
                 ->provider->impl->name) +
          1);
  sk_sha256_update(&s, model, strlen(model) + 1);
  snprintf(num, sizeof(num), "%.6f/%ld/%d/%ld/%d/%d", temp, maxtok,
           e->o->has_seed, e->o->seed, e->o->prompts->min_words,
           e->o->prompts->max_words);
  sk_sha256_update(&s, num, strlen(num) + 1);
  sk_sha256_update(&s, rr->system, strlen(rr->system) + 1);
  sk_sha256_update(&s, rr->user, strlen(rr->user) + 1);
  for (i = 0; i < p->nrubric; i++)
    sk_sha256_update(&s, p->rubric[i].pattern,
                     strlen(p->rubric[i].pattern) + 1);
  sk_sha256_final(&s, d);
  for (i = 0; i < 32; i++) {
    out[2 * i] = hex[d[i] >> 4];
    out[2 * i + 1] = hex[d[i] & 15];
  }
  out[64] = '\0';
}

/* Computes the tool's fence and runs the injection detector on it. Returns
 * 0 to review the tool, 1 when it is refused (reported), or SK_ENOMEM. */
static int scan_tool(struct engine *e, struct tool_run *tr) {
  struct sk_buf card;
  size_t i;

  sk_buf_init(&card, SK_PROMPT_MAX);
  if (sk_prompt_tool_card(tr->tool, &card) == 0)
    sk_prompt_fence(sk_buf_str(&card), card.len, tr->fence);
  sk_buf_cleanup(&card);
  if (e->o->detector == NULL)
    return 0;
  tr->injection = calloc(1, sizeof(*tr->injection));
  if (tr->injection == NULL) {
    set_fatal(e, SK_ENOMEM, "out of memory");
    return SK_ENOMEM;
  }
  if (sk_inject_scan(e->o->detector, tr->tool, tr->injection) <= 0)
    return 0;
  {
    char rules[200] = "";
    size_t used = 0;
    cJSON *ev = cJSON_CreateObject();
    for (i = 0; i < tr->injection->nhits && used + 1 < sizeof(rules); i++) {
      int w = snprintf(rules + used, sizeof(rules) - used, "%s%s in %s",
                       i ? ", " : "", tr->injection->hits[i].rule,
                       tr->injection->hits[i].field);
      if (w < 0)
        break;
      used += (size_t)w;
    }
    if (used >= sizeof(rules))
      memcpy(rules + sizeof(rules) - 4, "...", 4);
    if (ev != NULL) {
      cJSON_AddStringToObject(ev, "tool", tr->tool->slug);
      cJSON_AddStringToObject(ev, "rules", rules);
      cJSON_AddBoolToObject(ev, "refused", e->o->refuse_flagged);
    }
    log_event(e, "flagged", ev);
    if (e->o->refuse_flagged) {
      e->st->tools_refused++;
      report(e,
             "%s: %s: not reviewed: the submission looks like a prompt "
             "injection (%s); --refuse-flagged is on",
             tr->tool->origin, tr->tool->slug, rules);
      return 1;
    }
    e->st->tools_flagged++;
    report(e,
           "%s: %s: flagged as a possible prompt injection (%s); reviewed "
           "anyway, the scorecard carries the findings",
           tr->tool->origin, tr->tool->slug, rules);
  }
  return 0;
}

/* Reads the next good tool and queues its reviews. Returns 1 if a tool was
 * admitted, 0 if none can be (window full, input done or fatal). */
static int admit_tool(struct engine *e) {
  const struct sk_panel_def *panel = e->o->panel;
  struct tool_run *tr;
  struct sk_prior prior;
  int *ok;
  size_t i;

  memset(&prior, 0, sizeof(prior));

  if (e->eof || e->fatal || e->stopping || e->active_tools >= e->window)
    return 0;
  for (;;) {
    struct sk_tool *tool = NULL;
    struct sk_error err;
    int rc;

    sk_error_clear(&err);
    rc = sk_toolsrc_next(e->src, &tool, &err);
    if (rc == 0) {
      e->eof = 1;
      return 0;
    }
    if (rc == SK_ENOMEM) {
      set_fatal(e, rc, "out of memory reading tools");
      return 0;
    }
    if (rc < 0) {
      cJSON *ev = cJSON_CreateObject();
      e->st->records_bad++;
      report(e, "%s (record skipped)", err.msg);
      if (ev != NULL)
        cJSON_AddStringToObject(ev, "message", err.msg);
      log_event(e, "bad_record", ev);
      continue;
    }
    if (e->o->shard_count > 1 &&
        (int)(sk_hash_str(tool->slug) % (uint64_t)e->o->shard_count) !=
            e->o->shard_index) {
      /* Another shard's tool: a stable hash of the slug decides, so N
       * machines cover the batch exactly once with no coordination. */
      e->st->tools_skipped_shard++;
      sk_tool_free(tool);
      continue;
    }
    {
      int added = 0;
      rc = sk_strmap_put(&e->slugs, tool->slug, &added) == NULL ? SK_ENOMEM
                                                                : added;
    }
    if (rc == 0) {
      e->st->records_bad++;
      report(e,
             "%s: slug \"%s\" is already used by another tool in this "
             "batch; give one of them a distinct \"slug\" (record skipped)",
             tool->origin, tool->slug);
      sk_tool_free(tool);
      continue;
    }
    if (rc < 0) {
      sk_tool_free(tool);
      set_fatal(e, SK_ENOMEM, "out of memory");
      return 0;
    }
    tr = calloc(1, sizeof(*tr));
    if (tr == NULL ||
        (tr->runs = calloc(panel->n, sizeof(*tr->runs))) == NULL ||
        (tr->reviews = calloc(panel->n, sizeof(*tr->reviews))) == NULL) {
      if (tr != NULL) {
        free(tr->runs);
        free(tr);
      }
      sk_tool_free(tool);
      set_fatal(e, SK_ENOMEM, "out of memory");
      return 0;
    }
    tr->tool = tool;
    tr->n = panel->n;
    tr->pending = panel->n;
    rc = scan_tool(e, tr);
    if (rc != 0) {
      /* Refused (flagged, and --refuse-flagged is on), or out of memory. */
      free_tool_run(tr);
      if (rc < 0)
        return 0;
      continue;
    }
    break;
  }
  /* First pass: render every persona's prompt and digest its inputs; a
   * persona that cannot even be rendered fails here and now. */
  ok = calloc(tr->n, sizeof(*ok));
  if (ok == NULL) {
    free_tool_run(tr);
    set_fatal(e, SK_ENOMEM, "out of memory");
    return 0;
  }
  for (i = 0; i < tr->n; i++) {
    struct review_run *rr = &tr->runs[i];
    struct sk_review *r = &tr->reviews[i];
    const struct sk_persona *p = &panel->personas[i];
    struct sk_buf sys;
    struct sk_buf user;
    struct sk_error err;

    rr->e = e;
    rr->tool = tr;
    rr->idx = i;
    r->persona = p;
    r->provider = strdup(route_of(e, i)->provider->name);
    r->model = strdup(route_of(e, i)->model);
    r->cost_usd = route_of(e, i)->price != NULL ? 0 : -1;
    sk_buf_init(&sys, SK_PROMPT_MAX);
    sk_buf_init(&user, SK_PROMPT_MAX);
    sk_error_clear(&err);
    if (r->provider == NULL || r->model == NULL) {
      sk_review_add_error(r, "out of memory");
    } else if (sk_prompt_render(e->o->prompts, tr->tool, p, &sys, &user,
                                &err) != 0) {
      sk_review_add_error(r, err.msg);
    } else {
      rr->system = sk_buf_take(&sys);
      rr->user = sk_buf_take(&user);
      if (rr->system != NULL && rr->user != NULL) {
        inputs_digest(e, p, r->model, rr, rr->inputs);
        memcpy(r->inputs, rr->inputs, sizeof(r->inputs));
        ok[i] = 1;
      } else {
        sk_review_add_error(r, "out of memory");
      }
    }
    sk_buf_cleanup(&sys);
    sk_buf_cleanup(&user);
  }
  /* The scorecard the tool already has decides what is still needed. */
  if (e->o->redo != NULL || (!e->o->force && !e->o->resume)) {
    struct sk_error err;
    int rc;
    char(*inputs)[65] = calloc(tr->n, sizeof(*inputs));
    sk_error_clear(&err);
    rc = inputs == NULL
             ? SK_ENOMEM
             : sk_prior_load(e->o->outdir, tr->tool->slug, panel, &prior, &err);
    if (rc == 0 && e->o->redo == NULL) {
      for (i = 0; i < tr->n; i++)
        memcpy(inputs[i], tr->runs[i].inputs, 65);
      if (sk_prior_up_to_date(&prior, inputs)) {
        /* Complete and made from the same inputs: nothing to buy. */
        e->st->tools_uptodate++;
        free(inputs);
        free(ok);
        sk_prior_cleanup(&prior);
        free_tool_run(tr);
        return 1;
      }
    }
    free(inputs);
    if (e->o->redo != NULL && rc != 0) {
      /* --redo replaces reviews of an existing scorecard; without one there
       * is nothing to keep, and reviewing everything would spend more than
       * asked. */
      char msg[400];
      snprintf(msg, sizeof(msg),
               "%s: --redo needs the scorecard %s/%s.json: %s; review the "
               "tool without --redo first",
               tr->tool->origin, e->o->outdir, tr->tool->slug,
               rc == SK_ENOENT ? "there is none" : err.msg);
      report(e, "%s", msg);
      set_fatal(e, SK_ECONFIG, msg);
      free(ok);
      sk_prior_cleanup(&prior);
      free_tool_run(tr);
      return 0;
    }
    if (rc != 0 && rc != SK_ENOENT)
      report(e, "%s (reviewing the tool afresh)", err.msg);
    if (rc == 0) {
      tr->history = prior.history;
      prior.history = NULL;
    }
  }
  e->active_tools++;
  /* Hold the tool open while its reviews are queued, so that one failing
   * at once cannot finish (and free) the tool under this loop. */
  tr->pending++;
  for (i = 0; i < tr->n; i++) {
    struct review_run *rr = &tr->runs[i];
    struct sk_review *r = &tr->reviews[i];
    const struct sk_persona *p = &panel->personas[i];
    struct sk_error err;

    if (!ok[i]) {
      r->status = SK_REVIEW_FAILED;
      conclude_review(e, rr);
      continue;
    }
    if (e->o->redo != NULL && prior.reviews != NULL) {
      struct sk_review *old = &prior.reviews[i];
      if (!in_list(e->o->redo, p->name) && old->status != SK_REVIEW_PENDING) {
        /* Not redone: keep the review exactly as the scorecard has it. */
        sk_review_cleanup(r);
        *r = *old;
        memset(old, 0, sizeof(*old));
        end_review(e, rr);
        continue;
      }
      if (old->status != SK_REVIEW_PENDING) {
        /* Redone: what the editor saw goes into the history. */
        if (tr->history == NULL)
          tr->history = cJSON_CreateArray();
        if (tr->history == NULL ||
            sk_prior_add_history(tr->history, old, e->o->now_utc, "redo"))
          set_fatal(e, SK_ENOMEM, "out of memory");
      }
    }
    if (e->o->journal != NULL && e->o->resume) {
      struct sk_review done;
      int found;
      sk_error_clear(&err);
      found = sk_journal_lookup(e->o->journal, tr->tool->slug, p, rr->inputs,
                                &done, &err);
      if (found < 0) {
        report(e, "%s", err.msg);
        set_fatal(e, SK_EIO, err.msg);
      } else if (found == 1) {
        /* Journaled from the same inputs: reuse it, send nothing. */
        sk_review_cleanup(r);
        *r = done;
        memcpy(r->inputs, rr->inputs, sizeof(r->inputs));
        e->st->reviews_resumed++;
        end_review(e, rr);
        continue;
      }
    }
    push_back(e, rr);
  }
  free(ok);
  sk_prior_cleanup(&prior);
  end_review(e, &tr->runs[0]); /* drops the hold taken above */
  return 1;
}

/* ---- requests --------------------------------------------------------- */

static void on_response(struct sk_http_response *res, void *arg);
static void pump_engine(struct engine *e);

/* Tokens a request will cost, before the server says: about four bytes a
 * token for the prompt, plus the reply limit (or a typical review). */
static long estimate_tokens(const struct engine *e, const struct review_run *rr,
                            long max_tokens) {
  size_t chars = strlen(rr->system) + strlen(rr->user);
  size_t i;
  (void)e;
  for (i = 0; i < rr->nturns; i++)
    chars += strlen(rr->turns[i]);
  return (long)(chars / 4) + (max_tokens > 0 ? max_tokens : 400);
}

/* What the next request of rr may cost: the prompt as estimated, and the
 * whole reply limit (or a typical review) as output; 0 with no price. */
static double estimate_cost(const struct engine *e,
                            const struct review_run *rr) {
  const struct sk_route *route = route_of(e, rr->idx);
  const struct sk_persona *p = &e->o->panel->personas[rr->idx];
  long maxtok = e->o->max_tokens > 0 ? e->o->max_tokens : p->max_tokens;
  long out = maxtok > 0 ? maxtok : 400;
  if (route->price == NULL)
    return 0;
  return sk_price_cost(route->price, estimate_tokens(e, rr, maxtok) - out, out);
}

static void begin_stop(struct engine *e, int why);

static void send_review(struct engine *e, struct review_run *rr) {
  const struct sk_persona *p = &e->o->panel->personas[rr->idx];
  if (e->tr == NULL) {
    /* Canceling after a stop: nothing more is sent. */
    abandon_review(e, rr);
    return;
  }
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_message msgs[2 + 2 * 8];
  struct sk_chat_request req;
  struct sk_wire_request wire;
  struct sk_error err;
  size_t i;
  int rc;

  msgs[0].role = "system";
  msgs[0].content = rr->system;
  msgs[1].role = "user";
  msgs[1].content = rr->user;
  for (i = 0; i < rr->nturns && i < 16; i++) {
    msgs[2 + i].role = i % 2 == 0 ? "assistant" : "user";
    msgs[2 + i].content = rr->turns[i];
  }
  memset(&req, 0, sizeof(req));
  req.model = r->model;
  req.messages = msgs;
  req.nmessages = 2 + (rr->nturns < 16 ? rr->nturns : 16);
  req.temperature = e->o->temperature >= 0 ? e->o->temperature : p->temperature;
  req.max_tokens = e->o->max_tokens > 0 ? e->o->max_tokens : p->max_tokens;
  req.has_seed = e->o->has_seed;
  req.seed = e->o->seed;

  if (r->attempts == 0)
    r->attempts = 1;
  sk_error_clear(&err);
  rc = route_of(e, rr->idx)
           ->provider->impl->build(&route_of(e, rr->idx)->provider->conf, &req,
                                   &wire, &err);
  if (rc == 0) {
    /* Charge the rate limits now; --tpm is corrected by the real usage
     * when the answer comes. */
    uint64_t now = uv_now(&e->loop);
    struct limit *lim = &e->limits[e->limit_of[rr->idx]];
    sk_bucket_take(&lim->rpm, 1, now);
    rr->estimate = estimate_tokens(e, rr, req.max_tokens);
    sk_bucket_take(&lim->tpm, (double)rr->estimate, now);
    rr->est_cost = estimate_cost(e, rr);
    e->committed_usd += rr->est_cost;
  }
  if (rc == 0) {
    struct sk_exchange_info info;
    info.provider = route_of(e, rr->idx)->provider->impl->name;
    info.tool = rr->tool->tool->slug;
    info.persona = p->name;
    info.attempt = r->attempts;
    info.retry = r->retries;
    info.occurrence = rr->occurrence;
    rc = sk_transport_submit(e->tr, &wire, &info, on_response, rr, &err);
    sk_wire_request_cleanup(&wire);
  }
  if (rc == SK_ENOENT ||
      (rc == SK_EPARSE && e->o->fixture_mode != SK_FIXTURES_OFF)) {
    /* A replay miss (or a corrupt fixture) means the fixtures do not cover
     * this run: stop, and say exactly which request or file it was. */
    if (!e->fatal)
      report(e, "%s", err.msg);
    set_fatal(e, rc, err.msg);
    e->no_more_writes = 1;
    abandon_review(e, rr);
    return;
  }
  if (rc != 0) {
    fail_review(e, rr, err.msg);
    return;
  }
  rr->occurrence++;
  e->inflight++;
  e->st->requests++;
  {
    cJSON *ev = review_event(rr);
    if (ev != NULL) {
      cJSON_AddNumberToObject(ev, "attempt", r->attempts);
      cJSON_AddNumberToObject(ev, "retry", r->retries);
    }
    log_event(e, "request", ev);
  }
}

static void delay_close_cb(uv_handle_t *h) {
  free(container_of(h, struct delay, timer));
}

static void unlink_delay(struct engine *e, struct delay *d) {
  if (d->prev != NULL)
    d->prev->next = d->next;
  else
    e->delays = d->next;
  if (d->next != NULL)
    d->next->prev = d->prev;
  d->prev = d->next = NULL;
}

static void delay_cb(uv_timer_t *t) {
  struct delay *d = container_of(t, struct delay, timer);
  struct engine *e = d->rr->e;

  e->timers--;
  unlink_delay(e, d);
  push_front(e, d->rr);
  uv_close((uv_handle_t *)&d->timer, delay_close_cb);
  pump_engine(e);
}

/* On a stop, retries still waiting will not be sent: abandon them. */
static void cancel_delays(struct engine *e) {
  struct delay *d;
  while ((d = e->delays) != NULL) {
    struct review_run *rr = d->rr;
    unlink_delay(e, d);
    e->timers--;
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, delay_close_cb);
    abandon_review(e, rr);
  }
}

/* Schedules another try of rr, or fails it when out of retries. */
static void retry_later(struct engine *e, struct review_run *rr,
                        const char *why, long retry_after_ms,
                        enum sk_retry_cause cause) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct delay *d;
  uint64_t wait;
  char msg[400];

  if (r->retries >= e->o->max_retries) {
    snprintf(msg, sizeof(msg), "gave up after %d retr%s: %s", r->retries,
             r->retries == 1 ? "y" : "ies", why);
    fail_review(e, rr, msg);
    return;
  }
  if (retry_after_ms > e->o->max_retry_wait_ms) {
    snprintf(msg, sizeof(msg),
             "%s; the server asked to wait %ld s, longer than "
             "--max-retry-wait %ld s",
             why, retry_after_ms / 1000, e->o->max_retry_wait_ms / 1000);
    fail_review(e, rr, msg);
    return;
  }
  if (e->tr != NULL && sk_transport_is_replay(e->tr)) {
    /* Replaying, there is no server to spare: the recorded 429 or 500 is
     * retried at once, and the recorded answer to the retry follows. */
    wait = 0;
  } else if (retry_after_ms >= 0) {
    /* Honour the server, plus up to 10% so a crowd does not return as one. */
    uint64_t spread = (uint64_t)retry_after_ms / 10 + 1;
    wait = (uint64_t)retry_after_ms + next_rand(e) % spread;
  } else {
    /* Exponential backoff with equal jitter: half fixed, half random. */
    uint64_t step = (uint64_t)e->o->retry_base_ms
                    << (r->retries < 16 ? r->retries : 16);
    if (step > (uint64_t)e->o->retry_cap_ms)
      step = (uint64_t)e->o->retry_cap_ms;
    wait = step / 2 + next_rand(e) % (step / 2 + 1);
  }
  r->retries++;
  e->st->retries++;
  e->st->retries_by_cause[cause]++;
  {
    cJSON *ev = review_event(rr);
    if (ev != NULL) {
      cJSON_AddStringToObject(ev, "cause", sk_retry_cause_name(cause));
      cJSON_AddNumberToObject(ev, "wait_ms", (double)wait);
      cJSON_AddStringToObject(ev, "message", why);
    }
    log_event(e, "retry", ev);
  }
  d = calloc(1, sizeof(*d));
  if (d == NULL || uv_timer_init(&e->loop, &d->timer) != 0) {
    free(d);
    fail_review(e, rr, "out of memory scheduling a retry");
    return;
  }
  d->rr = rr;
  d->next = e->delays;
  if (e->delays != NULL)
    e->delays->prev = d;
  e->delays = d;
  e->timers++;
  uv_timer_start(&d->timer, delay_cb, wait, 0);
}

static const char *header_lookup(void *ctx, const char *name) {
  return sk_http_response_header(ctx, name);
}

/* Takes a reply that parsed: accept it, re-ask, or fail the review. */
static void judge_reply(struct engine *e, struct review_run *rr,
                        char *content) {
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  const struct sk_persona *p = &e->o->panel->personas[rr->idx];
  struct sk_reply reply;
  int rc;
  size_t i;

  rc = sk_validator_check_ex(e->o->validator, rr->idx, content, strlen(content),
                             rr->tool->fence, &reply);
  if (rc == 0) {
    r->status = SK_REVIEW_OK;
    r->score = reply.score;
    memcpy(r->verdict, reply.verdict, sizeof(r->verdict));
    r->text = reply.review;
    reply.review = NULL;
    free(content);
    conclude_review(e, rr);
    return;
  }
  if (rc != SK_EREPLY) {
    free(content);
    fail_review(e, rr, "out of memory checking the reply");
    return;
  }
  if (r->attempts >= e->o->max_attempts) {
    r->status = SK_REVIEW_FAILED;
    for (i = 0; i < reply.nerrors; i++)
      if (sk_review_add_error(r, reply.errors[i]) != 0)
        set_fatal(e, SK_ENOMEM, "out of memory");
    sk_reply_cleanup(&reply);
    free(content);
    conclude_review(e, rr);
    return;
  }
  {
    /* Re-ask: the conversation so far, plus a message quoting every
     * failure, so the model can fix exactly what was wrong. */
    const char *errs[SK_REPLY_MAX_ERRORS];
    struct sk_buf ask;
    struct sk_error err;
    char **turns = realloc(rr->turns, (rr->nturns + 2) * sizeof(*turns));
    if (turns == NULL) {
      free(content);
      fail_review(e, rr, "out of memory");
      return;
    }
    rr->turns = turns;
    for (i = 0; i < reply.nerrors; i++)
      errs[i] = reply.errors[i];
    sk_buf_init(&ask, SK_PROMPT_MAX);
    sk_error_clear(&err);
    rc = sk_prompt_render_reask(e->o->prompts, p, errs, reply.nerrors, &ask,
                                &err);
    if (rc != 0) {
      sk_buf_cleanup(&ask);
      free(content);
      fail_review(e, rr, err.msg);
      return;
    }
    rr->turns[rr->nturns++] = content;
    rr->turns[rr->nturns] = sk_buf_take(&ask);
    if (rr->turns[rr->nturns] == NULL) {
      fail_review(e, rr, "out of memory");
      return;
    }
    rr->nturns++;
    r->attempts++;
    rr->occurrence = 0; /* a new conversation is a new request */
    e->st->reasks++;
    {
      cJSON *ev = review_event(rr);
      cJSON *why = ev != NULL ? cJSON_AddArrayToObject(ev, "reasons") : NULL;
      for (i = 0; why != NULL && i < reply.nerrors; i++)
        cJSON_AddItemToArray(why, cJSON_CreateString(reply.errors[i]));
      log_event(e, "reask", ev);
    }
    push_front(e, rr);
  }
}

static void on_response(struct sk_http_response *res, void *arg) {
  struct review_run *rr = arg;
  struct engine *e = rr->e;
  struct sk_review *r = &rr->tool->reviews[rr->idx];
  struct sk_chat_result cr;
  char why[400];

  e->inflight--;
  {
    cJSON *ev = review_event(rr);
    if (ev != NULL) {
      cJSON_AddNumberToObject(ev, "status", (double)res->status);
      if (res->error != 0)
        cJSON_AddStringToObject(ev, "error", res->errmsg);
      cJSON_AddNumberToObject(ev, "seconds", res->seconds);
    }
    log_event(e, "response", ev);
  }
  if (res->error == SK_ECANCELED) {
    /* Canceled by a stop: not an answer, not journaled, redone on resume. */
    abandon_review(e, rr);
    goto out;
  }
  if (res->error != 0) {
    if (res->error == SK_ETIMEDOUT)
      snprintf(why, sizeof(why), "no answer within %ld ms (%s)",
               e->o->timeout_ms, res->errmsg);
    else
      snprintf(why, sizeof(why), "%s", res->errmsg);
    if (res->error == SK_ETOOBIG)
      fail_review(e, rr, why);
    else
      /* A stale keep-alive connection says nothing about the server's load:
       * retry at once (still counted against --max-retries). */
      retry_later(e, rr, why, res->stale_connection ? 0 : -1,
                  res->stale_connection        ? SK_RETRY_STALE_CONNECTION
                  : res->error == SK_ETIMEDOUT ? SK_RETRY_TIMEOUT
                                               : SK_RETRY_CONNECTION);
    goto out;
  }
  route_of(e, rr->idx)
      ->provider->impl->parse(res->status, res->body, res->body_len,
                              header_lookup, res, &cr);
  r->prompt_tokens += cr.prompt_tokens;
  r->completion_tokens += cr.completion_tokens;
  e->committed_usd -= rr->est_cost;
  rr->est_cost = 0;
  if (route_of(e, rr->idx)->price != NULL) {
    double c = sk_price_cost(route_of(e, rr->idx)->price, cr.prompt_tokens,
                             cr.completion_tokens);
    r->cost_usd += c;
    e->spent_usd += c;
  }
  /* Correct the --tpm charge with what the server counted. */
  if (cr.prompt_tokens + cr.completion_tokens > 0)
    sk_bucket_adjust(
        &e->limits[e->limit_of[rr->idx]].tpm,
        (double)(cr.prompt_tokens + cr.completion_tokens - rr->estimate),
        uv_now(&e->loop));
  {
    /* The server's own count wins over our estimate: when it says nothing
     * is left, hold this provider's requests until its reset. */
    const struct sk_ratelimit *rl = &cr.ratelimit;
    long reset = -1;
    if (rl->requests_remaining == 0 && rl->requests_reset_ms > reset)
      reset = rl->requests_reset_ms;
    if (rl->tokens_remaining == 0 && rl->tokens_reset_ms > reset)
      reset = rl->tokens_reset_ms;
    if (reset > 0 && reset <= e->o->max_retry_wait_ms) {
      struct limit *lim = &e->limits[e->limit_of[rr->idx]];
      uint64_t until = uv_now(&e->loop) + (uint64_t)reset;
      if (until > lim->paused_until_ms)
        lim->paused_until_ms = until;
    }
  }
  if (res->status == 429 && cr.outcome == SK_OUTCOME_RETRY) {
    /* Congestion: halve the in-flight target, at most once a second so a
     * burst of 429s from one round counts once. */
    uint64_t now = uv_now(&e->loop);
    if (now - e->last_cut_ms >= 1000 || e->last_cut_ms == 0) {
      e->cwnd = e->cwnd / 2 < 1 ? 1 : e->cwnd / 2;
      e->last_cut_ms = now;
    }
  } else if (cr.outcome == SK_OUTCOME_OK &&
             e->cwnd < (double)e->o->concurrency) {
    /* Recover one slot per window's worth of successes. */
    e->cwnd += 1.0 / e->cwnd;
    if (e->cwnd > (double)e->o->concurrency)
      e->cwnd = (double)e->o->concurrency;
  }
  switch (cr.outcome) {
  case SK_OUTCOME_OK:
    judge_reply(e, rr, cr.content);
    cr.content = NULL;
    break;
  case SK_OUTCOME_RETRY:
    retry_later(e, rr, cr.error, cr.retry_after_ms,
                sk_retry_cause_of(cr.cause));
    break;
  case SK_OUTCOME_FINAL:
    fail_review(e, rr, cr.error);
    break;
  }
  sk_chat_result_cleanup(&cr);
out:
  pump_engine(e);
}

/* ---- driving ---------------------------------------------------------- */

static void progress_close_cb(uv_handle_t *h) {
  (void)h;
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

static void draw_progress(struct engine *e) {
  const struct sk_engine_stats *st = e->st;
  double secs = (double)(uv_now(&e->loop) - e->start_ms) / 1000.0;
  unsigned long done = st->tools_ok + st->tools_failed + st->records_bad +
                       st->tools_skipped_shard;
  long tokens = st->prompt_tokens + st->completion_tokens;
  char total[32] = "";
  char eta[48] = "";

  if (e->o->total_estimate >= 0) {
    snprintf(total, sizeof(total), "/%ld", e->o->total_estimate);
    if (done > 0 && (long)done < e->o->total_estimate && secs > 1) {
      char d[32];
      fmt_duration(d, sizeof(d),
                   secs / (double)done *
                       (double)(e->o->total_estimate - (long)done));
      snprintf(eta, sizeof(eta), " · ETA %s", d);
    }
  }
  fprintf(stderr,
          "\r\033[Kshipskip: %lu%s tools (%lu with failures, %lu bad) · "
          "%zu in flight · %zu retrying · %.0f req/s · %ld%s tokens%s",
          done, total, st->tools_failed, st->records_bad, e->inflight,
          e->timers, secs > 0 ? (double)st->requests / secs : 0.0,
          tokens >= 10000 ? tokens / 1000 : tokens, tokens >= 10000 ? "k" : "",
          eta);
  e->progress_drawn = 1;
}

static void progress_cb(uv_timer_t *t) {
  draw_progress(container_of(t, struct engine, progress));
}

static void noop_close_cb(uv_handle_t *h) {
  (void)h;
}

static void maybe_finish(struct engine *e) {
  if (e->closing || e->inflight > 0 || e->timers > 0 || e->ready_head != NULL ||
      e->active_tools > 0 || !(e->eof || e->fatal || e->stopping))
    return;
  e->closing = 1;
  if (e->tr != NULL) {
    e->st->connections = sk_transport_connections(e->tr);
    e->st->record_failures = sk_transport_record_failures(e->tr);
    sk_transport_close(e->tr);
    e->tr = NULL;
  }
  if (e->signals_on) {
    uv_close((uv_handle_t *)&e->sigint, noop_close_cb);
    uv_close((uv_handle_t *)&e->sigterm, noop_close_cb);
  }
  if (e->grace_on)
    uv_close((uv_handle_t *)&e->grace, noop_close_cb);
  if (e->deadline_on)
    uv_close((uv_handle_t *)&e->deadline, noop_close_cb);
  if (e->rate_on)
    uv_close((uv_handle_t *)&e->rate_timer, noop_close_cb);
  if (e->progress_on) {
    uv_timer_stop(&e->progress);
    uv_close((uv_handle_t *)&e->progress, progress_close_cb);
    clear_progress(e);
  }
}

static void rate_cb(uv_timer_t *t) {
  struct engine *e = container_of(t, struct engine, rate_timer);
  e->rate_waiting = 0;
  pump_engine(e);
}

/* Returns 1 when the rate limits let one more request go now; otherwise
 * arms the rate timer for when they will, and returns 0. */
static int rate_allows(struct engine *e, const struct review_run *rr) {
  uint64_t now = uv_now(&e->loop);
  struct limit *lim = &e->limits[e->limit_of[rr->idx]];
  uint64_t wait = sk_bucket_wait_ms(&lim->rpm, 1, now);
  uint64_t wait_t;
  const struct sk_persona *p = &e->o->panel->personas[rr->idx];
  long maxtok = e->o->max_tokens > 0 ? e->o->max_tokens : p->max_tokens;

  wait_t =
      sk_bucket_wait_ms(&lim->tpm, (double)estimate_tokens(e, rr, maxtok), now);
  if (wait_t > wait)
    wait = wait_t;
  if (lim->paused_until_ms > now && lim->paused_until_ms - now > wait)
    wait = lim->paused_until_ms - now;
  if (wait == 0)
    return 1;
  if (!e->rate_waiting && e->rate_on) {
    e->rate_waiting = 1;
    uv_timer_start(&e->rate_timer, rate_cb, wait, 0);
  }
  return 0;
}

static void pump_engine(struct engine *e) {
  if (e->fatal || e->stopping) {
    /* Stop starting work: what is queued ends unsent, so its tools can
     * finish; what is in flight is let finish. */
    struct review_run *rr;
    while ((rr = pop_ready(e)) != NULL) {
      if (e->stopping || e->no_more_writes)
        abandon_review(e, rr);
      else
        fail_review(e, rr,
                    e->fatal_err.msg[0] ? e->fatal_err.msg
                                        : "not sent: the run stopped");
    }
    cancel_delays(e);
  }
  while (!e->closing && !e->rate_waiting &&
         (double)e->inflight < (e->cwnd < 1 ? 1 : (double)(long)e->cwnd)) {
    struct review_run *rr = pop_ready(e);
    if (rr == NULL) {
      if (!admit_tool(e))
        break;
      continue;
    }
    if (!rate_allows(e, rr)) {
      push_front(e, rr);
      break;
    }
    if (e->o->budget_usd > 0 &&
        e->spent_usd + e->committed_usd + estimate_cost(e, rr) >
            e->o->budget_usd) {
      /* The next request could pass the budget: stop starting work, let
       * what is in flight finish, and report what is left. */
      push_front(e, rr);
      begin_stop(e, SK_STOP_BUDGET);
      break;
    }
    send_review(e, rr);
  }
  maybe_finish(e);
}

/* Cancels what is still in flight: the transport calls every callback with
 * SK_ECANCELED, which abandons those reviews. */
static void hard_stop(struct engine *e) {
  struct sk_transport *tr = e->tr;
  if (e->hard_stop || e->closing || tr == NULL)
    return;
  e->hard_stop = 1;
  e->st->connections = sk_transport_connections(tr);
  e->st->record_failures = sk_transport_record_failures(tr);
  /* The callbacks run inside sk_transport_close; with e->tr cleared first,
   * nothing they trigger can send or close it again. */
  e->tr = NULL;
  sk_transport_close(tr);
  pump_engine(e);
}

static void grace_cb(uv_timer_t *t) {
  struct engine *e = container_of(t, struct engine, grace);
  if (e->inflight > 0)
    report(e, "grace period over: canceling %zu request%s in flight",
           e->inflight, e->inflight == 1 ? "" : "s");
  hard_stop(e);
}

/* A first signal (or the deadline) stops new work; a second signal cancels
 * what is in flight at once. */
static void begin_stop(struct engine *e, int why) {
  cJSON *ev;
  if (e->stopping) {
    if (why > 0) {
      report(e, "second %s: canceling %zu request%s in flight",
             why == SIGINT ? "SIGINT" : "SIGTERM", e->inflight,
             e->inflight == 1 ? "" : "s");
      hard_stop(e);
    }
    return;
  }
  e->stopping = why;
  e->st->stopped_by = why;
  ev = cJSON_CreateObject();
  if (ev != NULL)
    cJSON_AddStringToObject(ev, "reason",
                            why == SIGINT           ? "SIGINT"
                            : why == SIGTERM        ? "SIGTERM"
                            : why == SK_STOP_BUDGET ? "budget"
                                                    : "deadline");
  log_event(e, "stop", ev);
  report(e,
         "%s: starting no new requests; %zu in flight may finish within "
         "%ld s (%s cancels them)",
         why == SIGINT           ? "interrupted (SIGINT)"
         : why == SIGTERM        ? "terminated (SIGTERM)"
         : why == SK_STOP_BUDGET ? "budget reached"
                                 : "deadline reached",
         e->inflight, e->o->grace_ms / 1000,
         why > 0 ? "a second signal" : "SIGINT");
  if (e->grace_on)
    uv_timer_start(&e->grace, grace_cb, (uint64_t)e->o->grace_ms, 0);
  pump_engine(e);
}

static void signal_cb(uv_signal_t *h, int signum) {
  struct engine *e = signum == SIGINT ? container_of(h, struct engine, sigint)
                                      : container_of(h, struct engine, sigterm);
  begin_stop(e, signum);
}

static void deadline_cb(uv_timer_t *t) {
  begin_stop(container_of(t, struct engine, deadline), -1);
}

void sk_engine_opts_init(struct sk_engine_opts *o) {
  memset(o, 0, sizeof(*o));
  o->temperature = -1;
  o->concurrency = 8;
  o->max_attempts = 3;
  o->max_retries = 4;
  o->timeout_ms = 120000;
  o->retry_base_ms = 500;
  o->retry_cap_ms = 30000;
  o->max_retry_wait_ms = 60000;
  o->grace_ms = 30000;
}

int sk_engine_run(struct sk_toolsrc *src, const struct sk_engine_opts *o,
                  struct sk_engine_stats *st, struct sk_error *err) {
  struct engine *e;
  struct sk_transport_opts topts;
  int rc;
  size_t per_tool;
  uint64_t wall_ms;

  memset(st, 0, sizeof(*st));
  e = calloc(1, sizeof(*e));
  if (e == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  e->o = o;
  e->st = st;
  e->src = src;
  e->rng =
      (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
  /* Enough tools in progress to keep every slot busy even while some wait
   * on retries, and no more: the window bounds memory. */
  per_tool = o->panel->n ? o->panel->n : 1;
  e->window = 2 * (((size_t)o->concurrency + per_tool - 1) / per_tool) + 2;
  rc = uv_loop_init(&e->loop);
  if (rc != 0) {
    free(e);
    return sk_error_set(err, SK_EIO, "uv_loop_init: %s", uv_strerror(rc));
  }
  memset(&topts, 0, sizeof(topts));
  topts.http.timeout_ms = o->timeout_ms;
  topts.http.max_connections = o->concurrency;
  topts.http.user_agent = o->user_agent;
  topts.mode = o->fixture_mode;
  topts.dir = o->fixture_dir;
  topts.provider = NULL; /* every request names its own */
  topts.stamp = o->stamp_fixtures;
  rc = sk_transport_new(&e->loop, &topts, &e->tr, err);
  if (rc != 0) {
    uv_loop_close(&e->loop);
    free(e);
    return rc;
  }
  if (o->progress && uv_timer_init(&e->loop, &e->progress) == 0) {
    e->progress_on = 1;
    uv_timer_start(&e->progress, progress_cb, 200, 200);
  }
  e->start_ms = uv_now(&e->loop);
  e->cwnd = (double)o->concurrency;
  {
    size_t i;
    size_t j;
    size_t nl = 0;
    e->limits = calloc(o->panel->n ? o->panel->n : 1, sizeof(*e->limits));
    e->limit_of = calloc(o->panel->n ? o->panel->n : 1, sizeof(size_t));
    if (e->limits == NULL || e->limit_of == NULL) {
      free(e->limits);
      free(e->limit_of);
      e->limits = NULL;
      e->limit_of = NULL;
      set_fatal(e, SK_ENOMEM, "out of memory");
    }
    for (i = 0; e->limits != NULL && i < o->panel->n; i++) {
      const struct sk_provider_def *d = o->routes[i].provider;
      for (j = 0; j < i; j++)
        if (o->routes[j].provider == d)
          break;
      if (j < i) {
        e->limit_of[i] = e->limit_of[j];
        continue;
      }
      /* The provider's own limits from the config win over the command
       * line's, which apply to each provider. */
      sk_bucket_init(&e->limits[nl].rpm, d->rpm > 0 ? d->rpm : o->rpm,
                     e->start_ms);
      sk_bucket_init(&e->limits[nl].tpm, d->tpm > 0 ? d->tpm : o->tpm,
                     e->start_ms);
      e->limit_of[i] = nl++;
    }
  }
  e->rate_on = uv_timer_init(&e->loop, &e->rate_timer) == 0;
  e->grace_on = uv_timer_init(&e->loop, &e->grace) == 0;
  if (o->deadline_ms > 0 && uv_timer_init(&e->loop, &e->deadline) == 0) {
    e->deadline_on = 1;
    uv_timer_start(&e->deadline, deadline_cb, (uint64_t)o->deadline_ms, 0);
  }
  if (o->handle_signals && uv_signal_init(&e->loop, &e->sigint) == 0 &&
      uv_signal_init(&e->loop, &e->sigterm) == 0) {
    e->signals_on = 1;
    uv_signal_start(&e->sigint, signal_cb, SIGINT);
    uv_signal_start(&e->sigterm, signal_cb, SIGTERM);
  }
  /* By default every journal line is fsync'd before its review counts as
   * done. With --journal-sync tool, lines are written at once (a killed
   * process loses nothing) but fsync'd in groups, off the loop, before the
   * scorecard that depends on them (write_work_cb) and at the end: faster
   * on slow disks; an OS crash may then cost the in-progress tools' reviews,
   * which --resume requests again. */
  if (o->journal != NULL && o->journal_group_sync)
    sk_journal_defer_sync(o->journal, 1);
  pump_engine(e);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  if (o->journal != NULL) {
    struct sk_error jerr;
    sk_error_clear(&jerr);
    sk_journal_defer_sync(o->journal, 0);
    if (sk_journal_sync(o->journal, &jerr) != 0 && !e->fatal) {
      report(e, "%s", jerr.msg);
      set_fatal(e, jerr.code, jerr.msg);
    }
  }
  /* Read the clock while the loop still exists: a closed loop is poisoned. */
  uv_update_time(&e->loop);
  wall_ms = uv_now(&e->loop) - e->start_ms;
  rc = uv_loop_close(&e->loop);
  if (rc != 0)
    sk_error_set(err, SK_EIO, "event loop still busy at exit: %s",
                 uv_strerror(rc));
  if (e->fatal) {
    rc = e->fatal_err.code;
    sk_error_set(err, rc, "%s", e->fatal_err.msg);
  }
  st->input_done = e->eof;
  {
    /* A total cost only when every persona's model has a price. */
    size_t i;
    st->cost_usd = e->spent_usd;
    for (i = 0; i < o->panel->n; i++)
      if (o->routes[i].price == NULL)
        st->cost_usd = -1;
  }
  if (o->summary != NULL) {
    struct sk_summary_totals *t = &o->summary->totals;
    int i;
    t->tools = st->tools_ok + st->tools_failed;
    t->tools_complete = st->tools_ok;
    t->records_bad = st->records_bad;
    t->tools_unfinished = st->tools_unfinished;
    t->tools_skipped_shard = st->tools_skipped_shard;
    t->tools_flagged = st->tools_flagged;
    t->tools_refused = st->tools_refused;
    t->reviews_ok = st->reviews_ok;
    t->reviews_failed = st->reviews_failed;
    t->reviews_resumed = st->reviews_resumed;
    t->attempts = st->reviews_ok + st->reviews_failed + st->reasks;
    t->reasks = st->reasks;
    t->requests = st->requests;
    t->retries = st->retries;
    for (i = 0; i < SK_RETRY__COUNT; i++)
      t->retries_by_cause[i] = st->retries_by_cause[i];
    t->prompt_tokens = st->prompt_tokens;
    t->completion_tokens = st->completion_tokens;
    t->wall_seconds = (double)wall_ms / 1000.0;
    t->cost_usd = st->cost_usd;
    t->stopped = st->stopped_by == SIGINT           ? "SIGINT"
                 : st->stopped_by == SIGTERM        ? "SIGTERM"
                 : st->stopped_by == SK_STOP_BUDGET ? "budget"
                 : st->stopped_by == -1             ? "deadline"
                 : e->fatal                         ? "error"
                                                    : NULL;
    t->input_done = e->eof;
  }
  sk_strmap_cleanup(&e->slugs, NULL);
  free(e->limits);
  free(e->limit_of);
  free(e);
  return rc;
}
