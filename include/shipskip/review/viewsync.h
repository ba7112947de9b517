/* viewsync.h: the scorecards (views) of a group-commit run made durable
 * while the run goes on, not all at its end.
 *
 * With group commit a scorecard is written atomically but not fsync'd, and
 * the end of the run syncs every file it wrote (sk_fs_sync_dir). On a long
 * run that end pass is a tail of hundreds of milliseconds to seconds after
 * the last answer (about 200 us a file here), while the client sat idle
 * waiting for the network for most of the run. A view sync is that same
 * pass run every period on libuv's thread pool: each pass syncs the files
 * of the folder whose status changed since the previous pass began (less
 * 100 ms of margin for the coarse clock the kernel stamps ctime with), so
 * the end of the run needs to sync only what changed after the last pass
 * began. The guarantee is unchanged (the journal is the record; every view
 * is on disk when the run exits 0); views are only synced earlier.
 */
#ifndef SHIPSKIP_VIEWSYNC_H
#define SHIPSKIP_VIEWSYNC_H

#include "shipskip/util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* Called on the loop thread when a pass failed (the views' disk is
 * failing: the run should stop as on a failed journal write). */
typedef void (*sk_viewsync_fail_fn)(void *ctx, int code, const char *msg);

struct sk_viewsync {
  uv_loop_t *loop;
  uv_timer_t timer;
  uv_work_t work;
  const char *dir;
  int on;             /* the timer is open */
  uint64_t period_ms; /* the least time from one pass to the next */
  int64_t since_ns;   /* files changed before this are synced */
  int64_t began_ns;   /* when the pass under way began */
  size_t synced;      /* files the pass under way synced */
  int rc;             /* the pass's result */
  struct sk_error err;
  unsigned long passes; /* passes that ended (for the log) */
  int log_fd;           /* SHIPSKIP_DEBUG_VIEWSYNC_LOG, or -1 */
  sk_viewsync_fail_fn fail;
  void *ctx;
};

/* Starts passes over dir on loop, the first after period_ms and each next
 * one period_ms (or twenty times the last pass's length, if longer) after
 * the last ended, syncing files changed at or after since_ns (nanoseconds
 * since the epoch) at first. dir must
 * outlive the view sync. With SHIPSKIP_DEBUG_VIEWSYNC_LOG=FILE in the
 * environment each pass appends "pass N: K files" to FILE (for tests).
 * Returns 0, or SK_EIO (err says why) when the timer cannot start: the
 * caller then leaves every view to the end. */
int sk_viewsync_start(struct sk_viewsync *v, uv_loop_t *loop, const char *dir,
                      int64_t since_ns, uint64_t period_ms,
                      sk_viewsync_fail_fn fail, void *ctx,
                      struct sk_error *err);

/* Stops the passes: closes the timer (a pass under way finishes on the
 * thread pool; run the loop until it has). Returns 1 when the loop must run
 * for the close, 0 when nothing was open. Safe to call twice. */
int sk_viewsync_stop(struct sk_viewsync *v);

/* Where the end-of-run sync must start from: files changed at or after
 * this (nanoseconds since the epoch) may not have been synced yet. Valid
 * once the loop has run dry. */
int64_t sk_viewsync_since(const struct sk_viewsync *v);

/* Appends "end: K files" to the debug log, if any: what the end-of-run
 * sync had left to do. */
void sk_viewsync_log_end(struct sk_viewsync *v, size_t synced);

/* Closes the debug log, if any. */
void sk_viewsync_cleanup(struct sk_viewsync *v);

#endif
