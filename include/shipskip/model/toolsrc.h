/* toolsrc.h: a streaming reader of tool records from the inputs named on the
 * command line.
 *
 * An input is a file, a directory (its *.json, *.jsonl and *.ndjson files, in
 * name order, not recursive) or "-" for standard input. A file may hold one
 * JSON object, a JSON array of objects, JSON Lines (one object per line), or
 * several pretty-printed objects one after another. *.jsonl and *.ndjson files
 * are always read line by line, so one torn line cannot swallow the next.
 * Records are read one at a time; memory does not grow with the input: a
 * top-level array is streamed item by item (each item under the record
 * cap), however many items it holds.
 *
 * A bad record is reported with its place ("tools.jsonl:7: field \"name\" is
 * missing") and skipped: the caller reports it and asks for the next one.
 * Bytes are bytes: a NUL byte in the input costs the record holding it
 * (reported with its line), never the record after it.
 *
 * Input that is not a regular file (a pipe, a FIFO, a terminal) may have
 * nothing to read yet. By default the reader waits for it; in non-blocking
 * mode it says SK_EAGAIN instead, and the caller waits for
 * sk_toolsrc_wait_fd() to be readable (an event loop keeps running
 * meanwhile). A FIFO named as an input is opened without waiting for its
 * writer.
 */
#ifndef SHIPSKIP_TOOLSRC_H
#define SHIPSKIP_TOOLSRC_H

#include "shipskip/util/error.h"
#include "shipskip/model/tool.h"

#include <stddef.h>

/* The largest single record (and the longest line, and the largest item of
 * an array) accepted. */
#define SK_TOOLSRC_MAX_RECORD (1024 * 1024)

struct sk_toolsrc;

/* Opens a reader over n inputs (copied). Every input must exist: a missing
 * one fails here with SK_ENOENT, before any record is read. Returns 0 and
 * *out (free with sk_toolsrc_free), or an error. */
int sk_toolsrc_open(const char *const *inputs, size_t n,
                    struct sk_toolsrc **out, struct sk_error *err);

/* Opens a reader over text held in memory (len bytes, copied), read as a
 * file called name would be (name ending in .jsonl or .ndjson: JSON Lines;
 * otherwise any shape above); records' places read "name:LINE". For a tool
 * that never was a file (shipskip draft). Returns 0 and *out (free with
 * sk_toolsrc_free), or SK_ENOMEM. */
int sk_toolsrc_open_mem(const char *name, const char *text, size_t len,
                        struct sk_toolsrc **out, struct sk_error *err);

/* Reads the next record. Returns 1 and *tool (caller frees with
 * sk_tool_free) for a good record; 0 at the end of all inputs; or a negative
 * code with err naming the file and line: SK_EPARSE, SK_EMISSING, SK_ETOOBIG
 * or SK_EIO for a bad record or an unreadable file (report it and call again),
 * SK_ENOMEM (stop). In non-blocking mode also SK_EAGAIN (err untouched):
 * nothing more can be read now; wait for sk_toolsrc_wait_fd() to be
 * readable and call again (a record half read is kept). */
int sk_toolsrc_next(struct sk_toolsrc *s, struct sk_tool **tool,
                    struct sk_error *err);

/* Non-blocking mode on (on != 0) or off (the default). Regular files are
 * read as before either way: reading one never waits for a writer. The
 * descriptor's own flags are left alone (standard input may be shared with
 * a shell): readiness is asked of poll(2) before each read. */
void sk_toolsrc_set_nonblocking(struct sk_toolsrc *s, int on);

/* The descriptor to wait on after SK_EAGAIN, or -1 when there is none. */
int sk_toolsrc_wait_fd(const struct sk_toolsrc *s);

/* Estimates how many records the inputs hold, for a progress display: JSON
 * Lines files count their non-blank lines, JSON files their top-level
 * objects (an array's items), directories their files'. Returns -1 when it
 * cannot tell (standard input, a pipe or FIFO, an unreadable file): only
 * regular files are read, once, holding one line at a time. */
long sk_toolsrc_estimate(const char *const *inputs, size_t n);

/* Closes the reader. NULL-safe. */
void sk_toolsrc_free(struct sk_toolsrc *s);

#endif
