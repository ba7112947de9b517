/* transport.c: HTTP, replay and recording behind one submit (see
 * transport.h). */
#include "shipskip/net/transport.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/list.h"
#include "shipskip/util/scrub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sk_transport {
  uv_loop_t *loop;
  struct sk_transport_opts opts;
  char *dir;
  char *provider;
  struct sk_http *http; /* NULL when replaying only */
  size_t pending;       /* replays scheduled, not yet delivered */
  int closing;
  unsigned long record_failures;
};

/* A replayed answer waiting for its turn on the loop. */
struct replay {
  uv_timer_t timer;
  struct sk_transport *t;
  struct sk_fixture_response res;
  sk_http_done_cb cb;
  void *arg;
};

/* A request being recorded: what the fixture needs once it is answered. */
struct recording {
  struct sk_transport *t;
  char *provider;
  char key[65];
  char *url;
  char *body;
  size_t body_len;
  const char *method; /* "POST", or "GET" for a request without a body */
  char *tool;
  char *persona;
  struct sk_exchange_info info;
  sk_http_done_cb cb;
  void *arg;
};

int sk_transport_new(uv_loop_t *loop, const struct sk_transport_opts *opts,
                     struct sk_transport **out, struct sk_error *err) {
  struct sk_transport *t;
  int rc = 0;

  *out = NULL;
  if (opts->mode != SK_FIXTURES_OFF) {
    if (opts->dir == NULL || opts->dir[0] == '\0')
      return sk_error_set(err, SK_ECONFIG, "no fixture directory given");
    if (opts->mode == SK_FIXTURES_REPLAY) {
      if (!sk_fs_is_dir(opts->dir))
        return sk_error_set(err, SK_ECONFIG,
                            "%s: fixture directory does not exist (record "
                            "one with --record DIR)",
                            opts->dir);
    } else {
      /* Find out now, not after the first paid request, whether recording
       * can work at all. */
      char probe[64];
      snprintf(probe, sizeof(probe), "write-probe-%ld", (long)getpid());
      rc = sk_fs_mkdirs(opts->dir, err);
      if (rc == 0)
        rc = sk_fs_write_atomic(opts->dir, probe, "", 0, err);
      if (rc != 0) {
        if (err != NULL)
          err->code = SK_ECONFIG;
        return SK_ECONFIG;
      }
      {
        char path[4096];
        if (sk_path_join(path, sizeof(path), opts->dir, probe, NULL) == 0)
          unlink(path);
      }
    }
  }
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  t->loop = loop;
  t->opts = *opts;
  t->dir = opts->dir ? strdup(opts->dir) : NULL;
  t->provider = strdup(opts->provider ? opts->provider : "");
  if ((opts->dir != NULL && t->dir == NULL) || t->provider == NULL) {
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    goto fail;
  }
  if (opts->mode != SK_FIXTURES_REPLAY) {
    rc = sk_http_new(loop, &opts->http, &t->http, err);
    if (rc != 0)
      goto fail;
  }
  *out = t;
  return 0;
fail:
  free(t->dir);
  free(t->provider);
  free(t);
  return rc;
}

static void maybe_free(struct sk_transport *t) {
  if (t->closing && t->pending == 0 && t->http == NULL) {
    free(t->dir);
    free(t->provider);
    free(t);
  }
}

static void replay_close_cb(uv_handle_t *h) {
  struct replay *r = sk_container_of(h, struct replay, timer);
  struct sk_transport *t = r->t;
  sk_fixture_response_cleanup(&r->res);
  free(r);
  t->pending--;
  maybe_free(t);
}

static void replay_cb(uv_timer_t *timer) {
  struct replay *r = sk_container_of(timer, struct replay, timer);
  struct sk_http_response res;

  memset(&res, 0, sizeof(res));
  res.error = r->res.error;
  snprintf(res.errmsg, sizeof(res.errmsg), "%s", r->res.message);
  res.status = r->res.error ? 0 : r->res.status;
  res.body = r->res.body != NULL ? r->res.body : "";
  res.body_len = r->res.body_len;
  res.headers = r->res.headers != NULL ? r->res.headers : "";
  if (r->t->closing) {
    res.error = SK_ECANCELED;
    snprintf(res.errmsg, sizeof(res.errmsg), "request canceled");
  }
  r->cb(&res, r->arg);
  uv_close((uv_handle_t *)&r->timer, replay_close_cb);
}

static void free_recording(struct recording *rec) {
  free(rec->provider);
  free(rec->url);
  free(rec->body);
  free(rec->tool);
  free(rec->persona);
  free(rec);
}

static void recorded_cb(struct sk_http_response *res, void *arg) {
  struct recording *rec = arg;
  struct sk_transport *t = rec->t;
  struct sk_error err;
  char stamp[32];
  const char *recorded_at = NULL;

  /* A canceled request never reached an answer: nothing to record. */
  if (res->error != SK_ECANCELED) {
    if (t->opts.stamp) {
      time_t now = time(NULL);
      struct tm tm;
      gmtime_r(&now, &tm);
      strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
      recorded_at = stamp;
    }
    sk_error_clear(&err);
    if (sk_fixture_write(t->dir, rec->provider, rec->method, rec->url,
                         rec->body, rec->body_len, rec->key, &rec->info,
                         res->status, res->headers, res->body, res->body_len,
                         res->error, res->errmsg, recorded_at, &err) != 0) {
      t->record_failures++;
      if (t->opts.on_warning != NULL) {
        char msg[sizeof(err.msg) + 160];
        snprintf(msg, sizeof(msg), "%s/%s: cannot record fixture: %s",
                 rec->tool, rec->persona, err.msg);
        t->opts.on_warning(t->opts.on_warning_ctx, rec->tool, rec->persona,
                           msg);
      }
    }
  }
  rec->cb(res, rec->arg);
  free_recording(rec);
}

static char *dup_or_empty(const char *s) {
  return strdup(s ? s : "");
}

/* Answers from the fixture of key, if there is one: returns 0 (cb will
 * run from the loop), SK_ENOENT for none (err set only when replaying
 * alone, as the miss), or another error. */
static int replay(struct sk_transport *t, const char *key,
                  const struct sk_exchange_info *info, sk_http_done_cb cb,
                  void *arg, struct sk_error *err) {
  struct replay *r = calloc(1, sizeof(*r));
  int rc;
  if (r == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rc = sk_fixture_read(t->dir, key, info->occurrence, &r->res, err);
  if (rc == 0) {
    /* A fixture stands for a server: its bytes are scrubbed like a live
     * answer's (http.c) before the engine sees them. */
    if (r->res.body != NULL)
      r->res.body_len = sk_scrub(r->res.body, r->res.body_len);
    if (r->res.headers != NULL)
      sk_scrub(r->res.headers, strlen(r->res.headers));
    sk_scrub(r->res.message, strlen(r->res.message));
    r->t = t;
    r->cb = cb;
    r->arg = arg;
    if (uv_timer_init(t->loop, &r->timer) != 0) {
      sk_fixture_response_cleanup(&r->res);
      free(r);
      return sk_error_set(err, SK_ENOMEM, "uv_timer_init failed");
    }
    t->pending++;
    uv_timer_start(&r->timer, replay_cb, 0, 0);
    return 0;
  }
  free(r);
  if (rc != SK_ENOENT)
    return rc; /* a corrupt fixture: err names the file */
  if (t->opts.mode == SK_FIXTURES_REPLAY) {
    char name[48];
    sk_fixture_name(key, info->occurrence, name);
    return sk_error_set(err, SK_ENOENT,
                        "replay miss: tool %s, persona %s, attempt %d, "
                        "retry %d: no fixture %s in %s (record it with "
                        "--fixture-mode new)",
                        info->tool, info->persona, info->attempt, info->retry,
                        name, t->dir);
  }
  return SK_ENOENT;
}

/* Sends for real and writes the exchange when it is answered. */
static int record(struct sk_transport *t, const char *key, const char *provider,
                  const struct sk_wire_request *w,
                  const struct sk_exchange_info *info, sk_http_done_cb cb,
                  void *arg, struct sk_error *err) {
  struct recording *rec = calloc(1, sizeof(*rec));
  int rc;
  if (rec == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rec->t = t;
  memcpy(rec->key, key, sizeof(rec->key));
  rec->url = dup_or_empty(w->url);
  rec->provider = dup_or_empty(provider);
  rec->method = w->body != NULL ? "POST" : "GET";
  rec->body = malloc(w->body_len + 1);
  rec->tool = dup_or_empty(info->tool);
  rec->persona = dup_or_empty(info->persona);
  if (rec->url == NULL || rec->provider == NULL || rec->body == NULL ||
      rec->tool == NULL || rec->persona == NULL) {
    free_recording(rec);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  if (w->body_len > 0)
    memcpy(rec->body, w->body, w->body_len);
  rec->body[w->body_len] = '\0';
  rec->body_len = w->body_len;
  rec->info = *info;
  rec->info.tool = rec->tool;
  rec->info.persona = rec->persona;
  rec->cb = cb;
  rec->arg = arg;
  rc = sk_http_submit(t->http, w->url, (const char *const *)w->headers,
                      w->nheaders, w->body, w->body_len, recorded_cb, rec, err);
  if (rc != 0)
    free_recording(rec);
  return rc;
}

int sk_transport_submit(struct sk_transport *t, const struct sk_wire_request *w,
                        const struct sk_exchange_info *info, sk_http_done_cb cb,
                        void *arg, struct sk_error *err) {
  char key[65];
  const char *provider = info->provider != NULL ? info->provider : t->provider;
  int rc;

  if (t->closing)
    return sk_error_set(err, SK_ECANCELED, "transport is closing");
  if (t->opts.mode == SK_FIXTURES_OFF)
    return sk_http_submit(t->http, w->url, (const char *const *)w->headers,
                          w->nheaders, w->body, w->body_len, cb, arg, err);
  /* A request without a body is a GET (a batch's status or results), keyed
   * apart from any POST to the same path. */
  if (sk_fixture_key(provider, w->body != NULL ? "POST" : "GET", w->url,
                     w->body, w->body_len, key) != 0)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  if (t->opts.mode == SK_FIXTURES_REPLAY || t->opts.mode == SK_FIXTURES_NEW) {
    rc = replay(t, key, info, cb, arg, err);
    if (rc != SK_ENOENT || t->opts.mode == SK_FIXTURES_REPLAY)
      return rc;
  }
  return record(t, key, provider, w, info, cb, arg, err);
}

static void http_closed_cb(void *arg) {
  struct sk_transport *t = arg;
  t->http = NULL;
  maybe_free(t);
}

void sk_transport_close(struct sk_transport *t) {
  if (t == NULL)
    return;
  t->closing = 1;
  if (t->http != NULL)
    sk_http_close(t->http, http_closed_cb, t);
  else
    maybe_free(t);
}

unsigned long sk_transport_connections(const struct sk_transport *t) {
  return t->http != NULL ? sk_http_connections(t->http) : 0;
}

unsigned long sk_transport_record_failures(const struct sk_transport *t) {
  return t->record_failures;
}

int sk_transport_is_replay(const struct sk_transport *t) {
  return t->opts.mode == SK_FIXTURES_REPLAY;
}
