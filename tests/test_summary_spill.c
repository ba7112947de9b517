/* test_summary_spill.c: a summary whose rows are spilled to a temporary file
 * in sorted runs (summary.h, rowspill.h) writes the same summary.json and
 * summary.csv bytes as one that keeps every row in memory: with runs merged
 * in one walk, with more runs than one merge takes (merged in levels), read
 * back and merged as `shipskip merge` does, and walked twice (drift, then
 * the write). The spill leaves no file behind. Run with the argument
 * "enospc" (and SHIPSKIP_FAULT_ENOSPC_AFTER=0, as ctest does), a spill on
 * a full disk fails the add and the write with a message naming the file.
 */
/* syscall() and SYS_pwrite64, for the pwrite() defined below. */
#define _GNU_SOURCE
#include "harness.h"
#include "shipskip/review/summary.h"
#include "shipskip/util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NTOOLS 300

static char PA_NAME[] = "builder", PB_NAME[] = "skeptic", MODEL[] = "m1";
static char ERR1[] = "no VERDICT line", ERR2[] = "score \"x\" not a number";
static struct sk_persona PA = {.name = PA_NAME};
static struct sk_persona PB = {.name = PB_NAME};

/* Tool k of the batch, added in a scrambled order; some reviews failed
 * (with reasons), some have no price, so every field of a row varies. */
static int add_tool(struct sk_summary *s, int k) {
  char slug[32];
  char *errs[2] = {ERR1, ERR2};
  struct sk_tool t;
  struct sk_review r[2];
  int i;

  memset(&t, 0, sizeof(t));
  snprintf(slug, sizeof(slug), "tool-%04d", (k * 7919) % NTOOLS);
  t.slug = slug;
  memset(r, 0, sizeof(r));
  for (i = 0; i < 2; i++) {
    r[i].persona = i ? &PB : &PA;
    r[i].model = MODEL;
    r[i].prompt_tokens = 100 + k;
    r[i].completion_tokens = 10 + i + k % 13;
    r[i].cost_usd = k % 17 == 0 ? -1 : 0.000123 * (k + i);
    if ((k + i) % 11 == 0) {
      r[i].status = SK_REVIEW_FAILED;
      r[i].errors = errs;
      r[i].nerrors = (size_t)1 + (size_t)(k % 2);
      continue;
    }
    r[i].status = SK_REVIEW_OK;
    r[i].score = (k * 37 + i * 11) % 101;
    strcpy(r[i].verdict, (k + i) % 3 ? "ship" : "skip");
  }
  return sk_summary_add(s, &t, r, 2);
}

static int make_dir(char *tmpl) {
  return mkdtemp(tmpl) != NULL ? 0 : -1;
}

/* Fills s with the batch; spilled in runs of `rows` into dir unless 0. */
static int fill(struct sk_summary *s, const char *dir, size_t rows) {
  struct sk_error err;
  int k;
  sk_summary_init(s);
  sk_error_clear(&err);
  if (rows > 0 && sk_summary_spill_to(s, dir, rows, &err) != 0)
    return -1;
  for (k = 0; k < NTOOLS; k++)
    if (add_tool(s, k) != 0)
      return -1;
  return 0;
}

static char *slurp(const char *dir, const char *name) {
  char path[4096];
  char *text = NULL;
  size_t len;
  struct sk_error err;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  sk_error_clear(&err);
  if (sk_fs_read_file(path, (size_t)1 << 26, &text, &len, &err) != 0)
    return NULL;
  return text;
}

/* The entries of dir but . and .., as "a,b,": what the spill left. */
static void listing(const char *dir, char *out, size_t size) {
  DIR *d = opendir(dir);
  struct dirent *e;
  out[0] = '\0';
  while (d != NULL && (e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      snprintf(out + strlen(out), size - strlen(out), "%s,", e->d_name);
  if (d != NULL)
    closedir(d);
}

static void remove_dir(const char *dir) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/summary.json", dir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/summary.csv", dir);
  unlink(path);
  rmdir(dir);
}

/* Writes the batch spilled in runs of `rows` and compares both files with
 * the in-memory summary's, written in ref. */
static void same_as_memory(size_t rows, const char *ref) {
  char dir[] = "/tmp/sk-spill-XXXXXX";
  char names[256];
  struct sk_summary s;
  struct sk_error err;
  char *a = NULL;
  char *b = NULL;
  char *c = NULL;
  char *d = NULL;

  ASSERT_INT_EQ(make_dir(dir), 0);
  ASSERT_INT_EQ(fill(&s, dir, rows), 0);
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_summary_write(&s, dir, &err), 0);
  sk_summary_cleanup(&s);
  a = slurp(ref, "summary.json");
  b = slurp(dir, "summary.json");
  c = slurp(ref, "summary.csv");
  d = slurp(dir, "summary.csv");
  listing(dir, names, sizeof(names));
  remove_dir(dir);
  ASSERT(a != NULL && b != NULL && c != NULL && d != NULL);
  ASSERT_INT_EQ(strcmp(a, b), 0);
  ASSERT_INT_EQ(strcmp(c, d), 0);
  ASSERT_CONTAINS(b, "\"slug\": \"tool-0299\"");
  ASSERT_CONTAINS(d, "tool-0000,");
  /* The spill file was unlinked as soon as made: only the outputs. */
  ASSERT_INT_EQ(strlen(names), strlen("summary.csv,summary.json,"));
  ASSERT_CONTAINS(names, "summary.csv,");
  ASSERT_CONTAINS(names, "summary.json,");
  free(a);
  free(b);
  free(c);
  free(d);
}

static char REF[] = "/tmp/sk-spill-ref-XXXXXX";

TEST(in_memory_reference) {
  struct sk_summary s;
  struct sk_error err;
  ASSERT_INT_EQ(make_dir(REF), 0);
  ASSERT_INT_EQ(fill(&s, NULL, 0), 0);
  ASSERT(s.spill == NULL);
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_summary_write(&s, REF, &err), 0);
  sk_summary_cleanup(&s);
}

TEST(runs_merged_in_one_walk_give_the_same_bytes) {
  same_as_memory(50, REF); /* 6 runs */
}

TEST(runs_merged_in_levels_give_the_same_bytes) {
  /* 100 runs: more than SK_ROWSPILL_FANIN, merged first in groups. */
  same_as_memory(3, REF);
}

TEST(a_spill_of_no_full_run_gives_the_same_bytes) {
  same_as_memory(NTOOLS + 1, REF); /* every row stays in memory */
}

struct walk {
  int n;
  char last[32];
  int sorted;
};

static int walk_cb(void *ctx, const struct sk_summary_row *r) {
  struct walk *w = ctx;
  if (strcmp(w->last, r->slug) >= 0)
    w->sorted = 0;
  snprintf(w->last, sizeof(w->last), "%s", r->slug);
  w->n++;
  return 0;
}

TEST(walks_twice_then_writes_the_same_bytes) {
  char dir[] = "/tmp/sk-spill-XXXXXX";
  struct sk_summary s;
  struct sk_error err;
  struct walk w;
  char *a;
  char *b;
  int i;

  ASSERT_INT_EQ(make_dir(dir), 0);
  ASSERT_INT_EQ(fill(&s, dir, 7), 0);
  for (i = 0; i < 2; i++) {
    memset(&w, 0, sizeof(w));
    w.sorted = 1;
    sk_error_clear(&err);
    ASSERT_INT_EQ(sk_summary_each(&s, walk_cb, &w, &err), 0);
    ASSERT_INT_EQ(w.n, NTOOLS);
    ASSERT_INT_EQ(w.sorted, 1);
  }
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_summary_write(&s, dir, &err), 0);
  sk_summary_cleanup(&s);
  a = slurp(REF, "summary.json");
  b = slurp(dir, "summary.json");
  remove_dir(dir);
  ASSERT(a != NULL && b != NULL);
  ASSERT_INT_EQ(strcmp(a, b), 0);
  free(a);
  free(b);
}

TEST(read_back_and_merged_the_same_bytes) {
  /* What `shipskip merge` does with a run's summary: read it back, write
   * it again. The spilled run's file gives what the in-memory one gives. */
  char one[] = "/tmp/sk-spill-XXXXXX";
  char two[] = "/tmp/sk-spill-XXXXXX";
  char out1[] = "/tmp/sk-spill-XXXXXX";
  char out2[] = "/tmp/sk-spill-XXXXXX";
  const char *dirs1[1];
  const char *dirs2[1];
  struct sk_summary s;
  struct sk_summary m;
  struct sk_summary_merge_opts o;
  struct sk_error err;
  char *a;
  char *b;

  ASSERT_INT_EQ(make_dir(one) | make_dir(two) | make_dir(out1) | make_dir(out2),
                0);
  ASSERT_INT_EQ(fill(&s, two, 9), 0);
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_summary_write(&s, two, &err), 0);
  sk_summary_cleanup(&s);
  ASSERT_INT_EQ(fill(&s, NULL, 0), 0);
  ASSERT_INT_EQ(sk_summary_write(&s, one, &err), 0);
  sk_summary_cleanup(&s);
  memset(&o, 0, sizeof(o));
  o.allow_partial = 1; /* the test's summaries record no shard */
  dirs1[0] = one;
  dirs2[0] = two;
  sk_summary_init(&m);
  ASSERT_INT_EQ(sk_summary_merge(dirs1, 1, &o, &m, &err), 0);
  ASSERT_INT_EQ(sk_summary_write(&m, out1, &err), 0);
  sk_summary_cleanup(&m);
  ASSERT_INT_EQ(sk_summary_merge(dirs2, 1, &o, &m, &err), 0);
  ASSERT_INT_EQ(sk_summary_write(&m, out2, &err), 0);
  sk_summary_cleanup(&m);
  a = slurp(out1, "summary.csv");
  b = slurp(out2, "summary.csv");
  remove_dir(one);
  remove_dir(two);
  remove_dir(out1);
  remove_dir(out2);
  ASSERT(a != NULL && b != NULL);
  ASSERT_INT_EQ(strcmp(a, b), 0);
  free(a);
  free(b);
}

/* SHIPSKIP_FAULT_ENOSPC_AFTER=0: the first spill's write meets a full
 * disk. */
static int full_disk(void) {
  char dir[] = "/tmp/sk-spill-XXXXXX";
  char names[256];
  struct sk_summary s;
  struct sk_error err;
  int k;
  int rc = 0;

  if (make_dir(dir) != 0)
    return 1;
  sk_summary_init(&s);
  sk_error_clear(&err);
  if (sk_summary_spill_to(&s, dir, 4, &err) != 0)
    return 1;
  for (k = 0; k < 3; k++)
    rc |= add_tool(&s, k);
  if (rc != 0)
    fprintf(stderr, "an add before the first spill failed\n");
  if (add_tool(&s, 3) != SK_EIO || add_tool(&s, 4) != SK_EIO)
    rc = 1;
  fprintf(stderr, "spill error: %s\n", s.err.msg);
  if (strstr(s.err.msg, dir) == NULL ||
      strstr(s.err.msg, "/.summary-rows.") == NULL ||
      strstr(s.err.msg, "No space left on device") == NULL)
    rc = 1;
  sk_error_clear(&err);
  if (sk_summary_write(&s, dir, &err) != SK_EIO ||
      strcmp(err.msg, s.err.msg) != 0)
    rc = 1;
  sk_summary_cleanup(&s);
  listing(dir, names, sizeof(names));
  if (names[0] != '\0') /* nothing written, nothing left */
    rc = 1;
  rmdir(dir);
  fprintf(stderr, "%s full_disk_spill_fails_naming_the_file\n",
          rc ? "FAIL" : "ok  ");
  return rc != 0;
}

/* This program's pwrite() comes before the C library's for rowspill.c (a
 * static library linked in): it fails the pwrite_fail_in-th call from when
 * it is set with ENOSPC, once, and makes every other call. */
static int pwrite_fail_in = -1;

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  if (pwrite_fail_in > 0 && --pwrite_fail_in == 0) {
    pwrite_fail_in = -1;
    errno = ENOSPC;
    return -1;
  }
  return (ssize_t)syscall(SYS_pwrite64, fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
  return pwrite(fd, buf, n, off);
}

TEST(a_merge_that_failed_leaves_every_row_for_the_next_write) {
  char dir[] = "/tmp/sk-spill-XXXXXX";
  struct sk_summary s;
  struct sk_error err;
  char *a = NULL;
  char *b = NULL;

  ASSERT_INT_EQ(make_dir(dir), 0);
  /* 100 runs of 3: merged in groups first, and the second group's merge
   * meets a full disk once. */
  ASSERT_INT_EQ(fill(&s, dir, 3), 0);
  pwrite_fail_in = 2;
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_summary_write(&s, dir, &err), SK_EIO);
  ASSERT_CONTAINS(err.msg, "cannot write summary rows");
  /* Space again: the same rows, each once. */
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_summary_write(&s, dir, &err), 0);
  sk_summary_cleanup(&s);
  a = slurp(REF, "summary.csv");
  b = slurp(dir, "summary.csv");
  remove_dir(dir);
  ASSERT(a != NULL && b != NULL);
  ASSERT_INT_EQ(strcmp(a, b), 0);
  free(a);
  free(b);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "enospc") == 0)
    return full_disk();
  RUN(in_memory_reference);
  RUN(runs_merged_in_one_walk_give_the_same_bytes);
  RUN(runs_merged_in_levels_give_the_same_bytes);
  RUN(a_spill_of_no_full_run_gives_the_same_bytes);
  RUN(walks_twice_then_writes_the_same_bytes);
  RUN(read_back_and_merged_the_same_bytes);
  RUN(a_merge_that_failed_leaves_every_row_for_the_next_write);
  remove_dir(REF);
  return TEST_REPORT();
}
