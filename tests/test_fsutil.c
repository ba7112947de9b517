/* test_fsutil.c: views (atomic writes without an fsync) and the one sync
 * of a folder that makes them durable (util/fsutil.h), and the system
 * calls they make: this program defines sync_file_range(), fsync() and
 * getpid() itself, and its definitions come before the C library's for the
 * calls of fsutil.c (a static library linked in), so a test sees each call
 * and what its descriptor names. */
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
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

/* What the interposed calls saw since the last reset_calls(). */
static int sfr_calls;
static unsigned sfr_flags;
static char sfr_path[256]; /* what the descriptor named at the last call */
static int sfr_fail;       /* 1: the next call fails with EINVAL */
static int fsync_calls;
static int getpid_calls;

static void reset_calls(void) {
  sfr_calls = 0;
  sfr_flags = 0;
  sfr_path[0] = '\0';
  sfr_fail = 0;
  fsync_calls = 0;
  getpid_calls = 0;
}

/* Records the call; starts no writeback (a hint: the tests need none). */
int sync_file_range(int fd, off64_t offset, off64_t nbytes,
                    unsigned int flags) {
  char link[64];
  ssize_t n;
  (void)offset;
  (void)nbytes;
  sfr_calls++;
  sfr_flags = flags;
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  n = readlink(link, sfr_path, sizeof(sfr_path) - 1);
  sfr_path[n > 0 ? n : 0] = '\0';
  if (sfr_fail) {
    sfr_fail = 0;
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* Counts the call and makes it: the real one, through syscall(). */
int fsync(int fd) {
  fsync_calls++;
  return (int)syscall(SYS_fsync, fd);
}

pid_t getpid(void) {
  getpid_calls++;
  return (pid_t)syscall(SYS_getpid);
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

TEST(a_view_starts_its_writeback_while_it_is_written) {
  struct sk_error err;
  char path[128];
  sk_error_clear(&err);
  reset_calls();
  ASSERT_INT_EQ(sk_fs_write_view(dir, "c.json", "{}", 2, &err), 0);
  /* Once, on the temporary file's descriptor: before the rename, with the
   * file still open, so the end of the run need not open it to start it. */
  ASSERT_INT_EQ(sfr_calls, 1);
  ASSERT_INT_EQ(sfr_flags, SYNC_FILE_RANGE_WRITE);
  ASSERT_CONTAINS(sfr_path, "/.c.json.tmp.");
  ASSERT_INT_EQ(fsync_calls, 0);
  snprintf(path, sizeof(path), "%s/c.json", dir);
  unlink(path);
}

TEST(a_view_whose_writeback_cannot_start_is_still_written) {
  struct sk_error err;
  char *data = NULL;
  size_t len = 0;
  char path[128];
  sk_error_clear(&err);
  reset_calls();
  sfr_fail = 1;
  /* The call is a hint: the fsync at the end reports what the disk
   * refused. */
  ASSERT_INT_EQ(sk_fs_write_view(dir, "d.md", "d", 1, &err), 0);
  ASSERT_INT_EQ(sfr_calls, 1);
  snprintf(path, sizeof(path), "%s/d.md", dir);
  ASSERT_INT_EQ(sk_fs_read_file(path, 16, &data, &len, &err), 0);
  ASSERT_STR_EQ(data, "d");
  free(data);
  ASSERT_INT_EQ(entries(), 1);
  unlink(path);
}

TEST(a_durable_write_fsyncs_and_starts_no_writeback) {
  struct sk_error err;
  char path[128];
  sk_error_clear(&err);
  reset_calls();
  ASSERT_INT_EQ(sk_fs_write_atomic(dir, "e.json", "{}", 2, &err), 0);
  ASSERT_INT_EQ(fsync_calls, 1);
  ASSERT_INT_EQ(sfr_calls, 0);
  snprintf(path, sizeof(path), "%s/e.json", dir);
  unlink(path);
}

TEST(the_end_sync_is_one_fsync_per_file_and_one_for_the_folder) {
  struct sk_error err;
  char path[128];
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "f.json", "{}", 2, &err), 0);
  ASSERT_INT_EQ(sk_fs_write_view(dir, "f.md", "f", 1, &err), 0);
  ASSERT_INT_EQ(entries(), 2);
  reset_calls();
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, 0, &err), 0);
  /* The writeback was started as each was written: no second pass. */
  ASSERT_INT_EQ(sfr_calls, 0);
  ASSERT_INT_EQ(fsync_calls, 3);
  /* Files older than the run are left alone; the folder is still synced. */
  reset_calls();
  ASSERT_INT_EQ(sk_fs_sync_dir(dir, time(NULL) + 3600, &err), 0);
  ASSERT_INT_EQ(fsync_calls, 1);
  snprintf(path, sizeof(path), "%s/f.json", dir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/f.md", dir);
  unlink(path);
}

TEST(temporary_names_ask_for_the_process_id_once) {
  struct sk_error err;
  char want[32];
  char path[128];
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
  snprintf(want, sizeof(want), ".tmp.%ld", (long)syscall(SYS_getpid));
  ASSERT_INT_EQ(sk_fs_write_view(dir, "g.md", "g", 1, &err), 0);
  ASSERT_CONTAINS(sfr_path, want);
  snprintf(path, sizeof(path), "%s/g.md", dir);
  unlink(path);
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
  RUN(a_view_starts_its_writeback_while_it_is_written);
  clear_dir();
  RUN(a_view_whose_writeback_cannot_start_is_still_written);
  clear_dir();
  RUN(a_durable_write_fsyncs_and_starts_no_writeback);
  clear_dir();
  RUN(the_end_sync_is_one_fsync_per_file_and_one_for_the_folder);
  clear_dir();
  RUN(temporary_names_ask_for_the_process_id_once);
  clear_dir();
  RUN(no_fault_without_the_variable);
  rmdir(dir);
  return TEST_REPORT();
}
