/* http.c: libcurl multi-socket driven by libuv (see http.h).
 *
 * Shaped like curl's docs/examples/multi-uv.c, without its shortcuts: poll
 * errors reach curl as CURL_CSELECT_ERR, every allocation is checked, the
 * timer callback only arms a uv timer, completed transfers are drained after
 * every curl_multi_socket_action(), and every uv handle is freed in its close
 * callback. Transfers (easy handle plus buffers) are pooled and reused, so a
 * long batch does not allocate per request beyond the body it sends.
 */
#include "shipskip/net/http.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/list.h"
#include "shipskip/util/scrub.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_CAP (64 * 1024)
/* libcurl's receive buffer, one per transfer in flight (16 KiB by default:
 * 1 MiB at --concurrency 64). A reply of a few KiB fits in one or two reads
 * of this size; a longer one takes more reads, at no cost worth a
 * transfer's memory. */
#define RECV_BUFFER (2 * 1024)

struct sock_ctx {
  uv_poll_t poll;
  curl_socket_t fd;
  struct sk_http *h;
  struct sock_ctx *prev;
  struct sock_ctx *next;
};

struct transfer {
  struct sk_http *h;
  CURL *easy;
  struct curl_slist *headers;
  char *body; /* the request body we send */
  struct sk_buf resp;
  struct sk_buf hdrs;
  int too_big;
  int no_memory;
  int sends;          /* times libcurl started sending this request */
  int resend_refused; /* we stopped libcurl re-sending it by itself */
  char errbuf[CURL_ERROR_SIZE];
  sk_http_done_cb cb;
  void *arg;
  struct transfer *next; /* in the free pool or the active list */
  struct transfer *prev;
};

struct sk_http {
  uv_loop_t *loop;
  CURLM *multi;
  uv_timer_t timer;
  struct sk_http_opts opts;
  struct sock_ctx *socks;  /* sockets being polled */
  struct transfer *active; /* transfers running */
  struct transfer *pool;   /* finished transfers kept for reuse */
  int open_handles;        /* uv handles not yet closed */
  int closing;
  void (*close_cb)(void *arg);
  void *close_arg;
  unsigned long connects;
  char *ca_file; /* our copy of the resolved CA bundle, or NULL */
};

/* Settles which CA bundle verifies servers, as curl's command line does:
 * the option, else CURL_CA_BUNDLE, else SSL_CERT_FILE, else none (libcurl's
 * default). A file named but unreadable is a startup error that says which
 * one and where the name came from, not a TLS failure per request later.
 * Returns 0 with *out a heap copy or NULL, SK_ECONFIG or SK_ENOMEM. */
static int resolve_ca_file(const char *opt, char **out, struct sk_error *err) {
  const char *from = "--cacert / the config's ca_file";
  const char *path = opt;
  FILE *f;

  *out = NULL;
  if (path == NULL || path[0] == '\0') {
    from = "CURL_CA_BUNDLE";
    path = getenv(from);
  }
  if (path == NULL || path[0] == '\0') {
    from = "SSL_CERT_FILE";
    path = getenv(from);
  }
  if (path == NULL || path[0] == '\0')
    return 0;
  f = fopen(path, "r");
  if (f == NULL)
    return sk_error_set(err, SK_ECONFIG, "CA file %s (from %s): %s", path, from,
                        strerror(errno));
  fclose(f);
  *out = strdup(path);
  return *out != NULL ? 0 : sk_error_set(err, SK_ENOMEM, "out of memory");
}

int sk_http_global_init(struct sk_error *err) {
  CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    return sk_error_set(err, SK_EHTTP, "libcurl init failed: %s",
                        curl_easy_strerror(rc));
  return 0;
}

void sk_http_global_cleanup(void) {
  curl_global_cleanup();
}

unsigned long sk_http_connections(const struct sk_http *h) {
  return h->connects;
}

static void maybe_finish_close(struct sk_http *h) {
  if (h->closing && h->open_handles == 0) {
    void (*cb)(void *) = h->close_cb;
    void *arg = h->close_arg;
    free(h->ca_file);
    free(h);
    if (cb != NULL)
      cb(arg);
  }
}

static void sock_close_cb(uv_handle_t *handle) {
  struct sock_ctx *sc = sk_container_of(handle, struct sock_ctx, poll);
  struct sk_http *h = sc->h;
  free(sc);
  h->open_handles--;
  maybe_finish_close(h);
}

static void timer_close_cb(uv_handle_t *handle) {
  struct sk_http *h = sk_container_of(handle, struct sk_http, timer);
  h->open_handles--;
  maybe_finish_close(h);
}

static void unlink_sock(struct sk_http *h, struct sock_ctx *sc) {
  if (sc->prev != NULL)
    sc->prev->next = sc->next;
  else
    h->socks = sc->next;
  if (sc->next != NULL)
    sc->next->prev = sc->prev;
  sc->prev = sc->next = NULL;
}

static void close_sock(struct sk_http *h, struct sock_ctx *sc) {
  unlink_sock(h, sc);
  uv_poll_stop(&sc->poll);
  uv_close((uv_handle_t *)&sc->poll, sock_close_cb);
}

static void unlink_transfer(struct sk_http *h, struct transfer *t) {
  if (t->prev != NULL)
    t->prev->next = t->next;
  else
    h->active = t->next;
  if (t->next != NULL)
    t->next->prev = t->prev;
  t->prev = t->next = NULL;
}

static void free_transfer(struct transfer *t) {
  if (t == NULL)
    return;
  if (t->easy != NULL)
    curl_easy_cleanup(t->easy);
  curl_slist_free_all(t->headers);
  free(t->body);
  sk_buf_cleanup(&t->resp);
  sk_buf_cleanup(&t->hdrs);
  free(t);
}

/* Returns a finished transfer to the pool, keeping its easy handle. */
static void recycle(struct sk_http *h, struct transfer *t) {
  curl_slist_free_all(t->headers);
  t->headers = NULL;
  free(t->body);
  t->body = NULL;
  sk_buf_reset(&t->resp);
  sk_buf_reset(&t->hdrs);
  t->cb = NULL;
  t->arg = NULL;
  if (h->closing) {
    free_transfer(t);
    return;
  }
  t->next = h->pool;
  h->pool = t;
}

static int error_of(CURLcode rc) {
  switch (rc) {
  case CURLE_OPERATION_TIMEDOUT:
    return SK_ETIMEDOUT;
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_GOT_NOTHING:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_SSL_CONNECT_ERROR:
    return SK_ECONN;
  default:
    return SK_EHTTP;
  }
}

/* Scrubs known credentials out of b in place (scrub.h). */
static void scrub_buf(struct sk_buf *b) {
  if (b->data != NULL)
    b->len = sk_scrub(b->data, b->len);
}

/* Runs the callback of a finished transfer and recycles it. */
static void complete(struct sk_http *h, struct transfer *t, CURLcode rc) {
  struct sk_http_response res;
  long connects = 0;

  memset(&res, 0, sizeof(res));
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &res.status);
  curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &res.seconds);
  if (curl_easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
    h->connects += (unsigned long)connects;
  if (t->no_memory) {
    res.error = SK_ENOMEM;
    snprintf(res.errmsg, sizeof(res.errmsg), "out of memory reading the body");
  } else if (t->too_big) {
    res.error = SK_ETOOBIG;
    snprintf(res.errmsg, sizeof(res.errmsg),
             "response body larger than %zu bytes", t->resp.cap);
  } else if (t->resend_refused) {
    res.error = SK_ECONN;
    res.stale_connection = 1;
    snprintf(res.errmsg, sizeof(res.errmsg),
             "the server closed a reused connection before answering");
  } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
    res.error = SK_ECANCELED;
    snprintf(res.errmsg, sizeof(res.errmsg), "request canceled");
  } else if (rc != CURLE_OK) {
    res.error = error_of(rc);
    snprintf(res.errmsg, sizeof(res.errmsg), "%s",
             t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
  }
  /* Ingress: whatever a server echoes of the credential it was sent is
   * gone before anything parses, logs, journals or records it. */
  scrub_buf(&t->resp);
  scrub_buf(&t->hdrs);
  sk_scrub(res.errmsg, strlen(res.errmsg));
  res.body = sk_buf_str(&t->resp);
  res.body_len = t->resp.len;
  res.headers = sk_buf_str(&t->hdrs);
  unlink_transfer(h, t);
  /* The callback may submit more requests; the transfer is already off the
   * active list so that cannot disturb it. */
  if (t->cb != NULL)
    t->cb(&res, t->arg);
  recycle(h, t);
}

static void drain(struct sk_http *h) {
  CURLMsg *msg;
  int left;

  while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
    struct transfer *t = NULL;
    CURL *easy;
    CURLcode rc;
    if (msg->msg != CURLMSG_DONE)
      continue;
    easy = msg->easy_handle;
    rc = msg->data.result;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    curl_multi_remove_handle(h->multi, easy);
    complete(h, t, rc);
  }
}

static void poll_cb(uv_poll_t *handle, int status, int events) {
  struct sock_ctx *sc = sk_container_of(handle, struct sock_ctx, poll);
  struct sk_http *h = sc->h;
  int flags = 0;
  int running;

  if (status < 0)
    flags = CURL_CSELECT_ERR;
  else {
    if (events & UV_READABLE)
      flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
      flags |= CURL_CSELECT_OUT;
  }
  curl_multi_socket_action(h->multi, sc->fd, flags, &running);
  drain(h);
}

static void on_timeout(uv_timer_t *timer) {
  struct sk_http *h = sk_container_of(timer, struct sk_http, timer);
  int running;

  curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  drain(h);
}

/* CURLMOPT_TIMERFUNCTION: only arms the uv timer; curl is called from the
 * timer's own callback, outside this one. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  struct sk_http *h = userp;
  (void)multi;
  if (timeout_ms < 0)
    uv_timer_stop(&h->timer);
  else
    uv_timer_start(&h->timer, on_timeout, (uint64_t)timeout_ms, 0);
  return 0;
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket. */
static int socket_cb(CURL *easy, curl_socket_t s, int action, void *userp,
                     void *socketp) {
  struct sk_http *h = userp;
  struct sock_ctx *sc = socketp;
  int events = 0;
  (void)easy;

  if (action == CURL_POLL_REMOVE) {
    if (sc != NULL) {
      curl_multi_assign(h->multi, s, NULL);
      close_sock(h, sc);
    }
    return 0;
  }
  if (sc == NULL) {
    sc = calloc(1, sizeof(*sc));
    if (sc == NULL)
      return -1;
    if (uv_poll_init_socket(h->loop, &sc->poll, s) != 0) {
      free(sc);
      return -1;
    }
    sc->fd = s;
    sc->h = h;
    sc->next = h->socks;
    if (h->socks != NULL)
      h->socks->prev = sc;
    h->socks = sc;
    h->open_handles++;
    curl_multi_assign(h->multi, s, sc);
  }
  if (action & CURL_POLL_IN)
    events |= UV_READABLE;
  if (action & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  if (uv_poll_start(&sc->poll, events, poll_cb) != 0)
    return -1;
  return 0;
}

/* CURLOPT_PREREQFUNCTION: runs each time libcurl is about to send the
 * request. When a reused keep-alive connection dies before any response
 * byte, libcurl re-sends the request on a fresh connection by itself; for a
 * paid API that is a second request nobody counted, outside the retry cap.
 * Refuse it, and let the caller's retry policy decide and count. */
static int prereq_cb(void *clientp, char *primary_ip, char *local_ip,
                     int primary_port, int local_port) {
  struct transfer *t = clientp;
  (void)primary_ip;
  (void)local_ip;
  (void)primary_port;
  (void)local_port;
  if (++t->sends > 1) {
    t->resend_refused = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
  struct transfer *t = userdata;
  size_t n = size * nmemb;
  int rc = sk_buf_add(&t->resp, ptr, n);
  if (rc != 0) {
    if (rc == SK_ETOOBIG)
      t->too_big = 1;
    else
      t->no_memory = 1;
    return 0; /* makes curl stop with CURLE_WRITE_ERROR */
  }
  return n;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
  struct transfer *t = userdata;
  size_t n = size * nmemb;
  /* Keep only the final response's headers (not a 100 Continue's). */
  if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
    sk_buf_reset(&t->hdrs);
  if (sk_buf_add(&t->hdrs, ptr, n) != 0)
    return 0;
  return n;
}

const char *sk_http_response_header(struct sk_http_response *r,
                                    const char *name) {
  const char *p = r->headers;
  size_t nlen = strlen(name);

  if (p == NULL)
    return NULL;
  while (*p != '\0') {
    const char *eol = strchr(p, '\n');
    size_t llen = eol ? (size_t)(eol - p) : strlen(p);
    if (llen > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
      const char *v = p + nlen + 1;
      const char *end = p + llen;
      size_t vlen;
      while (v < end && (*v == ' ' || *v == '\t'))
        v++;
      while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
      vlen = (size_t)(end - v);
      if (vlen >= sizeof(r->hval))
        vlen = sizeof(r->hval) - 1;
      memcpy(r->hval, v, vlen);
      r->hval[vlen] = '\0';
      return r->hval;
    }
    if (eol == NULL)
      break;
    p = eol + 1;
  }
  return NULL;
}

int sk_http_new(uv_loop_t *loop, const struct sk_http_opts *opts,
                struct sk_http **out, struct sk_error *err) {
  struct sk_http *h;
  int rc;

  *out = NULL;
  h = calloc(1, sizeof(*h));
  if (h == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  h->loop = loop;
  h->opts = *opts;
  rc = resolve_ca_file(opts->ca_file, &h->ca_file, err);
  if (rc != 0) {
    free(h);
    return rc;
  }
  h->opts.ca_file = h->ca_file;
  if (h->opts.max_body == 0)
    h->opts.max_body = 4 * 1024 * 1024;
  h->multi = curl_multi_init();
  if (h->multi == NULL) {
    free(h->ca_file);
    free(h);
    return sk_error_set(err, SK_EHTTP, "curl_multi_init failed");
  }
  if (uv_timer_init(loop, &h->timer) != 0) {
    curl_multi_cleanup(h->multi);
    free(h->ca_file);
    free(h);
    return sk_error_set(err, SK_EHTTP, "uv_timer_init failed");
  }
  h->open_handles = 1;
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
  if (h->opts.max_connections > 0)
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, h->opts.max_connections);
  *out = h;
  return 0;
}

static struct transfer *get_transfer(struct sk_http *h) {
  struct transfer *t = h->pool;

  if (t != NULL) {
    h->pool = t->next;
    t->next = NULL;
    curl_easy_reset(t->easy);
    t->too_big = 0;
    t->no_memory = 0;
    t->sends = 0;
    t->resend_refused = 0;
    t->errbuf[0] = '\0';
    return t;
  }
  t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  t->h = h;
  sk_buf_init(&t->resp, h->opts.max_body);
  sk_buf_init(&t->hdrs, HEADER_CAP);
  t->easy = curl_easy_init();
  if (t->easy == NULL) {
    free(t);
    return NULL;
  }
  return t;
}

/* Sets the options of t's easy handle for one request to url. */
static void set_options(struct sk_http *h, struct transfer *t,
                        const char *url) {
  CURL *e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, prereq_cb);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, (long)RECV_BUFFER);
  /* PIPEWAIT makes a new transfer wait for a connection being set up, in
   * case it can be multiplexed. Over TLS, ALPN settles that at the
   * handshake; over plain http:// it cannot be multiplexed at all, and
   * waiting would hold a whole first round behind the first response. */
  if (strncmp(url, "https://", 8) == 0)
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  if (h->opts.timeout_ms > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->opts.timeout_ms);
  if (h->opts.connect_timeout_ms > 0)
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->opts.connect_timeout_ms);
  if (h->opts.user_agent != NULL)
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->opts.user_agent);
  if (h->opts.ca_file != NULL)
    curl_easy_setopt(e, CURLOPT_CAINFO, h->opts.ca_file);
  if (h->opts.insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

int sk_http_submit(struct sk_http *h, const char *url,
                   const char *const *headers, size_t nheaders,
                   const char *body, size_t body_len, sk_http_done_cb cb,
                   void *arg, struct sk_error *err) {
  struct transfer *t;
  CURL *e;
  size_t i;
  CURLMcode mrc;

  if (h->closing)
    return sk_error_set(err, SK_ECANCELED, "HTTP client is closing");
  t = get_transfer(h);
  if (t == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  e = t->easy;
  for (i = 0; i < nheaders; i++) {
    struct curl_slist *l = curl_slist_append(t->headers, headers[i]);
    if (l == NULL)
      goto nomem;
    t->headers = l;
  }
  /* No "Expect: 100-continue" round trip before a large POST body. */
  {
    struct curl_slist *l = curl_slist_append(t->headers, "Expect:");
    if (l == NULL)
      goto nomem;
    t->headers = l;
  }
  if (body != NULL) {
    t->body = malloc(body_len + 1);
    if (t->body == NULL)
      goto nomem;
    memcpy(t->body, body, body_len);
    t->body[body_len] = '\0';
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  set_options(h, t, url);
  t->cb = cb;
  t->arg = arg;
  t->next = h->active;
  t->prev = NULL;
  if (h->active != NULL)
    h->active->prev = t;
  h->active = t;
  mrc = curl_multi_add_handle(h->multi, e);
  if (mrc != CURLM_OK) {
    unlink_transfer(h, t);
    t->cb = NULL;
    recycle(h, t);
    return sk_error_set(err, SK_EHTTP, "curl_multi_add_handle: %s",
                        curl_multi_strerror(mrc));
  }
  return 0;
nomem:
  recycle(h, t);
  return sk_error_set(err, SK_ENOMEM, "out of memory");
}

void sk_http_close(struct sk_http *h, void (*close_cb)(void *arg), void *arg) {
  struct transfer *t;

  if (h == NULL)
    return;
  h->closing = 1;
  h->close_cb = close_cb;
  h->close_arg = arg;
  /* Cancel what is still running: each callback runs once, canceled. */
  while ((t = h->active) != NULL) {
    curl_multi_remove_handle(h->multi, t->easy);
    complete(h, t, CURLE_ABORTED_BY_CALLBACK);
  }
  while ((t = h->pool) != NULL) {
    h->pool = t->next;
    free_transfer(t);
  }
  /* Closing the multi handle closes cached connections; curl may tell us
   * through socket_cb, and any socket it does not mention is closed here. */
  curl_multi_cleanup(h->multi);
  h->multi = NULL;
  while (h->socks != NULL)
    close_sock(h, h->socks);
  uv_timer_stop(&h->timer);
  uv_close((uv_handle_t *)&h->timer, timer_close_cb);
}
