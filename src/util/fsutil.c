/* fsutil.c: capped file reads, mkdir -p and atomic writes (see fsutil.h).
 *
 * An atomic write is a handful of system calls, and a batch makes two per
 * tool, so each one is counted: the temporary name's process id is asked
 * for once per process, and the one sync at the end of a run opens each
 * file once (writeback started, then fsync on the same descriptor), not
 * once per pass.
 */
/* sync_file_range() is a Linux call; the rest is POSIX. */
#define _GNU_SOURCE
#include "shipskip/util/fsutil.h"
#include "shipskip/util/scrub.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_fs_read_file(const char *path, size_t cap, char **out, size_t *len,
                    struct sk_error *err) {
  FILE *f;
  char *data = NULL;
  size_t size = 0;
  size_t used = 0;
  int rc = 0;

  *out = NULL;
  *len = 0;
  f = fopen(path, "rb");
  if (f == NULL)
    return sk_error_set(err, errno == ENOENT ? SK_ENOENT : SK_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
  for (;;) {
    size_t n;
    if (size - used < 4096 + 1) {
      size_t nsize = size ? size * 2 : 8192;
      char *p = realloc(data, nsize);
      if (p == NULL) {
        rc = sk_error_set(err, SK_ENOMEM, "%s: out of memory", path);
        goto out;
      }
      data = p;
      size = nsize;
    }
    n = fread(data + used, 1, size - used - 1, f);
    used += n;
    if (used > cap) {
      rc = sk_error_set(err, SK_ETOOBIG, "%s: larger than the %zu-byte limit",
                        path, cap);
      goto out;
    }
    if (n == 0)
      break;
  }
  if (ferror(f)) {
    rc = sk_error_set(err, SK_EIO, "%s: read error", path);
    goto out;
  }
  data[used] = '\0';
  *out = data;
  *len = used;
  data = NULL;
out:
  free(data);
  fclose(f);
  return rc;
}

int sk_fs_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sk_fs_mkdirs(const char *path, struct sk_error *err) {
  char *copy;
  char *p;
  int rc = 0;

  if (path[0] == '\0')
    return sk_error_set(err, SK_EINVAL, "output directory name is empty");
  copy = strdup(path);
  if (copy == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  /* Create each prefix in turn; EEXIST on a directory is success. */
  for (p = copy + 1;; p++) {
    char c = *p;
    if (c != '/' && c != '\0')
      continue;
    *p = '\0';
    if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
      rc = sk_error_set(err, SK_EIO, "%s: cannot create directory: %s", copy,
                        strerror(errno));
      goto out;
    }
    *p = c;
    if (c == '\0')
      break;
  }
  if (!sk_fs_is_dir(path))
    rc = sk_error_set(err, SK_EIO, "%s: exists and is not a directory", path);
out:
  free(copy);
  return rc;
}

int sk_path_join(char *buf, size_t size, const char *dir, const char *name,
                 struct sk_error *err) {
  size_t dlen = strlen(dir);
  const char *sep = "/";
  int n;

  if (dlen == 0 || strcmp(dir, ".") == 0) {
    dir = "";
    sep = "";
  } else if (dir[dlen - 1] == '/') {
    sep = "";
  }
  n = snprintf(buf, size, "%s%s%s", dir, sep, name);
  if (n < 0 || (size_t)n >= size) {
    if (size > 0)
      buf[0] = '\0';
    return sk_error_set(err, SK_ETOOBIG,
                        "%s%s%s: path too long (%zu bytes "
                        "at most)",
                        dir, sep, name, size - 1);
  }
  return 0;
}

char *sk_path_join_dup(const char *dir, const char *name) {
  size_t size = strlen(dir) + strlen(name) + 2;
  char *p = malloc(size);
  if (p != NULL && sk_path_join(p, size, dir, name, NULL) != 0) {
    free(p);
    p = NULL;
  }
  return p;
}

/* The process id for temporary names, asked of the kernel once: glibc no
 * longer caches getpid(), and two calls per tool showed in strace. 0 until
 * first asked; any thread may fill it, with the same value. shipskip never
 * forks (no fork, exec, popen or system anywhere in src/), so the cached
 * value cannot go stale in a child. */
static atomic_long self_pid;

static long temp_pid(void) {
  long p = atomic_load(&self_pid);
  if (p == 0) {
    p = (long)getpid();
    atomic_store(&self_pid, p);
  }
  return p;
}

int sk_fs_atomic_open(struct sk_fs_atomic *a, const char *dir, const char *name,
                      struct sk_error *err) {
  int n;

  a->fd = -1;
  a->sync = 1;
  a->tmp[0] = '\0';
  if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
    return sk_error_set(err, SK_EINVAL, "refusing unsafe file name \"%s\"",
                        name);
  n = snprintf(a->final, sizeof(a->final), "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof(a->final))
    return sk_error_set(err, SK_EINVAL, "%s/%s: path too long", dir, name);
  n = snprintf(a->tmp, sizeof(a->tmp), "%s/.%s.tmp.%ld", dir, name, temp_pid());
  if (n < 0 || (size_t)n >= sizeof(a->tmp)) {
    a->tmp[0] = '\0';
    return sk_error_set(err, SK_EINVAL, "%s/%s: path too long", dir, name);
  }
  if (sk_fs_fault_enospc()) {
    /* Injected (tests): the create fails as on a full disk. */
    a->fd = -1;
    errno = ENOSPC;
  } else {
    a->fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  }
  if (a->fd < 0) {
    int rc = sk_error_set(err, SK_EIO, "%s: cannot create: %s", a->tmp,
                          strerror(errno));
    a->tmp[0] = '\0';
    return rc;
  }
  return 0;
}

/* Writes all len bytes at p to a's temporary file. */
static int write_all(struct sk_fs_atomic *a, const char *p, size_t len,
                     struct sk_error *err) {
  while (len > 0) {
    ssize_t w = write(a->fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      int rc = sk_error_set(err, SK_EIO, "%s: write failed: %s", a->final,
                            strerror(errno));
      sk_fs_atomic_abort(a);
      return rc;
    }
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

int sk_fs_atomic_write(struct sk_fs_atomic *a, const void *data, size_t len,
                       struct sk_error *err) {
  char *copy;
  int rc;

  /* Every file we write is a sink for text from outside: a credential
   * that reached it anyway (scrub.h) is replaced on a copy, the rare case;
   * the caller's bytes are const. */
  if (!sk_scrub_found(data, len))
    return write_all(a, data, len, err);
  copy = malloc(len + 1);
  if (copy == NULL) {
    sk_fs_atomic_abort(a);
    return sk_error_set(err, SK_ENOMEM, "%s: out of memory", a->final);
  }
  memcpy(copy, data, len);
  copy[len] = '\0';
  rc = write_all(a, copy, sk_scrub(copy, len), err);
  free(copy);
  return rc;
}

int sk_fs_atomic_commit(struct sk_fs_atomic *a, struct sk_error *err) {
  int rc = 0;

  /* fsync before rename: after a crash the name points at whole contents.
   * A view skips it; its caller syncs the directory once at the end. */
  if (a->sync && fsync(a->fd) != 0) {
    rc = sk_error_set(err, SK_EIO, "%s: fsync failed: %s", a->final,
                      strerror(errno));
    goto fail;
  }
  if (close(a->fd) != 0) {
    a->fd = -1;
    rc = sk_error_set(err, SK_EIO, "%s: close failed: %s", a->final,
                      strerror(errno));
    goto fail;
  }
  a->fd = -1;
  if (rename(a->tmp, a->final) != 0) {
    rc = sk_error_set(err, SK_EIO, "%s: rename failed: %s", a->final,
                      strerror(errno));
    goto fail;
  }
  a->tmp[0] = '\0';
  return 0;
fail:
  sk_fs_atomic_abort(a);
  return rc;
}

void sk_fs_atomic_abort(struct sk_fs_atomic *a) {
  if (a == NULL)
    return;
  if (a->fd >= 0)
    close(a->fd);
  a->fd = -1;
  if (a->tmp[0] != '\0')
    unlink(a->tmp);
  a->tmp[0] = '\0';
}

int sk_fs_write_atomic(const char *dir, const char *name, const void *data,
                       size_t len, struct sk_error *err) {
  struct sk_fs_atomic a;
  int rc = sk_fs_atomic_open(&a, dir, name, err);
  if (rc == 0)
    rc = sk_fs_atomic_write(&a, data, len, err);
  if (rc == 0)
    rc = sk_fs_atomic_commit(&a, err);
  return rc;
}

int sk_fs_write_view(const char *dir, const char *name, const void *data,
                     size_t len, struct sk_error *err) {
  struct sk_fs_atomic a;
  int rc = sk_fs_atomic_open(&a, dir, name, err);
  a.sync = 0;
  if (rc == 0)
    rc = sk_fs_atomic_write(&a, data, len, err);
  if (rc == 0)
    rc = sk_fs_atomic_commit(&a, err);
  return rc;
}

/* Nanoseconds since the epoch of a status change time. */
static int64_t ctime_ns(const struct stat *st) {
  return (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

/* Opens dir/name for a sync when it is a regular file whose status changed
 * (written, or renamed into place) at or after since_ns. A stat by name
 * first, so a folder of older files (a long run's, or a resumed one's) is
 * not opened file by file. Returns the descriptor, or -1 to skip it, with
 * errno set when the open failed (EMFILE: no descriptor left) and 0 when
 * the file is not one to sync. */
static int open_recent(int dfd, const char *name, int64_t since_ns) {
  struct stat st;
  int fd;
  errno = 0;
  if (name[0] == '.')
    return -1; /* ., .., and temporary files of writes under way */
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st.st_mode) || ctime_ns(&st) < since_ns) {
    errno = 0;
    return -1;
  }
  fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -1;
  /* Checked again on the file opened: the name may have been replaced. */
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || ctime_ns(&st) < since_ns) {
    close(fd);
    errno = 0;
    return -1;
  }
  return fd;
}

/* Files whose writeback is started together before the first is waited
 * for: enough for the disk to see the writes at once, few enough that the
 * descriptors held (with the connections still open) stay far below the
 * usual limit of 1,024. */
#define SYNC_BATCH 128

/* Waits for the writeback started on fds[0..n) with an fsync each, and
 * closes them. Keeps the first errno in *rc. */
static void wait_batch(int *fds, size_t n, int *rc) {
  size_t i;
  for (i = 0; i < n; i++) {
    if (fsync(fds[i]) != 0 && *rc == 0)
      *rc = errno;
    close(fds[i]);
  }
}

/* Makes every recent regular file in dir (the descriptor dfd) durable, in
 * one pass over the folder that opens each file once: its writeback is
 * started at once (sync_file_range) and its descriptor kept, and every
 * SYNC_BATCH files (and at the end) the kept ones are fsync'd and closed.
 * Starting the writeback here, not as each view was written, leaves the
 * kernel's own flusher time to write a long run's early files at no cost
 * to this process. Returns 0 or the first errno. */
static int sync_files(int dfd, int64_t since_ns, size_t *synced) {
  int fds[SYNC_BATCH];
  size_t n = 0;
  DIR *d;
  struct dirent *de;
  int rc = 0;
  /* A descriptor of its own: a dup() would share the read position, and
   * closedir() closes it. */
  int dup_fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0)
    return errno;
  d = fdopendir(dup_fd);
  if (d == NULL) {
    rc = errno;
    close(dup_fd);
    return rc;
  }
  while ((de = readdir(d)) != NULL) {
    int fd = open_recent(dfd, de->d_name, since_ns);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && n > 0) {
      /* Out of descriptors with some held: wait for those, then retry. */
      wait_batch(fds, n, &rc);
      n = 0;
      fd = open_recent(dfd, de->d_name, since_ns);
    }
    if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
      /* Skipping it would leave a file of the run unsynced. */
      if (rc == 0)
        rc = errno;
      continue;
    }
    if (fd < 0)
      continue;
    if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) != 0 && rc == 0)
      rc = errno;
    fds[n++] = fd;
    (*synced)++;
    if (n == SYNC_BATCH) {
      wait_batch(fds, n, &rc);
      n = 0;
    }
  }
  wait_batch(fds, n, &rc);
  closedir(d);
  return rc;
}

int sk_fs_sync_dir_ns(const char *dir, int64_t since_ns, size_t *synced,
                      struct sk_error *err) {
  int fd = open(dir[0] != '\0' ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  size_t count = 0;
  int rc;
  if (synced != NULL)
    *synced = 0;
  if (fd < 0)
    return sk_error_set(err, SK_EIO, "%s: cannot open to sync: %s", dir,
                        strerror(errno));
  /* Only this folder's own files: a syncfs() would also wait for every
   * other process's writes to the same file system (691 ms once, while
   * other jobs were building). Then the folder itself, for the renames. */
  rc = sync_files(fd, since_ns, &count);
  if (rc == 0 && fsync(fd) != 0)
    rc = errno;
  close(fd);
  if (synced != NULL)
    *synced = count;
  if (rc != 0)
    return sk_error_set(err, SK_EIO, "%s: sync failed: %s", dir, strerror(rc));
  return 0;
}

int sk_fs_sync_dir(const char *dir, time_t since, struct sk_error *err) {
  return sk_fs_sync_dir_ns(dir, (int64_t)since * 1000000000, NULL, err);
}

/* The fault budget: LONG_MIN until read from the environment, -1 when no
 * fault is asked for, else the atomic writes still allowed. */
static atomic_long fault_budget = LONG_MIN;

int sk_fs_fault_enospc(void) {
  long b = atomic_load(&fault_budget);
  if (b == LONG_MIN) {
    const char *v = getenv("SHIPSKIP_FAULT_ENOSPC_AFTER");
    char *end = NULL;
    long n = v != NULL ? strtol(v, &end, 10) : -1;
    long expected = LONG_MIN;
    if (v == NULL || end == v || *end != '\0' || n < 0)
      n = -1;
    /* Another thread may have read it first: either value is the same. */
    atomic_compare_exchange_strong(&fault_budget, &expected, n);
  }
  for (;;) {
    b = atomic_load(&fault_budget);
    if (b < 0)
      return 0;
    if (b == 0)
      return 1;
    if (atomic_compare_exchange_weak(&fault_budget, &b, b - 1))
      return 0;
  }
}
