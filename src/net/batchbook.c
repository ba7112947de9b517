/* batchbook.c: OUTDIR/batches.jsonl, the write-ahead log of a run's
 * provider batches (see batchbook.h).
 *
 * The book is small next to the journal (a line per step of a batch, not
 * per review), so every line is fsync'd before the remote step it
 * announces: the one thing it must never lose is that a batch was, or may
 * have been, created, since that is what stops a request from being paid
 * for twice.
 */
#include "shipskip/net/batchbook.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BOOK_NAME "batches.jsonl"
#define BOOK_CAP ((size_t)1 << 31) /* 2 GB: ids of millions of requests */

static const char *const step_names[] = {"sealed",   "uploading", "uploaded",
                                         "creating", "created",   "collected",
                                         "dropped"};

const char *sk_bstep_name(enum sk_bstep s) {
  return (size_t)s < sizeof(step_names) / sizeof(step_names[0]) ? step_names[s]
                                                                : "?";
}

/* The API sk_batch_api_name() calls name, or SK_BATCH_NONE. */
static enum sk_batch_api api_parse(const char *name) {
  enum sk_batch_api a;
  for (a = SK_BATCH_OPENAI; name != NULL && a <= SK_BATCH_GEMINI; a++)
    if (strcmp(name, sk_batch_api_name(a)) == 0)
      return a;
  return SK_BATCH_NONE;
}

static int step_parse(const char *s, enum sk_bstep *out) {
  size_t i;
  for (i = 0; s != NULL && i < sizeof(step_names) / sizeof(step_names[0]); i++)
    if (strcmp(s, step_names[i]) == 0) {
      *out = (enum sk_bstep)i;
      return 0;
    }
  return SK_EINVAL;
}

int sk_bbatch_pending(const struct sk_bbatch *b) {
  if (b->replaced_by[0] != '\0')
    return 0;
  if (b->step == SK_BSTEP_CREATING)
    return 1; /* may exist: it must be looked for */
  return b->step == SK_BSTEP_CREATED && !sk_batch_state_final(b->st.state);
}

void sk_bbatch_free(struct sk_bbatch *b) {
  size_t i;
  if (b == NULL)
    return;
  for (i = 0; i < b->nreq; i++) {
    free(b->req[i].id);
    free(b->req[i].tool);
    free(b->req[i].persona);
  }
  free(b->req);
  free(b);
}

/* ---- reading --------------------------------------------------------------
 */

static void copy_str(char *dst, size_t size, const cJSON *v) {
  const char *s = sk_json_strval(v);
  snprintf(dst, size, "%s", s != NULL ? s : "");
}

static long count_of(const cJSON *counts, const char *name) {
  long long v;
  if (sk_json_int(cJSON_GetObjectItemCaseSensitive(counts, name), -1,
                  (long long)1 << 40, &v))
    return (long)v;
  return -1;
}

/* The "requests" of a sealed line: [[id, tool, persona, attempt], ...]. */
static int parse_requests(const cJSON *arr, struct sk_bbatch *b,
                          struct sk_error *err) {
  const cJSON *it;
  size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
  if (!cJSON_IsArray(arr) || n == 0)
    return sk_error_set(err, SK_EPARSE, "a sealed batch without requests");
  b->req = calloc(n, sizeof(*b->req));
  if (b->req == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  cJSON_ArrayForEach(it, arr) {
    const char *id = sk_json_strval(cJSON_GetArrayItem(it, 0));
    const char *tool = sk_json_strval(cJSON_GetArrayItem(it, 1));
    const char *persona = sk_json_strval(cJSON_GetArrayItem(it, 2));
    long long attempt;
    if (id == NULL || !sk_batch_custom_id_ok(id) || tool == NULL ||
        persona == NULL ||
        !sk_json_int(cJSON_GetArrayItem(it, 3), 1, 1000, &attempt))
      return sk_error_set(err, SK_EPARSE,
                          "request %zu is not [id, tool, "
                          "persona, attempt]",
                          i + 1);
    b->req[i].id = strdup(id);
    b->req[i].tool = strdup(tool);
    b->req[i].persona = strdup(persona);
    b->req[i].attempt = (int)attempt;
    b->nreq = ++i;
    if (b->req[i - 1].id == NULL || b->req[i - 1].tool == NULL ||
        b->req[i - 1].persona == NULL)
      return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  return 0;
}

static int parse_state(const cJSON *root, struct sk_bbatch *b,
                       struct sk_error *err) {
  const cJSON *counts = cJSON_GetObjectItemCaseSensitive(root, "counts");
  const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
  const cJSON *it;
  long long v;

  if (step_parse(sk_json_strval(cJSON_GetObjectItemCaseSensitive(root, "step")),
                 &b->step) != 0)
    return sk_error_set(err, SK_EPARSE, "no known \"step\"");
  copy_str(b->file, sizeof(b->file),
           cJSON_GetObjectItemCaseSensitive(root, "file"));
  copy_str(b->id, sizeof(b->id), cJSON_GetObjectItemCaseSensitive(root, "id"));
  copy_str(b->st.remote_state, sizeof(b->st.remote_state),
           cJSON_GetObjectItemCaseSensitive(root, "remote_state"));
  copy_str(b->st.reason, sizeof(b->st.reason),
           cJSON_GetObjectItemCaseSensitive(root, "reason"));
  copy_str(b->replaced_by, sizeof(b->replaced_by),
           cJSON_GetObjectItemCaseSensitive(root, "replaced_by"));
  if (sk_batch_state_parse(
          sk_json_strval(cJSON_GetObjectItemCaseSensitive(root, "state")),
          &b->st.state) != 0)
    b->st.state = SK_BATCH_PENDING;
  b->st.total = count_of(counts, "total");
  b->st.succeeded = count_of(counts, "succeeded");
  b->st.errored = count_of(counts, "errored");
  b->st.expired = count_of(counts, "expired");
  b->st.canceled = count_of(counts, "canceled");
  b->at = sk_json_int(cJSON_GetObjectItemCaseSensitive(root, "at"), 0,
                      (long long)1 << 40, &v)
              ? v
              : 0;
  b->resubmits =
      sk_json_int(cJSON_GetObjectItemCaseSensitive(root, "resubmits"), 0, 100,
                  &v)
          ? (int)v
          : 0;
  b->nresults = 0;
  cJSON_ArrayForEach(it, results) {
    const char *s = sk_json_strval(it);
    if (b->nresults >= SK_BATCH_MAX_RESULTS || s == NULL || s[0] == '\0' ||
        strchr(s, '/') != NULL || s[0] == '.' || strlen(s) >= 64)
      return sk_error_set(err, SK_EPARSE, "a bad \"results\" file name");
    snprintf(b->results[b->nresults++], 64, "%s", s);
  }
  return 0;
}

int sk_batchbook_parse_line(const char *line, size_t len, char name[16],
                            struct sk_bbatch *b, int *is_sealed,
                            struct sk_error *err) {
  cJSON *root = sk_json_parse(line, len, NULL);
  const char *s;
  int rc = 0;
  long long v;

  *is_sealed = 0;
  if (root == NULL || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return sk_error_set(err, SK_EPARSE, "not a JSON object");
  }
  s = sk_json_strval(cJSON_GetObjectItemCaseSensitive(root, "batch"));
  if (s == NULL || s[0] != 'b' || strlen(s) >= 16 ||
      !sk_json_int(cJSON_GetObjectItemCaseSensitive(root, "v"), 1, 1, &v)) {
    cJSON_Delete(root);
    return sk_error_set(err, SK_EPARSE, "no \"v\":1 and \"batch\" name");
  }
  snprintf(name, 16, "%s", s);
  snprintf(b->name, sizeof(b->name), "%s", s);
  b->num = (unsigned)strtoul(s + 1, NULL, 10);
  rc = parse_state(root, b, err);
  if (rc == 0 && b->step == SK_BSTEP_SEALED) {
    const char *api =
        sk_json_strval(cJSON_GetObjectItemCaseSensitive(root, "api"));
    *is_sealed = 1;
    copy_str(b->provider, sizeof(b->provider),
             cJSON_GetObjectItemCaseSensitive(root, "provider"));
    copy_str(b->label, sizeof(b->label),
             cJSON_GetObjectItemCaseSensitive(root, "label"));
    b->api = api_parse(api);
    b->round = sk_json_int(cJSON_GetObjectItemCaseSensitive(root, "round"), 1,
                           1000, &v)
                   ? (int)v
                   : 1;
    b->bytes = sk_json_int(cJSON_GetObjectItemCaseSensitive(root, "bytes"), 0,
                           (long long)1 << 40, &v)
                   ? (size_t)v
                   : 0;
    if (b->api == SK_BATCH_NONE || b->provider[0] == '\0')
      rc = sk_error_set(err, SK_EPARSE,
                        "a sealed batch without its api "
                        "and provider");
    else
      rc = parse_requests(cJSON_GetObjectItemCaseSensitive(root, "requests"), b,
                          err);
  }
  cJSON_Delete(root);
  return rc;
}

static struct sk_bbatch *by_name(const struct sk_batchbook *bk,
                                 const char *name) {
  size_t i;
  for (i = bk->n; i-- > 0;)
    if (strcmp(bk->b[i]->name, name) == 0)
      return bk->b[i];
  return NULL;
}

static int push(struct sk_batchbook *bk, struct sk_bbatch *b) {
  if (bk->n == bk->cap) {
    size_t cap = bk->cap ? bk->cap * 2 : 16;
    struct sk_bbatch **nb = realloc(bk->b, cap * sizeof(*nb));
    if (nb == NULL)
      return SK_ENOMEM;
    bk->b = nb;
    bk->cap = cap;
  }
  bk->b[bk->n++] = b;
  return 0;
}

int sk_batchbook_index(struct sk_batchbook *bk, struct sk_bbatch *b) {
  size_t i;
  for (i = 0; i < b->nreq; i++) {
    int added;
    struct sk_strmap_slot *s = sk_strmap_put(&bk->ids, b->req[i].id, &added);
    if (s == NULL)
      return SK_ENOMEM;
    s->value = b;
  }
  return 0;
}

/* Applies a state line to the batch it names. */
static int apply_state(struct sk_batchbook *bk, const char *name,
                       const struct sk_bbatch *line, struct sk_error *err) {
  struct sk_bbatch *b = by_name(bk, name);
  if (b == NULL)
    return sk_error_set(err, SK_EPARSE, "batch %s was never sealed", name);
  b->step = line->step;
  memcpy(b->file, line->file, sizeof(b->file));
  memcpy(b->id, line->id, sizeof(b->id));
  b->st = line->st;
  b->at = line->at;
  memcpy(b->results, line->results, sizeof(b->results));
  b->nresults = line->nresults;
  b->resubmits = line->resubmits;
  memcpy(b->replaced_by, line->replaced_by, sizeof(b->replaced_by));
  return 0;
}

/* Reads one line into the book. */
static int read_line(struct sk_batchbook *bk, const char *line, size_t len,
                     struct sk_error *err) {
  struct sk_bbatch *b = calloc(1, sizeof(*b));
  char name[16];
  int sealed;
  int rc;
  if (b == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rc = sk_batchbook_parse_line(line, len, name, b, &sealed, err);
  if (rc == 0 && sealed) {
    if (by_name(bk, name) != NULL)
      rc = sk_error_set(err, SK_EPARSE, "batch %s sealed twice", name);
    else if (push(bk, b) != 0)
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    else
      return 0;
  } else if (rc == 0) {
    rc = apply_state(bk, name, b, err);
  }
  sk_bbatch_free(b);
  return rc;
}

/* Reads text (the whole book) into bk; *keep receives the length of the
 * good lines (a torn last line is not counted). */
static int read_all(struct sk_batchbook *bk, const char *text, size_t len,
                    size_t *keep, struct sk_error *err) {
  size_t off = 0;
  long lineno = 0;
  *keep = 0;
  while (off < len) {
    const char *nl = memchr(text + off, '\n', len - off);
    size_t n;
    lineno++;
    if (nl == NULL)
      return 0; /* torn: written by a run killed mid-line */
    n = (size_t)(nl - (text + off));
    if (n > 0) {
      struct sk_error lerr;
      int rc;
      sk_error_clear(&lerr);
      rc = read_line(bk, text + off, n, &lerr);
      if (rc != 0)
        return sk_error_set(err, rc, "%s:%ld: %s", bk->path, lineno, lerr.msg);
    }
    off += n + 1;
    *keep = off;
  }
  return 0;
}

static int reindex(struct sk_batchbook *bk) {
  size_t i;
  for (i = 0; i < bk->n; i++)
    if (bk->b[i]->step != SK_BSTEP_DROPPED &&
        bk->b[i]->replaced_by[0] == '\0' &&
        sk_batchbook_index(bk, bk->b[i]) != 0)
      return SK_ENOMEM;
  return 0;
}

static struct sk_batchbook *book_new(const char *outdir) {
  struct sk_batchbook *bk = calloc(1, sizeof(*bk));
  if (bk == NULL)
    return NULL;
  bk->fd = -1;
  sk_strmap_init(&bk->ids);
  bk->path = sk_path_join_dup(outdir, BOOK_NAME);
  bk->dir = sk_path_join_dup(outdir, "batches");
  if (bk->path == NULL || bk->dir == NULL) {
    sk_batchbook_close(bk);
    return NULL;
  }
  return bk;
}

/* Loads the book at bk->path, if any; *keep as read_all. */
static int load(struct sk_batchbook *bk, size_t *keep, struct sk_error *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = sk_fs_read_file(bk->path, BOOK_CAP, &text, &len, err);
  *keep = 0;
  if (rc != 0)
    return rc;
  if (memchr(text, '\0', len) != NULL)
    rc = sk_error_set(err, SK_EPARSE, "%s: holds a NUL byte", bk->path);
  else
    rc = read_all(bk, text, len, keep, err);
  free(text);
  if (rc == 0 && reindex(bk) != 0)
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
  return rc;
}

int sk_batchbook_read(const char *outdir, struct sk_batchbook **out,
                      struct sk_error *err) {
  struct sk_batchbook *bk = book_new(outdir);
  size_t keep;
  int rc;
  *out = NULL;
  if (bk == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rc = load(bk, &keep, err);
  if (rc != 0) {
    sk_batchbook_close(bk);
    return rc;
  }
  *out = bk;
  return 0;
}

static size_t pending_count(const struct sk_batchbook *bk) {
  size_t i, n = 0;
  for (i = 0; i < bk->n; i++)
    n += sk_bbatch_pending(bk->b[i]) ? 1 : 0;
  return n;
}

/* A fresh run: an ended book moves aside; one with batches still at the
 * provider is refused. */
static int set_aside(struct sk_batchbook *bk, struct sk_error *err) {
  size_t keep, pending;
  char old[4200];
  int rc = load(bk, &keep, err);
  if (rc == SK_ENOENT)
    return 0;
  if (rc != 0)
    return rc;
  pending = pending_count(bk);
  if (pending > 0)
    return sk_error_set(
        err, SK_ECONFIG,
        "%s: %zu batch%s still at the provider from an earlier run; collect "
        "them with --resume, or cancel them with `shipskip batch cancel "
        "OUTDIR` first",
        bk->path, pending, pending == 1 ? " is" : "es are");
  snprintf(old, sizeof(old), "%s.old", bk->path);
  if (rename(bk->path, old) != 0)
    return sk_error_set(err, SK_EIO, "%s: cannot move aside: %s", bk->path,
                        strerror(errno));
  while (bk->n > 0)
    sk_bbatch_free(bk->b[--bk->n]);
  sk_strmap_cleanup(&bk->ids, NULL);
  sk_strmap_init(&bk->ids);
  return 0;
}

int sk_batchbook_open(const char *outdir, int resume, struct sk_batchbook **out,
                      struct sk_error *err) {
  struct sk_batchbook *bk = book_new(outdir);
  size_t keep = 0;
  int rc;

  *out = NULL;
  if (bk == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  rc = resume ? load(bk, &keep, err) : set_aside(bk, err);
  if (rc == SK_ENOENT)
    rc = 0;
  if (rc == 0)
    rc = sk_fs_mkdirs(bk->dir, err);
  if (rc == 0) {
    bk->fd = open(bk->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (bk->fd < 0)
      rc = sk_error_set(err, SK_EIO, "%s: %s", bk->path, strerror(errno));
    /* Cut a torn last line off so new lines start clean. */
    else if (ftruncate(bk->fd, (off_t)keep) != 0 ||
             lseek(bk->fd, 0, SEEK_END) < 0)
      rc = sk_error_set(err, SK_EIO, "%s: %s", bk->path, strerror(errno));
  }
  if (rc != 0) {
    sk_batchbook_close(bk);
    return rc;
  }
  *out = bk;
  return 0;
}

void sk_batchbook_close(struct sk_batchbook *bk) {
  if (bk == NULL)
    return;
  if (bk->fd >= 0)
    close(bk->fd);
  while (bk->n > 0)
    sk_bbatch_free(bk->b[--bk->n]);
  free(bk->b);
  sk_strmap_cleanup(&bk->ids, NULL);
  free(bk->path);
  free(bk->dir);
  free(bk);
}

struct sk_bbatch *sk_batchbook_find(const struct sk_batchbook *bk,
                                    const char *id) {
  struct sk_strmap_slot *s = sk_strmap_find(&bk->ids, id);
  struct sk_bbatch *b = s != NULL ? s->value : NULL;
  if (b == NULL || b->step == SK_BSTEP_DROPPED || b->replaced_by[0] != '\0')
    return NULL;
  return b;
}

/* ---- writing --------------------------------------------------------------
 */

/* Writes line (with its newline) and fsyncs; on failure the book is cut
 * back to where it was. */
static int append(struct sk_batchbook *bk, const char *line, size_t len,
                  struct sk_error *err) {
  off_t at = lseek(bk->fd, 0, SEEK_END);
  size_t done = 0;
  if (at < 0)
    return sk_error_set(err, SK_EIO, "%s: %s", bk->path, strerror(errno));
  while (done < len) {
    ssize_t w = write(bk->fd, line + done, len - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int e = w < 0 ? errno : ENOSPC;
      if (ftruncate(bk->fd, at) != 0) {
        /* Nothing more can be done: the reader ignores a torn line. */
      }
      return sk_error_set(err, SK_EIO, "%s: cannot write: %s", bk->path,
                          strerror(e));
    }
    done += (size_t)w;
  }
  if (fdatasync(bk->fd) != 0)
    return sk_error_set(err, SK_EIO, "%s: cannot sync: %s", bk->path,
                        strerror(errno));
  return 0;
}

static cJSON *state_json(const struct sk_bbatch *b) {
  cJSON *o = cJSON_CreateObject();
  cJSON *c = cJSON_AddObjectToObject(o, "counts");
  cJSON *r = cJSON_AddArrayToObject(o, "results");
  int i;
  if (o == NULL || c == NULL || r == NULL) {
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_AddNumberToObject(o, "v", 1);
  cJSON_AddStringToObject(o, "batch", b->name);
  cJSON_AddStringToObject(o, "step", sk_bstep_name(b->step));
  cJSON_AddStringToObject(o, "id", b->id);
  cJSON_AddStringToObject(o, "file", b->file);
  cJSON_AddStringToObject(o, "state", sk_batch_state_name(b->st.state));
  cJSON_AddStringToObject(o, "remote_state", b->st.remote_state);
  cJSON_AddNumberToObject(c, "total", (double)b->st.total);
  cJSON_AddNumberToObject(c, "succeeded", (double)b->st.succeeded);
  cJSON_AddNumberToObject(c, "errored", (double)b->st.errored);
  cJSON_AddNumberToObject(c, "expired", (double)b->st.expired);
  cJSON_AddNumberToObject(c, "canceled", (double)b->st.canceled);
  cJSON_AddStringToObject(o, "reason", b->st.reason);
  cJSON_AddNumberToObject(o, "at", (double)b->at);
  for (i = 0; i < b->nresults; i++)
    cJSON_AddItemToArray(r, cJSON_CreateString(b->results[i]));
  cJSON_AddNumberToObject(o, "resubmits", b->resubmits);
  cJSON_AddStringToObject(o, "replaced_by", b->replaced_by);
  return o;
}

static int write_json(struct sk_batchbook *bk, cJSON *o, struct sk_error *err) {
  char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
  size_t len;
  int rc;
  cJSON_Delete(o);
  if (s == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  len = strlen(s);
  s[len] = '\n'; /* cJSON's NUL becomes the newline; len + 1 bytes written */
  rc = append(bk, s, len + 1, err);
  cJSON_free(s);
  return rc;
}

int sk_batchbook_save(struct sk_batchbook *bk, struct sk_bbatch *b,
                      struct sk_error *err) {
  return write_json(bk, state_json(b), err);
}

static cJSON *sealed_json(const struct sk_bbatch *b) {
  cJSON *o = cJSON_CreateObject();
  cJSON *reqs = cJSON_AddArrayToObject(o, "requests");
  size_t i;
  if (o == NULL || reqs == NULL) {
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_AddNumberToObject(o, "v", 1);
  cJSON_AddStringToObject(o, "batch", b->name);
  cJSON_AddStringToObject(o, "step", "sealed");
  cJSON_AddStringToObject(o, "provider", b->provider);
  cJSON_AddStringToObject(o, "api", sk_batch_api_name(b->api));
  cJSON_AddStringToObject(o, "label", b->label);
  cJSON_AddNumberToObject(o, "round", b->round);
  cJSON_AddNumberToObject(o, "bytes", (double)b->bytes);
  cJSON_AddNumberToObject(o, "resubmits", b->resubmits);
  for (i = 0; i < b->nreq; i++) {
    cJSON *r = cJSON_CreateArray();
    if (r == NULL) {
      cJSON_Delete(o);
      return NULL;
    }
    cJSON_AddItemToArray(r, cJSON_CreateString(b->req[i].id));
    cJSON_AddItemToArray(r, cJSON_CreateString(b->req[i].tool));
    cJSON_AddItemToArray(r, cJSON_CreateString(b->req[i].persona));
    cJSON_AddItemToArray(r, cJSON_CreateNumber(b->req[i].attempt));
    cJSON_AddItemToArray(reqs, r);
  }
  return o;
}

static int copy_requests(struct sk_bbatch *b, const struct sk_brequest *req,
                         size_t n) {
  size_t i;
  b->req = calloc(n ? n : 1, sizeof(*b->req));
  if (b->req == NULL)
    return SK_ENOMEM;
  for (i = 0; i < n; i++) {
    b->req[i].id = strdup(req[i].id);
    b->req[i].tool = strdup(req[i].tool);
    b->req[i].persona = strdup(req[i].persona);
    b->req[i].attempt = req[i].attempt;
    b->nreq = i + 1;
    if (b->req[i].id == NULL || b->req[i].tool == NULL ||
        b->req[i].persona == NULL)
      return SK_ENOMEM;
  }
  return 0;
}

int sk_batchbook_seal(struct sk_batchbook *bk, const char *provider,
                      enum sk_batch_api api, const char *label, int round,
                      int resubmits, size_t bytes,
                      const struct sk_brequest *req, size_t n,
                      struct sk_bbatch **out, struct sk_error *err) {
  struct sk_bbatch *b = calloc(1, sizeof(*b));
  unsigned num = bk->n > 0 ? bk->b[bk->n - 1]->num + 1 : 1;
  int rc;

  *out = NULL;
  if (b == NULL || copy_requests(b, req, n) != 0) {
    sk_bbatch_free(b);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  b->num = num;
  snprintf(b->name, sizeof(b->name), "b%u", num);
  snprintf(b->provider, sizeof(b->provider), "%s", provider);
  snprintf(b->label, sizeof(b->label), "%s", label);
  b->api = api;
  b->round = round;
  b->resubmits = resubmits;
  b->bytes = bytes;
  b->step = SK_BSTEP_SEALED;
  b->st.total = (long)n;
  b->st.succeeded = b->st.errored = b->st.expired = b->st.canceled = -1;
  rc = write_json(bk, sealed_json(b), err);
  if (rc == 0 && push(bk, b) != 0)
    rc = sk_error_set(err, SK_ENOMEM, "out of memory");
  if (rc != 0) {
    sk_bbatch_free(b);
    return rc;
  }
  *out = b;
  return 0;
}
