/* fuzz_summary.c: summary.json read back by `shipskip merge`, the shard
 * set's reader (sk_summary_read, sk_summary_merge).
 *
 * The input is written as the summary of two shard folders, a/ and b/, and
 * merged three ways. Checked: reading never crashes or leaks; the same
 * summary given twice is never a complete set (a shard twice is refused
 * unless --allow-partial); a merge that succeeds holds no more rows than
 * the summaries it read, and the summary read alone succeeds whenever a
 * merge of it did.
 */
#include "fuzz.h"
#include "shipskip/review/summary.h"
#include "shipskip/util/error.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_a[512];
static char g_b[512];
static char g_fa[600];
static char g_fb[600];

static void cleanup(void) {
  unlink(g_fa);
  unlink(g_fb);
  rmdir(g_a);
  rmdir(g_b);
}

static void put(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
    sk_fuzz_fail("cannot write %s", path);
}

static void setup(void) {
  const char *tmp = sk_fuzz_tmpdir();
  snprintf(g_a, sizeof(g_a), "%s/a", tmp);
  snprintf(g_b, sizeof(g_b), "%s/b", tmp);
  snprintf(g_fa, sizeof(g_fa), "%s/summary.json", g_a);
  snprintf(g_fb, sizeof(g_fb), "%s/summary.json", g_b);
  if ((mkdir(g_a, 0700) != 0 || mkdir(g_b, 0700) != 0))
    sk_fuzz_fail("cannot make the shard folders under %s", tmp);
  atexit(cleanup); /* runs before the temporary directory's own cleanup */
}

/* Merges dirs[0..n) and returns the result code; *rows gets the rows. */
static int merge(const char *const *dirs, size_t n, int partial, size_t *rows) {
  struct sk_summary out;
  struct sk_summary_merge_opts o = {partial, NULL, NULL};
  struct sk_error err;
  int rc;

  sk_error_clear(&err);
  sk_summary_init(&out);
  rc = sk_summary_merge(dirs, n, &o, &out, &err);
  *rows = out.n;
  sk_summary_cleanup(&out);
  if (rc != 0 && err.msg[0] == '\0')
    sk_fuzz_fail("merge failed with %d and no message", rc);
  return rc;
}

int sk_fuzz_one(const uint8_t *data, size_t size) {
  static int ready;
  const char *const both[] = {g_a, g_b};
  struct sk_summary one;
  struct sk_error err;
  size_t rows_one = 0;
  size_t rows_alone = 0;
  size_t rows_both = 0;
  int read_rc;

  if (!ready) {
    setup();
    ready = 1;
  }
  put(g_fa, data, size);
  put(g_fb, data, size);

  sk_error_clear(&err);
  sk_summary_init(&one);
  read_rc = sk_summary_read(g_fa, &one, &err);
  rows_one = one.n;
  sk_summary_cleanup(&one);

  if (merge(both, 2, 0, &rows_both) == 0)
    sk_fuzz_fail("the same summary twice merged as a complete set");
  if (merge(both, 2, 1, &rows_both) == 0) {
    if (read_rc != 0)
      sk_fuzz_fail("merged, but the summary alone did not read (%d)", read_rc);
    if (rows_both > rows_one)
      sk_fuzz_fail("%zu rows merged from a summary of %zu", rows_both,
                   rows_one);
  }
  if (merge(both, 1, 0, &rows_alone) == 0 && read_rc != 0)
    sk_fuzz_fail("merged alone, but did not read (%d)", read_rc);
  return 0;
}
