/* fsutil.h: the few file-system operations shipskip needs, each with errors
 * that name the path: reading a whole file under a size cap, creating an
 * output directory, and writing a file atomically (temporary name in the same
 * directory, every write and close checked, fsync, then rename), so a reader
 * never sees a half-written scorecard and a full disk is an error, not a
 * truncated file.
 */
#ifndef SHIPSKIP_FSUTIL_H
#define SHIPSKIP_FSUTIL_H

#include "shipskip/error.h"

#include <stddef.h>

/* Reads all of path into a new NUL-terminated heap buffer (*out, free() it)
 * of *len bytes. Fails with SK_ENOENT, SK_EIO, SK_ETOOBIG past cap bytes, or
 * SK_ENOMEM; err names the path. */
int sk_fs_read_file(const char *path, size_t cap, char **out, size_t *len,
                    struct sk_error *err);

/* Creates directory path and its missing parents (mode 0777 less umask).
 * Succeeds if it already exists as a directory. */
int sk_fs_mkdirs(const char *path, struct sk_error *err);

/* Writes len bytes to dir/name atomically. name must be a plain file name
 * (no '/', not starting with '.'); anything else is SK_EINVAL, so a crafted
 * name cannot escape dir. On failure the previous file, if any, is intact and
 * the temporary file is removed. */
int sk_fs_write_atomic(const char *dir, const char *name, const void *data,
                       size_t len, struct sk_error *err);

/* Returns 1 if path is an existing directory, else 0. */
int sk_fs_is_dir(const char *path);

#endif
