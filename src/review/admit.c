/* admit.c: admission (see run.h): from a record of the toolsrc to reviews
 * queued on the engine.
 *
 * One tool at a time, while the window has room: read the next good record
 * (bad ones, other shards' and duplicate slugs are reported or counted and
 * skipped), scan it for prompt injection, render every persona's prompt and
 * digest its inputs, then let the scorecard the tool already has decide what
 * is still needed: nothing when it is up to date, only the --redo personas,
 * or what the journal does not hold (--resume). What is still needed goes on
 * the ready queue.
 */
#include "shipskip/model/prior.h"
#include "shipskip/review/journal.h"
#include "shipskip/review/run.h"
#include "shipskip/util/names.h"
#include "shipskip/util/sha256.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A poll handle on the input's descriptor, on the heap so that a new input
 * (the next FIFO) can get its own while the old one's close is pending. */
struct sk_input_watch {
  uv_poll_t poll;
  struct sk_engine *e;
  int fd;
};

/* What the scorecard on disk says about a tool being admitted. */
enum prior_verdict { PRIOR_REVIEW = 0, PRIOR_UP_TO_DATE, PRIOR_STOP };

/* Reports a bad record and counts it. */
static void bad_record(struct sk_engine *e, const char *what) {
  struct sk_event ev;
  char line[sizeof(((struct sk_error *)0)->msg) + 32];
  e->st->records_bad++;
  snprintf(line, sizeof(line), "%s (record skipped)", what);
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_BAD_RECORD;
  ev.message = line;
  ev.detail = what;
  sk_engine_emit(e, &ev);
}

/* Whether tool is this shard's: a stable hash of the slug decides, so N
 * machines cover the batch exactly once with no coordination. */
static int in_shard(const struct sk_engine *e, const struct sk_tool *tool) {
  return e->o->shard_count <= 1 ||
         (int)(sk_hash_str(tool->slug) % (uint64_t)e->o->shard_count) ==
             e->o->shard_index;
}

/* Returns 1 when tool's slug is new to the batch (and remembers it; a
 * derived slug another tool has is made distinct), 0 when the tool cannot
 * be taken (reported), or SK_ENOMEM. */
static int claim_slug(struct sk_engine *e, struct sk_tool *tool) {
  struct sk_error err;
  int rc;
  sk_error_clear(&err);
  rc = sk_slugset_claim(&e->slugs, tool, &err);
  if (rc == 0) {
    /* Counted as a bad record, but not the input's fault alone: said as a
     * warning (no "bad_record" log line, as a parse error would get). */
    e->st->records_bad++;
    sk_engine_say(e, SK_EVENT_WARNING, tool->slug, NULL, "%s (record skipped)",
                  err.msg);
  }
  return rc;
}

/* Adds a record read (NULL: a malformed one) to the digest of the input
 * and counts it. Every shard reads every record, so shards of one input
 * have one digest and one count; the file name is left out, so the input
 * may sit at another path on each machine. */
static void digest_record(struct sk_engine *e, const struct sk_tool *tool) {
  static const char *const FIELDS[] = {"name",    "description", "slug",
                                       "tagline", "category",    "pricing",
                                       "entry",   "best_for",    "url"};
  size_t i;
  if (tool == NULL) {
    e->st->input_bad++;
    sk_sha256_update(&e->inputs, "\001bad\001", 5);
    return;
  }
  e->st->input_tools++;
  for (i = 0; i < sizeof(FIELDS) / sizeof(FIELDS[0]); i++) {
    const char *v = sk_tool_field(tool, FIELDS[i]);
    /* NUL after a value, 0x01 for an absent one: unambiguous. */
    if (v != NULL)
      sk_sha256_update(&e->inputs, v, strlen(v) + 1);
    else
      sk_sha256_update(&e->inputs, "\x01", 1);
  }
}

static void free_watch_cb(uv_handle_t *h) {
  free(sk_container_of((uv_poll_t *)h, struct sk_input_watch, poll));
}

void sk_admit_close_input(struct sk_engine *e) {
  if (e->input == NULL)
    return;
  uv_close((uv_handle_t *)&e->input->poll, free_watch_cb);
  e->input = NULL;
}

/* The input is readable (or hung up, or failed: the next read says which):
 * read on. */
static void input_cb(uv_poll_t *h, int status, int events) {
  struct sk_input_watch *w = sk_container_of(h, struct sk_input_watch, poll);
  (void)status;
  (void)events;
  uv_poll_stop(h);
  sk_engine_pump(w->e);
}

/* Creates the watch on fd. uv_poll_init() puts the descriptor into
 * non-blocking mode, which standard input shares with the shell or the
 * program that gave it: its flags are put back at once (the reader asks
 * poll(2) before each read, so it needs no O_NONBLOCK). */
static struct sk_input_watch *new_watch(struct sk_engine *e, int fd) {
  struct sk_input_watch *w = calloc(1, sizeof(*w));
  int flags = fcntl(fd, F_GETFL);
  if (w == NULL)
    return NULL;
  w->e = e;
  w->fd = fd;
  if (uv_poll_init(&e->loop, &w->poll, fd) != 0) {
    free(w);
    return NULL;
  }
  if (flags != -1)
    (void)fcntl(fd, F_SETFL, flags);
  return w;
}

/* Waits on the loop for the input to be readable. Returns 0, or fails the
 * run when it cannot. */
static int wait_input(struct sk_engine *e) {
  int fd = sk_toolsrc_wait_fd(e->src);
  if (e->input != NULL && e->input->fd != fd)
    sk_admit_close_input(e);
  if (e->input == NULL && fd >= 0)
    e->input = new_watch(e, fd);
  if (e->input == NULL ||
      uv_poll_start(&e->input->poll, UV_READABLE, input_cb) != 0) {
    sk_engine_fail(e, SK_EIO, "cannot wait for input on the event loop");
    return SK_EIO;
  }
  return 0;
}

/* Reads records until one is this run's to review. Returns it (the caller
 * frees it), or NULL at the end of the input, when input is not ready yet
 * (the loop waits for it) or on a fatal error. */
static struct sk_tool *read_tool(struct sk_engine *e) {
  for (;;) {
    struct sk_tool *tool = NULL;
    struct sk_error err;
    int rc;

    sk_error_clear(&err);
    rc = sk_toolsrc_next(e->src, &tool, &err);
    /* The descriptor the watch was made for is closed (the input ended):
     * drop the watch now, before its number can be reused by a file this
     * run opens. A start still queued on the loop would otherwise reach
     * epoll_ctl with that file, which epoll refuses, and libuv aborts. */
    if (e->input != NULL && sk_toolsrc_wait_fd(e->src) != e->input->fd)
      sk_admit_close_input(e);
    if (rc == 0) {
      e->eof = 1;
      return NULL;
    }
    if (rc == SK_EAGAIN) {
      (void)wait_input(e);
      return NULL;
    }
    if (rc == SK_ENOMEM) {
      sk_engine_fail(e, rc, "out of memory reading tools");
      return NULL;
    }
    if (rc < 0) {
      digest_record(e, NULL);
      bad_record(e, err.msg);
      continue;
    }
    digest_record(e, tool);
    if (!in_shard(e, tool)) {
      e->st->tools_skipped_shard++;
      sk_tool_free(tool);
      continue;
    }
    rc = claim_slug(e, tool);
    if (rc == 1)
      return tool;
    sk_tool_free(tool);
    if (rc < 0) {
      sk_engine_fail(e, SK_ENOMEM, "out of memory");
      return NULL;
    }
  }
}

/* A tool run for tool (taken), every review NEW; NULL when out of memory
 * (tool freed). */
static struct sk_tool_run *new_tool_run(struct sk_engine *e,
                                        struct sk_tool *tool) {
  size_t n = e->o->panel->n;
  size_t i;
  struct sk_tool_run *tr = calloc(1, sizeof(*tr));
  if (tr == NULL) {
    sk_tool_free(tool);
    return NULL;
  }
  tr->tool = tool;
  tr->n = n;
  tr->runs = calloc(n ? n : 1, sizeof(*tr->runs));
  tr->reviews = calloc(n ? n : 1, sizeof(*tr->reviews));
  if (tr->runs == NULL || tr->reviews == NULL) {
    sk_tool_run_free(tr);
    return NULL;
  }
  for (i = 0; i < n; i++) {
    tr->runs[i].e = e;
    tr->runs[i].tool = tr;
    tr->runs[i].idx = i;
    tr->runs[i].state = SK_RUN_NEW;
    sk_list_init(&tr->runs[i].node);
    tr->reviews[i].persona = &e->o->panel->personas[i];
  }
  return tr;
}

/* Lists the detector's hits as "rule in field, ..." (cut with "..."). */
static void format_rules(const struct sk_inject_result *inj, char *rules,
                         size_t size) {
  size_t used = 0;
  size_t i;
  rules[0] = '\0';
  for (i = 0; i < inj->nhits && used + 1 < size; i++) {
    int w = snprintf(rules + used, size - used, "%s%s in %s", i ? ", " : "",
                     inj->hits[i].rule, inj->hits[i].field);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  if (used >= size)
    memcpy(rules + size - 4, "...", 4);
}

/* Reports a flagged tool; returns 1 when it is refused. */
static int flagged(struct sk_engine *e, struct sk_tool_run *tr) {
  char rules[200];
  char buf[1024];
  char *line;
  struct sk_event ev;
  int refuse = e->o->refuse_flagged;

  format_rules(tr->injection, rules, sizeof(rules));
  if (refuse)
    line = sk_engine_format(buf, sizeof(buf),
                            "%s: %s: not reviewed: the submission looks like "
                            "a prompt injection (%s); --refuse-flagged is on",
                            tr->tool->origin, tr->tool->slug, rules);
  else
    line = sk_engine_format(buf, sizeof(buf),
                            "%s: %s: flagged as a possible prompt injection "
                            "(%s); reviewed anyway, the scorecard carries the "
                            "findings",
                            tr->tool->origin, tr->tool->slug, rules);
  if (refuse)
    e->st->tools_refused++;
  else
    e->st->tools_flagged++;
  memset(&ev, 0, sizeof(ev));
  ev.kind = SK_EVENT_FLAGGED;
  ev.slug = tr->tool->slug;
  ev.origin = tr->tool->origin;
  ev.detail = rules;
  ev.flag = refuse;
  ev.message = line;
  sk_engine_emit(e, &ev);
  if (line != buf)
    free(line);
  return refuse;
}

/* Computes the tool's fence and runs the injection detector on it. Returns
 * 0 to review the tool, 1 when it is refused (reported), or SK_ENOMEM. */
static int scan_tool(struct sk_engine *e, struct sk_tool_run *tr) {
  struct sk_buf card;

  sk_buf_init(&card, SK_PROMPT_MAX);
  if (sk_prompt_tool_card(tr->tool, &card) == 0)
    sk_prompt_fence(sk_buf_str(&card), card.len, tr->fence);
  sk_buf_cleanup(&card);
  if (e->o->detector == NULL)
    return 0;
  tr->injection = calloc(1, sizeof(*tr->injection));
  if (tr->injection == NULL)
    return SK_ENOMEM;
  if (sk_inject_scan(e->o->detector, tr->tool, tr->injection) <= 0)
    return 0;
  return flagged(e, tr);
}

/* Digests what a review is made from: provider, model, sampling
 * parameters, the rendered prompts and the persona's rubric. */
static void inputs_digest(const struct sk_engine *e, const struct sk_run *rr,
                          const char *model, char out[65]) {
  const struct sk_persona *p = &e->o->panel->personas[rr->idx];
  const char *provider = sk_engine_route(e, rr->idx)->provider->impl->name;
  double temp = e->o->temperature >= 0 ? e->o->temperature : p->temperature;
  long maxtok = e->o->max_tokens > 0 ? e->o->max_tokens : p->max_tokens;
  struct sk_sha256 s;
  char num[96];
  size_t i;

  sk_sha256_init(&s);
  sk_sha256_update(&s, "shipskip-review-inputs/1\n", 25);
  sk_sha256_update(&s, provider, strlen(provider) + 1);
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
  sk_sha256_final_hex(&s, out);
}

/* Renders persona i's prompt and digests its inputs. Returns 1 when it
 * can be sent, 0 when it failed here and now (the reason on its review). */
static int render_one(struct sk_engine *e, struct sk_tool_run *tr, size_t i) {
  const struct sk_route *route = sk_engine_route(e, i);
  struct sk_run *rr = &tr->runs[i];
  struct sk_review *r = &tr->reviews[i];
  struct sk_buf sys;
  struct sk_buf user;
  struct sk_error err;
  int ok = 0;

  r->provider = strdup(route->provider->name);
  r->model = strdup(route->model);
  r->cost_usd = route->price != NULL ? 0 : -1;
  sk_buf_init(&sys, SK_PROMPT_MAX);
  sk_buf_init(&user, SK_PROMPT_MAX);
  sk_error_clear(&err);
  if (r->provider == NULL || r->model == NULL) {
    sk_review_add_error(r, "out of memory");
  } else if (sk_prompt_render(e->o->prompts, tr->tool, r->persona, &sys, &user,
                              &err) != 0) {
    sk_review_add_error(r, err.msg);
  } else {
    rr->system = sk_buf_take(&sys);
    rr->user = sk_buf_take(&user);
    if (rr->system != NULL && rr->user != NULL) {
      inputs_digest(e, rr, r->model, rr->inputs);
      memcpy(r->inputs, rr->inputs, sizeof(r->inputs));
      ok = 1;
    } else {
      sk_review_add_error(r, "out of memory");
    }
  }
  sk_buf_cleanup(&sys);
  sk_buf_cleanup(&user);
  return ok;
}

/* --redo without a scorecard to redo: nothing to keep, and reviewing
 * everything would spend more than asked. Stops the run. */
static void redo_without_card(struct sk_engine *e, struct sk_tool_run *tr,
                              int rc, const struct sk_error *err) {
  char msg[400];
  snprintf(msg, sizeof(msg),
           "%s: --redo needs the scorecard %s/%s.json: %s; review the "
           "tool without --redo first",
           tr->tool->origin, e->o->outdir ? e->o->outdir : "(no output)",
           tr->tool->slug, rc == SK_ENOENT ? "there is none" : err->msg);
  sk_engine_say(e, SK_EVENT_ERROR, tr->tool->slug, NULL, "%s", msg);
  sk_engine_fail(e, SK_ECONFIG, msg);
}

/* Loads the tool's scorecard when it matters (--redo, or neither --force
 * nor --resume) and decides: review, skip as up to date, or stop. */
static enum prior_verdict check_prior(struct sk_engine *e,
                                      struct sk_tool_run *tr,
                                      struct sk_prior *prior) {
  struct sk_error err;
  size_t i;
  int rc = SK_ENOENT;

  if (e->o->redo == NULL && (e->o->force || e->o->resume))
    return PRIOR_REVIEW;
  sk_error_clear(&err);
  if (e->o->outdir != NULL)
    rc = sk_prior_load(e->o->outdir, tr->tool->slug, e->o->panel, prior, &err);
  if (rc == 0 && e->o->redo == NULL) {
    char(*inputs)[65] = calloc(tr->n ? tr->n : 1, sizeof(*inputs));
    int same;
    if (inputs == NULL) {
      sk_engine_fail(e, SK_ENOMEM, "out of memory");
      return PRIOR_STOP;
    }
    for (i = 0; i < tr->n; i++)
      memcpy(inputs[i], tr->runs[i].inputs, 65);
    same = sk_prior_up_to_date(prior, inputs);
    free(inputs);
    if (same)
      return PRIOR_UP_TO_DATE; /* complete, same inputs: nothing to buy */
  }
  if (e->o->redo != NULL && rc != 0) {
    redo_without_card(e, tr, rc, &err);
    return PRIOR_STOP;
  }
  if (rc != 0 && rc != SK_ENOENT)
    sk_engine_say(e, SK_EVENT_WARNING, tr->tool->slug, NULL,
                  "%s (reviewing the tool afresh)", err.msg);
  if (rc == 0) {
    tr->history = prior->history;
    prior->history = NULL;
  }
  return PRIOR_REVIEW;
}

/* --redo: keeps persona i's review from the scorecard when it is not to be
 * redone (returns 1: it is final), or records the one being replaced in the
 * history (returns 0: ask again). */
static int keep_or_redo(struct sk_engine *e, struct sk_tool_run *tr, size_t i,
                        struct sk_prior *prior) {
  struct sk_review *old = &prior->reviews[i];
  struct sk_review *r = &tr->reviews[i];
  if (old->status == SK_REVIEW_PENDING)
    return 0; /* the scorecard has no such persona */
  if (!sk_names_has(e->o->redo, r->persona->name)) {
    /* Not redone: keep the review exactly as the scorecard has it. */
    sk_review_cleanup(r);
    *r = *old;
    memset(old, 0, sizeof(*old));
    return 1;
  }
  /* Redone: what the editor saw goes into the history. */
  if (tr->history == NULL)
    tr->history = cJSON_CreateArray();
  if (tr->history == NULL ||
      sk_prior_add_history(tr->history, old, e->o->now_utc, "redo"))
    sk_engine_fail(e, SK_ENOMEM, "out of memory");
  return 0;
}

/* --resume: takes persona i's review from the journal when it holds one
 * made from the same inputs. Returns 1 when it did. */
static int resume_one(struct sk_engine *e, struct sk_tool_run *tr, size_t i) {
  struct sk_run *rr = &tr->runs[i];
  struct sk_review *r = &tr->reviews[i];
  struct sk_review done;
  struct sk_error err;
  int found;

  sk_error_clear(&err);
  found = sk_journal_lookup(e->o->journal, tr->tool->slug, r->persona,
                            rr->inputs, &done, &err);
  if (found < 0) {
    sk_engine_say(e, SK_EVENT_ERROR, NULL, NULL, "%s", err.msg);
    sk_engine_fail(e, SK_EIO, err.msg);
    return 0;
  }
  if (found == 0)
    return 0;
  /* Journaled from the same inputs: reuse it, send nothing. */
  sk_review_cleanup(r);
  *r = done;
  memcpy(r->inputs, rr->inputs, sizeof(r->inputs));
  e->st->reviews_resumed++;
  return 1;
}

/* The state a review taken as it is (kept, resumed) ends in. */
static enum sk_run_state taken(const struct sk_review *r) {
  return r->status == SK_REVIEW_OK ? SK_RUN_DONE : SK_RUN_FAILED;
}

/* Moves every review of tr on: failed (no prompt), kept, resumed, or
 * READY. Admission holds the tool meanwhile, so a review ending at once
 * cannot finish (and free) it under this loop. */
static void queue_reviews(struct sk_engine *e, struct sk_tool_run *tr,
                          const int *ok, struct sk_prior *prior) {
  size_t i;
  e->active_tools++;
  tr->pending = tr->n + 1;
  for (i = 0; i < tr->n; i++) {
    struct sk_run *rr = &tr->runs[i];
    if (!ok[i]) {
      tr->reviews[i].status = SK_REVIEW_FAILED;
      sk_request_conclude(e, rr);
    } else if (e->o->redo != NULL && prior->reviews != NULL &&
               keep_or_redo(e, tr, i, prior)) {
      sk_run_set_state(e, rr, taken(&tr->reviews[i]));
    } else if (e->o->journal != NULL && e->o->resume && resume_one(e, tr, i)) {
      sk_run_set_state(e, rr, taken(&tr->reviews[i]));
    } else {
      sk_run_set_state(e, rr, SK_RUN_READY);
    }
  }
  sk_tool_release(e, tr); /* drops admission's hold */
}

/* Prepares tr's reviews and queues them. Returns 1, or 0 when the run
 * must stop (tr freed then). */
static int prepare(struct sk_engine *e, struct sk_tool_run *tr) {
  struct sk_prior prior;
  enum prior_verdict v;
  int *ok = calloc(tr->n ? tr->n : 1, sizeof(*ok));
  size_t i;

  memset(&prior, 0, sizeof(prior));
  if (ok == NULL) {
    sk_tool_run_free(tr);
    sk_engine_fail(e, SK_ENOMEM, "out of memory");
    return 0;
  }
  /* Render every persona's prompt first: one that cannot even be rendered
   * fails here and now. */
  for (i = 0; i < tr->n; i++)
    ok[i] = render_one(e, tr, i);
  v = check_prior(e, tr, &prior);
  if (v == PRIOR_UP_TO_DATE)
    e->st->tools_uptodate++;
  if (v == PRIOR_REVIEW)
    queue_reviews(e, tr, ok, &prior);
  else
    sk_tool_run_free(tr);
  free(ok);
  sk_prior_cleanup(&prior);
  return v != PRIOR_STOP;
}

int sk_admit_next(struct sk_engine *e) {
  struct sk_tool_run *tr;
  for (;;) {
    struct sk_tool *tool;
    int rc;
    if (e->eof || e->state != SK_ENGINE_RUNNING || e->active_tools >= e->window)
      return 0;
    tool = read_tool(e);
    if (tool == NULL)
      return 0;
    tr = new_tool_run(e, tool);
    if (tr == NULL) {
      sk_engine_fail(e, SK_ENOMEM, "out of memory");
      return 0;
    }
    rc = scan_tool(e, tr);
    if (rc == 0)
      break;
    /* Refused (flagged, and --refuse-flagged is on), or out of memory. */
    sk_tool_run_free(tr);
    if (rc < 0) {
      sk_engine_fail(e, SK_ENOMEM, "out of memory");
      return 0;
    }
  }
  return prepare(e, tr);
}
