/* dirlock.c: the OUTDIR lock (see dirlock.h).
 *
 * The one race: a run that is finishing unlinks the file while another
 * has opened it and is about to lock it; that one would then hold a lock
 * on a file no longer in the directory while a third run creates a new
 * one. So after locking, the file descriptor's inode is compared with the
 * path's, and on a mismatch the lock is taken again from the start.
 */
#include "shipskip/util/dirlock.h"
#include "shipskip/util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void sk_dirlock_init(struct sk_dirlock *l) {
  l->fd = -1;
  l->path[0] = '\0';
}

/* Fills err with who holds the lock file fd, as its contents say. */
static int held_by(int fd, const char *dir, struct sk_error *err) {
  char text[256];
  long pid = 0;
  char started[64] = "";
  ssize_t n = pread(fd, text, sizeof(text) - 1, 0);

  text[n > 0 ? n : 0] = '\0';
  if (sscanf(text, "pid %ld started %63s", &pid, started) < 1 || pid <= 0)
    return sk_error_set(err, SK_ECONFIG,
                        "%s is in use by another run that is just starting "
                        "(its lock %s/%s is held): wait for it to finish, or "
                        "write elsewhere with -o",
                        dir, dir, SK_DIRLOCK_NAME);
  return sk_error_set(err, SK_ECONFIG,
                      "%s is in use by another run (pid %ld, started %s): "
                      "wait for it to finish, or write elsewhere with -o",
                      dir, pid, started[0] ? started : "at an unknown time");
}

/* Whether fd is still the file at path (not unlinked by a finishing run). */
static int still_linked(int fd, const char *path) {
  struct stat a;
  struct stat b;
  if (fstat(fd, &a) != 0 || stat(path, &b) != 0)
    return 0;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Writes who holds the lock into the file. */
static int write_holder(int fd, const char *path, const char *started,
                        struct sk_error *err) {
  char text[128];
  int n = snprintf(text, sizeof(text), "pid %ld started %s\n", (long)getpid(),
                   started != NULL ? started : "unknown");
  if (n < 0 || (size_t)n >= sizeof(text))
    n = (int)sizeof(text) - 1;
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text, (size_t)n, 0) != n)
    return sk_error_set(err, SK_EIO, "%s: cannot write the lock file: %s", path,
                        strerror(errno));
  return 0;
}

int sk_dirlock_take(struct sk_dirlock *l, const char *dir, const char *started,
                    struct sk_error *err) {
  int tries;
  int rc;

  sk_dirlock_init(l);
  rc = sk_path_join(l->path, sizeof(l->path), dir, SK_DIRLOCK_NAME, err);
  if (rc != 0)
    return rc;
  for (tries = 0; tries < 8; tries++) {
    int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
      return sk_error_set(err, SK_EIO, "%s: cannot create the lock file: %s",
                          l->path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      rc = errno == EWOULDBLOCK
               ? held_by(fd, dir, err)
               : sk_error_set(err, SK_EIO, "%s: cannot lock: %s", l->path,
                              strerror(errno));
      close(fd);
      return rc;
    }
    if (!still_linked(fd, l->path)) {
      close(fd);
      continue;
    }
    rc = write_holder(fd, l->path, started, err);
    if (rc != 0) {
      close(fd);
      return rc;
    }
    l->fd = fd;
    return 0;
  }
  return sk_error_set(err, SK_EIO, "%s: the lock file keeps changing", l->path);
}

void sk_dirlock_release(struct sk_dirlock *l) {
  if (l == NULL || l->fd < 0)
    return;
  /* Unlinked while still held: a run that opened the old file in between
   * sees it is gone (still_linked) and starts again. */
  unlink(l->path);
  close(l->fd);
  l->fd = -1;
}
