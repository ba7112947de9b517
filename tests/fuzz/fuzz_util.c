/* fuzz_util.c: scratch directory, source directory and failure reporting
 * for the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SK_FUZZ_SOURCE_DIR
#define SK_FUZZ_SOURCE_DIR "."
#endif

static char tmpdir[512];

const char *sk_fuzz_source_dir(void) {
  const char *s = getenv("SK_SOURCE_DIR");
  return s != NULL && s[0] != '\0' ? s : SK_FUZZ_SOURCE_DIR;
}

/* Empties and removes the scratch directory. It holds only flat files the
 * targets wrote, so one level is enough. */
static void remove_tmpdir(void) {
  DIR *d = opendir(tmpdir);
  struct dirent *e;
  if (d != NULL) {
    while ((e = readdir(d)) != NULL) {
      char path[1024];
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(tmpdir);
}

const char *sk_fuzz_tmpdir(void) {
  if (tmpdir[0] == '\0') {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof(tmpdir), "%s/sk-fuzz-XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL)
      sk_fuzz_fail("cannot make a scratch directory under %s",
                   base != NULL ? base : "/tmp");
    atexit(remove_tmpdir);
  }
  return tmpdir;
}

void sk_fuzz_write(const char *name, const uint8_t *data, size_t size) {
  char path[1024];
  FILE *f;
  snprintf(path, sizeof(path), "%s/%s", sk_fuzz_tmpdir(), name);
  f = fopen(path, "wb");
  if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) ||
      fclose(f) != 0)
    sk_fuzz_fail("cannot write %s", path);
}

void sk_fuzz_fail(const char *fmt, ...) {
  va_list ap;
  fputs("fuzz invariant broken: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}
