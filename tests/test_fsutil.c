/* test_fsutil.c: views (atomic writes without an fsync) and the one sync
 * of a folder that makes them durable (util/fsutil.h). */
#include "harness.h"
#include "shipskip/util/error.h"
#include "shipskip/util/fsutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

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
  RUN(a_view_replaces_the_file_whole_and_leaves_no_temporary);
  RUN(a_view_keeps_inside_its_folder);
  RUN(a_folder_syncs_and_a_missing_one_is_an_error);
  RUN(no_fault_without_the_variable);
  rmdir(dir);
  return TEST_REPORT();
}
