/* toolsrc.c: streaming reader of tool records (see toolsrc.h).
 *
 * Records are assembled line by line. The first record of a file decides its
 * shape: complete on its first line means JSON Lines, and every later line is
 * a record of its own; otherwise lines are gathered until a whole value
 * parses (a pretty-printed object or array). cJSON reports where a parse
 * stopped; a stop at the very end of the gathered text means "incomplete,
 * read on", anywhere else means "malformed".
 */
#include "shipskip/model/toolsrc.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum shape { SHAPE_UNKNOWN, SHAPE_LINES, SHAPE_DOCUMENT };

/* cJSON refuses deeper nesting (CJSON_NESTING_LIMIT) anyway. */
#define MAX_NESTING 1000

/* The brackets a record being gathered has open, outside strings (which,
 * as cJSON reads them, may span lines). A multi-line document is handed to
 * cJSON once its brackets close or cannot close (a closer that matches
 * nothing: cJSON then says where), never after every line: parsing the
 * whole record again per line made a 1 MiB document of short lines cost
 * minutes of CPU. */
struct nesting {
  char open[MAX_NESTING]; /* the closer each open bracket expects */
  int depth;
  int in_string;
  int escaped;
  int broken; /* a closer that matches nothing, or too deep */
};

struct sk_toolsrc {
  char **paths; /* inputs still to read, directories expanded in place */
  size_t npaths;
  size_t next;

  FILE *f;     /* the file being read, NULL between files */
  char *name;  /* its name for messages */
  size_t line; /* lines read from it */
  enum shape shape;
  struct sk_buf rec; /* the record being assembled */
  size_t rec_line;   /* the line it started on */
  struct sk_buf linebuf;

  struct nesting nest; /* brackets open in rec, outside strings */

  cJSON *array;      /* an array whose items are being handed out */
  cJSON *array_item; /* the next item to hand out, NULL at the end */
  int array_next;
  size_t array_line;

  char *mem; /* sk_toolsrc_open_mem's copy of the text, read as paths[0] */
  size_t mem_len;
};

static int has_suffix(const char *s, const char *suffix) {
  size_t a = strlen(s);
  size_t b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int is_tool_file(const char *name) {
  return name[0] != '.' &&
         (has_suffix(name, ".json") || has_suffix(name, ".jsonl") ||
          has_suffix(name, ".ndjson"));
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Inserts items at position at of the path list (taking ownership). */
static int insert_paths(struct sk_toolsrc *s, size_t at, char **items,
                        size_t n) {
  char **p = realloc(s->paths, (s->npaths + n) * sizeof(*p));
  if (p == NULL)
    return SK_ENOMEM;
  s->paths = p;
  memmove(p + at + n, p + at, (s->npaths - at) * sizeof(*p));
  memcpy(p + at, items, n * sizeof(*p));
  s->npaths += n;
  return 0;
}

/* Replaces the directory at s->next with its tool files, sorted. */
static int expand_dir(struct sk_toolsrc *s, const char *dir,
                      struct sk_error *err) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char **items = NULL;
  size_t n = 0;
  size_t cap = 0;
  int rc = 0;
  size_t i;

  if (d == NULL)
    return sk_error_set(err, SK_EIO, "%s: cannot read directory: %s", dir,
                        strerror(errno));
  while ((e = readdir(d)) != NULL) {
    char *path;
    size_t len;
    if (!is_tool_file(e->d_name))
      continue;
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      char **p = realloc(items, ncap * sizeof(*p));
      if (p == NULL) {
        rc = sk_error_set(err, SK_ENOMEM, "out of memory");
        goto out;
      }
      items = p;
      cap = ncap;
    }
    len = strlen(dir) + strlen(e->d_name) + 2;
    path = malloc(len);
    if (path == NULL) {
      rc = sk_error_set(err, SK_ENOMEM, "out of memory");
      goto out;
    }
    /* len fits "dir/name", so the join cannot fail. */
    (void)sk_path_join(path, len, dir, e->d_name, NULL);
    items[n++] = path;
  }
  qsort(items, n, sizeof(*items), cmp_str);
  rc = insert_paths(s, s->next, items, n);
  if (rc != 0)
    sk_error_set(err, rc, "out of memory");
  else
    n = 0; /* ownership passed */
out:
  for (i = 0; i < n; i++)
    free(items[i]);
  free(items);
  closedir(d);
  return rc;
}

int sk_toolsrc_open(const char *const *inputs, size_t n,
                    struct sk_toolsrc **out, struct sk_error *err) {
  struct sk_toolsrc *s;
  size_t i;

  *out = NULL;
  for (i = 0; i < n; i++) {
    FILE *f;
    if (strcmp(inputs[i], "-") == 0 || sk_fs_is_dir(inputs[i]))
      continue;
    f = fopen(inputs[i], "rb");
    if (f == NULL)
      return sk_error_set(err, errno == ENOENT ? SK_ENOENT : SK_EIO,
                          "%s: cannot open input: %s", inputs[i],
                          strerror(errno));
    fclose(f);
  }
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  sk_buf_init(&s->rec, SK_TOOLSRC_MAX_RECORD);
  sk_buf_init(&s->linebuf, SK_TOOLSRC_MAX_RECORD);
  s->paths = calloc(n ? n : 1, sizeof(*s->paths));
  if (s->paths == NULL)
    goto nomem;
  for (i = 0; i < n; i++) {
    s->paths[i] = strdup(inputs[i]);
    if (s->paths[i] == NULL)
      goto nomem;
    s->npaths++;
  }
  *out = s;
  return 0;
nomem:
  sk_toolsrc_free(s);
  return sk_error_set(err, SK_ENOMEM, "out of memory");
}

int sk_toolsrc_open_mem(const char *name, const char *text, size_t len,
                        struct sk_toolsrc **out, struct sk_error *err) {
  struct sk_toolsrc *s;
  int rc = sk_toolsrc_open(&name, 0, &s, err);
  *out = NULL;
  if (rc != 0)
    return rc;
  s->mem = malloc(len + 1);
  /* An empty text has no records: no input to open (fmemopen may refuse
   * a size of 0). */
  s->paths[0] = len > 0 ? strdup(name) : NULL;
  if (s->mem == NULL || (len > 0 && s->paths[0] == NULL)) {
    sk_toolsrc_free(s);
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  }
  s->npaths = len > 0 ? 1 : 0;
  memcpy(s->mem, text, len);
  s->mem[len] = '\0';
  s->mem_len = len;
  *out = s;
  return 0;
}

static void close_file(struct sk_toolsrc *s) {
  if (s->f != NULL && s->f != stdin)
    fclose(s->f);
  s->f = NULL;
  free(s->name);
  s->name = NULL;
  sk_buf_reset(&s->rec);
  cJSON_Delete(s->array);
  s->array = NULL;
  s->array_item = NULL;
}

void sk_toolsrc_free(struct sk_toolsrc *s) {
  size_t i;

  if (s == NULL)
    return;
  close_file(s);
  for (i = 0; i < s->npaths; i++)
    free(s->paths[i]);
  free(s->paths);
  free(s->mem);
  sk_buf_cleanup(&s->rec);
  sk_buf_cleanup(&s->linebuf);
  free(s);
}

/* Opens the next input file, expanding directories. Returns 1 when a file is
 * open, 0 when the inputs are exhausted, negative on error. */
static int open_next(struct sk_toolsrc *s, struct sk_error *err) {
  while (s->next < s->npaths) {
    char *path = s->paths[s->next];
    if (s->mem == NULL && strcmp(path, "-") != 0 && sk_fs_is_dir(path)) {
      int rc;
      s->paths[s->next] = NULL;
      s->next++;
      rc = expand_dir(s, path, err);
      free(path);
      if (rc != 0)
        return rc;
      continue;
    }
    s->next++;
    s->line = 0;
    s->shape = SHAPE_UNKNOWN;
    if (s->mem != NULL) {
      /* The in-memory text: a stream over the copy, named as given. */
      s->f = fmemopen(s->mem, s->mem_len, "rb");
      if (s->f == NULL)
        return sk_error_set(err, SK_ENOMEM, "out of memory");
      s->name = strdup(path);
      if (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson"))
        s->shape = SHAPE_LINES;
    } else if (strcmp(path, "-") == 0) {
      s->f = stdin;
      s->name = strdup("<stdin>");
    } else {
      s->f = fopen(path, "rb");
      if (s->f == NULL)
        return sk_error_set(err, SK_EIO, "%s: cannot open: %s", path,
                            strerror(errno));
      s->name = strdup(path);
      if (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson"))
        s->shape = SHAPE_LINES;
    }
    if (s->name == NULL) {
      close_file(s);
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    }
    return 1;
  }
  return 0;
}

/* Reads one line into s->linebuf. Returns 1, 0 at end of file, SK_ETOOBIG
 * for an over-long line (the rest of it is consumed), or SK_EIO. */
static int read_line(struct sk_toolsrc *s) {
  char chunk[8192];
  int toolong = 0;
  int any = 0;

  sk_buf_reset(&s->linebuf);
  while (fgets(chunk, sizeof(chunk), s->f) != NULL) {
    size_t n = strlen(chunk);
    any = 1;
    if (!toolong && sk_buf_add(&s->linebuf, chunk, n) != 0)
      toolong = 1;
    if (n > 0 && chunk[n - 1] == '\n')
      break;
  }
  if (ferror(s->f))
    return SK_EIO;
  if (!any)
    return 0;
  s->line++;
  return toolong ? SK_ETOOBIG : 1;
}

static int only_space(const char *p, const char *end) {
  for (; p < end; p++)
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
      return 0;
  return 1;
}

/* Feeds len more bytes of the record to n. Returns 1 when the record may
 * now be a whole value (so it is worth parsing), 0 when it certainly is
 * not yet. */
static int nesting_feed(struct nesting *n, const char *p, size_t len) {
  size_t i;

  for (i = 0; i < len && !n->broken; i++) {
    char c = p[i];
    if (n->in_string) {
      if (n->escaped)
        n->escaped = 0;
      else if (c == '\\')
        n->escaped = 1;
      else if (c == '"')
        n->in_string = 0;
      continue;
    }
    if (c == '"') {
      n->in_string = 1;
    } else if (c == '{' || c == '[') {
      if (n->depth == MAX_NESTING)
        n->broken = 1;
      else
        n->open[n->depth++] = c == '{' ? '}' : ']';
    } else if (c == '}' || c == ']') {
      if (n->depth == 0 || n->open[n->depth - 1] != c)
        n->broken = 1;
      else
        n->depth--;
    }
  }
  return n->broken || (n->depth == 0 && !n->in_string);
}

/* Hands out the next item of a pending array. */
static int next_array_item(struct sk_toolsrc *s, struct sk_tool **tool,
                           struct sk_error *err) {
  /* Walk the item list with a cursor: cJSON_GetArrayItem() counts from the
   * head each time, which made a 100,000-item array quadratic (seconds of
   * CPU for one 300 KB record). */
  cJSON *item = s->array_item;
  char origin[512];

  if (item == NULL) {
    cJSON_Delete(s->array);
    s->array = NULL;
    return 0;
  }
  s->array_item = item->next;
  s->array_next++;
  snprintf(origin, sizeof(origin), "%s:%zu: item %d", s->name, s->array_line,
           s->array_next);
  return sk_tool_from_json(item, origin, tool, err) == 0 ? 1 : err->code;
}

/* Turns a parsed value into a tool, or starts handing out an array. */
static int take_value(struct sk_toolsrc *s, cJSON *v, struct sk_tool **tool,
                      struct sk_error *err) {
  char origin[512];
  int rc;

  if (cJSON_IsArray(v)) {
    if (cJSON_GetArraySize(v) > SK_TOOLSRC_MAX_ARRAY) {
      cJSON_Delete(v);
      return sk_error_set(err, SK_ETOOBIG,
                          "%s:%zu: array holds more than %d tools; split it "
                          "or use JSON Lines",
                          s->name, s->rec_line, SK_TOOLSRC_MAX_ARRAY);
    }
    s->array = v;
    s->array_item = v->child;
    s->array_next = 0;
    s->array_line = s->rec_line;
    return 2; /* caller asks again */
  }
  snprintf(origin, sizeof(origin), "%s:%zu", s->name, s->rec_line);
  rc = sk_tool_from_json(v, origin, tool, err);
  cJSON_Delete(v);
  return rc == 0 ? 1 : rc;
}

int sk_toolsrc_next(struct sk_toolsrc *s, struct sk_tool **tool,
                    struct sk_error *err) {
  *tool = NULL;
  for (;;) {
    int rc;
    const char *text;
    const char *end = NULL;
    cJSON *v;

    if (s->array != NULL) {
      rc = next_array_item(s, tool, err);
      if (rc != 0)
        return rc;
      continue;
    }
    if (s->f == NULL) {
      rc = open_next(s, err);
      if (rc <= 0)
        return rc;
    }
    rc = read_line(s);
    if (rc == 0) {
      int incomplete = s->rec.len > 0;
      size_t start = s->rec_line;
      char name[256];
      snprintf(name, sizeof(name), "%s", s->name);
      close_file(s);
      if (incomplete)
        return sk_error_set(err, SK_EPARSE,
                            "%s:%zu: JSON record is incomplete at end of file",
                            name, start);
      continue;
    }
    if (rc == SK_EIO) {
      rc = sk_error_set(err, SK_EIO, "%s:%zu: read error", s->name, s->line);
      close_file(s);
      return rc;
    }
    if (rc == SK_ETOOBIG) {
      sk_buf_reset(&s->rec);
      return sk_error_set(err, SK_ETOOBIG,
                          "%s:%zu: line is longer than %d bytes", s->name,
                          s->line, SK_TOOLSRC_MAX_RECORD);
    }
    if (s->rec.len == 0) {
      if (only_space(s->linebuf.data, s->linebuf.data + s->linebuf.len))
        continue;
      s->rec_line = s->line;
      memset(&s->nest, 0, sizeof(s->nest));
    }
    if (sk_buf_add(&s->rec, s->linebuf.data, s->linebuf.len) != 0) {
      size_t start = s->rec_line;
      sk_buf_reset(&s->rec);
      return sk_error_set(err, SK_ETOOBIG,
                          "%s:%zu: record is larger than %d bytes", s->name,
                          start, SK_TOOLSRC_MAX_RECORD);
    }
    if (!nesting_feed(&s->nest, s->linebuf.data, s->linebuf.len) &&
        s->shape != SHAPE_LINES) {
      /* Brackets still open: the value runs on to the next line. */
      if (s->shape == SHAPE_UNKNOWN)
        s->shape = SHAPE_DOCUMENT;
      continue;
    }
    text = s->rec.data;
    v = sk_json_parse(text, s->rec.len, &end);
    if (v != NULL) {
      int single_line = s->line == s->rec_line;
      if (!only_space(end, text + s->rec.len)) {
        cJSON_Delete(v);
        rc = sk_error_set(err, SK_EPARSE,
                          "%s:%zu: unexpected text after the JSON value "
                          "(column %zu)",
                          s->name, s->rec_line, (size_t)(end - text) + 1);
        sk_buf_reset(&s->rec);
        return rc;
      }
      if (s->shape == SHAPE_UNKNOWN)
        s->shape = single_line ? SHAPE_LINES : SHAPE_DOCUMENT;
      sk_buf_reset(&s->rec);
      rc = take_value(s, v, tool, err);
      if (rc == 2)
        continue;
      return rc;
    }
    {
      const char *at = cJSON_GetErrorPtr();
      size_t col = at != NULL && at >= text ? (size_t)(at - text) + 1 : 1;
      int at_end = at == NULL || at >= text + s->rec.len - 1 ||
                   only_space(at, text + s->rec.len);
      if (s->shape != SHAPE_LINES && at_end) {
        /* The value runs on to the next line: keep gathering. */
        if (s->shape == SHAPE_UNKNOWN)
          s->shape = SHAPE_DOCUMENT;
        continue;
      }
      rc = sk_error_set(err, SK_EPARSE, "%s:%zu: malformed JSON (column %zu)",
                        s->name, s->rec_line,
                        s->shape == SHAPE_LINES ? col : col);
      sk_buf_reset(&s->rec);
      return rc;
    }
  }
}

/* Counts records in one file: lines for JSON Lines, top-level objects for
 * JSON (depth-1 "{" inside an array, depth-0 "{" otherwise). */
static long estimate_file(const char *path) {
  FILE *f = fopen(path, "rb");
  long count = 0;
  int c;
  int depth = 0;
  int in_string = 0;
  int escaped = 0;
  int array = 0;
  int lines = has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson");
  int blank = 1;

  if (f == NULL)
    return -1;
  while ((c = getc(f)) != EOF) {
    if (lines) {
      if (c == '\n') {
        count += !blank;
        blank = 1;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        blank = 0;
      }
      continue;
    }
    if (in_string) {
      if (escaped)
        escaped = 0;
      else if (c == '\\')
        escaped = 1;
      else if (c == '"')
        in_string = 0;
      continue;
    }
    if (c == '"') {
      in_string = 1;
    } else if (c == '[' || c == '{') {
      if (depth == 0 && c == '[')
        array = 1;
      if (c == '{' && depth == array)
        count++;
      depth++;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  if (lines && !blank)
    count++;
  fclose(f);
  return count;
}

long sk_toolsrc_estimate(const char *const *inputs, size_t n) {
  long total = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    long k;
    if (strcmp(inputs[i], "-") == 0)
      return -1;
    if (sk_fs_is_dir(inputs[i])) {
      DIR *d = opendir(inputs[i]);
      struct dirent *e;
      if (d == NULL)
        return -1;
      k = 0;
      while ((e = readdir(d)) != NULL) {
        char path[4096];
        long one;
        if (!is_tool_file(e->d_name))
          continue;
        /* A name too long to join is a file this estimate cannot read. */
        one = sk_path_join(path, sizeof(path), inputs[i], e->d_name, NULL) == 0
                  ? estimate_file(path)
                  : -1;
        if (one < 0) {
          k = -1;
          break;
        }
        k += one;
      }
      closedir(d);
    } else {
      k = estimate_file(inputs[i]);
    }
    if (k < 0)
      return -1;
    total += k;
  }
  return total;
}
