/* test_fsutil.c: views (atomic writes without an fsync) and the one sync
 * of a folder that makes them durable (util/fsutil.h), and the system
 * calls they make: this program defines open(), openat(),
 * sync_file_range(), fsync() and getpid() itself, and its definitions come
 * before the C library's for the calls of fsutil.c (a static library linked
 * in), so a test sees each call and on which descriptor. */
/* sync_file_range() and off64_t are Linux's. */
#define _GNU_SOURCE
#include "harness.h"
#include "shipskip/util/error.h"
#include "shipskip/util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

/* What the interposed calls saw since the last reset_calls(). */
static int openat_calls;
static int sfr_calls;
static unsigned sfr_flags;
static int sfr_fds[256]; /* the descriptor of each call, in order */
static int sfr_fail;     /* 1: the next call fails with EINVAL */
static int fsync_calls;
static int fsync_fds[256];
static int getpid_calls;
static char last_tmp[256]; /* the last file created (open, openat) */

static void reset_calls(void) {
  openat_calls = 0;
  sfr_calls = 0;
  sfr_flags = 0;
  sfr_fail = 0;
  fsync_calls = 0;
  getpid_calls = 0;
}

/* Counts the call and makes it: the real one, through syscall(). */
static int counted_openat(int dfd, const char *path, int flags, mode_t mode) {
  openat_calls++;
  if ((flags & O_CREAT) && strlen(path) < sizeof(last_tmp))
    strcpy(last_tmp, path);
  return (int)syscall(SYS_openat, dfd, path, flags, mode);
}

int openat(int dfd, const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  return counted_openat(dfd, path, flags, mode);
}

/* The same call under its large-file name, in case a build asks for it. */
int openat64(int dfd, const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  return counted_openat(dfd, path, flags, mode);
}

/* open() too, not counted: it is how a temporary file is created. */
int open(const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  if ((flags & O_CREAT) && strlen(path) < sizeof(last_tmp))
    strcpy(last_tmp, path);
  return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...) {
  mode_t mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  if ((flags & O_CREAT) && strlen(path) < sizeof(last_tmp))
    strcpy(last_tmp, path);
  return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

/* Records the call; starts no writeback (a hint: the tests need none). */
int sync_file_range(int fd, off64_t offset, off64_t nbytes,
                    unsigned int flags) {
  (void)offset;
  (void)nbytes;
  if (sfr_calls < 256)
    sfr_fds[sfr_calls] = fd;
  sfr_calls++;
  sfr_flags = flags;
  if (sfr_fail) {
    sfr_fail = 0;
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* Counts the call and makes it. */
int fsync(int fd) {
  if (fsync_calls < 256)
    fsync_fds[fsync_calls] = fd;
  fsync_calls++;
  return (int)syscall(SYS_fsync, fd);
}

pid_t getpid(void) {
  getpid_calls++;
  return (pid_t)syscall(SYS_getpid);
}

/* Writes n views named v-NNN.md into dir. */
static int write_views(int n) {
  struct sk_error err;
  char name[32];
  int i;
  for (i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "v-%03d.md", i);
    if (sk_fs_write_view(dir, name, "v", 1, &err) != 0)
      return -1;
  }
  return 0;
}

/* Number of entries in dir other than . and .. */
static int entries(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      n++;
  closedir(d);
  return n;
}

/* Removes every file in dir: a test that failed half way may have left
 * some, and the next one counts them. */
static void clear_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  if (d == NULL)
    return;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      unlinkat(dirfd(d), e->d_name, 0);
  closedir(d);
}

TEST(a_view_replaces_the_file_whole_and_leaves_no_temporary) {
  struct sk_error err;
  char *data = NULL;
  size_t len = 0;
  char path[128];
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "a.json", "old", 3, &err), 0);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "a.json", "{\"new\":1}", 9, &err), 0);
  snprintf(path, sizeof(path), "%s/a.json", dir);
  ASSERT_INT_EQ(sk_fs_read_file(path, 1024, &data, &len, &err), 0);
  ASSERT_INT_EQ(len, 9);
  ASSERT_STR_EQ(data, "{\"new\":1}");
  free(data);
  ASSERT_INT_EQ(entries(), 1);
  unlink(path);
}

TEST(a_view_keeps_inside_its_folder) {
  struct sk_error err;
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "../x.json", "x", 1, &err), SK_EINVAL);
  ASSERT_CONTAINS(err.msg, "unsafe file name");
  ASSERT_INT_EQ(entries(), 0);
}

TEST(a_folder_syncs_and_a_missing_one_is_an_error) {
  struct sk_error err;
  char missing[96];
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "b.md", "b", 1, &err), 0);
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, 0, &err), 0);
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, time(NULL) + 3600, &err), 0);
  snprintf(missing, sizeof(missing), "%s/b.md", dir);
  unlink(missing);
  snprintf(missing, sizeof(missing), "%s/none", dir);
  ASSERT_INT_EQ(sk_fs_sync_dir(missing, 0, &err), SK_EIO);
  ASSERT_CONTAINS(err.msg, "/none: cannot open to sync");
}

TEST(a_view_leaves_its_writeback_to_the_end_of_the_run) {
  struct sk_error err;
  sk_error_clear(&err);
  reset_calls();
  /* Started as each is written, a long run's writeback would all be done
   * by this process; left to the end, the kernel's flusher writes the
   * early files at no cost to it (measured: issue #17). */
  ASSERT_INT_EQ(sk_fs_write_view(dir, "c.json", "{}", 2, &err), 0);
  ASSERT_INT_EQ(sfr_calls, 0);
  ASSERT_INT_EQ(fsync_calls, 0);
  ASSERT_INT_EQ(sk_fs_write_atomic(dir, "e.json", "{}", 2, &err), 0);
  ASSERT_INT_EQ(sfr_calls, 0);
  ASSERT_INT_EQ(fsync_calls, 1);
}

TEST(the_end_sync_opens_each_file_once) {
  struct sk_error err;
  int i;
  sk_error_clear(&err);
  ASSERT_INT_EQ(write_views(3), 0);
  reset_calls();
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, 0, &err), 0);
  /* One open each (and one of the folder to read it): the writeback is
   * started, then waited for, on the same descriptor. */
  ASSERT_INT_EQ(openat_calls, 3 + 1);
  ASSERT_INT_EQ(sfr_calls, 3);
  ASSERT_INT_EQ(sfr_flags, SYNC_FILE_RANGE_WRITE);
  ASSERT_INT_EQ(fsync_calls, 3 + 1);
  for (i = 0; i < 3; i++)
    ASSERT_INT_EQ(fsync_fds[i], sfr_fds[i]);
  /* Every writeback was started before the first wait. */
  ASSERT(sfr_fds[0] != sfr_fds[1] && sfr_fds[1] != sfr_fds[2]);
  /* Files older than the run are left alone; the folder is still synced. */
  reset_calls();
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, time(NULL) + 3600, &err), 0);
  ASSERT_INT_EQ(sfr_calls, 0);
  ASSERT_INT_EQ(fsync_calls, 1);
}

/* CLOCK_REALTIME in nanoseconds, after a pause longer than the coarse
 * clock's tick, so files stamped before and after it fall on either side. */
static int64_t pause_and_now_ns(void) {
  struct timespec ts = {0, 30 * 1000000};
  nanosleep(&ts, NULL);
  clock_gettime(CLOCK_REALTIME, &ts);
  nanosleep(&(struct timespec){0, 30 * 1000000}, NULL);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

TEST(a_sync_from_a_time_takes_only_what_changed_since) {
  struct sk_error err;
  char from[128], to[128];
  int64_t cut;
  size_t synced = 99;
  sk_error_clear(&err);
  ASSERT_INT_EQ(write_views(3), 0);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "old.md", "o", 1, &err), 0);
  cut = pause_and_now_ns();
  ASSERT_INT_EQ(sk_fs_write_view(dir, "new-1.md", "n", 1, &err), 0);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "new-2.md", "n", 1, &err), 0);
  /* A file written before the cut but renamed into place after it is new
   * to the folder: it counts (the rename stamps its ctime). */
  snprintf(from, sizeof(from), "%s/old.md", dir);
  snprintf(to, sizeof(to), "%s/moved.md", dir);
  ASSERT_INT_EQ(rename(from, to), 0);
  reset_calls();
  ASSERT_INT_EQ(sk_fs_sync_dir_ns(dir, cut, &synced, &err), 0);
  ASSERT_INT_EQ(synced, 3);
  ASSERT_INT_EQ(sfr_calls, 3);
  /* The older files are not even opened: a stat tells. */
  ASSERT_INT_EQ(openat_calls, 3 + 1);
  ASSERT_INT_EQ(fsync_calls, 3 + 1);
  reset_calls();
  ASSERT_INT_EQ(sk_fs_sync_dir_ns(dir, 0, &synced, &err), 0);
  ASSERT_INT_EQ(synced, 6);
}

TEST(the_end_sync_waits_in_batches) {
  struct sk_error err;
  sk_error_clear(&err);
  /* More files than one batch holds descriptors for: all synced. */
  ASSERT_INT_EQ(write_views(130), 0);
  reset_calls();
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, 0, &err), 0);
  ASSERT_INT_EQ(openat_calls, 130 + 1);
  ASSERT_INT_EQ(sfr_calls, 130);
  ASSERT_INT_EQ(fsync_calls, 130 + 1);
}

TEST(the_end_sync_out_of_descriptors_waits_and_skips_nothing) {
  struct sk_error err;
  struct rlimit old;
  struct rlimit low;
  int fd;
  int rc;
  sk_error_clear(&err);
  ASSERT_INT_EQ(write_views(20), 0);
  /* Room for the folder, its reading copy and about five files. */
  fd = dup(0);
  ASSERT(fd >= 0);
  close(fd);
  ASSERT_INT_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  low = old;
  low.rlim_cur = (rlim_t)fd + 7;
  ASSERT_INT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  reset_calls();
  rc = sk_fs_sync_dir(dir, 0, &err);
  setrlimit(RLIMIT_NOFILE, &old);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_INT_EQ(sfr_calls, 20);
  ASSERT_INT_EQ(fsync_calls, 20 + 1);
}

TEST(a_failed_writeback_start_fails_the_sync) {
  struct sk_error err;
  sk_error_clear(&err);
  ASSERT_INT_EQ(write_views(2), 0);
  reset_calls();
  sfr_fail = 1;
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, 0, &err), SK_EIO);
  ASSERT_CONTAINS(err.msg, "sync failed");
  /* The descriptors it held were waited for and closed all the same. */
  ASSERT_INT_EQ(fsync_calls, 2);
}

TEST(temporary_names_ask_for_the_process_id_once) {
  struct sk_error err;
  char want[32];
  int i;
  sk_error_clear(&err);
  /* The first write of the process may have to ask. */
  ASSERT_INT_EQ(sk_fs_write_view(dir, "g.md", "g", 1, &err), 0);
  reset_calls();
  for (i = 0; i < 3; i++)
    ASSERT_INT_EQ(sk_fs_write_view(dir, "g.md", "g", 1, &err), 0);
  ASSERT_INT_EQ(sk_fs_write_atomic(dir, "g.md", "g", 1, &err), 0);
  ASSERT_INT_EQ(getpid_calls, 0);
  /* And the name still carries it. */
  snprintf(want, sizeof(want), "/.g.md.tmp.%ld", (long)syscall(SYS_getpid));
  ASSERT_CONTAINS(last_tmp, want);
}

TEST(no_fault_without_the_variable) {
  /* The suite runs without SHIPSKIP_FAULT_ENOSPC_AFTER: never a fault. */
  ASSERT_INT_EQ(getenv("SHIPSKIP_FAULT_ENOSPC_AFTER") == NULL, 1);
  ASSERT_INT_EQ(sk_fs_fault_enospc(), 0);
  ASSERT_INT_EQ(sk_fs_fault_enospc(), 0);
}

int main(void) {
  snprintf(dir, sizeof(dir), "/tmp/sk-fsutil-XXXXXX");
  if (mkdtemp(dir) == NULL)
    return 1;
  clear_dir();
  RUN(a_view_replaces_the_file_whole_and_leaves_no_temporary);
  clear_dir();
  RUN(a_view_keeps_inside_its_folder);
  clear_dir();
  RUN(a_folder_syncs_and_a_missing_one_is_an_error);
  clear_dir();
  RUN(a_view_leaves_its_writeback_to_the_end_of_the_run);
  clear_dir();
  RUN(the_end_sync_opens_each_file_once);
  clear_dir();
  RUN(the_end_sync_waits_in_batches);
  clear_dir();
  RUN(a_sync_from_a_time_takes_only_what_changed_since);
  clear_dir();
  RUN(the_end_sync_out_of_descriptors_waits_and_skips_nothing);
  clear_dir();
  RUN(a_failed_writeback_start_fails_the_sync);
  clear_dir();
  RUN(temporary_names_ask_for_the_process_id_once);
  clear_dir();
  RUN(no_fault_without_the_variable);
  rmdir(dir);
  return TEST_REPORT();
}
