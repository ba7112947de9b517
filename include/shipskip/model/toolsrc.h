/* toolsrc.h: a streaming reader of tool records from the inputs named on the
 * command line.
 *
 * An input is a file, a directory (its *.json, *.jsonl and *.ndjson files, in
 * name order, not recursive) or "-" for standard input. A file may hold one
 * JSON object, a JSON array of objects, JSON Lines (one object per line), or
 * several pretty-printed objects one after another. *.jsonl and *.ndjson files
 * are always read line by line, so one torn line cannot swallow the next.
 * Records are read one at a time; memory does not grow with the input.
 *
 * A bad record is reported with its place ("tools.jsonl:7: field \"name\" is
 * missing") and skipped: the caller reports it and asks for the next one.
 */
#ifndef SHIPSKIP_TOOLSRC_H
#define SHIPSKIP_TOOLSRC_H

#include "shipskip/util/error.h"
#include "shipskip/model/tool.h"

#include <stddef.h>

/* The largest single record (and the longest line) accepted. */
#define SK_TOOLSRC_MAX_RECORD (1024 * 1024)
/* The most tools one JSON array may hold. */
#define SK_TOOLSRC_MAX_ARRAY 100000

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
 * SK_ENOMEM (stop). */
int sk_toolsrc_next(struct sk_toolsrc *s, struct sk_tool **tool,
                    struct sk_error *err);

/* Estimates how many records the inputs hold, for a progress display: JSON
 * Lines files count their non-blank lines, JSON files their top-level
 * objects (an array's items), directories their files'. Returns -1 when it
 * cannot tell (standard input, an unreadable file). Reads the files once,
 * holding one line at a time. */
long sk_toolsrc_estimate(const char *const *inputs, size_t n);

/* Closes the reader. NULL-safe. */
void sk_toolsrc_free(struct sk_toolsrc *s);

#endif
