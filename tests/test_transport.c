/* test_transport.c: the record/replay transport (transport.h) on a real
 * loop: a replay miss fails the submit with the request named and never
 * runs the callback; a recorded exchange lands in a fixture file with the
 * request and the response; replaying it answers with the same bytes,
 * asynchronously; a fixture that cannot be written goes to on_warning, and
 * nothing is ever written to stderr. Every test closes its loop with
 * uv_loop_close() == 0.
 */
#include "harness.h"
#include "tinyhttpd.h"

#include "shipskip/net/transport.h"
#include "shipskip/util/fsutil.h"

#include <dirent.h>
#include <sys/stat.h>

struct got {
  int calls;
  long status;
  int error;
  char body[256];
};

static void done_cb(struct sk_http_response *res, void *arg) {
  struct got *g = arg;
  g->calls++;
  g->status = res->status;
  g->error = res->error;
  snprintf(g->body, sizeof(g->body), "%s", res->body ? res->body : "");
}

struct warned {
  int calls;
  char msg[512];
};

static void warning_cb(void *ctx, const char *tool, const char *persona,
                       const char *msg) {
  struct warned *w = ctx;
  (void)tool;
  (void)persona;
  w->calls++;
  snprintf(w->msg, sizeof(w->msg), "%s", msg);
}

/* A minimal request of the openai wire format, for url. */
static void make_wire(struct sk_wire_request *w, char *url, char *body) {
  memset(w, 0, sizeof(*w));
  w->url = url;
  w->body = body;
  w->body_len = strlen(body);
}

static void make_info(struct sk_exchange_info *info) {
  memset(info, 0, sizeof(*info));
  info->provider = "openai";
  info->tool = "tool-a";
  info->persona = "builder";
  info->attempt = 1;
}

/* Redirects fd 2 to a temporary file; stderr_end() reads it back. */
static int stderr_begin(int *saved, char *path) {
  int fd = mkstemp(path);
  fflush(stderr);
  *saved = dup(2);
  dup2(fd, 2);
  return fd;
}

static void stderr_end(int saved, int fd, char *path, char *out, size_t n) {
  ssize_t got;
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  got = pread(fd, out, n - 1, 0);
  out[got > 0 ? got : 0] = '\0';
  close(fd);
  unlink(path);
}

/* The name of the one *.json file in dir, or "" . */
static void only_fixture(const char *dir, char *name, size_t n) {
  DIR *d = opendir(dir);
  struct dirent *de;
  name[0] = '\0';
  while (d != NULL && (de = readdir(d)) != NULL)
    if (strstr(de->d_name, ".json") != NULL)
      snprintf(name, n, "%s", de->d_name);
  if (d != NULL)
    closedir(d);
}

static void rm_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;
  char path[512];
  while (d != NULL && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.')
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
    unlink(path);
  }
  if (d != NULL)
    closedir(d);
  rmdir(dir);
}

TEST(replay_miss_names_the_request) {
  char dir[] = "/tmp/sk-test-transport-XXXXXX";
  char url[] = "http://127.0.0.1:1/v1/chat/completions";
  char body[] = "{\"model\":\"m\"}";
  struct sk_transport_opts o;
  struct sk_transport *t = NULL;
  struct sk_wire_request w;
  struct sk_exchange_info info;
  struct sk_error err;
  struct got g;
  uv_loop_t loop;
  int rc;

  ASSERT(mkdtemp(dir) != NULL);
  memset(&g, 0, sizeof(g));
  memset(&o, 0, sizeof(o));
  o.mode = SK_FIXTURES_REPLAY;
  o.dir = dir;
  ASSERT_INT_EQ(uv_loop_init(&loop), 0);
  sk_error_clear(&err);
  ASSERT_INT_EQ(sk_transport_new(&loop, &o, &t, &err), 0);
  make_wire(&w, url, body);
  make_info(&info);
  rc = sk_transport_submit(t, &w, &info, done_cb, &g, &err);
  ASSERT_INT_EQ(rc, SK_ENOENT);
  ASSERT_CONTAINS(err.msg, "replay miss: tool tool-a, persona builder, "
                           "attempt 1, retry 0: no fixture");
  ASSERT_INT_EQ(sk_transport_is_replay(t), 1);
  sk_transport_close(t);
  ASSERT_INT_EQ(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ASSERT_INT_EQ(g.calls, 0); /* a failed submit never calls back */
  ASSERT_INT_EQ(uv_loop_close(&loop), 0);
  rm_dir(dir);
}

/* Sends one request through a transport in mode over dir. */
static int one_exchange(enum sk_fixture_mode mode, const char *dir, int port,
                        struct got *g, struct warned *wn,
                        unsigned long *failures, struct sk_error *err) {
  char url[128];
  char body[] = "{\"model\":\"m\",\"messages\":[]}";
  struct sk_transport_opts o;
  struct sk_transport *t = NULL;
  struct sk_wire_request w;
  struct sk_exchange_info info;
  uv_loop_t loop;
  int rc;

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions", port);
  memset(&o, 0, sizeof(o));
  o.mode = mode;
  o.dir = dir;
  o.http.timeout_ms = 5000;
  o.http.max_connections = 1;
  o.on_warning = warning_cb;
  o.on_warning_ctx = wn;
  if (uv_loop_init(&loop) != 0)
    return SK_EIO;
  rc = sk_transport_new(&loop, &o, &t, err);
  if (rc == 0) {
    make_wire(&w, url, body);
    make_info(&info);
    rc = sk_transport_submit(t, &w, &info, done_cb, g, err);
    /* Replayed answers come on the loop, never inside submit. */
    if (rc == 0 && g->calls != 0)
      rc = SK_EIO;
    uv_run(&loop, UV_RUN_DEFAULT);
    *failures = sk_transport_record_failures(t);
    sk_transport_close(t);
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&loop) != 0)
    return SK_EIO;
  return rc;
}

TEST(record_then_replay) {
  static const struct th_reply replies[] = {{200, NULL, "{\"answer\":42}", 0}};
  char dir[] = "/tmp/sk-test-transport-XXXXXX";
  char name[300];
  char path[640];
  char errtext[1024];
  char spath[] = "/tmp/sk-test-transport-err-XXXXXX";
  char *text = NULL;
  size_t len = 0;
  struct th_server s;
  struct sk_error err;
  struct got g;
  struct warned wn;
  unsigned long failures = 9;
  int saved;
  int fd;
  int rc;

  ASSERT(mkdtemp(dir) != NULL);
  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  memset(&g, 0, sizeof(g));
  memset(&wn, 0, sizeof(wn));
  sk_error_clear(&err);
  fd = stderr_begin(&saved, spath);
  rc = one_exchange(SK_FIXTURES_RECORD, dir, s.port, &g, &wn, &failures, &err);
  stderr_end(saved, fd, spath, errtext, sizeof(errtext));
  th_stop(&s);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(errtext, "");
  ASSERT_INT_EQ(g.calls, 1);
  ASSERT_INT_EQ(g.status, 200);
  ASSERT_STR_EQ(g.body, "{\"answer\":42}");
  ASSERT_INT_EQ(failures, 0);
  ASSERT_INT_EQ(wn.calls, 0);
  ASSERT_INT_EQ(th_requests(&s), 1);

  /* The fixture holds who asked, the request and the answer. */
  only_fixture(dir, name, sizeof(name));
  ASSERT(name[0] != '\0');
  ASSERT_CONTAINS(name, "-0.json");
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  ASSERT_INT_EQ(sk_fs_read_file(path, 1 << 20, &text, &len, &err), 0);
  ASSERT_CONTAINS(text, "\"schema\"");
  ASSERT_CONTAINS(text, "shipskip.fixture/1");
  ASSERT_CONTAINS(text, "\"tool\"");
  ASSERT_CONTAINS(text, "tool-a");
  ASSERT_CONTAINS(text, "/v1/chat/completions");
  ASSERT_CONTAINS(text, "\"answer\"");
  ASSERT_NOT_CONTAINS(text, "127.0.0.1");
  free(text);

  /* Replayed: the same answer with no server at all (port 1). */
  memset(&g, 0, sizeof(g));
  fd = stderr_begin(&saved, spath);
  rc = one_exchange(SK_FIXTURES_REPLAY, dir, 1, &g, &wn, &failures, &err);
  stderr_end(saved, fd, spath, errtext, sizeof(errtext));
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(errtext, "");
  ASSERT_INT_EQ(g.calls, 1);
  ASSERT_INT_EQ(g.status, 200);
  ASSERT_STR_EQ(g.body, "{\"answer\":42}");
  rm_dir(dir);
}

TEST(record_failure_is_a_warning) {
  static const struct th_reply replies[] = {{200, NULL, "{\"ok\":1}", 0}};
  char dir[] = "/tmp/sk-test-transport-XXXXXX";
  char errtext[1024];
  char spath[] = "/tmp/sk-test-transport-err-XXXXXX";
  struct th_server s;
  struct sk_error err;
  struct got g;
  struct warned wn;
  unsigned long failures = 0;
  int saved;
  int fd;
  int rc;

  ASSERT(mkdtemp(dir) != NULL);
  ASSERT_INT_EQ(th_start(&s, replies, 1), 0);
  memset(&g, 0, sizeof(g));
  memset(&wn, 0, sizeof(wn));
  sk_error_clear(&err);
  /* The directory is fine when the transport opens (the write probe) but
   * gone when the answer is recorded: the fixture cannot be written. */
  fd = stderr_begin(&saved, spath);
  {
    char url[128];
    char body[] = "{\"model\":\"m\"}";
    struct sk_transport_opts o;
    struct sk_transport *t = NULL;
    struct sk_wire_request w;
    struct sk_exchange_info info;
    uv_loop_t loop;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/chat/completions",
             s.port);
    memset(&o, 0, sizeof(o));
    o.mode = SK_FIXTURES_RECORD;
    o.dir = dir;
    o.http.timeout_ms = 5000;
    o.http.max_connections = 1;
    o.on_warning = warning_cb;
    o.on_warning_ctx = &wn;
    uv_loop_init(&loop);
    rc = sk_transport_new(&loop, &o, &t, &err);
    if (rc == 0) {
      rmdir(dir);
      fclose(fopen(dir, "w")); /* a file where the directory was */
      make_wire(&w, url, body);
      make_info(&info);
      rc = sk_transport_submit(t, &w, &info, done_cb, &g, &err);
      uv_run(&loop, UV_RUN_DEFAULT);
      failures = sk_transport_record_failures(t);
      sk_transport_close(t);
      uv_run(&loop, UV_RUN_DEFAULT);
    }
    if (uv_loop_close(&loop) != 0)
      rc = SK_EIO;
  }
  stderr_end(saved, fd, spath, errtext, sizeof(errtext));
  th_stop(&s);
  unlink(dir);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(errtext, "");
  ASSERT_INT_EQ(g.calls, 1); /* the answer still reaches the caller */
  ASSERT_INT_EQ(g.status, 200);
  ASSERT_INT_EQ(failures, 1);
  ASSERT_INT_EQ(wn.calls, 1);
  ASSERT_CONTAINS(wn.msg, "tool-a/builder: cannot record fixture: ");
}

int main(void) {
  RUN(replay_miss_names_the_request);
  RUN(record_then_replay);
  RUN(record_failure_is_a_warning);
  return TEST_REPORT();
}
