/* rowspill.c: summary rows as sorted runs in one unlinked temporary file,
 * merged back in slug order (see rowspill.h).
 *
 * A row on disk is a fixed head (the numbers and the lengths of the three
 * strings) followed by the strings without their NULs. The file is read and
 * written only by this process, so the head is stored in the machine's own
 * layout.
 */
#include "shipskip/review/rowspill.h"
#include "shipskip/util/buf.h"
#include "shipskip/util/fsutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BUF 4096
#define WRITE_BUF (64 * 1024)
#define NO_STR UINT32_MAX /* a NULL string */
#define STR_CAP ((uint32_t)1 << 24)

/* One sorted run: bytes [off, end) of the file. */
struct run {
  uint64_t off;
  uint64_t end;
};

struct sk_rowspill {
  char *dir;
  char path[4096]; /* "" until the file is made */
  int fd;
  uint64_t end;
  struct run *runs;
  size_t nruns;
  size_t cap;
  size_t rows;
};

/* A row's fixed part; its slug, verdict and failures follow. */
struct head {
  int32_t ships;
  int32_t skips;
  int32_t failed;
  int32_t reviewers;
  int32_t ship_percent;
  uint32_t len[3]; /* slug, verdict, failures; NO_STR for NULL */
  double mean_score;
  int64_t prompt_tokens;
  int64_t completion_tokens;
  double cost_usd;
};

/* Reads one run through a small buffer, a row at a time. */
struct reader {
  int fd;
  uint64_t pos; /* next byte to pull from the file */
  uint64_t end;
  size_t at;
  size_t have;
  int live; /* row holds the run's current row */
  struct sk_summary_row row;
  char buf[READ_BUF];
};

struct sk_rowspill_walk {
  struct sk_rowspill *sp;
  struct reader *rd;
  size_t n;
  struct reader *cur; /* the reader whose row went out last */
};

struct sk_rowspill *sk_rowspill_new(const char *dir) {
  struct sk_rowspill *sp = calloc(1, sizeof(*sp));
  if (sp == NULL)
    return NULL;
  sp->fd = -1;
  sp->dir = strdup(dir);
  if (sp->dir == NULL) {
    free(sp);
    return NULL;
  }
  return sp;
}

void sk_rowspill_free(struct sk_rowspill *sp) {
  if (sp == NULL)
    return;
  if (sp->fd >= 0)
    close(sp->fd);
  free(sp->runs);
  free(sp->dir);
  free(sp);
}

size_t sk_rowspill_rows(const struct sk_rowspill *sp) {
  return sp->rows;
}

/* Makes the file, and takes its name out of the folder at once: it lives
 * on through fd, and a crash leaves nothing in OUTDIR to be mistaken for
 * an output. */
static int make_file(struct sk_rowspill *sp, struct sk_error *err) {
  int rc = sk_path_join(sp->path, sizeof(sp->path), sp->dir,
                        ".summary-rows.XXXXXX", err);
  if (rc != 0)
    return rc;
  sp->fd = mkstemp(sp->path);
  if (sp->fd < 0)
    return sk_error_set(err, SK_EIO, "%s: cannot create: %s", sp->path,
                        strerror(errno));
  (void)unlink(sp->path);
  return 0;
}

/* Appends b to the file (sp->end moves on) and empties b. */
static int append(struct sk_rowspill *sp, struct sk_buf *b,
                  struct sk_error *err) {
  const char *p = b->data;
  size_t len = b->len;

  while (len > 0) {
    ssize_t w;
    if (sk_fs_fault_enospc()) {
      /* Injected (tests): the write fails as on a full disk. */
      w = -1;
      errno = ENOSPC;
    } else {
      w = pwrite(sp->fd, p, len, (off_t)sp->end);
    }
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return sk_error_set(err, SK_EIO, "%s: cannot write summary rows: %s",
                          sp->path, w < 0 ? strerror(errno) : "no progress");
    p += w;
    len -= (size_t)w;
    sp->end += (uint64_t)w;
  }
  sk_buf_reset(b);
  return 0;
}

static uint32_t str_len(const char *s) {
  return s != NULL ? (uint32_t)strlen(s) : NO_STR;
}

/* Adds r, as it is stored, to b. Returns 0 or SK_ENOMEM. */
static int encode(struct sk_buf *b, const struct sk_summary_row *r) {
  const char *str[3];
  struct head h;
  int i;
  int rc;

  str[0] = r->slug;
  str[1] = r->verdict;
  str[2] = r->failures;
  memset(&h, 0, sizeof(h));
  h.ships = r->ships;
  h.skips = r->skips;
  h.failed = r->failed;
  h.reviewers = r->reviewers;
  h.ship_percent = r->ship_percent;
  h.mean_score = r->mean_score;
  h.prompt_tokens = r->prompt_tokens;
  h.completion_tokens = r->completion_tokens;
  h.cost_usd = r->cost_usd;
  for (i = 0; i < 3; i++)
    h.len[i] = str_len(str[i]);
  rc = sk_buf_add(b, &h, sizeof(h));
  for (i = 0; i < 3 && rc == 0; i++)
    if (str[i] != NULL)
      rc = sk_buf_add(b, str[i], h.len[i]);
  return rc != 0 ? SK_ENOMEM : 0;
}

/* Records [off, sp->end) as a run. */
static int add_run(struct sk_rowspill *sp, uint64_t off) {
  if (sp->nruns == sp->cap) {
    size_t ncap = sp->cap ? sp->cap * 2 : 16;
    struct run *p = realloc(sp->runs, ncap * sizeof(*p));
    if (p == NULL)
      return SK_ENOMEM;
    sp->runs = p;
    sp->cap = ncap;
  }
  sp->runs[sp->nruns].off = off;
  sp->runs[sp->nruns].end = sp->end;
  sp->nruns++;
  return 0;
}

static int cmp_row(const void *a, const void *b) {
  return strcmp(((const struct sk_summary_row *)a)->slug,
                ((const struct sk_summary_row *)b)->slug);
}

int sk_rowspill_put(struct sk_rowspill *sp, struct sk_summary_row *rows,
                    size_t n, struct sk_error *err) {
  struct sk_buf b;
  uint64_t off;
  size_t i;
  int rc = 0;

  if (n == 0)
    return 0;
  if (sp->fd < 0)
    rc = make_file(sp, err);
  if (rc != 0)
    return rc;
  if (n > 1)
    qsort(rows, n, sizeof(*rows), cmp_row);
  off = sp->end;
  sk_buf_init(&b, (size_t)1 << 30);
  for (i = 0; i < n && rc == 0; i++) {
    rc = encode(&b, &rows[i]);
    if (rc != 0)
      rc = sk_error_set(err, SK_ENOMEM, "summary: out of memory");
    else if (b.len >= WRITE_BUF || i + 1 == n)
      rc = append(sp, &b, err);
  }
  sk_buf_cleanup(&b);
  if (rc == 0 && add_run(sp, off) != 0)
    rc = sk_error_set(err, SK_ENOMEM, "summary: out of memory");
  if (rc == 0)
    sp->rows += n;
  return rc;
}

static void clear_row(struct sk_summary_row *r) {
  free(r->slug);
  free(r->verdict);
  free(r->failures);
  memset(r, 0, sizeof(*r));
}

/* Copies the next n bytes of the run to dst. */
static int rd_get(const struct sk_rowspill *sp, struct reader *r, void *dst,
                  size_t n, struct sk_error *err) {
  char *d = dst;
  while (n > 0) {
    size_t k;
    if (r->at == r->have) {
      size_t want = READ_BUF;
      ssize_t got;
      if (r->end - r->pos < want)
        want = (size_t)(r->end - r->pos);
      if (want == 0)
        return sk_error_set(err, SK_EIO, "%s: summary rows cut short",
                            sp->path);
      got = pread(r->fd, r->buf, want, (off_t)r->pos);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return sk_error_set(err, SK_EIO, "%s: cannot read summary rows: %s",
                            sp->path, got < 0 ? strerror(errno) : "end");
      r->pos += (uint64_t)got;
      r->at = 0;
      r->have = (size_t)got;
    }
    k = r->have - r->at < n ? r->have - r->at : n;
    memcpy(d, r->buf + r->at, k);
    r->at += k;
    d += k;
    n -= k;
  }
  return 0;
}

/* Reads a string of len bytes into *out (NULL for NO_STR). */
static int rd_str(const struct sk_rowspill *sp, struct reader *r, uint32_t len,
                  char **out, struct sk_error *err) {
  int rc;
  *out = NULL;
  if (len == NO_STR)
    return 0;
  if (len > STR_CAP)
    return sk_error_set(err, SK_EIO, "%s: summary rows damaged", sp->path);
  *out = malloc((size_t)len + 1);
  if (*out == NULL)
    return sk_error_set(err, SK_ENOMEM, "summary: out of memory");
  rc = rd_get(sp, r, *out, len, err);
  (*out)[len] = '\0';
  return rc;
}

/* Moves r to its run's next row: 1, 0 at the run's end (r->live is 0
 * then), or an error. */
static int rd_next(const struct sk_rowspill *sp, struct reader *r,
                   struct sk_error *err) {
  struct sk_summary_row *row = &r->row;
  struct head h;
  int rc;

  clear_row(row);
  r->live = 0;
  if (r->at == r->have && r->pos == r->end)
    return 0;
  rc = rd_get(sp, r, &h, sizeof(h), err);
  if (rc == 0)
    rc = rd_str(sp, r, h.len[0], &row->slug, err);
  if (rc == 0)
    rc = rd_str(sp, r, h.len[1], &row->verdict, err);
  if (rc == 0)
    rc = rd_str(sp, r, h.len[2], &row->failures, err);
  if (rc == 0 && row->slug == NULL)
    rc = sk_error_set(err, SK_EIO, "%s: summary rows damaged", sp->path);
  if (rc != 0)
    return rc;
  row->ships = h.ships;
  row->skips = h.skips;
  row->failed = h.failed;
  row->reviewers = h.reviewers;
  row->ship_percent = h.ship_percent;
  row->mean_score = h.mean_score;
  row->prompt_tokens = (long)h.prompt_tokens;
  row->completion_tokens = (long)h.completion_tokens;
  row->cost_usd = h.cost_usd;
  r->live = 1;
  return 1;
}

/* A walk over runs[0..n), each reader on its first row. */
static int walk_start(struct sk_rowspill *sp, const struct run *runs, size_t n,
                      struct sk_rowspill_walk **out, struct sk_error *err) {
  struct sk_rowspill_walk *w = calloc(1, sizeof(*w));
  size_t i;
  int rc = 0;

  *out = NULL;
  if (w != NULL)
    w->rd = calloc(n ? n : 1, sizeof(*w->rd));
  if (w == NULL || w->rd == NULL) {
    free(w);
    return sk_error_set(err, SK_ENOMEM, "summary: out of memory");
  }
  w->sp = sp;
  w->n = n;
  for (i = 0; i < n && rc >= 0; i++) {
    w->rd[i].fd = sp->fd;
    w->rd[i].pos = runs[i].off;
    w->rd[i].end = runs[i].end;
    rc = rd_next(sp, &w->rd[i], err);
  }
  if (rc < 0) {
    sk_rowspill_walk_close(w);
    return rc;
  }
  *out = w;
  return 0;
}

int sk_rowspill_walk_next(struct sk_rowspill_walk *w,
                          const struct sk_summary_row **row,
                          struct sk_error *err) {
  struct reader *best = NULL;
  size_t i;

  *row = NULL;
  if (w->cur != NULL) {
    int rc = rd_next(w->sp, w->cur, err);
    if (rc < 0)
      return rc;
  }
  /* The smallest slug; on a tie the earlier run, as a stable merge. A
   * linear scan: there are at most SK_ROWSPILL_FANIN runs. */
  for (i = 0; i < w->n; i++)
    if (w->rd[i].live &&
        (best == NULL || strcmp(w->rd[i].row.slug, best->row.slug) < 0))
      best = &w->rd[i];
  w->cur = best;
  if (best == NULL)
    return 0;
  *row = &best->row;
  return 1;
}

void sk_rowspill_walk_close(struct sk_rowspill_walk *w) {
  size_t i;
  if (w == NULL)
    return;
  for (i = 0; i < w->n; i++)
    clear_row(&w->rd[i].row);
  free(w->rd);
  free(w);
}

/* Merges runs[0..n) into one run at the file's end, put in *merged. */
static int merge_runs(struct sk_rowspill *sp, const struct run *runs, size_t n,
                      struct run *merged, struct sk_error *err) {
  struct sk_rowspill_walk *w;
  const struct sk_summary_row *row;
  struct sk_buf b;
  int rc = walk_start(sp, runs, n, &w, err);

  if (rc != 0)
    return rc;
  merged->off = sp->end;
  sk_buf_init(&b, (size_t)1 << 30);
  while ((rc = sk_rowspill_walk_next(w, &row, err)) == 1) {
    rc = 0;
    if (encode(&b, row) != 0)
      rc = sk_error_set(err, SK_ENOMEM, "summary: out of memory");
    else if (b.len >= WRITE_BUF)
      rc = append(sp, &b, err);
    if (rc != 0)
      break;
  }
  if (rc == 0)
    rc = append(sp, &b, err);
  merged->end = sp->end;
  sk_buf_cleanup(&b);
  sk_rowspill_walk_close(w);
  return rc;
}

/* Merges groups of SK_ROWSPILL_FANIN runs until one walk can take them
 * all. The runs merged stay in the file, unused: it is temporary. A level
 * is built apart and takes the runs' place only once every group of it has
 * merged, so a failed merge (a full disk) leaves the runs as they were and
 * a later walk reads them all, once. */
static int reduce(struct sk_rowspill *sp, struct sk_error *err) {
  while (sp->nruns > SK_ROWSPILL_FANIN) {
    size_t groups = (sp->nruns + SK_ROWSPILL_FANIN - 1) / SK_ROWSPILL_FANIN;
    struct run *next = malloc(groups * sizeof(*next));
    size_t g;
    size_t k = 0;
    int rc = 0;
    if (next == NULL)
      return sk_error_set(err, SK_ENOMEM, "summary: out of memory");
    for (g = 0; g < sp->nruns && rc == 0; g += SK_ROWSPILL_FANIN) {
      size_t n =
          sp->nruns - g < SK_ROWSPILL_FANIN ? sp->nruns - g : SK_ROWSPILL_FANIN;
      next[k] = sp->runs[g];
      if (n > 1)
        rc = merge_runs(sp, &sp->runs[g], n, &next[k], err);
      k++;
    }
    if (rc == 0) {
      memcpy(sp->runs, next, k * sizeof(*next));
      sp->nruns = k;
    }
    free(next);
    if (rc != 0)
      return rc;
  }
  return 0;
}

int sk_rowspill_walk_open(struct sk_rowspill *sp, struct sk_rowspill_walk **out,
                          struct sk_error *err) {
  int rc = reduce(sp, err);
  if (rc != 0) {
    *out = NULL;
    return rc;
  }
  return walk_start(sp, sp->runs, sp->nruns, out, err);
}
