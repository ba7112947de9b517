/* fixture.h: recorded HTTP exchanges, one readable JSON file each.
 *
 * A fixture is keyed by a SHA-256 of the canonical request: the provider,
 * the method, the URL path (no host, no query string: a query can carry a
 * key) and the request body re-printed compactly. Credentials never enter
 * the key or the file: request headers are not stored at all, and of the
 * response headers only content type, retry and rate-limit headers are.
 *
 * The same request can be sent more than once in a run (a 429, then a 200);
 * each sending is an occurrence, numbered from 0 within its review, and the
 * file is KEY32-OCCURRENCE.json (KEY32: the first 32 hex digits of the key).
 *
 *   {"schema": "shipskip.fixture/1", "key": "<64 hex>", "occurrence": 0,
 *    "meta": {"tool", "persona", "attempt", "retry", "recorded_at"},
 *    "request": {"provider", "method", "path", "body": <JSON>},
 *    "response": {"status", "headers": {...}, "body": <JSON>}
 *             or {"status", "headers", "body_text": "<not JSON>"}
 *             or {"error": "timeout"|"connection", "message": "..."}}
 */
#ifndef SHIPSKIP_FIXTURE_H
#define SHIPSKIP_FIXTURE_H

#include "shipskip/util/buf.h"
#include "shipskip/util/error.h"

#include <stddef.h>
#include <stdio.h>

/* Who made a request, for file metadata and for miss messages. */
struct sk_exchange_info {
  const char *provider; /* wire format ("openai"), part of the key */
  const char *tool;     /* slug */
  const char *persona;  /* name */
  int attempt;          /* 1-based reply attempt */
  int retry;            /* HTTP retries so far in the review */
  int occurrence;       /* sends of this same request before this one */
};

/* A recorded response, ready to hand back to the caller. */
struct sk_fixture_response {
  int error;         /* 0, SK_ETIMEDOUT or SK_ECONN */
  char message[256]; /* transport error text */
  long status;
  char *headers; /* raw "name: value\r\n" lines */
  char *body;
  size_t body_len;
};

/* Computes the key of a request into key[65]. url may be absolute; only
 * its path counts. Returns 0 or SK_ENOMEM. */
int sk_fixture_key(const char *provider, const char *method, const char *url,
                   const char *body, size_t body_len, char key[65]);

/* Writes the fixture file name for key and occurrence into name[48]. */
void sk_fixture_name(const char *key, int occurrence, char name[48]);

/* Records one exchange atomically into dir. status, headers (raw lines) and
 * body describe the response; or error/message a transport failure.
 * recorded_at (ISO 8601) may be NULL. Returns 0 or an error naming the file. */
int sk_fixture_write(const char *dir, const char *provider, const char *method,
                     const char *url, const char *req_body, size_t req_len,
                     const char *key, const struct sk_exchange_info *info,
                     long status, const char *headers, const char *body,
                     size_t body_len, int error, const char *message,
                     const char *recorded_at, struct sk_error *err);

/* Loads the response of fixture key/occurrence from dir. Returns 0 and *out
 * (release with sk_fixture_response_cleanup), SK_ENOENT when there is no
 * such file (a miss), or SK_EPARSE naming the file for a corrupt one. */
int sk_fixture_read(const char *dir, const char *key, int occurrence,
                    struct sk_fixture_response *out, struct sk_error *err);

void sk_fixture_response_cleanup(struct sk_fixture_response *r);

/* Checks every *.json in dir: it parses, has the schema, its key matches
 * its request and its file name, and it holds no credential (no
 * authorization or API-key header or parameter, no "Bearer " token, and
 * none of the values of the secret variables named in secret_envs). Tells cb
 * (with ctx) of each bad file, msg being "PATH: problem" (or why it could
 * not be read) with no newline, valid during the call only; *checked is
 * the number of files checked. Returns the number of bad files, or a
 * negative code when dir cannot be read. Nothing below the CLI prints. */
typedef void (*sk_fixture_problem_cb)(void *ctx, const char *msg);
int sk_fixture_check_dir(const char *dir, const char *const *secret_envs,
                         sk_fixture_problem_cb cb, void *ctx, size_t *checked,
                         struct sk_error *err);

/* One fixture of a listing; the strings are valid during the call only. */
struct sk_fixture_entry {
  const char *file;    /* its name in the directory */
  const char *problem; /* NULL, or why the rest is unknown ("unreadable:
                          ...", "corrupt: not valid JSON") */
  const char *tool;    /* from its meta; "?" when missing */
  const char *persona; /* "?" when missing */
  int attempt;         /* -1 when missing or not a count */
  int retry;           /* -1 when missing or not a count */
  const char *status;  /* the HTTP status, the transport error, or "?" */
};
typedef void (*sk_fixture_entry_cb)(void *ctx,
                                    const struct sk_fixture_entry *entry);

/* Tells cb (with ctx) of every fixture in dir, in file name order. Returns
 * the number of fixtures or a negative code when dir cannot be read. */
int sk_fixture_list_dir(const char *dir, sk_fixture_entry_cb cb, void *ctx,
                        struct sk_error *err);

/* The largest LABEL sk_fixture_label() takes, in bytes. */
#define SK_FIXTURE_LABEL_MAX 200

/* Reads DIR/LABEL: one line saying what the recorded replies are when they
 * are not a model's output (the bundled samples are hand-written replies
 * served by the fake server), so pages made from a replay can say so.
 * Returns 0 with *out a malloc'd string (free it), or with *out NULL when
 * there is no LABEL file; SK_EPARSE naming the file when it is empty,
 * longer than SK_FIXTURE_LABEL_MAX bytes, more than one line, holds a
 * control character or is not UTF-8; another code when it cannot be read. */
int sk_fixture_label(const char *dir, char **out, struct sk_error *err);

#endif
