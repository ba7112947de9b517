/* toolsrc.c: streaming reader of tool records (see toolsrc.h).
 *
 * Bytes come in through one buffer (read(2) on the file's descriptor, or a
 * copy of in-memory text), so a NUL byte is a byte like any other and a
 * record's length is always known. Records are then assembled line by
 * line. The first record of a file decides its shape: complete on its first
 * line means JSON Lines, and every later line is a record of its own;
 * otherwise lines are gathered until a whole value parses (a pretty-printed
 * object). cJSON reports where a parse stopped; a stop at the very end of
 * the gathered text means "incomplete, read on", anywhere else means
 * "malformed".
 *
 * A record that opens with "[" outside JSON Lines is an array, and it is
 * streamed: a small scanner follows strings, escapes and nesting to find
 * where each top-level item ends and hands that item alone to the parser, so
 * memory holds one item (at most the record cap), not the array. An item
 * over the cap is skipped to its end and reported; reading goes on.
 *
 * Every step that needs more bytes can stop with SK_EAGAIN in non-blocking
 * mode and resume where it stopped: the line, record and array state live
 * in the reader, not on the stack.
 */
#include "shipskip/model/toolsrc.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/fsutil.h"
#include "shipskip/util/jsonget.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum shape { SHAPE_UNKNOWN, SHAPE_LINES, SHAPE_DOCUMENT };

/* cJSON refuses deeper nesting (CJSON_NESTING_LIMIT) anyway. */
#define MAX_NESTING 1000

/* Bytes read at a time. */
#define IBUF_SIZE (64 * 1024)

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

/* Where the array scanner is: between items or inside one. */
enum arr_state { ARR_OFF, ARR_VALUE, ARR_SEP, ARR_ITEM };

/* A top-level array being streamed. */
struct arr {
  enum arr_state state;
  size_t line;     /* the line the array opened on */
  size_t end_line; /* (set when it closes) */
  int index;       /* items begun */
  /* The item being scanned. */
  char kind;     /* its first byte: '{', '[', '"' or another (a literal) */
  int depth;     /* brackets open inside it, outside strings */
  int in_string; /* inside a string */
  int escaped;   /* after a backslash in a string */
  int over;      /* passed the cap: its bytes are dropped */
  int nul;       /* held a raw NUL byte */
  int nosep;     /* began where a "," was due */
  size_t seen;   /* its bytes scanned so far */
};

struct sk_toolsrc {
  char **paths; /* inputs still to read, directories expanded in place */
  size_t npaths;
  size_t next;

  int fd;       /* the file being read, -1 between files */
  int own_fd;   /* opened here (closed here); standard input is not */
  int regular;  /* a regular file: a read never waits for a writer */
  int nonblock; /* sk_toolsrc_set_nonblocking() */
  int open;     /* a file is open (fd, or the in-memory text) */
  char *name;   /* its name for messages */
  size_t cur;   /* the line of the next byte */
  size_t line;  /* the line last read */
  enum shape shape;

  char *ibuf; /* bytes read and not yet used: ibuf[ipos, ilen) */
  size_t ipos;
  size_t ilen;

  struct sk_buf linebuf; /* the line being read */
  int line_open;         /* a line is half read */
  int line_toolong;
  int line_any;

  struct sk_buf rec;   /* the record being assembled */
  size_t rec_line;     /* the line it started on */
  int rec_nul;         /* it holds a NUL byte */
  struct nesting nest; /* brackets open in rec, outside strings */

  struct arr arr; /* a top-level array being streamed */

  cJSON *array;      /* an array of one JSON Lines line being handed out */
  cJSON *array_item; /* the next item to hand out, NULL at the end */
  int array_next;
  size_t array_line;

  char *mem; /* sk_toolsrc_open_mem's copy of the text, read as paths[0] */
  size_t mem_len;
  size_t mem_pos;
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

/* Checks that an input can be read, without opening what is not a regular
 * file: opening a FIFO waits for its writer (and closing it again would
 * hang up on one that came). */
static int check_input(const char *path, struct sk_error *err) {
  struct stat st;
  FILE *f;

  if (stat(path, &st) != 0)
    return sk_error_set(err, errno == ENOENT ? SK_ENOENT : SK_EIO,
                        "%s: cannot open input: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode)) {
    if (access(path, R_OK) != 0)
      return sk_error_set(err, SK_EIO, "%s: cannot open input: %s", path,
                          strerror(errno));
    return 0;
  }
  f = fopen(path, "rb");
  if (f == NULL)
    return sk_error_set(err, errno == ENOENT ? SK_ENOENT : SK_EIO,
                        "%s: cannot open input: %s", path, strerror(errno));
  fclose(f);
  return 0;
}

int sk_toolsrc_open(const char *const *inputs, size_t n,
                    struct sk_toolsrc **out, struct sk_error *err) {
  struct sk_toolsrc *s;
  size_t i;

  *out = NULL;
  for (i = 0; i < n; i++) {
    int rc;
    if (strcmp(inputs[i], "-") == 0 || sk_fs_is_dir(inputs[i]))
      continue;
    rc = check_input(inputs[i], err);
    if (rc != 0)
      return rc;
  }
  s = calloc(1, sizeof(*s));
  if (s == NULL)
    return sk_error_set(err, SK_ENOMEM, "out of memory");
  s->fd = -1;
  sk_buf_init(&s->rec, SK_TOOLSRC_MAX_RECORD);
  sk_buf_init(&s->linebuf, SK_TOOLSRC_MAX_RECORD);
  s->ibuf = malloc(IBUF_SIZE);
  s->paths = calloc(n ? n : 1, sizeof(*s->paths));
  if (s->paths == NULL || s->ibuf == NULL)
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
  /* An empty text has no records: no input to open. */
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

void sk_toolsrc_set_nonblocking(struct sk_toolsrc *s, int on) {
  s->nonblock = on != 0;
}

int sk_toolsrc_wait_fd(const struct sk_toolsrc *s) {
  return s->open && s->mem == NULL ? s->fd : -1;
}

/* Forgets the file being read and everything half read from it. */
static void close_file(struct sk_toolsrc *s) {
  if (s->own_fd && s->fd >= 0)
    close(s->fd);
  s->fd = -1;
  s->own_fd = 0;
  s->open = 0;
  free(s->name);
  s->name = NULL;
  s->ipos = s->ilen = 0;
  s->line_open = 0;
  sk_buf_reset(&s->rec);
  s->rec_nul = 0;
  memset(&s->arr, 0, sizeof(s->arr));
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
  free(s->ibuf);
  sk_buf_cleanup(&s->rec);
  sk_buf_cleanup(&s->linebuf);
  free(s);
}

/* Opens path (or standard input for "-") as s's file. */
static int open_fd(struct sk_toolsrc *s, const char *path,
                   struct sk_error *err) {
  struct stat st;

  if (strcmp(path, "-") == 0) {
    s->fd = STDIN_FILENO;
    s->name = strdup("<stdin>");
  } else {
    /* O_NONBLOCK: a FIFO opens at once instead of waiting for a writer;
     * poll(2) then says when there is something to read. The description
     * is ours alone, so the flag bothers nobody. */
    s->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
      return sk_error_set(err, SK_EIO, "%s: cannot open: %s", path,
                          strerror(errno));
    s->own_fd = 1;
    s->name = strdup(path);
  }
  s->regular = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
  return 0;
}

/* Opens the next input file, expanding directories. Returns 1 when a file is
 * open, 0 when the inputs are exhausted, negative on error. */
static int open_next(struct sk_toolsrc *s, struct sk_error *err) {
  while (s->next < s->npaths) {
    char *path = s->paths[s->next];
    int rc;
    if (s->mem == NULL && strcmp(path, "-") != 0 && sk_fs_is_dir(path)) {
      s->paths[s->next] = NULL;
      s->next++;
      rc = expand_dir(s, path, err);
      free(path);
      if (rc != 0)
        return rc;
      continue;
    }
    s->next++;
    s->cur = 1;
    s->line = 0;
    s->shape = SHAPE_UNKNOWN;
    s->ipos = s->ilen = 0;
    if (s->mem != NULL) {
      /* The in-memory text, named as given. */
      s->mem_pos = 0;
      s->regular = 1;
      s->name = strdup(path);
    } else {
      rc = open_fd(s, path, err);
      if (rc != 0)
        return rc;
    }
    s->open = 1;
    if (s->name == NULL) {
      close_file(s);
      return sk_error_set(err, SK_ENOMEM, "out of memory");
    }
    if (strcmp(path, "-") != 0 &&
        (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson")))
      s->shape = SHAPE_LINES;
    return 1;
  }
  return 0;
}

/* Waits (or, non-blocking, checks) until s->fd has something to read or
 * has hung up. Returns 1 when a read will not wait, or SK_EAGAIN. */
static int ready(struct sk_toolsrc *s) {
  for (;;) {
    struct pollfd p;
    int n;
    p.fd = s->fd;
    p.events = POLLIN;
    p.revents = 0;
    n = poll(&p, 1, s->nonblock ? 0 : -1);
    if (n > 0)
      return 1;
    if (n == 0 || (errno == EINTR && s->nonblock))
      return SK_EAGAIN;
    if (errno != EINTR)
      return 1; /* let read() say what is wrong */
  }
}

/* Reads more bytes into the buffer, keeping the unused ones. Returns 1,
 * 0 at the end of the file, SK_EAGAIN or SK_EIO. */
static int fill(struct sk_toolsrc *s) {
  size_t room;
  ssize_t n;

  if (s->ipos > 0) {
    memmove(s->ibuf, s->ibuf + s->ipos, s->ilen - s->ipos);
    s->ilen -= s->ipos;
    s->ipos = 0;
  }
  room = IBUF_SIZE - s->ilen;
  if (s->mem != NULL) {
    size_t k = s->mem_len - s->mem_pos < room ? s->mem_len - s->mem_pos : room;
    memcpy(s->ibuf + s->ilen, s->mem + s->mem_pos, k);
    s->mem_pos += k;
    s->ilen += k;
    return k > 0;
  }
  for (;;) {
    if (!s->regular && ready(s) == SK_EAGAIN)
      return SK_EAGAIN;
    n = read(s->fd, s->ibuf + s->ilen, room);
    if (n > 0) {
      s->ilen += (size_t)n;
      return 1;
    }
    if (n == 0)
      return 0;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (s->nonblock)
        return SK_EAGAIN;
      continue; /* poll() again, waiting */
    }
    if (errno != EINTR)
      return SK_EIO;
  }
}

/* Reads one line into s->linebuf, resuming a half-read one. Returns 1, 0
 * at end of file, SK_ETOOBIG for an over-long line (the rest of it is
 * consumed), SK_EAGAIN (the line stays half read) or SK_EIO. */
static int read_line(struct sk_toolsrc *s) {
  if (!s->line_open) {
    sk_buf_reset(&s->linebuf);
    s->line_open = 1;
    s->line_toolong = 0;
    s->line_any = 0;
    s->line = s->cur;
  }
  for (;;) {
    const char *p = s->ibuf + s->ipos;
    const char *nl;
    size_t n;
    if (s->ipos == s->ilen) {
      int rc = fill(s);
      if (rc < 0)
        return rc;
      if (rc == 0) {
        s->line_open = 0;
        if (!s->line_any)
          return 0;
        return s->line_toolong ? SK_ETOOBIG : 1;
      }
      continue;
    }
    nl = memchr(p, '\n', s->ilen - s->ipos);
    n = nl != NULL ? (size_t)(nl - p) + 1 : s->ilen - s->ipos;
    s->line_any = 1;
    if (!s->line_toolong && sk_buf_add(&s->linebuf, p, n) != 0)
      s->line_toolong = 1;
    s->ipos += n;
    if (nl != NULL) {
      s->cur++;
      s->line_open = 0;
      return s->line_toolong ? SK_ETOOBIG : 1;
    }
  }
}

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int only_space(const char *p, const char *end) {
  for (; p < end; p++)
    if (!is_space(*p))
      return 0;
  return 1;
}

/* At the start of a record: skips blank lines and says whether the record
 * opens with "[" (then consumed, with the spaces before it). Spaces before
 * anything else on its line are kept for the line reader, so columns in
 * messages stay right. Returns 1 for an array, 0 for anything else
 * (including the end of the file), SK_EAGAIN or SK_EIO. */
static int array_ahead(struct sk_toolsrc *s) {
  for (;;) {
    size_t i = s->ipos;
    int rc;
    while (i < s->ilen && is_space(s->ibuf[i])) {
      if (s->ibuf[i] == '\n') {
        s->ipos = i + 1;
        s->cur++;
      }
      i++;
    }
    if (i < s->ilen) {
      if (s->ibuf[i] != '[')
        return 0;
      s->ipos = i + 1;
      return 1;
    }
    if (s->ilen - s->ipos == IBUF_SIZE)
      s->ipos = s->ilen; /* a buffer of spaces on one line: let them go */
    rc = fill(s);
    if (rc <= 0)
      return rc;
  }
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

/* ---- streaming a top-level array ---------------------------------------- */

/* Scans the item being read over buf[0, len) and returns how many bytes
 * belong to it; *done is set when the item ends there. A container ends
 * with the closer that brings its depth back to 0, a string with its
 * closing quote, a literal (a number, true, ...) before white space, "," or
 * a closer. Any closer counts for depth: a mismatch inside an item is the
 * parser's to report, and the item still ends. */
static size_t item_scan(struct arr *a, const char *buf, size_t len,
                        size_t *newlines, int *done) {
  size_t i;

  *done = 0;
  for (i = 0; i < len; i++) {
    char c = buf[i];
    if (c == '\n')
      (*newlines)++;
    if (c == '\0')
      a->nul = 1;
    if (a->in_string) {
      if (a->escaped)
        a->escaped = 0;
      else if (c == '\\')
        a->escaped = 1;
      else if (c == '"') {
        a->in_string = 0;
        if (a->depth == 0) {
          *done = 1;
          return i + 1;
        }
      }
      continue;
    }
    if (a->kind != '{' && a->kind != '[' && a->kind != '"') {
      /* The item's first byte is always its own, so a stray "," or "}"
       * is an item of one byte and the scan moves on. */
      if ((a->seen > 0 || i > 0) &&
          (is_space(c) || c == ',' || c == ']' || c == '}')) {
        *done = 1;
        if (c == '\n')
          (*newlines)--; /* not consumed */
        return i;
      }
      continue;
    }
    if (c == '"') {
      a->in_string = 1;
    } else if (c == '{' || c == '[') {
      a->depth++;
    } else if (c == '}' || c == ']') {
      a->depth--;
      if (a->depth <= 0) {
        *done = 1;
        return i + 1;
      }
    }
  }
  return len;
}

/* Turns the item just scanned (in s->rec) into a tool or a reported bad
 * record. Returns 1 or a negative code. */
static int item_done(struct sk_toolsrc *s, struct sk_tool **tool,
                     struct sk_error *err) {
  struct arr *a = &s->arr;
  char origin[512];
  const char *end = NULL;
  cJSON *v;
  int rc;

  a->state = ARR_SEP;
  snprintf(origin, sizeof(origin), "%s:%zu: item %d", s->name, a->line,
           a->index);
  if (a->over)
    rc = sk_error_set(err, SK_ETOOBIG, "%s is larger than %d bytes", origin,
                      SK_TOOLSRC_MAX_RECORD);
  else if (a->nul)
    rc = sk_error_set(err, SK_EPARSE,
                      "%s holds a NUL byte; a record cannot hold one", origin);
  else if (a->nosep)
    rc = sk_error_set(err, SK_EPARSE, "%s: a \",\" is missing before it",
                      origin);
  else {
    v = sk_json_parse(s->rec.data, s->rec.len, &end);
    if (v == NULL || !only_space(end, s->rec.data + s->rec.len)) {
      cJSON_Delete(v);
      rc = sk_error_set(err, SK_EPARSE, "%s: malformed JSON", origin);
    } else {
      rc = sk_tool_from_json(v, origin, tool, err) == 0 ? 1 : err->code;
      cJSON_Delete(v);
    }
  }
  sk_buf_reset(&s->rec);
  return rc;
}

/* Between items: skips white space, takes "," and the closing "]", and
 * starts the next item. Returns 1 when an item has begun, 2 when the array
 * closed, 3 for an empty item (a "," where an item was due), 0 when the
 * buffer ran out. */
static int between_items(struct sk_toolsrc *s) {
  struct arr *a = &s->arr;
  while (s->ipos < s->ilen) {
    char c = s->ibuf[s->ipos];
    if (is_space(c)) {
      if (c == '\n')
        s->cur++;
      s->ipos++;
      continue;
    }
    if (c == ']') {
      /* "[]", "[1]" and (leniently) "[1,]" all close here. */
      s->ipos++;
      a->state = ARR_OFF;
      a->end_line = s->cur;
      return 2;
    }
    if (c == ',') {
      s->ipos++;
      if (a->state == ARR_SEP) {
        a->state = ARR_VALUE;
        continue;
      }
      a->index++; /* ",," or "[,": an empty item */
      return 3;
    }
    /* Anything else begins an item; where a "," was due, the item is
     * reported for it rather than the byte alone, so each report costs at
     * least one item's bytes. */
    a->nosep = a->state == ARR_SEP;
    a->kind = c;
    a->depth = 0;
    a->in_string = 0;
    a->escaped = 0;
    a->over = 0;
    a->nul = 0;
    a->seen = 0;
    a->index++;
    a->state = ARR_ITEM;
    sk_buf_reset(&s->rec);
    return 1;
  }
  return 0;
}

/* Streams the open array. Returns 1 and *tool, a negative code for a bad
 * item (reported), 2 when the array has closed, or SK_EAGAIN/SK_EIO. */
static int array_next(struct sk_toolsrc *s, struct sk_tool **tool,
                      struct sk_error *err) {
  struct arr *a = &s->arr;
  for (;;) {
    int rc;
    if (s->ipos == s->ilen) {
      rc = fill(s);
      if (rc < 0)
        return rc;
      if (rc == 0) {
        rc = sk_error_set(err, SK_EPARSE,
                          "%s:%zu: JSON array is not closed at end of file "
                          "(item %d %s)",
                          s->name, a->line, a->index,
                          a->state == ARR_ITEM ? "is incomplete" : "was last");
        a->state = ARR_OFF;
        sk_buf_reset(&s->rec);
        return rc;
      }
    }
    if (a->state != ARR_ITEM) {
      rc = between_items(s);
      if (rc == 2)
        return 2;
      if (rc == 3)
        return sk_error_set(err, SK_EPARSE,
                            "%s:%zu: item %d is empty (a \",\" where an item "
                            "was due)",
                            s->name, a->line, a->index);
      continue;
    }
    {
      int done;
      size_t nl = 0;
      size_t n = item_scan(a, s->ibuf + s->ipos, s->ilen - s->ipos, &nl, &done);
      if (!a->over && sk_buf_add(&s->rec, s->ibuf + s->ipos, n) != 0) {
        a->over = 1; /* skipped to its end, then reported */
        sk_buf_reset(&s->rec);
      }
      s->ipos += n;
      s->cur += nl;
      a->seen += n;
      if (done)
        return item_done(s, tool, err);
    }
  }
}

/* ---- records ------------------------------------------------------------ */

/* Hands out the next item of a pending array (one JSON Lines line). */
static int next_array_item(struct sk_toolsrc *s, struct sk_tool **tool,
                           struct sk_error *err) {
  /* Walk the item list with a cursor: cJSON_GetArrayItem() counts from the
   * head each time, which made a long array quadratic. */
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

/* Parses the gathered record. Returns what take_value() does, 2 to read
 * on (a value running on to the next line), or a reported error. */
static int parse_record(struct sk_toolsrc *s, struct sk_tool **tool,
                        struct sk_error *err) {
  const char *text = s->rec.data;
  const char *end = NULL;
  const char *at;
  cJSON *v;
  int rc;

  if (s->rec_nul) {
    /* cJSON would read up to the NUL and drop the rest unseen. */
    const char *nul = memchr(text, '\0', s->rec.len);
    rc = sk_error_set(err, SK_EPARSE,
                      "%s:%zu: NUL byte in the input (column %zu); a record "
                      "cannot hold one",
                      s->name, s->rec_line, (size_t)(nul - text) + 1);
    sk_buf_reset(&s->rec);
    return rc;
  }
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
    return take_value(s, v, tool, err);
  }
  at = cJSON_GetErrorPtr();
  if (s->shape != SHAPE_LINES && (at == NULL || at >= text + s->rec.len - 1 ||
                                  only_space(at, text + s->rec.len))) {
    /* The value runs on to the next line: keep gathering. */
    if (s->shape == SHAPE_UNKNOWN)
      s->shape = SHAPE_DOCUMENT;
    return 2;
  }
  rc = sk_error_set(err, SK_EPARSE, "%s:%zu: malformed JSON (column %zu)",
                    s->name, s->rec_line,
                    at != NULL && at >= text ? (size_t)(at - text) + 1 : 1);
  sk_buf_reset(&s->rec);
  return rc;
}

/* Adds the line just read to the record. Returns 2 to read on, or what
 * parse_record() returns. */
static int take_line(struct sk_toolsrc *s, struct sk_tool **tool,
                     struct sk_error *err) {
  const char *p = s->linebuf.data;
  size_t n = s->linebuf.len;

  if (s->rec.len == 0) {
    if (only_space(p, p + n))
      return 2;
    s->rec_line = s->line;
    s->rec_nul = 0;
    memset(&s->nest, 0, sizeof(s->nest));
  }
  if (sk_buf_add(&s->rec, p, n) != 0) {
    size_t start = s->rec_line;
    sk_buf_reset(&s->rec);
    return sk_error_set(err, SK_ETOOBIG,
                        "%s:%zu: record is larger than %d bytes", s->name,
                        start, SK_TOOLSRC_MAX_RECORD);
  }
  if (memchr(p, '\0', n) != NULL)
    s->rec_nul = 1;
  if (!nesting_feed(&s->nest, p, n) && s->shape != SHAPE_LINES) {
    /* Brackets still open: the value runs on to the next line. */
    if (s->shape == SHAPE_UNKNOWN)
      s->shape = SHAPE_DOCUMENT;
    return 2;
  }
  return parse_record(s, tool, err);
}

/* The end of the file: reports a record left open, and closes the file.
 * Returns 2 (read on) or the report. */
static int end_of_file(struct sk_toolsrc *s, struct sk_error *err) {
  int incomplete = s->rec.len > 0;
  size_t start = s->rec_line;
  char name[256];

  snprintf(name, sizeof(name), "%s", s->name);
  close_file(s);
  if (incomplete)
    return sk_error_set(err, SK_EPARSE,
                        "%s:%zu: JSON record is incomplete at end of file",
                        name, start);
  return 2;
}

/* A read failed: the file is reported and closed. */
static int read_failed(struct sk_toolsrc *s, struct sk_error *err) {
  int rc = sk_error_set(err, SK_EIO, "%s:%zu: read error", s->name, s->cur);
  close_file(s);
  return rc;
}

/* One step of reading the open file. Returns 2 to step again, or what
 * sk_toolsrc_next() returns. */
static int step(struct sk_toolsrc *s, struct sk_tool **tool,
                struct sk_error *err) {
  int rc;

  if (s->arr.state != ARR_OFF) {
    rc = array_next(s, tool, err);
    if (rc == 2 && s->shape == SHAPE_UNKNOWN)
      s->shape = s->arr.end_line == s->arr.line ? SHAPE_LINES : SHAPE_DOCUMENT;
    return rc == SK_EIO ? read_failed(s, err) : rc;
  }
  if (s->rec.len == 0 && !s->line_open && s->shape != SHAPE_LINES) {
    rc = array_ahead(s);
    if (rc == 1) {
      memset(&s->arr, 0, sizeof(s->arr));
      s->arr.state = ARR_VALUE;
      s->arr.line = s->cur;
      return 2;
    }
    if (rc < 0)
      return rc == SK_EIO ? read_failed(s, err) : rc;
  }
  rc = read_line(s);
  if (rc == 0)
    return end_of_file(s, err);
  if (rc == SK_EAGAIN)
    return rc;
  if (rc == SK_EIO)
    return read_failed(s, err);
  if (rc == SK_ETOOBIG) {
    sk_buf_reset(&s->rec);
    return sk_error_set(err, SK_ETOOBIG, "%s:%zu: line is longer than %d bytes",
                        s->name, s->line, SK_TOOLSRC_MAX_RECORD);
  }
  return take_line(s, tool, err);
}

int sk_toolsrc_next(struct sk_toolsrc *s, struct sk_tool **tool,
                    struct sk_error *err) {
  *tool = NULL;
  for (;;) {
    int rc;
    if (s->array != NULL) {
      rc = next_array_item(s, tool, err);
      if (rc != 0)
        return rc;
      continue;
    }
    if (!s->open) {
      rc = open_next(s, err);
      if (rc <= 0)
        return rc;
    }
    rc = step(s, tool, err);
    if (rc != 2)
      return rc;
  }
}

/* Counts records in one file: lines for JSON Lines, top-level objects for
 * JSON (depth-1 "{" inside an array, depth-0 "{" otherwise). */
static long estimate_file(const char *path) {
  struct stat st;
  FILE *f;
  long count = 0;
  int c;
  int depth = 0;
  int in_string = 0;
  int escaped = 0;
  int array = 0;
  int lines = has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson");
  int blank = 1;

  /* A pipe or FIFO would be read up (or waited on) by counting. */
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return -1;
  f = fopen(path, "rb");
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
