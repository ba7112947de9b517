/* dirlock.h: one run per output folder.
 *
 * Two runs writing one OUTDIR would send every request twice and
 * interleave one journal. A run that writes OUTDIR first takes an
 * exclusive flock(2) on OUTDIR/.lock, without waiting, and holds it for
 * its whole life; the file says who holds it ("pid N\nstarted TIME\n")
 * for the message a second run prints. The kernel drops the lock when the
 * holder's process ends however it ends (kill -9 included), so a lock left
 * by a dead run is never stale: the next run simply takes it. A clean
 * release removes the file, so a finished OUTDIR holds only outputs.
 *
 * flock is per open file description; on NFS it may be emulated with
 * fcntl locks or not shared between machines: keep OUTDIR local.
 */
#ifndef SHIPSKIP_DIRLOCK_H
#define SHIPSKIP_DIRLOCK_H

#include "shipskip/util/error.h"

#define SK_DIRLOCK_NAME ".lock"

struct sk_dirlock {
  int fd; /* -1 when not held */
  char path[4096];
};

/* Marks l as not held (sk_dirlock_release() is then harmless). */
void sk_dirlock_init(struct sk_dirlock *l);

/* Takes dir's lock (dir must exist), writing this process's pid and
 * started (a UTC time, shown to the next run) into it. Returns 0;
 * SK_ECONFIG when another live process holds it, with err naming dir and
 * the holder's pid and start time; SK_EIO when the lock file cannot be
 * created, locked or written (err names it and errno). */
int sk_dirlock_take(struct sk_dirlock *l, const char *dir, const char *started,
                    struct sk_error *err);

/* Removes the lock file and drops the lock. NULL-safe; harmless when the
 * lock is not held. */
void sk_dirlock_release(struct sk_dirlock *l);

#endif
