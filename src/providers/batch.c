/* batch.c: the API-independent half of the batch wire formats
 * (providers/batch.h): which provider speaks which batch API, its limits,
 * custom ids and states; building the lines, the create body, OpenAI's
 * multipart upload and every operation's URL from one online request.
 * Reading is in batch_read.c and the providers' own batch_*.c. Pure
 * functions: no I/O, no clock, no randomness (an upload's boundary comes from
 * its content, so a recorded upload replays byte for byte).
 */
#include "batch_int.h"

#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/jsonget.h"
#include "shipskip/util/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sk_batch_api sk_batch_api_of(const struct sk_provider *p) {
  if (p == NULL || p->name == NULL)
    return SK_BATCH_NONE;
  if (strcmp(p->name, "openai") == 0)
    return SK_BATCH_OPENAI;
  if (strcmp(p->name, "anthropic") == 0)
    return SK_BATCH_ANTHROPIC;
  if (strcmp(p->name, "gemini") == 0)
    return SK_BATCH_GEMINI;
  return SK_BATCH_NONE;
}

const char *sk_batch_api_name(enum sk_batch_api api) {
  switch (api) {
  case SK_BATCH_OPENAI:
    return "openai";
  case SK_BATCH_ANTHROPIC:
    return "anthropic";
  case SK_BATCH_GEMINI:
    return "gemini";
  default:
    return "none";
  }
}

const char *batch_api_title(enum sk_batch_api api) {
  switch (api) {
  case SK_BATCH_OPENAI:
    return "OpenAI";
  case SK_BATCH_ANTHROPIC:
    return "Anthropic";
  case SK_BATCH_GEMINI:
    return "Gemini";
  default:
    return "no batch API";
  }
}

void sk_batch_limits(enum sk_batch_api api, struct sk_batch_limits *out) {
  /* The documented sizes are in MB; counted in decimal megabytes we stay
   * under them whichever megabyte the provider means. */
  switch (api) {
  case SK_BATCH_OPENAI:
    out->max_requests = 50000;
    out->max_bytes = 200u * 1000u * 1000u;
    break;
  case SK_BATCH_ANTHROPIC:
    out->max_requests = 100000;
    out->max_bytes = 256u * 1000u * 1000u;
    break;
  case SK_BATCH_GEMINI:
    /* Inline requests: the whole create body must stay under 20 MB; the
     * docs give no count limit beyond what fits. */
    out->max_requests = 100000;
    out->max_bytes = 20u * 1000u * 1000u;
    break;
  default:
    out->max_requests = 0;
    out->max_bytes = 0;
    break;
  }
}

/* 1 when s is 1 to max of [A-Za-z0-9_-]. */
static int name_ok(const char *s, size_t max) {
  size_t n = 0;
  if (s == NULL)
    return 0;
  for (; s[n] != '\0'; n++) {
    unsigned char c = (unsigned char)s[n];
    if (n >= max)
      return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return 0;
  }
  return n > 0;
}

int sk_batch_custom_id_ok(const char *id) {
  return name_ok(id, 64);
}

static const char *const STATE_NAMES[] = {"pending", "running", "ended",
                                          "failed",  "expired", "canceling",
                                          "canceled"};

const char *sk_batch_state_name(enum sk_batch_state s) {
  if ((unsigned)s >= sizeof(STATE_NAMES) / sizeof(STATE_NAMES[0]))
    return "unknown";
  return STATE_NAMES[s];
}

int sk_batch_state_parse(const char *name, enum sk_batch_state *out) {
  size_t i;
  if (name == NULL)
    return SK_EINVAL;
  for (i = 0; i < sizeof(STATE_NAMES) / sizeof(STATE_NAMES[0]); i++) {
    if (strcmp(name, STATE_NAMES[i]) == 0) {
      *out = (enum sk_batch_state)i;
      return 0;
    }
  }
  return SK_EINVAL;
}

int sk_batch_state_final(enum sk_batch_state s) {
  return s == SK_BATCH_ENDED || s == SK_BATCH_FAILED || s == SK_BATCH_EXPIRED ||
         s == SK_BATCH_CANCELED;
}

/* ---- the online URL taken apart ---------------------------------------- */

/* An online request URL in parts: [0, path) is scheme and authority,
 * [path, query) the path, [query, end) the query with its '?' (empty when
 * there is none); a fragment is dropped. */
struct url_parts {
  const char *url;
  size_t path;
  size_t query;
  size_t end;
};

static int url_split(const char *url, struct url_parts *u) {
  const char *s = url != NULL ? strstr(url, "://") : NULL;
  size_t i;
  if (s == NULL || s == url)
    return -1;
  u->url = url;
  i = (size_t)(s - url) + 3;
  while (url[i] != '\0' && url[i] != '/' && url[i] != '?' && url[i] != '#')
    i++;
  u->path = i;
  while (url[i] != '\0' && url[i] != '?' && url[i] != '#')
    i++;
  u->query = i;
  while (url[i] != '\0' && url[i] != '#')
    i++;
  u->end = i;
  return 0;
}

/* A heap copy of url[a, b) followed by url[c, d). */
static char *url_cut(const char *url, size_t a, size_t b, size_t c, size_t d) {
  char *s = malloc(b - a + d - c + 1);
  if (s == NULL)
    return NULL;
  memcpy(s, url + a, b - a);
  memcpy(s + b - a, url + c, d - c);
  s[b - a + d - c] = '\0';
  return s;
}

static int ends_with(const char *s, size_t len, const char *suffix) {
  size_t n = strlen(suffix);
  return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* The batch API's base URL from an online request's: OpenAI's without
 * "/chat/completions", Anthropic's without "/messages", Gemini's without
 * "/models/NAME:generateContent" (or tunedModels/), each keeping the query
 * string. For Gemini *model (when not NULL) receives "models/NAME". */
static int sample_base(enum sk_batch_api api,
                       const struct sk_wire_request *sample, char **base,
                       char **model, struct sk_error *err) {
  struct url_parts u;
  const char *p;
  size_t plen;
  size_t cut = 0; /* the length of the base's path */
  int found = 0;

  *base = NULL;
  if (model != NULL)
    *model = NULL;
  if (sample == NULL || url_split(sample->url, &u) != 0)
    return sk_error_set(err, SK_EINVAL,
                        "batch: the sample request has no absolute URL");
  p = u.url + u.path;
  plen = u.query - u.path;
  if (api == SK_BATCH_OPENAI && ends_with(p, plen, "/chat/completions")) {
    cut = plen - strlen("/chat/completions");
    found = 1;
  } else if (api == SK_BATCH_ANTHROPIC && ends_with(p, plen, "/messages")) {
    cut = plen - strlen("/messages");
    found = 1;
  } else if (api == SK_BATCH_GEMINI && ends_with(p, plen, ":generateContent")) {
    /* The last two segments are "models/NAME:generateContent". */
    size_t i = plen;
    int seen = 0;
    while (i > 0 && seen < 2) {
      i--;
      if (p[i] == '/')
        seen++;
    }
    if (seen == 2 && (strncmp(p + i, "/models/", 8) == 0 ||
                      strncmp(p + i, "/tunedModels/", 13) == 0)) {
      cut = i;
      found = 1;
    }
  }
  if (!found)
    return sk_error_set(err, SK_EINVAL,
                        "batch: %s's online URL %.120s is not the chat "
                        "endpoint a batch is made of",
                        batch_api_title(api), sample->url);
  if (model != NULL) {
    *model = url_cut(p, cut + 1, plen - strlen(":generateContent"), 0, 0);
    if (*model == NULL)
      return SK_ENOMEM;
  }
  *base = url_cut(u.url, 0, u.path + cut, u.query, u.end);
  if (*base == NULL) {
    if (model != NULL) {
      free(*model);
      *model = NULL;
    }
    return SK_ENOMEM;
  }
  return 0;
}

/* ---- building ------------------------------------------------------------ */

/* Checks that body is one JSON object and nothing else. */
static int body_is_object(const char *body, size_t len) {
  const char *end = NULL;
  cJSON *root;
  int ok;
  if (body == NULL || len == 0)
    return 0;
  root = sk_json_parse(body, len, &end);
  ok = root != NULL && cJSON_IsObject(root);
  if (ok) {
    for (; end < body + len; end++) {
      if (*end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') {
        ok = 0;
        break;
      }
    }
  }
  cJSON_Delete(root);
  return ok;
}

/* The line of one request into tmp (see sk_batch_add_line). */
static int build_line(enum sk_batch_api api, const char *id,
                      const struct sk_wire_request *w, struct sk_buf *tmp,
                      struct sk_error *err) {
  struct url_parts u;
  char *path;
  int rc = 0;

  switch (api) {
  case SK_BATCH_OPENAI:
    if (url_split(w->url, &u) != 0)
      return sk_error_set(err, SK_EINVAL,
                          "batch: request %s has no absolute "
                          "URL",
                          id);
    /* One line of JSONL: a body pretty-printed over lines would split it. */
    if (memchr(w->body, '\n', w->body_len) != NULL ||
        memchr(w->body, '\r', w->body_len) != NULL)
      return sk_error_set(err, SK_EINVAL,
                          "batch: request %s's body spans "
                          "lines, which JSONL cannot hold",
                          id);
    SK_BUF_TRY(rc, sk_buf_printf(tmp,
                                 "{\"custom_id\":\"%s\",\"method\":"
                                 "\"POST\",\"url\":",
                                 id));
    path = strndup(w->url + u.path, u.end - u.path);
    if (path == NULL)
      return SK_ENOMEM;
    SK_BUF_TRY(rc, sk_json_put_str(path, tmp));
    free(path);
    SK_BUF_TRY(rc, sk_buf_adds(tmp, ",\"body\":"));
    SK_BUF_TRY(rc, sk_buf_add(tmp, w->body, w->body_len));
    SK_BUF_TRY(rc, sk_buf_adds(tmp, "}\n"));
    return rc;
  case SK_BATCH_ANTHROPIC:
    SK_BUF_TRY(rc, sk_buf_printf(tmp, "{\"custom_id\":\"%s\",\"params\":", id));
    SK_BUF_TRY(rc, sk_buf_add(tmp, w->body, w->body_len));
    SK_BUF_TRY(rc, sk_buf_adds(tmp, "},\n"));
    return rc;
  case SK_BATCH_GEMINI:
    SK_BUF_TRY(rc, sk_buf_adds(tmp, "{\"request\":"));
    SK_BUF_TRY(rc, sk_buf_add(tmp, w->body, w->body_len));
    SK_BUF_TRY(rc,
               sk_buf_printf(tmp, ",\"metadata\":{\"key\":\"%s\"}},\n", id));
    return rc;
  default:
    return sk_error_set(err, SK_EINVAL, "batch: the provider has no batch API");
  }
}

int sk_batch_add_line(enum sk_batch_api api, const char *id,
                      const struct sk_wire_request *w, struct sk_buf *out,
                      struct sk_error *err) {
  struct sk_buf tmp;
  int rc;

  if (!sk_batch_custom_id_ok(id))
    return sk_error_set(err, SK_EINVAL,
                        "batch: custom id \"%.80s\" is not 1 to 64 of "
                        "[A-Za-z0-9_-]",
                        id != NULL ? id : "(null)");
  if (w == NULL || !body_is_object(w->body, w->body_len))
    return sk_error_set(err, SK_EINVAL,
                        "batch: request %s's body is not a JSON object", id);
  /* Built apart and appended at once, so a failure leaves out as it was. */
  sk_buf_init(&tmp, out->cap);
  rc = build_line(api, id, w, &tmp, err);
  if (rc == 0)
    rc = sk_buf_add(out, tmp.data, tmp.len);
  sk_buf_cleanup(&tmp);
  if (rc == SK_ETOOBIG)
    return sk_error_set(err, rc,
                        "batch: request %s does not fit the batch's "
                        "%zu bytes",
                        id, out->cap);
  if (rc == SK_ENOMEM)
    return sk_error_set(err, rc, "batch: out of memory");
  return rc;
}

/* An id or reference that can stand as one path segment: 1 to 159 of RFC
 * 3986's unreserved characters, not "." or "..". */
static int segment_ok(const char *s) {
  size_t n;
  if (s == NULL)
    return 0;
  for (n = 0; s[n] != '\0'; n++) {
    unsigned char c = (unsigned char)s[n];
    if (n >= 159)
      return 0;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
          c == '~'))
      return 0;
  }
  return n > 0 && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Hands b's bytes over as *body / *body_len. */
static int take_body(struct sk_buf *b, char **body, size_t *body_len) {
  *body_len = b->len;
  *body = sk_buf_take(b);
  return *body == NULL ? SK_ENOMEM : 0;
}

/* The body of a create call into b. */
static int create_body(enum sk_batch_api api, const char *path_of_sample,
                       const char *label, const char *file_id,
                       const char *lines, size_t lines_len, struct sk_buf *b,
                       struct sk_error *err) {
  int rc = 0;
  if (api == SK_BATCH_OPENAI) {
    if (!segment_ok(file_id))
      return sk_error_set(err, SK_EINVAL,
                          "batch: file id \"%.80s\" is not "
                          "an id",
                          file_id != NULL ? file_id : "(null)");
    SK_BUF_TRY(rc, sk_buf_printf(
                       b, "{\"input_file_id\":\"%s\",\"endpoint\":", file_id));
    SK_BUF_TRY(rc, sk_json_put_str(path_of_sample, b));
    SK_BUF_TRY(rc, sk_buf_printf(b,
                                 ",\"completion_window\":\"24h\","
                                 "\"metadata\":{\"shipskip_batch\":\"%s\"}}",
                                 label));
    return rc;
  }
  /* The lines are array elements each followed by ",\n": the last one's
   * separator goes. */
  if (lines == NULL || lines_len < 3 || lines[lines_len - 2] != ',' ||
      lines[lines_len - 1] != '\n')
    return sk_error_set(err, SK_EINVAL,
                        "batch: no lines, or lines that "
                        "sk_batch_add_line did not make");
  if (api == SK_BATCH_ANTHROPIC)
    SK_BUF_TRY(rc, sk_buf_adds(b, "{\"requests\":["));
  else
    SK_BUF_TRY(rc, sk_buf_printf(b,
                                 "{\"batch\":{\"display_name\":\"%s\","
                                 "\"input_config\":{\"requests\":{"
                                 "\"requests\":[",
                                 label));
  SK_BUF_TRY(rc, sk_buf_add(b, lines, lines_len - 2));
  SK_BUF_TRY(rc, sk_buf_adds(b, api == SK_BATCH_ANTHROPIC ? "]}" : "]}}}}"));
  return rc;
}

int sk_batch_create_request(enum sk_batch_api api,
                            const struct sk_wire_request *sample,
                            const char *label, const char *file_id,
                            const char *lines, size_t lines_len, char **url,
                            char **body, size_t *body_len,
                            struct sk_error *err) {
  struct sk_buf b;
  struct url_parts u;
  char *base = NULL;
  char *model = NULL;
  char *path = NULL;
  int rc;

  *url = NULL;
  *body = NULL;
  *body_len = 0;
  sk_buf_init(&b, (size_t)-1 / 2);
  if (!name_ok(label, 64)) {
    rc = sk_error_set(err, SK_EINVAL,
                      "batch: label \"%.80s\" is not 1 to 64 "
                      "of [A-Za-z0-9_-]",
                      label != NULL ? label : "(null)");
    goto out;
  }
  rc = sample_base(api, sample, &base, api == SK_BATCH_GEMINI ? &model : NULL,
                   err);
  if (rc != 0)
    goto out;
  url_split(sample->url, &u);
  path = url_cut(sample->url, u.path, u.query, 0, 0);
  if (path == NULL) {
    rc = SK_ENOMEM;
    goto out;
  }
  rc = create_body(api, path, label, file_id, lines, lines_len, &b, err);
  if (rc != 0)
    goto out;
  if (api == SK_BATCH_OPENAI) {
    rc = sk_url_join(base, "/batches", NULL, 0, url);
  } else if (api == SK_BATCH_ANTHROPIC) {
    rc = sk_url_join(base, "/messages/batches", NULL, 0, url);
  } else {
    free(path);
    path = malloc(strlen(model) + sizeof("/:batchGenerateContent"));
    if (path == NULL) {
      rc = SK_ENOMEM;
      goto out;
    }
    sprintf(path, "/%s:batchGenerateContent", model);
    rc = sk_url_join(base, path, NULL, 0, url);
  }
  if (rc == 0)
    rc = take_body(&b, body, body_len);
out:
  if (rc != 0) {
    free(*url);
    *url = NULL;
  }
  if (rc == SK_ENOMEM)
    sk_error_set(err, rc, "batch: out of memory");
  sk_buf_cleanup(&b);
  free(base);
  free(model);
  free(path);
  return rc;
}

/* A boundary for a multipart body of content: "shipskip-" and 40 hex
 * digits of a digest of the content (and of the previous try, should the
 * content hold one), absent from it. Returns 0 or -1. */
static int pick_boundary(const char *content, size_t len, char out[64]) {
  char hex[65];
  int tries;
  sk_sha256_hex(content, len, hex);
  for (tries = 0; tries < 8; tries++) {
    size_t n;
    size_t i;
    int found = 0;
    snprintf(out, 64, "shipskip-%.40s", hex);
    n = strlen(out);
    for (i = 0; i + n <= len && !found; i++)
      found = content[i] == out[0] && memcmp(content + i, out, n) == 0;
    if (!found)
      return 0;
    sk_sha256_hex(hex, 64, hex);
  }
  return -1;
}

int sk_batch_upload_request(const struct sk_wire_request *sample,
                            const char *label, const char *lines,
                            size_t lines_len, char **url, char **body,
                            size_t *body_len, char content_type[128],
                            struct sk_error *err) {
  struct sk_buf b;
  char boundary[64];
  char *base = NULL;
  int rc = 0;

  *url = NULL;
  *body = NULL;
  *body_len = 0;
  content_type[0] = '\0';
  if (!name_ok(label, 64))
    return sk_error_set(err, SK_EINVAL,
                        "batch: label \"%.80s\" is not 1 to "
                        "64 of [A-Za-z0-9_-]",
                        label != NULL ? label : "(null)");
  if (lines == NULL || lines_len == 0)
    return sk_error_set(err, SK_EINVAL, "batch: nothing to upload");
  if (pick_boundary(lines, lines_len, boundary) != 0)
    return sk_error_set(err, SK_EINVAL,
                        "batch: no multipart boundary is "
                        "absent from the content");
  rc = sample_base(SK_BATCH_OPENAI, sample, &base, NULL, err);
  if (rc != 0)
    return rc;
  sk_buf_init(&b, (size_t)-1 / 2);
  SK_BUF_TRY(rc, sk_buf_printf(&b,
                               "--%s\r\nContent-Disposition: form-data; "
                               "name=\"purpose\"\r\n\r\nbatch\r\n",
                               boundary));
  SK_BUF_TRY(rc, sk_buf_printf(&b,
                               "--%s\r\nContent-Disposition: form-data; "
                               "name=\"file\"; filename=\"%s.jsonl\"\r\n"
                               "Content-Type: application/jsonl\r\n\r\n",
                               boundary, label));
  SK_BUF_TRY(rc, sk_buf_add(&b, lines, lines_len));
  SK_BUF_TRY(rc, sk_buf_printf(&b, "\r\n--%s--\r\n", boundary));
  SK_BUF_TRY(rc, sk_url_join(base, "/files", NULL, 0, url));
  SK_BUF_TRY(rc, take_body(&b, body, body_len));
  if (rc == 0) {
    snprintf(content_type, 128, "multipart/form-data; boundary=%s", boundary);
  } else {
    free(*url);
    *url = NULL;
    sk_error_set(err, rc, "batch: out of memory");
  }
  sk_buf_cleanup(&b);
  free(base);
  return rc;
}

/* ---- URLs of the other operations --------------------------------------- */

/* The origin of an absolute URL: lowercased scheme and host, and the port
 * (the scheme's default when none is given). A URL with user information
 * ("user@host"), without a host or with a port that is not one is refused:
 * returns -1. */
static int url_origin(const char *url, char scheme[16], char host[256],
                      long *port) {
  struct url_parts u;
  const char *a;
  const char *colon = NULL;
  const char *bracket;
  size_t n;
  size_t i;

  if (url_split(url, &u) != 0)
    return -1;
  n = (size_t)(strstr(url, "://") - url);
  if (n >= 16)
    return -1;
  for (i = 0; i < n; i++)
    scheme[i] = (char)((url[i] >= 'A' && url[i] <= 'Z') ? url[i] + 32 : url[i]);
  scheme[n] = '\0';
  a = url + n + 3;
  n = (size_t)(url + u.path - a);
  if (n == 0 || n >= 256 || memchr(a, '@', n) != NULL)
    return -1;
  /* The port's colon is the last one outside an IPv6 literal's "[...]". */
  bracket = memchr(a, ']', n);
  for (i = 0; i < n; i++) {
    host[i] = (char)((a[i] >= 'A' && a[i] <= 'Z') ? a[i] + 32 : a[i]);
    if (a[i] == ':' && (bracket == NULL || bracket < a + i))
      colon = a + i;
  }
  host[colon != NULL ? (size_t)(colon - a) : n] = '\0';
  *port = strcmp(scheme, "https") == 0  ? 443
          : strcmp(scheme, "http") == 0 ? 80
                                        : -1;
  if (colon != NULL) {
    const char *p = colon + 1;
    long v = 0;
    /* "host:" means the default port to some parsers and is refused by
     * others: a URL read two ways has no place in a check. */
    if (p == a + n)
      return -1;
    for (; p < a + n; p++) {
      if (*p < '0' || *p > '9' || v > 65535)
        return -1;
      v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > 65535)
      return -1;
    *port = v;
  }
  return host[0] != '\0' ? 0 : -1;
}

/* Anthropic's results_url, accepted only on the base URL's origin, with
 * the base's query (a gateway's parameters) appended when it has none. */
static int results_url(const char *base, const char *ref, char **url,
                       struct sk_error *err) {
  char s1[16], s2[16], h1[256], h2[256];
  long p1 = 0;
  long p2 = 0;
  const char *q;
  size_t i;

  for (i = 0; ref[i] != '\0'; i++) {
    unsigned char c = (unsigned char)ref[i];
    /* A backslash is a slash to WHATWG parsers and not to curl's. */
    if (c <= ' ' || c == 0x7f || c == '#' || c == '\\')
      return sk_error_set(err, SK_EINVAL,
                          "batch: results_url holds a character a URL "
                          "cannot hold");
  }
  if (url_origin(ref, s2, h2, &p2) != 0 || url_origin(base, s1, h1, &p1) != 0)
    return sk_error_set(err, SK_EINVAL,
                        "batch: results_url %.120s is not an absolute URL "
                        "with a host",
                        ref);
  if (strcmp(s1, s2) != 0 || strcmp(h1, h2) != 0 || p1 != p2 || p1 < 0)
    return sk_error_set(err, SK_EINVAL,
                        "batch: results_url %.120s is not on the provider's "
                        "own host (%s://%s:%ld), so the key is not sent there",
                        ref, s1, h1, p1);
  q = strchr(base, '?');
  if (strchr(ref, '?') != NULL || q == NULL || q[1] == '\0')
    q = "";
  *url = malloc(strlen(ref) + strlen(q) + 1);
  if (*url == NULL)
    return SK_ENOMEM;
  strcpy(*url, ref);
  strcat(*url, q);
  return 0;
}

/* Gemini's download URL of a responses file: the API version segment of
 * the base moves under /download ("https://h/v1beta" gives
 * "https://h/download/v1beta/files/x:download?alt=media"). */
static int gemini_download(const char *base, const char *ref, char **url) {
  static const char *const ALT[] = {"alt", "media"};
  struct url_parts u;
  char *root;
  char *path;
  size_t slash;
  int rc;

  if (url_split(base, &u) != 0)
    return SK_EINVAL;
  slash = u.query;
  while (slash > u.path && base[slash - 1] != '/')
    slash--;
  if (slash <= u.path || slash == u.query)
    return SK_EINVAL;
  root = url_cut(base, 0, slash - 1, u.query, u.end);
  path =
      malloc(u.query - slash + strlen(ref) + sizeof("/download///:download"));
  if (root == NULL || path == NULL) {
    free(root);
    free(path);
    return SK_ENOMEM;
  }
  sprintf(path, "/download/%.*s/%s:download", (int)(u.query - slash),
          base + slash, ref);
  rc = sk_url_join(root, path, ALT, 1, url);
  free(root);
  free(path);
  return rc;
}

/* Checks ref for an operation: one segment, or for Gemini a segment after
 * prefix. Returns the part to check's verdict. */
static int ref_ok(enum sk_batch_api api, const char *ref, const char *prefix) {
  if (ref == NULL)
    return 0;
  if (api == SK_BATCH_GEMINI) {
    size_t n = strlen(prefix);
    return strncmp(ref, prefix, n) == 0 && segment_ok(ref + n);
  }
  return segment_ok(ref);
}

/* The path of an operation on id (a checked segment). */
static int op_path(enum sk_batch_api api, enum sk_batch_url which,
                   const char *ref, struct sk_buf *p) {
  const char *coll =
      api == SK_BATCH_ANTHROPIC ? "/messages/batches" : "/batches";
  switch (which) {
  case SK_BATCH_URL_STATUS:
    return api == SK_BATCH_GEMINI ? sk_buf_printf(p, "/%s", ref)
                                  : sk_buf_printf(p, "%s/%s", coll, ref);
  case SK_BATCH_URL_CANCEL:
    return api == SK_BATCH_GEMINI ? sk_buf_printf(p, "/%s:cancel", ref)
                                  : sk_buf_printf(p, "%s/%s/cancel", coll, ref);
  case SK_BATCH_URL_LIST:
    return sk_buf_adds(p, coll);
  default: /* OpenAI's output and error files */
    return sk_buf_printf(p, "/files/%s/content", ref);
  }
}

int sk_batch_url(enum sk_batch_api api, enum sk_batch_url which,
                 const struct sk_wire_request *sample, const char *ref,
                 char **url, struct sk_error *err) {
  static const char *const LIMIT[] = {"limit", "100"};
  static const char *const PAGE[] = {"pageSize", "100"};
  struct sk_buf p;
  char *base = NULL;
  const char *prefix = which == SK_BATCH_URL_RESULTS ? "files/" : "batches/";
  int rc;

  *url = NULL;
  if (api == SK_BATCH_NONE || (unsigned)which > SK_BATCH_URL_ERRORS ||
      (which == SK_BATCH_URL_ERRORS && api != SK_BATCH_OPENAI))
    return sk_error_set(err, SK_EINVAL, "batch: %s has no such operation",
                        batch_api_title(api));
  if (which != SK_BATCH_URL_LIST &&
      !(which == SK_BATCH_URL_RESULTS && api == SK_BATCH_ANTHROPIC) &&
      !ref_ok(api, ref, prefix))
    return sk_error_set(err, SK_EINVAL, "batch: \"%.80s\" is not a %s %s id",
                        ref != NULL ? ref : "(null)", batch_api_title(api),
                        which >= SK_BATCH_URL_RESULTS ? "file" : "batch");
  if (which == SK_BATCH_URL_RESULTS && api == SK_BATCH_ANTHROPIC &&
      (ref == NULL || ref[0] == '\0'))
    return sk_error_set(err, SK_EINVAL, "batch: no results_url");
  rc = sample_base(api, sample, &base, NULL, err);
  if (rc != 0)
    return rc;
  sk_buf_init(&p, 4096);
  if (which == SK_BATCH_URL_RESULTS && api == SK_BATCH_ANTHROPIC) {
    rc = results_url(base, ref, url, err);
  } else if (which == SK_BATCH_URL_RESULTS && api == SK_BATCH_GEMINI) {
    rc = gemini_download(base, ref, url);
    if (rc == SK_EINVAL)
      sk_error_set(err, rc,
                   "batch: Gemini's base URL has no API version "
                   "to download from");
  } else {
    rc = op_path(api, which, ref, &p);
    if (rc == 0 && which == SK_BATCH_URL_LIST)
      rc = sk_url_join(base, sk_buf_str(&p),
                       api == SK_BATCH_GEMINI ? PAGE : LIMIT, 1, url);
    else if (rc == 0)
      rc = sk_url_join(base, sk_buf_str(&p), NULL, 0, url);
  }
  if (rc == SK_ENOMEM)
    sk_error_set(err, rc, "batch: out of memory");
  sk_buf_cleanup(&p);
  free(base);
  return rc;
}
