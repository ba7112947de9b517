/* batch_int.h: what the batch wire-format files share inside the providers
 * folder, not part of any contract: batch.c holds the API-independent half
 * (building requests, URLs, the JSONL reader, the checked readers of
 * strings and counts) and batch_openai.c, batch_anthropic.c and
 * batch_gemini.c each read one provider's batch objects and results with
 * it. Every reader here fails with SK_EPARSE and a message that names the
 * field and where it was; none of them guesses a value.
 */
#ifndef SHIPSKIP_BATCH_INT_H
#define SHIPSKIP_BATCH_INT_H

#include "shipskip/providers/batch.h"

#include <cJSON.h>

/* obj's member key (case-sensitive), or NULL when obj is not an object or
 * has no such member. */
const cJSON *batch_get(const cJSON *obj, const char *key);

/* The first of obj's members camel and snake that is present (the
 * spellings Google's JSON mapping accepts for one field). */
const cJSON *batch_get2(const cJSON *obj, const char *camel, const char *snake);

/* Copies the string v into dst (size bytes). Absent or null: dst is "" and
 * 0 is returned unless required, which is SK_EPARSE "WHERE: WHAT is
 * missing" (and a required string may not be empty either). A value that is not
 * a string, holds a NUL or does not fit is SK_EPARSE naming what and where:
 * never cut short. */
int batch_copy(const cJSON *v, char *dst, size_t size, int required,
               const char *where, const char *what, struct sk_error *err);

/* Reads a count: absent or null gives -1; a whole number in [0, 10^15], or
 * a string of 1 to 15 digits (Google's int64 fields are strings), gives its
 * value; anything else is SK_EPARSE naming what and where. */
int batch_count(const cJSON *v, long *out, const char *where, const char *what,
                struct sk_error *err);

/* Parses an RFC 3339 time ("2024-08-20T18:37:24.100435Z", "+05:30"
 * offsets) into seconds since the epoch; -1 when s is NULL or not one. */
long long batch_rfc3339(const char *s);

/* The API's printed name for messages ("OpenAI", "Anthropic", "Gemini",
 * "no batch API"). */
const char *batch_api_title(enum sk_batch_api api);

/* Starts a status: zeroed, every count and created_unix -1. */
void batch_status_init(struct sk_batch_status *out);

/* Sets out->remote_state (cut to fit: it is only shown) from word. */
void batch_remote_state(struct sk_batch_status *out, const char *word);

/* The one-line message of a provider error object in root ({"error":
 * {"message"}} for all three, or {"error":"text"}) into msg (size bytes);
 * returns 1 when root is such an error body, else 0. */
int batch_error_message(const cJSON *root, char *msg, size_t size);

/* Checks that a reply root is a JSON object and not a provider error body:
 * 0, or SK_EPARSE with err saying "WHAT: not a JSON object" or "WHAT: the
 * server answered an error: MESSAGE". */
int batch_check_reply(const cJSON *root, const char *what,
                      struct sk_error *err);

/* What a provider's reader of one JSONL line (or inline entry) gets: the
 * caller's callback and the place to say why a line was not a result. */
struct batch_emit {
  int (*cb)(void *ctx, const struct sk_batch_result *r);
  void *ctx;
};

/* Hands r to the caller with body the compact text of v (an ANSWER with
 * status). A v whose strings hold a NUL cannot be printed faithfully: that
 * is a bad line (lerr set, 0 returned). Returns the callback's value,
 * SK_ENOMEM, or 0. */
int batch_emit_answer(const struct batch_emit *e, struct sk_batch_result *r,
                      long status, const cJSON *v, struct sk_error *lerr);

/* Reads body as JSONL: one JSON object per line ("\r\n" accepted, blank
 * lines skipped) handed to line_cb with its 1-based number. A line that is
 * not a JSON object or holds a NUL byte is bad, as is one line_cb refuses
 * by setting lerr: *bad_lines counts them and the first is in err as "WHAT
 * line N: WHY". Returns 0, or the first non-zero line_cb returned (the
 * caller's callback asking to stop, or SK_ENOMEM). */
int batch_jsonl(const char *body, size_t len, const char *what,
                int (*line_cb)(const struct batch_emit *e, const cJSON *obj,
                               long line, struct sk_error *lerr),
                const struct batch_emit *e, long *bad_lines,
                struct sk_error *err);

/* Parses a whole document: one JSON value with only white space around
 * it. Returns the tree (cJSON_Delete it) or NULL with err "WHAT: not JSON
 * (at byte N)" (or empty, or text after the value). */
cJSON *batch_parse_doc(const char *body, size_t len, const char *what,
                       struct sk_error *err);

/* Per provider: a batch object (root, any JSON value) into out, and one
 * results line into a result. */
int batch_openai_status(const cJSON *root, struct sk_batch_status *out,
                        struct sk_error *err);
int batch_openai_line(const struct batch_emit *e, const cJSON *obj, long line,
                      struct sk_error *lerr);
int batch_anthropic_status(const cJSON *root, struct sk_batch_status *out,
                           struct sk_error *err);
int batch_anthropic_line(const struct batch_emit *e, const cJSON *obj,
                         long line, struct sk_error *lerr);
int batch_gemini_status(const cJSON *root, struct sk_batch_status *out,
                        struct sk_error *err);
/* Gemini's results: the operation's inline responses, or a responses file
 * (JSONL of {"key","response"|"error"}). */
int batch_gemini_results(const char *body, size_t len,
                         const struct batch_emit *e, long *bad_lines,
                         struct sk_error *err);

#endif
