/* tinyhttpd.h: a canned HTTP server on a thread, for C tests that run the
 * engine or the transport against real sockets.
 *
 * It listens on 127.0.0.1, port 0 (the kernel picks a free one), and
 * answers each request with the next canned reply in order (the last one
 * repeats), each on its own connection ("Connection: close"). A reply with
 * hang set is never answered: its connection stays open until the server
 * stops, which is how a test holds a request in flight. Requests are counted
 * and the last body kept. Header-only: every function is static.
 */
#ifndef SHIPSKIP_TEST_TINYHTTPD_H
#define SHIPSKIP_TEST_TINYHTTPD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct th_reply {
  int status;
  const char *headers; /* extra "Name: value\r\n" lines, or NULL */
  const char *body;
  int hang;
};

struct th_server {
  int fd;
  int port;
  pthread_t thread;
  const struct th_reply *replies;
  size_t nreplies;
  size_t next;
  int requests; /* read under mu */
  int hung[16];
  size_t nhung;
  char last_body[65536];
  pthread_mutex_t mu;
};

/* Reads one request (headers and a Content-Length body) from c. Returns 0,
 * or -1 when the peer went away. */
static int th_read_request(struct th_server *s, int c) {
  static char buf[1 << 17];
  size_t len = 0;
  char *end = NULL;
  long clen = 0;
  while (end == NULL) {
    ssize_t got = read(c, buf + len, sizeof(buf) - 1 - len);
    if (got <= 0)
      return -1;
    len += (size_t)got;
    buf[len] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  {
    const char *cl = strstr(buf, "Content-Length:");
    if (cl == NULL)
      cl = strstr(buf, "content-length:");
    if (cl != NULL)
      clen = strtol(cl + 15, NULL, 10);
  }
  end += 4;
  while ((long)(len - (size_t)(end - buf)) < clen) {
    ssize_t got = read(c, buf + len, sizeof(buf) - 1 - len);
    if (got <= 0)
      return -1;
    len += (size_t)got;
  }
  buf[len] = '\0';
  pthread_mutex_lock(&s->mu);
  snprintf(s->last_body, sizeof(s->last_body), "%s", end);
  s->requests++;
  pthread_mutex_unlock(&s->mu);
  return 0;
}

static void th_answer(struct th_server *s, int c) {
  const struct th_reply *r;
  char head[1024];
  size_t i;
  pthread_mutex_lock(&s->mu);
  i = s->next < s->nreplies ? s->next++ : s->nreplies - 1;
  pthread_mutex_unlock(&s->mu);
  r = &s->replies[i];
  if (r->hang) {
    if (s->nhung < 16)
      s->hung[s->nhung++] = c;
    return;
  }
  snprintf(head, sizeof(head),
           "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
           "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
           r->status, strlen(r->body), r->headers ? r->headers : "");
  if (write(c, head, strlen(head)) < 0 ||
      write(c, r->body, strlen(r->body)) < 0)
    perror("tinyhttpd: write");
  close(c);
}

static void *th_main(void *arg) {
  struct th_server *s = arg;
  for (;;) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
      break; /* th_stop shut the listener down */
    if (th_read_request(s, c) != 0) {
      close(c);
      continue;
    }
    th_answer(s, c);
  }
  return NULL;
}

/* Starts s with n canned replies (kept by the caller). Returns 0 or -1. */
static int th_start(struct th_server *s, const struct th_reply *replies,
                    size_t n) {
  struct sockaddr_in a;
  socklen_t alen = sizeof(a);
  memset(s, 0, sizeof(*s));
  s->replies = replies;
  s->nreplies = n;
  pthread_mutex_init(&s->mu, NULL);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (s->fd < 0)
    return -1;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(s->fd, 16) != 0 ||
      getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0)
    return -1;
  s->port = ntohs(a.sin_port);
  return pthread_create(&s->thread, NULL, th_main, s) == 0 ? 0 : -1;
}

/* Requests read so far. */
static int th_requests(struct th_server *s) {
  int n;
  pthread_mutex_lock(&s->mu);
  n = s->requests;
  pthread_mutex_unlock(&s->mu);
  return n;
}

/* Stops the thread and closes every socket. */
static void th_stop(struct th_server *s) {
  size_t i;
  shutdown(s->fd, SHUT_RDWR);
  pthread_join(s->thread, NULL);
  close(s->fd);
  for (i = 0; i < s->nhung; i++)
    close(s->hung[i]);
  pthread_mutex_destroy(&s->mu);
}

#endif
