/* viewsync.c: periodic syncs of a group-commit run's views (see
 * viewsync.h). Everything but the pass itself runs on the loop thread. */
#include "shipskip/review/viewsync.h"
#include "shipskip/util/fsutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The kernel stamps ctime from a coarse clock that may lag CLOCK_REALTIME
 * by a tick (4 ms at HZ=250); a file renamed into place just after a pass
 * began must still count as newer than the next start, so the start keeps
 * a margin of many ticks. Files in the margin are synced twice, which costs
 * an fsync of a clean file. */
#define MARGIN_NS 100000000LL

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void tick_cb(uv_timer_t *t);

static void pass_cb(uv_work_t *w) {
  struct sk_viewsync *v = w->data;
  sk_error_clear(&v->err);
  v->rc = sk_fs_sync_dir_ns(v->dir, v->since_ns, &v->synced, &v->err);
}

/* Appends a line to the debug log, if there is one. */
static void log_line(const struct sk_viewsync *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void log_line(const struct sk_viewsync *v, const char *fmt, ...) {
  char line[96];
  va_list ap;
  int n;
  if (v->log_fd < 0)
    return;
  va_start(ap, fmt);
  n = vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (n > 0 && (size_t)n < sizeof(line) &&
      write(v->log_fd, line, (size_t)n) < 0) {
    /* A debug log that cannot be written is not the run's business. */
  }
}

static void pass_done_cb(uv_work_t *w, int status) {
  struct sk_viewsync *v = w->data;
  if (status != 0)
    return; /* canceled before it ran: nothing was synced */
  if (v->rc != 0) {
    if (v->fail != NULL)
      v->fail(v->ctx, v->rc, v->err.msg);
    return;
  }
  v->passes++;
  log_line(v, "pass %lu: %zu files\n", v->passes, v->synced);
  if (v->on) {
    /* The next pass after the period, or after twenty times this pass's
     * length when that is longer: on a loaded disk (20,000 files at
     * C=256 here) passes would otherwise take more than the tail they
     * save; at most 5% of the time goes to them. */
    uint64_t took_ms = (uint64_t)((now_ns() - v->began_ns) / 1000000);
    uint64_t next = 20 * took_ms > v->period_ms ? 20 * took_ms : v->period_ms;
    uv_timer_start(&v->timer, tick_cb, next, 0);
  }
  /* Everything changed before the pass began, less the margin, is on
   * disk now. */
  if (v->began_ns - MARGIN_NS > v->since_ns)
    v->since_ns = v->began_ns - MARGIN_NS;
}

static void tick_cb(uv_timer_t *t) {
  struct sk_viewsync *v = t->data;
  v->began_ns = now_ns();
  v->synced = 0;
  v->work.data = v;
  if (uv_queue_work(v->loop, &v->work, pass_cb, pass_done_cb) != 0)
    uv_timer_start(&v->timer, tick_cb, v->period_ms, 0);
}

int sk_viewsync_start(struct sk_viewsync *v, uv_loop_t *loop, const char *dir,
                      int64_t since_ns, uint64_t period_ms,
                      sk_viewsync_fail_fn fail, void *ctx,
                      struct sk_error *err) {
  const char *log = getenv("SHIPSKIP_DEBUG_VIEWSYNC_LOG");
  int rc;

  memset(v, 0, sizeof(*v));
  v->loop = loop;
  v->dir = dir;
  v->since_ns = since_ns;
  v->fail = fail;
  v->ctx = ctx;
  v->log_fd = -1;
  rc = uv_timer_init(loop, &v->timer);
  if (rc != 0)
    return sk_error_set(err, SK_EIO, "cannot start the views' sync: %s",
                        uv_strerror(rc));
  v->on = 1;
  v->timer.data = v;
  v->period_ms = period_ms;
  /* One-shot: each pass, when done, sets when the next begins. */
  rc = uv_timer_start(&v->timer, tick_cb, period_ms, 0);
  if (rc != 0) {
    sk_viewsync_stop(v);
    return sk_error_set(err, SK_EIO, "cannot start the views' sync: %s",
                        uv_strerror(rc));
  }
  /* Not the loop's reason to live: the run ends when its work does. */
  uv_unref((uv_handle_t *)&v->timer);
  if (log != NULL && log[0] != '\0')
    v->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  return 0;
}

static void closed_cb(uv_handle_t *h) {
  (void)h;
}

int sk_viewsync_stop(struct sk_viewsync *v) {
  if (v == NULL || !v->on)
    return 0;
  v->on = 0;
  uv_close((uv_handle_t *)&v->timer, closed_cb);
  return 1;
}

int64_t sk_viewsync_since(const struct sk_viewsync *v) {
  return v->since_ns;
}

void sk_viewsync_log_end(struct sk_viewsync *v, size_t synced) {
  log_line(v, "end: %zu files\n", synced);
}

void sk_viewsync_cleanup(struct sk_viewsync *v) {
  if (v != NULL && v->log_fd >= 0) {
    close(v->log_fd);
    v->log_fd = -1;
  }
}
