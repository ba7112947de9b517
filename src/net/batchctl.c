/* batchctl.c: the status and cancel of a book's batches, outside a run
 * (see batchctl.h). One loop, one request per batch still at the
 * provider, all in parallel; nothing is retried (the user is at the
 * terminal and can run it again). */
#include "shipskip/net/batchctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ask {
  int cancel;
  struct sk_bbatch *bb;
  const struct sk_batcher_provider *p;
  struct sk_batch_status st;
  int answered;
  char error[400];
};

static void asked_cb(struct sk_http_response *res, void *arg) {
  struct ask *a = arg;
  struct sk_error err;
  if (res->error != 0) {
    snprintf(a->error, sizeof(a->error), "%s", res->errmsg);
    return;
  }
  if (res->status < 200 || res->status > 299) {
    snprintf(a->error, sizeof(a->error), "HTTP %ld: %.300s", res->status,
             res->body);
    return;
  }
  sk_error_clear(&err);
  if (sk_batch_parse_status(a->p->api, res->body, res->body_len, &a->st,
                            &err) != 0) {
    if (a->cancel) {
      /* Gemini answers a cancel with an empty object: it was taken. */
      a->st = a->bb->st;
      a->st.state = SK_BATCH_CANCELING;
      snprintf(a->st.remote_state, sizeof(a->st.remote_state), "%s",
               "cancel asked");
      a->answered = 1;
      return;
    }
    snprintf(a->error, sizeof(a->error), "%s", err.msg);
    return;
  }
  a->answered = 1;
}

static const struct sk_batcher_provider *
provider_of(const struct sk_batcher_provider *p, size_t n, const char *name) {
  size_t i;
  for (i = 0; i < n; i++)
    if (strcmp(p[i].name, name) == 0)
      return &p[i];
  return NULL;
}

/* Sends a's request (status or cancel). */
static int ask(struct sk_http *h, struct ask *a, int cancel) {
  struct sk_error err;
  char *url = NULL;
  int rc;
  sk_error_clear(&err);
  rc = sk_batch_url(a->p->api,
                    cancel ? SK_BATCH_URL_CANCEL : SK_BATCH_URL_STATUS,
                    a->p->sample, a->bb->id, &url, &err);
  if (rc == 0)
    rc = sk_http_submit(h, url, (const char *const *)a->p->sample->headers,
                        a->p->sample->nheaders, cancel ? "" : NULL, 0, asked_cb,
                        a, &err);
  free(url);
  if (rc != 0)
    snprintf(a->error, sizeof(a->error), "%s", err.msg);
  return rc;
}

static void closed_cb(void *arg) {
  (void)arg;
}

/* Asks every batch still at the provider; fills asks[]. */
static int ask_all(struct sk_batchbook *bk, struct ask *asks,
                   const struct sk_batcher_provider *p, size_t np, int cancel,
                   const struct sk_http_opts *http, struct sk_error *err) {
  uv_loop_t loop;
  struct sk_http *h = NULL;
  size_t i;
  int rc = uv_loop_init(&loop);
  if (rc != 0)
    return sk_error_set(err, SK_EIO, "uv_loop_init: %s", uv_strerror(rc));
  rc = sk_http_new(&loop, http, &h, err);
  for (i = 0; rc == 0 && i < bk->n; i++) {
    asks[i].bb = bk->b[i];
    if (!sk_bbatch_pending(bk->b[i]) || bk->b[i]->id[0] == '\0')
      continue;
    asks[i].p = provider_of(p, np, bk->b[i]->provider);
    if (asks[i].p == NULL) {
      snprintf(asks[i].error, sizeof(asks[i].error),
               "provider %s is not in the configuration", bk->b[i]->provider);
      continue;
    }
    ask(h, &asks[i], cancel);
  }
  if (h != NULL) {
    uv_run(&loop, UV_RUN_DEFAULT);
    sk_http_close(h, closed_cb, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  uv_loop_close(&loop);
  return rc;
}

int sk_batchctl_run(const char *outdir,
                    const struct sk_batcher_provider *providers,
                    size_t nproviders, int refresh, int cancel,
                    const struct sk_http_opts *http, sk_batchctl_cb cb,
                    void *ctx, struct sk_error *err) {
  struct sk_batchbook *bk = NULL;
  struct ask *asks;
  size_t i;
  int rc = cancel ? sk_batchbook_open(outdir, 1, &bk, err)
                  : sk_batchbook_read(outdir, &bk, err);
  if (rc != 0)
    return rc;
  asks = calloc(bk->n ? bk->n : 1, sizeof(*asks));
  if (asks == NULL) {
    sk_batchbook_close(bk);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  for (i = 0; i < bk->n; i++) {
    asks[i].bb = bk->b[i];
    asks[i].cancel = cancel;
  }
  if (refresh || cancel)
    rc = ask_all(bk, asks, providers, nproviders, cancel, http, err);
  for (i = 0; rc == 0 && i < bk->n; i++) {
    if (cancel && asks[i].answered) {
      asks[i].bb->st = asks[i].st; /* its id stays */
      rc = sk_batchbook_save(bk, asks[i].bb, err);
    }
    cb(ctx, asks[i].bb, asks[i].answered ? &asks[i].st : NULL,
       asks[i].error[0] ? asks[i].error : NULL);
  }
  free(asks);
  sk_batchbook_close(bk);
  return rc;
}
