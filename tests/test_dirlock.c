/* test_dirlock.c: the OUTDIR lock (util/dirlock.h): a second taker is
 * refused with the holder's pid and start time, a release removes the file
 * and frees the lock, a lock file left behind by a dead holder is taken
 * over, and a directory that cannot hold the file is an SK_EIO naming it. */
#include "harness.h"

#include "shipskip/util/dirlock.h"
#include "shipskip/util/error.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void make_dir(char *tmpl) {
  if (mkdtemp(tmpl) == NULL)
    abort();
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

TEST(second_taker_is_refused_naming_the_holder) {
  char dir[] = "/tmp/sk-dirlock-XXXXXX";
  char want[128];
  struct sk_dirlock a;
  struct sk_dirlock b;
  struct sk_error err;

  make_dir(dir);
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_dirlock_take(&a, dir, "2026-12-03T01:02:03Z", &err), 0);
  ASSERT(exists(a.path));
  /* flock belongs to the open file: a second open in this process is
   * refused exactly as another process would be. */
  ASSERT_INT_EQ(sk_dirlock_take(&b, dir, "later", &err), SK_ECONFIG);
  snprintf(want, sizeof(want), "(pid %ld, started 2026-12-03T01:02:03Z)",
           (long)getpid());
  ASSERT_CONTAINS(err.msg, want);
  ASSERT_CONTAINS(err.msg, dir);
  ASSERT_INT_EQ(b.fd, -1);
  sk_dirlock_release(&b); /* not held: harmless */
  sk_dirlock_release(&a);
  ASSERT(!exists(a.path));
  sk_dirlock_release(&a); /* twice: harmless */
  sk_dirlock_release(NULL);
  ASSERT_INT_EQ(sk_dirlock_take(&b, dir, "again", &err), 0);
  sk_dirlock_release(&b);
  rmdir(dir);
}

TEST(left_behind_file_is_taken_over) {
  char dir[] = "/tmp/sk-dirlock-XXXXXX";
  char path[128];
  FILE *f;
  struct sk_dirlock l;
  struct sk_error err;

  make_dir(dir);
  snprintf(path, sizeof(path), "%s/.lock", dir);
  f = fopen(path, "w"); /* what a kill -9'd run leaves: a file, no lock */
  ASSERT(f != NULL);
  fputs("pid 999999 started 2020-01-01T00:00:00Z\n", f);
  fclose(f);
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_dirlock_take(&l, dir, "now", &err), 0);
  sk_dirlock_release(&l);
  ASSERT(!exists(path));
  rmdir(dir);
}

TEST(missing_dir_is_an_io_error) {
  struct sk_dirlock l;
  struct sk_error err;
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_dirlock_take(&l, "/nonexistent/sk-dirlock", "now", &err),
                SK_EIO);
  ASSERT_CONTAINS(err.msg, "/nonexistent/sk-dirlock/.lock: cannot create");
}

int main(void) {
  RUN(second_taker_is_refused_naming_the_holder);
  RUN(left_behind_file_is_taken_over);
  RUN(missing_dir_is_an_io_error);
  return TEST_REPORT();
}
