/* transport.h: where the engine's requests go: the network, recorded
 * fixtures, or both.
 *
 *   SK_FIXTURES_OFF     send over HTTP, record nothing
 *   SK_FIXTURES_RECORD  send over HTTP and record every exchange
 *   SK_FIXTURES_REPLAY  never touch the network: answer from fixtures; a
 *                       request with no fixture is a miss (SK_ENOENT from
 *                       submit, with the tool, persona, attempt and key)
 *   SK_FIXTURES_NEW     answer from fixtures where they exist, send and
 *                       record the rest
 *
 * Replayed answers arrive asynchronously, like real ones, so the engine's
 * control flow is the same in every mode. The callback contract is http.h's:
 * a submit that fails never runs its callback; otherwise it runs once.
 */
#ifndef SHIPSKIP_TRANSPORT_H
#define SHIPSKIP_TRANSPORT_H

#include "shipskip/net/fixture.h"
#include "shipskip/net/http.h"
#include "shipskip/providers/provider.h"

enum sk_fixture_mode {
  SK_FIXTURES_OFF = 0,
  SK_FIXTURES_RECORD,
  SK_FIXTURES_REPLAY,
  SK_FIXTURES_NEW
};

struct sk_transport_opts {
  struct sk_http_opts http;
  enum sk_fixture_mode mode;
  const char *dir;      /* fixture directory (modes other than OFF) */
  const char *provider; /* default wire format, when a request names none */
  int stamp;            /* write recorded_at into new fixtures */
  /* Called with a one-line message (no prefix) when something goes wrong
   * that does not fail the request: a fixture that could not be written.
   * tool and persona name the exchange. Nothing here prints; NULL: the
   * message is dropped (the count is still kept). */
  void (*on_warning)(void *ctx, const char *tool, const char *persona,
                     const char *msg);
  void *on_warning_ctx;
};

struct sk_transport;

/* Creates a transport on loop. Record modes create dir and check that it is
 * writable; replay checks that it exists. Errors name the directory. */
int sk_transport_new(uv_loop_t *loop, const struct sk_transport_opts *opts,
                     struct sk_transport **out, struct sk_error *err);

/* Sends (or replays) one request built by a provider. info names who sent
 * it. Returns 0 (cb will run once), SK_ENOENT for a replay miss, or another
 * error; on error cb never runs. */
int sk_transport_submit(struct sk_transport *t, const struct sk_wire_request *w,
                        const struct sk_exchange_info *info, sk_http_done_cb cb,
                        void *arg, struct sk_error *err);

/* Closes the transport; requests still running are canceled. The loop must
 * run until its handles are closed; t is freed then. NULL-safe. */
void sk_transport_close(struct sk_transport *t);

/* Connections opened over HTTP so far (0 when replaying). */
unsigned long sk_transport_connections(const struct sk_transport *t);

/* Fixtures that could not be written (each reported to on_warning). */
unsigned long sk_transport_record_failures(const struct sk_transport *t);

/* Whether replayed retries need no waiting (no server to protect). */
int sk_transport_is_replay(const struct sk_transport *t);

#endif
