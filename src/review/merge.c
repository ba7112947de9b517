/* merge.c: combining shards' output directories (see merge.h). */
#include "shipskip/review/merge.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/strmap.h"
#include "shipskip/review/summary.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCORECARD_CAP (64 * 1024 * 1024)

/* A scorecard file of an output directory: <slug>.json or <slug>.md, not the
 * summary, the journal or anything hidden. */
static int is_scorecard(const char *name) {
  size_t n = strlen(name);
  if (name[0] == '.' || strncmp(name, "summary.", 8) == 0 ||
      strncmp(name, "journal.", 8) == 0)
    return 0;
  return (n > 5 && strcmp(name + n - 5, ".json") == 0) ||
         (n > 3 && strcmp(name + n - 3, ".md") == 0);
}

static int copy_dir(const char *dir, const char *outdir, struct sk_strmap *seen,
                    size_t *copied, struct sk_error *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int rc = 0;

  if (d == NULL)
    return sk_error_set(err, SK_ENOENT, "%s: cannot read: %s", dir,
                        strerror(errno));
  while (rc == 0 && (e = readdir(d)) != NULL) {
    char path[4096];
    char *text = NULL;
    size_t len;
    int added = 0;
    struct sk_strmap_slot *slot;
    if (!is_scorecard(e->d_name))
      continue;
    rc = sk_path_join(path, sizeof(path), dir, e->d_name, err);
    if (rc == 0)
      rc = sk_fs_read_file(path, SCORECARD_CAP, &text, &len, err);
    if (rc != 0)
      break;
    slot = sk_strmap_put(seen, e->d_name, &added);
    if (slot == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
    } else if (!added) {
      /* Shards are disjoint: a second copy must be the same file. */
      char other[4096];
      char *prev = NULL;
      size_t plen;
      struct sk_error e2;
      sk_error_clear(&e2);
      rc = sk_path_join(other, sizeof(other), (const char *)slot->value,
                        e->d_name, err);
      if (rc == 0 &&
          (sk_fs_read_file(other, SCORECARD_CAP, &prev, &plen, &e2) != 0 ||
           plen != len || memcmp(prev, text, len) != 0))
        rc = sk_error_set(err, SK_EINVAL,
                          "%s differs from %s: the inputs are not shards of "
                          "one batch",
                          path, other);
      free(prev);
    } else {
      slot->value = (void *)(uintptr_t)dir;
      rc = sk_fs_write_atomic(outdir, e->d_name, text, len, err);
      if (rc == 0)
        (*copied)++;
    }
    free(text);
  }
  closedir(d);
  return rc;
}

int sk_merge_outputs(const char *const *dirs, size_t n, const char *outdir,
                     const struct sk_summary_merge_opts *o, size_t *copied,
                     struct sk_error *err) {
  struct sk_strmap seen;
  struct sk_summary sum;
  size_t i;
  int rc;

  *copied = 0;
  sk_strmap_init(&seen);
  sk_summary_init(&sum);
  /* The summaries first: a set that is not whole is refused before
   * anything is written. */
  rc = sk_summary_merge(dirs, n, o, &sum, err);
  if (rc == 0)
    rc = sk_fs_mkdirs(outdir, err);
  for (i = 0; rc == 0 && i < n; i++)
    rc = copy_dir(dirs[i], outdir, &seen, copied, err);
  if (rc == 0)
    rc = sk_summary_write(&sum, outdir, err);
  sk_summary_cleanup(&sum);
  sk_strmap_cleanup(&seen, NULL);
  return rc;
}
