/* fuzz_provider_common.c: one provider's response parser and request
 * builder over hostile input (see fuzz.h).
 *
 * Input layout: byte 0 picks the HTTP status from a table; byte 1 is a mask
 * of which response headers exist (each header name hashes to one bit);
 * byte 2 is the length L (mod 48) of the value every existing header has,
 * the next L bytes; the rest is the response body, in a buffer of exactly
 * its size. The header value also serves as the base URL and the body as
 * message content when a request is built. Checked: a result always has an
 * outcome, an OK result has content and no error, any other has an error
 * line, token counts are not negative; a built request has a URL and a
 * body of the length it claims.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

struct headers {
  unsigned mask;
  const char *value;
};

static const char *header(void *ctx, const char *name) {
  const struct headers *h = ctx;
  unsigned hash = 5381;
  const char *p;
  for (p = name; *p != '\0'; p++)
    hash = hash * 33 + (unsigned char)(*p | 0x20);
  return (h->mask >> (hash % 8)) & 1 ? h->value : NULL;
}

void sk_fuzz_provider(const struct sk_provider *p, const uint8_t *data,
                      size_t size) {
  static const long STATUS[] = {200, 200, 200, 200, 201, 204, 400, 401,
                                403, 404, 408, 413, 422, 429, 500, 502,
                                503, 504, 529, 0,   99,  600, 302, 299};
  struct headers h;
  char value[64];
  size_t vlen;
  char *body;
  size_t blen;
  long status;
  struct sk_chat_result res;
  struct sk_provider_conf conf;
  struct sk_chat_request req;
  struct sk_message msgs[2];
  struct sk_wire_request wire;
  struct sk_error err;
  char *content;

  if (size < 3)
    return;
  status = STATUS[data[0] % (sizeof(STATUS) / sizeof(STATUS[0]))];
  h.mask = data[1];
  vlen = data[2] % 48;
  if (vlen > size - 3)
    vlen = size - 3;
  memcpy(value, data + 3, vlen);
  value[vlen] = '\0';
  h.value = value;
  blen = size - 3 - vlen;
  body = malloc(blen > 0 ? blen : 1);
  if (body == NULL)
    return;
  if (blen > 0)
    memcpy(body, data + 3 + vlen, blen);

  (void)sk_retry_after_ms(value, 1700000000LL);
  memset(&res, 0, sizeof(res));
  p->parse(status, body, blen, header, &h, &res);
  if (res.outcome != SK_OUTCOME_OK && res.outcome != SK_OUTCOME_RETRY &&
      res.outcome != SK_OUTCOME_FINAL)
    sk_fuzz_fail("%s: outcome %d", p->name, (int)res.outcome);
  if (res.outcome == SK_OUTCOME_OK && res.content == NULL)
    sk_fuzz_fail("%s: OK without content", p->name);
  if (res.outcome != SK_OUTCOME_OK &&
      (res.content != NULL ||
       memchr(res.error, '\0', sizeof(res.error)) == NULL ||
       res.error[0] == '\0'))
    sk_fuzz_fail("%s: status %ld, a failure without one error line", p->name,
                 status);
  /* Counts are never negative: a huge number in "usage" once converted to
   * LONG_MIN (undefined behaviour; see the usage-tokens-past-long-max
   * regression input). */
  if (res.prompt_tokens < 0 || res.completion_tokens < 0)
    sk_fuzz_fail("%s: token counts %ld, %ld", p->name, res.prompt_tokens,
                 res.completion_tokens);
  if (memchr(res.cause, '\0', sizeof(res.cause)) == NULL ||
      memchr(res.finish_reason, '\0', sizeof(res.finish_reason)) == NULL)
    sk_fuzz_fail("%s: unterminated cause or finish reason", p->name);
  sk_chat_result_cleanup(&res);

  /* The same bytes as a request: the body as the user's message. */
  content = malloc(blen + 1);
  if (content != NULL) {
    if (blen > 0)
      memcpy(content, body, blen);
    content[blen] = '\0';
    memset(&conf, 0, sizeof(conf));
    conf.impl = p;
    conf.base_url = value;
    conf.api_key = (data[1] & 1) ? "sk-fuzz-key" : NULL;
    msgs[0].role = "system";
    msgs[0].content = "You are a reviewer.";
    msgs[1].role = "user";
    msgs[1].content = content;
    memset(&req, 0, sizeof(req));
    req.model = vlen > 0 ? value : "m";
    req.messages = msgs;
    req.nmessages = 2;
    req.temperature = (data[0] & 1) ? 0.7 : -1;
    req.max_tokens = (data[0] & 2) ? 600 : 0;
    req.has_seed = (data[0] & 4) != 0;
    req.seed = 42;
    sk_error_clear(&err);
    memset(&wire, 0, sizeof(wire));
    if (p->build(&conf, &req, &wire, &err) == 0) {
      if (wire.url == NULL || wire.body == NULL ||
          strlen(wire.body) != wire.body_len || wire.nheaders > SK_MAX_HEADERS)
        sk_fuzz_fail("%s: malformed wire request", p->name);
      sk_wire_request_cleanup(&wire);
    }
    free(content);
  }
  free(body);
}
