/* replay_main.c: runs a fuzz target over saved inputs, without libFuzzer.
 *
 *   replay_<target> PATH...
 *
 * Each PATH is an input file or a directory of them (its files in name
 * order, not recursive, names starting with '.' skipped). ctest runs it over
 * tests/fuzz/corpus/<target> and tests/fuzz/regressions/<target>, so every
 * crash a fuzzer ever found is replayed on every build, under ASan when the
 * suite is built with SHIPSKIP_SANITIZE. Exits 0 when every input ran, 2
 * when a path cannot be read; a crash is the target's (abort, signal).
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *data;
  long size;
  if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
      fseek(f, 0, SEEK_SET) != 0) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    if (f != NULL)
      fclose(f);
    return -1;
  }
  /* Exactly size bytes, so ASan sees a read past the input. */
  data = malloc(size > 0 ? (size_t)size : 1);
  if (data == NULL ||
      (size > 0 && fread(data, 1, (size_t)size, f) != (size_t)size)) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    free(data);
    fclose(f);
    return -1;
  }
  fclose(f);
  sk_fuzz_one(data, (size_t)size);
  free(data);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **names = NULL;
  size_t n = 0;
  size_t i;
  int rc = 0;
  if (d == NULL) {
    fprintf(stderr, "replay: cannot read directory %s\n", dir);
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    char **grown;
    if (e->d_name[0] == '.')
      continue;
    grown = realloc(names, (n + 1) * sizeof(*names));
    if (grown == NULL) {
      rc = -1;
      break;
    }
    names = grown;
    names[n] = strdup(e->d_name);
    if (names[n] == NULL) {
      rc = -1;
      break;
    }
    n++;
  }
  closedir(d);
  if (names != NULL)
    qsort(names, n, sizeof(*names), cmp_str);
  for (i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    if (rc == 0 && run_file(path) != 0)
      rc = -1;
    else
      (*count)++;
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    struct stat st;
    size_t count = 0;
    int rc;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
      return 2;
    }
    if (S_ISDIR(st.st_mode)) {
      rc = run_dir(argv[i], &count);
    } else {
      rc = run_file(argv[i]);
      count = rc == 0;
    }
    if (rc != 0)
      return 2;
    fprintf(stderr, "replay: %zu inputs from %s\n", count, argv[i]);
  }
  return 0;
}
