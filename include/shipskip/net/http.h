/* http.h: asynchronous HTTP requests on a libuv loop, through libcurl's
 * multi-socket interface.
 *
 * One uv_poll_t per socket that curl asks to watch, one uv_timer_t for curl's
 * timeout; curl_multi_socket_action() is called only from those callbacks,
 * never in a busy loop and never from curl's own timer callback. Connections
 * are kept alive and reused; HTTP/2 multiplexes where the server offers it.
 *
 * A request is sent at most once per submit: libcurl's own re-send after a
 * reused connection dies is refused and reported as SK_ECONN with
 * stale_connection set, so the caller's retry policy counts every request.
 *
 * Every byte a server sends is untrusted and may echo the credential it
 * was sent: a response's body, headers and error text reach the callback
 * with every registered credential replaced (util/scrub.h).
 *
 * Lifetime: sk_http_new() → sk_http_submit()... → sk_http_close(), after
 * which the loop must run until the close callback has fired; the struct is
 * freed there. A submit that returns an error never runs its callback;
 * otherwise the callback runs exactly once, with a status.
 */
#ifndef SHIPSKIP_HTTP_H
#define SHIPSKIP_HTTP_H

#include "shipskip/util/error.h"

#include <stddef.h>
#include <uv.h>

struct sk_http_opts {
  long timeout_ms;         /* whole request; 0 = none */
  long connect_timeout_ms; /* 0 = curl's default */
  size_t max_body;         /* response body cap in bytes */
  long max_connections;    /* connection cache size */
  int insecure;            /* skip TLS verification (explicit opt-in only) */
  const char *user_agent;
  /* The PEM CA bundle that verifies servers, as curl's --cacert; NULL:
   * CURL_CA_BUNDLE, else SSL_CERT_FILE (curl's own order), else libcurl's
   * built-in bundle. Copied by sk_http_new(), which checks it can be
   * read. */
  const char *ca_file;
};

/* A finished request. Valid only during the callback. */
struct sk_http_response {
  int error;        /* 0, or SK_ETIMEDOUT, SK_ECONN, SK_ETOOBIG, SK_EHTTP,
                       SK_ECANCELED (closed before it finished) */
  char errmsg[256]; /* transport error text when error != 0 */
  long status;      /* HTTP status, 0 when no response came */
  const char *body; /* NUL-terminated */
  size_t body_len;
  const char *headers;  /* raw header lines of the final response */
  double seconds;       /* total time */
  int stale_connection; /* a reused connection died before any answer; the
                           request was not re-sent (retry it at once) */
  char hval[1024];      /* holds the last value sk_http_response_header found */
};

/* Returns the value of response header name (case-insensitive), trimmed,
 * or NULL. The value lives in r->hval until the next lookup. */
const char *sk_http_response_header(struct sk_http_response *r,
                                    const char *name);

typedef void (*sk_http_done_cb)(struct sk_http_response *res, void *arg);

struct sk_http;

/* Creates a client on loop. Returns 0 and *out, or SK_ENOMEM / SK_EHTTP,
 * or SK_ECONFIG when the CA file (opts->ca_file or the variable that named
 * it) cannot be read: err names the file and where it came from. */
int sk_http_new(uv_loop_t *loop, const struct sk_http_opts *opts,
                struct sk_http **out, struct sk_error *err);

/* Starts a request: method POST when body is non-NULL, else GET. url,
 * headers ("Name: value") and body are copied. cb runs once when it ends. */
int sk_http_submit(struct sk_http *h, const char *url,
                   const char *const *headers, size_t nheaders,
                   const char *body, size_t body_len, sk_http_done_cb cb,
                   void *arg, struct sk_error *err);

/* Cancels requests still running (their callbacks run with SK_ECANCELED),
 * closes connections and handles. close_cb(arg) runs when everything is
 * closed and h is freed. NULL-safe. */
void sk_http_close(struct sk_http *h, void (*close_cb)(void *arg), void *arg);

/* Counts connections opened so far (a measure of keep-alive reuse). */
unsigned long sk_http_connections(const struct sk_http *h);

/* Initializes libcurl once per process; call before threads exist (main).
 * Returns 0 or SK_EHTTP. */
int sk_http_global_init(struct sk_error *err);
void sk_http_global_cleanup(void);

#endif
