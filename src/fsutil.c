/* fsutil.c: capped file reads, mkdir -p and atomic writes (see fsutil.h). */
#include "shipskip/fsutil.h"

#include <errno.h>
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

int sk_fs_write_atomic(const char *dir, const char *name, const void *data,
                       size_t len, struct sk_error *err) {
  char final[4096];
  char tmp[4096];
  const char *p = data;
  int fd = -1;
  int rc = 0;
  int n;

  if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
    return sk_error_set(err, SK_EINVAL, "refusing unsafe file name \"%s\"",
                        name);
  n = snprintf(final, sizeof(final), "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof(final))
    return sk_error_set(err, SK_EINVAL, "%s/%s: path too long", dir, name);
  n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.%ld", dir, name, (long)getpid());
  if (n < 0 || (size_t)n >= sizeof(tmp))
    return sk_error_set(err, SK_EINVAL, "%s/%s: path too long", dir, name);

  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0)
    return sk_error_set(err, SK_EIO, "%s: cannot create: %s", tmp,
                        strerror(errno));
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      rc = sk_error_set(err, SK_EIO, "%s: write failed: %s", final,
                        strerror(errno));
      goto out;
    }
    p += w;
    len -= (size_t)w;
  }
  /* fsync before rename: after a crash the name points at whole contents. */
  if (fsync(fd) != 0) {
    rc = sk_error_set(err, SK_EIO, "%s: fsync failed: %s", final,
                      strerror(errno));
    goto out;
  }
  if (close(fd) != 0) {
    fd = -1;
    rc = sk_error_set(err, SK_EIO, "%s: close failed: %s", final,
                      strerror(errno));
    goto out;
  }
  fd = -1;
  if (rename(tmp, final) != 0)
    rc = sk_error_set(err, SK_EIO, "%s: rename failed: %s", final,
                      strerror(errno));
out:
  if (fd >= 0)
    close(fd);
  if (rc != 0)
    unlink(tmp);
  return rc;
}
