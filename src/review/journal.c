/* journal.c: the append-only review journal (see journal.h). A line is the
 * tool's slug and one review; the review part is written and read by the
 * review codec (model/review.h), so a journaled review passes the same
 * checks as a review in a scorecard. */
#include "shipskip/review/journal.h"
#include "shipskip/model/review.h"
#include "shipskip/util/jsonfmt.h"
#include "shipskip/util/list.h"
#include "shipskip/util/strmap.h"
#include "shipskip/util/jsonget.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define JOURNAL_NAME "journal.jsonl"
#define LINE_CAP (8 * 1024 * 1024)

/* Where a journaled review's line is, and what it was made from. */
struct entry {
  off_t off;
  size_t len;
  char inputs[65];
};

struct sk_journal {
  int fd;
  char *path;
  struct sk_strmap index; /* "slug\npersona" -> struct entry */
  unsigned long entries;
  int deferred;       /* appends leave the fsync to sk_journal_sync() */
  struct sk_buf line; /* the line being appended, reused */
  /* end and synced are read by a sync on another thread: mu guards them
   * and the synced log. */
  uv_mutex_t mu;
  uint64_t end;    /* bytes written (whole lines) */
  uint64_t synced; /* bytes a completed fsync covered */
  int synced_log;  /* SHIPSKIP_DEBUG_SYNCED_LOG, or -1 */
  /* Group commit, on the loop thread only. */
  struct group {
    uv_timer_t timer;
    uv_work_t work;
    int on;      /* the timer is open (not closing) */
    int syncing; /* a fsync is on the thread pool */
    unsigned window_ms;
    unsigned max_lines;
    unsigned waiting; /* lines appended since the last sync began */
    sk_journal_fail_cb fail;
    void *ctx;
    int rc; /* the pool's fsync: result, and its message */
    struct sk_error err;
  } g;
};

static char *make_key(const char *slug, const char *persona) {
  size_t a = strlen(slug);
  size_t b = strlen(persona);
  char *k = malloc(a + b + 2);
  if (k == NULL)
    return NULL;
  memcpy(k, slug, a);
  k[a] = '\n';
  memcpy(k + a + 1, persona, b + 1);
  return k;
}

/* Records where (a later line replaces an earlier one); frees key. */
static int index_put(struct sk_journal *j, char *key, off_t off, size_t len,
                     const char *inputs) {
  int added;
  struct sk_strmap_slot *slot = sk_strmap_put(&j->index, key, &added);
  struct entry *e;
  free(key);
  if (slot == NULL)
    return SK_ENOMEM;
  e = slot->value;
  if (e == NULL) {
    e = malloc(sizeof(*e));
    if (e == NULL)
      return SK_ENOMEM;
    slot->value = e;
  }
  e->off = off;
  e->len = len;
  memcpy(e->inputs, inputs, 65);
  return 0;
}

int sk_journal_parse_line(const char *line, size_t len, char **slug,
                          char **persona_name, char inputs[65],
                          struct sk_review *r) {
  cJSON *root = sk_json_parse(line, len, NULL);
  struct sk_persona p;
  int rc;

  memset(&p, 0, sizeof(p));
  memset(r, 0, sizeof(*r));
  *slug = NULL;
  *persona_name = NULL;
  if (root == NULL)
    return SK_EPARSE;
  /* The line is the line's "tool" and a review in the journal layout,
   * read by the review codec with the checks a scorecard's reviews get. */
  rc = sk_review_get_str(root, "tool", 1, "journal", "tool", slug, NULL);
  if (rc == 0)
    rc = sk_review_from_json(root, SK_REVIEW_IN_JOURNAL, "journal", "line", &p,
                             r, NULL);
  cJSON_Delete(root);
  free(p.display_name);
  if (rc != 0) {
    sk_review_cleanup(r);
    free(p.name);
    free(*slug);
    *slug = NULL;
    return rc == SK_ENOMEM ? SK_ENOMEM : SK_EPARSE;
  }
  r->persona = NULL;
  *persona_name = p.name;
  memcpy(inputs, r->inputs, 65);
  return 0;
}

/* Tells warn of a problem at line lineno of j's file. */
static void warn_line(const struct sk_journal *j, sk_journal_warn_cb warn,
                      void *ctx, size_t lineno, const char *what) {
  char msg[4096 + 128];
  if (warn == NULL)
    return;
  snprintf(msg, sizeof(msg), "%s:%zu: %s", j->path, lineno, what);
  warn(ctx, msg);
}

/* Reads the journal into the index; cuts a torn last line off. */
static int load(struct sk_journal *j, sk_journal_warn_cb warn, void *warn_ctx,
                struct sk_error *err) {
  FILE *f = fopen(j->path, "rb");
  char *line = NULL;
  size_t cap = 0;
  off_t off = 0;
  size_t lineno = 0;
  int rc = 0;

  if (f == NULL)
    return errno == ENOENT ? 0
                           : sk_error_set(err, SK_EIO, "%s: cannot read: %s",
                                          j->path, strerror(errno));
  for (;;) {
    ssize_t n = getline(&line, &cap, f);
    char *slug = NULL;
    char *persona = NULL;
    char inputs[65];
    struct sk_review r;
    if (n < 0)
      break;
    lineno++;
    if (line[n - 1] != '\n') {
      /* A crash mid-write leaves a last line without its newline. It was
       * never fsync'd as done, so it is not a review: drop it. */
      warn_line(j, warn, warn_ctx, lineno,
                "torn last line (an interrupted write) ignored");
      if (truncate(j->path, off) != 0) {
        rc = sk_error_set(err, SK_EIO, "%s: cannot cut the torn line: %s",
                          j->path, strerror(errno));
        goto out;
      }
      break;
    }
    if (sk_journal_parse_line(line, (size_t)n, &slug, &persona, inputs, &r) ==
        0) {
      char *key = make_key(slug, persona);
      if (key == NULL || index_put(j, key, off, (size_t)n, inputs) != 0) {
        free(slug);
        free(persona);
        sk_review_cleanup(&r);
        rc = sk_error_set(err, SK_ENOMEM, "out of memory");
        goto out;
      }
      j->entries++;
      free(slug);
      free(persona);
      sk_review_cleanup(&r);
    } else if (!(n == 1 && line[0] == '\n')) {
      warn_line(j, warn, warn_ctx, lineno, "unreadable journal line ignored");
    }
    off += (off_t)n;
  }
  if (ferror(f))
    rc = sk_error_set(err, SK_EIO, "%s: read error", j->path);
out:
  free(line);
  fclose(f);
  return rc;
}

/* Records that the first target bytes are on disk. */
static void mark_synced(struct sk_journal *j, uint64_t target) {
  uv_mutex_lock(&j->mu);
  if (target > j->synced) {
    j->synced = target;
    if (j->synced_log >= 0) {
      char line[32];
      int n =
          snprintf(line, sizeof(line), "%llu\n", (unsigned long long)target);
      if (write(j->synced_log, line, (size_t)n) != n) {
        /* A debug aid: a lost line only makes its test fail. */
      }
    }
  }
  uv_mutex_unlock(&j->mu);
}

/* fsyncs the journal; every line whole before the call is then durable.
 * Safe on any thread. */
static int sync_now(struct sk_journal *j, struct sk_error *err) {
  uint64_t target;
  uv_mutex_lock(&j->mu);
  target = j->end;
  uv_mutex_unlock(&j->mu);
  if (fsync(j->fd) != 0)
    return sk_error_set(err, SK_EIO, "%s: fsync failed: %s", j->path,
                        strerror(errno));
  mark_synced(j, target);
  return 0;
}

/* Opens the debug log of synced lengths when the environment asks. */
static int open_synced_log(struct sk_journal *j, struct sk_error *err) {
  const char *path = getenv("SHIPSKIP_DEBUG_SYNCED_LOG");
  if (path == NULL || path[0] == '\0')
    return 0;
  j->synced_log = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666);
  if (j->synced_log < 0)
    return sk_error_set(err, SK_EIO, "%s: cannot open: %s", path,
                        strerror(errno));
  return 0;
}

int sk_journal_open(const char *outdir, int resume, sk_journal_warn_cb warn,
                    void *warn_ctx, struct sk_journal **out,
                    struct sk_error *err) {
  struct sk_journal *j;
  size_t len = strlen(outdir) + sizeof("/" JOURNAL_NAME);
  int rc = 0;

  *out = NULL;
  j = calloc(1, sizeof(*j));
  if (j == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  j->fd = -1;
  sk_buf_init(&j->line, LINE_CAP);
  j->synced_log = -1;
  sk_strmap_init(&j->index);
  j->path = malloc(len);
  if (j->path == NULL || uv_mutex_init(&j->mu) != 0) {
    free(j->path);
    free(j);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  snprintf(j->path, len, "%s/" JOURNAL_NAME, outdir);
  if (resume) {
    rc = load(j, warn, warn_ctx, err);
  } else if (access(j->path, F_OK) == 0) {
    /* A fresh run keeps the previous journal beside it, not inside. */
    size_t olen = strlen(j->path) + 5;
    char *old = malloc(olen);
    if (old == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    } else {
      snprintf(old, olen, "%s.old", j->path);
      if (rename(j->path, old) != 0)
        rc = sk_error_set(err, SK_EIO, "%s: cannot move aside: %s", j->path,
                          strerror(errno));
      free(old);
    }
  }
  if (rc == 0) {
    j->fd = open(j->path, O_RDWR | O_APPEND | O_CREAT, 0666);
    if (j->fd < 0)
      rc = sk_error_set(err, SK_EIO, "%s: cannot open: %s", j->path,
                        strerror(errno));
  }
  if (rc == 0) {
    struct stat st;
    if (fstat(j->fd, &st) != 0)
      rc = sk_error_set(err, SK_EIO, "%s: %s", j->path, strerror(errno));
    else
      j->end = (uint64_t)st.st_size;
  }
  if (rc == 0)
    rc = open_synced_log(j, err);
  if (rc != 0) {
    sk_journal_close(j);
    return rc;
  }
  *out = j;
  return 0;
}

void sk_journal_close(struct sk_journal *j) {
  if (j == NULL)
    return;
  if (j->fd >= 0) {
    /* Best effort: a caller that must know syncs first. */
    if (j->deferred)
      (void)sync_now(j, NULL);
    close(j->fd);
  }
  if (j->synced_log >= 0)
    close(j->synced_log);
  uv_mutex_destroy(&j->mu);
  sk_buf_cleanup(&j->line);
  sk_strmap_cleanup(&j->index, free);
  free(j->path);
  free(j);
}

unsigned long sk_journal_entries(const struct sk_journal *j) {
  return j->entries;
}

void sk_journal_defer_sync(struct sk_journal *j, int on) {
  j->deferred = on;
}

int sk_journal_sync(struct sk_journal *j, struct sk_error *err) {
  return sync_now(j, err);
}

uint64_t sk_journal_length(const struct sk_journal *j) {
  uint64_t n;
  uv_mutex_lock((uv_mutex_t *)&j->mu);
  n = j->end;
  uv_mutex_unlock((uv_mutex_t *)&j->mu);
  return n;
}

uint64_t sk_journal_synced(const struct sk_journal *j) {
  uint64_t n;
  uv_mutex_lock((uv_mutex_t *)&j->mu);
  n = j->synced;
  uv_mutex_unlock((uv_mutex_t *)&j->mu);
  return n;
}

/* ---- group commit ----------------------------------------------------- */

static void group_kick(struct sk_journal *j);
static void timer_cb(uv_timer_t *t);

/* On the thread pool: one fsync for every line appended so far. */
static void group_work_cb(uv_work_t *req) {
  struct sk_journal *j = sk_container_of(req, struct sk_journal, g.work);
  sk_error_clear(&j->g.err);
  j->g.rc = sync_now(j, &j->g.err);
}

/* Arms the window for lines that wait, or syncs them at once when the
 * count bound is reached. */
static void group_schedule(struct sk_journal *j) {
  if (!j->g.on || j->g.syncing || j->g.waiting == 0)
    return;
  if (j->g.waiting >= j->g.max_lines)
    group_kick(j);
  else if (!uv_is_active((uv_handle_t *)&j->g.timer))
    uv_timer_start(&j->g.timer, timer_cb, j->g.window_ms, 0);
}

/* Back on the loop: reports a failed fsync, then covers what arrived
 * meanwhile. */
static void group_done_cb(uv_work_t *req, int status) {
  struct sk_journal *j = sk_container_of(req, struct sk_journal, g.work);
  (void)status; /* never canceled */
  j->g.syncing = 0;
  if (j->g.rc != 0 && j->g.fail != NULL)
    j->g.fail(j->g.ctx, j->g.rc, j->g.err.msg);
  group_schedule(j);
}

/* Starts the fsync of everything appended so far (one at a time). */
static void group_kick(struct sk_journal *j) {
  if (j->g.on)
    uv_timer_stop(&j->g.timer);
  if (j->g.syncing || j->g.waiting == 0)
    return;
  j->g.syncing = 1;
  j->g.waiting = 0;
  if (uv_queue_work(j->g.timer.loop, &j->g.work, group_work_cb,
                    group_done_cb) != 0) {
    /* No thread pool: sync here rather than not at all. */
    group_work_cb(&j->g.work);
    group_done_cb(&j->g.work, 0);
  }
}

static void timer_cb(uv_timer_t *t) {
  group_kick(sk_container_of(t, struct sk_journal, g.timer));
}

static void noop_close_cb(uv_handle_t *h) {
  (void)h;
}

int sk_journal_group_start(struct sk_journal *j, uv_loop_t *loop,
                           unsigned window_ms, unsigned max_lines,
                           sk_journal_fail_cb fail, void *ctx,
                           struct sk_error *err) {
  if (uv_timer_init(loop, &j->g.timer) != 0)
    return sk_error_set(err, SK_EIO, "%s: cannot start group commit", j->path);
  j->g.on = 1;
  j->g.window_ms = window_ms;
  j->g.max_lines = max_lines > 0 ? max_lines : 1;
  j->g.fail = fail;
  j->g.ctx = ctx;
  j->deferred = 1;
  return 0;
}

int sk_journal_group_stop(struct sk_journal *j) {
  if (j == NULL || !j->g.on)
    return 0;
  j->g.on = 0;
  j->deferred = 0;
  uv_close((uv_handle_t *)&j->g.timer, noop_close_cb);
  return 1;
}

/* Prints the line of r (as cJSON_PrintUnformatted would print its tree)
 * and a newline into j's reused line buffer: no allocation once it is big
 * enough for the longest line so far. Returns the line's length with its
 * newline, or 0 when out of memory or past LINE_CAP. */
static size_t render_line(struct sk_journal *j, const char *slug,
                          const char *inputs, const struct sk_review *r) {
  struct sk_jw w;

  sk_buf_reset(&j->line);
  sk_jw_init_compact(&w, &j->line);
  sk_jw_open(&w, NULL, '{');
  sk_jw_str(&w, "tool", slug);
  sk_review_write_journal(&w, r, inputs);
  sk_jw_close(&w, '{');
  if (sk_jw_done(&w) != 0 || sk_buf_add(&j->line, "\n", 1) != 0)
    return 0;
  return j->line.len;
}

/* Writes all of line; returns 0 or the errno of the failed write. */
static int write_all(int fd, const char *line, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, line + done, len - done);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return errno;
    if (w == 0)
      return EIO;
    done += (size_t)w;
  }
  return 0;
}

int sk_journal_append(struct sk_journal *j, const char *slug,
                      const char *inputs, const struct sk_review *r,
                      struct sk_error *err) {
  uint64_t before = j->end; /* only this thread appends */
  size_t len = render_line(j, slug, inputs, r);
  int rc = 0;
  int werr;

  if (len == 0)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  /* One write of the line and its newline; O_APPEND keeps concurrent
   * writers (there are none, but a second shipskip by mistake) from
   * interleaving inside a line. */
  werr = write_all(j->fd, j->line.data, len);
  if (werr != 0) {
    rc = sk_error_set(err, SK_EIO, "%s: write failed: %s", j->path,
                      strerror(werr));
  } else {
    uv_mutex_lock(&j->mu);
    j->end = before + len;
    uv_mutex_unlock(&j->mu);
    if (!j->deferred) {
      rc = sync_now(j, err);
    } else if (j->g.on) {
      j->g.waiting++;
      group_schedule(j);
    }
  }
  if (rc != 0 && ftruncate(j->fd, (off_t)before) != 0) {
    /* Could not even cut the partial line back off: the next resume will
     * see it as torn and ignore it, which is still consistent. */
  }
  if (rc != 0) {
    uv_mutex_lock(&j->mu);
    j->end = before;
    uv_mutex_unlock(&j->mu);
  }
  return rc;
}

int sk_journal_lookup(struct sk_journal *j, const char *slug,
                      const struct sk_persona *persona, const char *inputs,
                      struct sk_review *r, struct sk_error *err) {
  char *key;
  struct sk_strmap_slot *slot;
  struct entry *e;
  char *buf;
  char *s = NULL;
  char *p = NULL;
  char in[65];
  ssize_t n;
  int rc;

  memset(r, 0, sizeof(*r));
  key = make_key(slug, persona->name);
  if (key == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  slot = sk_strmap_find(&j->index, key);
  free(key);
  if (slot == NULL)
    return 0;
  e = slot->value;
  if (strcmp(e->inputs, inputs) != 0)
    return 0;
  if (e->len > LINE_CAP)
    return sk_error_set(err, SK_ETOOBIG, "%s: journal line too long", j->path);
  buf = malloc(e->len + 1);
  if (buf == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  n = pread(j->fd, buf, e->len, e->off);
  if (n != (ssize_t)e->len) {
    free(buf);
    return sk_error_set(err, SK_EIO, "%s: cannot read back a journal line",
                        j->path);
  }
  buf[e->len] = '\0';
  rc = sk_journal_parse_line(buf, e->len, &s, &p, in, r);
  free(buf);
  free(s);
  free(p);
  if (rc != 0)
    return sk_error_set(err, rc, "%s: journal line changed under us", j->path);
  r->persona = persona;
  return 1;
}
