/* fsutil.h: the few file-system operations shipskip needs, each with errors
 * that name the path: reading a whole file under a size cap, creating an
 * output directory, and writing a file atomically (temporary name in the same
 * directory, every write and close checked, fsync, then rename), so a reader
 * never sees a half-written scorecard and a full disk is an error, not a
 * truncated file. Views that can be rebuilt skip the fsync and are made
 * durable together by one sk_fs_sync_dir() at the end of a run. Temporary
 * names carry the process id, asked of the kernel once per process.
 */
#ifndef SHIPSKIP_FSUTIL_H
#define SHIPSKIP_FSUTIL_H

#include "shipskip/util/error.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Writes "dir/name" into buf (size bytes). Returns 0, or SK_ETOOBIG with
 * err naming both parts when it does not fit: a path is never cut short. A
 * dir of "" or "." gives name alone; a dir that ends in '/' gets no second
 * one. */
int sk_path_join(char *buf, size_t size, const char *dir, const char *name,
                 struct sk_error *err);

/* Returns "dir/name" as a new heap string (free() it), joined as
 * sk_path_join() joins, or NULL when out of memory. */
char *sk_path_join_dup(const char *dir, const char *name);

/* Reads all of path into a new NUL-terminated heap buffer (*out, free() it)
 * of *len bytes. Fails with SK_ENOENT, SK_EIO, SK_ETOOBIG past cap bytes, or
 * SK_ENOMEM; err names the path. */
int sk_fs_read_file(const char *path, size_t cap, char **out, size_t *len,
                    struct sk_error *err);

/* Creates directory path and its missing parents (mode 0777 less umask).
 * Succeeds if it already exists as a directory. */
int sk_fs_mkdirs(const char *path, struct sk_error *err);

/* Writes len bytes to dir/name atomically. name must be a plain file name
 * (no '/', not starting with '.'); anything else is SK_EINVAL, so a crafted
 * name cannot escape dir. On failure the previous file, if any, is intact and
 * the temporary file is removed. */
int sk_fs_write_atomic(const char *dir, const char *name, const void *data,
                       size_t len, struct sk_error *err);

/* The same, a piece at a time, for files too large to build in memory
 * first (the summary of a long batch): _open creates the temporary file,
 * _write appends, _commit fsyncs, closes and renames it into place, and
 * _abort (NULL-safe, harmless after a failed call) removes it. Every call
 * that fails leaves the previous file intact and has already aborted.
 * Both writers replace any registered credential (scrub.h) in what they
 * write; the caller's bytes are not changed. */
struct sk_fs_atomic {
  int fd;
  int sync; /* _open sets 1: _commit fsyncs; set 0 for a view (below) */
  char final[4096];
  char tmp[4096];
};
int sk_fs_atomic_open(struct sk_fs_atomic *a, const char *dir, const char *name,
                      struct sk_error *err);
int sk_fs_atomic_write(struct sk_fs_atomic *a, const void *data, size_t len,
                       struct sk_error *err);
int sk_fs_atomic_commit(struct sk_fs_atomic *a, struct sk_error *err);
void sk_fs_atomic_abort(struct sk_fs_atomic *a);

/* Writes len bytes to dir/name atomically as sk_fs_write_atomic() does,
 * but without the fsync: for views (scorecards) that can be rebuilt from a
 * durable record (the journal). A killed process still leaves the old file
 * or the whole new one; after a power cut the file may be missing or
 * empty until sk_fs_sync_dir() has run. Same name rules and errors. */
int sk_fs_write_view(const char *dir, const char *name, const void *data,
                     size_t len, struct sk_error *err);

/* Makes durable every regular file directly in dir whose status changed
 * (written, or renamed into place: st_ctime) at or after since (the views
 * a run wrote; hidden and older files are left alone),
 * and dir itself for the renames: one pass that opens each file once,
 * starts its writeback and fsyncs it on the same descriptor (the
 * writeback of up to 128 files is started before the first is waited
 * for), then dir. Returns 0, or SK_EIO naming dir. */
int sk_fs_sync_dir(const char *dir, time_t since, struct sk_error *err);

/* The same from since_ns, nanoseconds since the epoch (CLOCK_REALTIME;
 * the kernel stamps ctime from a clock a few milliseconds coarse, so a
 * caller that moves since forward keeps a margin), and the number of
 * files synced in *synced when it is not NULL. */
int sk_fs_sync_dir_ns(const char *dir, int64_t since_ns, size_t *synced,
                      struct sk_error *err);

/* Fault injection for tests of a full disk: when the environment has
 * SHIPSKIP_FAULT_ENOSPC_AFTER=N, the first N atomic writes (files created
 * by sk_fs_atomic_open and friends) succeed and every later one fails
 * with ENOSPC, as on a disk with no free blocks left, where appends into
 * the partly filled last block of an open file (the journal) still fit.
 * Returns 1 when the next atomic write is to fail that way, else 0. Read
 * once per process; thread-safe. */
int sk_fs_fault_enospc(void);

/* Returns 1 if path is an existing directory, else 0. */
int sk_fs_is_dir(const char *path);

#endif
