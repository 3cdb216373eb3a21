/*
 * The floor for the hello row of benchmarks/http.bench.mjs (see benchmarks/http-floor.bench.mjs):
 * an HTTP/1.1 keep-alive responder in C whose own work is as close to nothing as it gets, so
 * its CPU per request is what the kernel's one read and one write per request cost.
 *
 *   http-floor-server      prints the port it listens on (127.0.0.1, ephemeral), then serves
 *   http-floor-server N    the same with an N-byte body ('x's, content-type application/json,
 *                          at most 16384): the JSON row's floor (4096, as GET /json answers)
 *
 * One thread, level-triggered epoll (EPOLLIN only). On each readiness: exactly one read() into
 * the connection's buffer, count the complete request heads ("\r\n\r\n"; GET without a body,
 * as wrk sends), and answer them all with one write() of canned responses: the same bytes as
 * @rt/http's FastResponse hello (status line, content-type, a fixed date, content-length: 13,
 * "Hello, World!"). It does not parse anything else: it is a measuring stick, not a server.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

#define BUF (1 << 14)
#define MAX_BATCH 64

static const char HELLO[] =
    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nDate: Fri, 04 Dec 2026 23:00:00 GMT\r\n"
    "content-length: 13\r\n\r\nHello, World!";
#define MAX_BODY 16384
#define MAX_RESPONSE (MAX_BODY + 256)

typedef struct {
  int fd;
  size_t used;      /* bytes of buf holding an incomplete head */
  char buf[BUF];
} conn_t;

static void* new_conn(int fd) {
  conn_t* c = calloc(1, sizeof(conn_t));
  c->fd = fd;
  return c;
}

int main(int argc, char** argv) {
  static char response[MAX_RESPONSE];
  size_t rlen;
  if (argc > 1) {
    long body = strtol(argv[1], NULL, 10);
    if (body < 0 || body > MAX_BODY) return 2;
    rlen = (size_t)snprintf(response, MAX_RESPONSE,
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nDate: Fri, 04 Dec 2026 23:00:00 GMT\r\n"
                            "content-length: %ld\r\n\r\n", body);
    memset(response + rlen, 'x', (size_t)body);
    rlen += (size_t)body;
  } else {
    rlen = sizeof(HELLO) - 1;
    memcpy(response, HELLO, rlen);
  }
  int ep;
  int lfd = listen_loopback(&ep);
  if (lfd < 0) return 1;
  static char out[MAX_BATCH * MAX_RESPONSE];
  struct epoll_event events[1024];
  for (;;) {
    int n = epoll_wait(ep, events, 1024, -1);
    for (int i = 0; i < n; i++) {
      conn_t* c = events[i].data.ptr;
      if (c == NULL) {
        accept_all(ep, lfd, EPOLLIN, new_conn);
        continue;
      }
      ssize_t got = read(c->fd, c->buf + c->used, BUF - c->used);
      if (got <= 0 || c->used + (size_t)got == BUF) {
        close(c->fd); /* closing removes it from the epoll set */
        free(c);
        continue;
      }
      size_t end = c->used + (size_t)got, start = 0, heads = 0;
      for (size_t k = 3; k < end; k++) {
        if (c->buf[k] == '\n' && c->buf[k - 1] == '\r' && c->buf[k - 2] == '\n' && c->buf[k - 3] == '\r') {
          heads++;
          start = k + 1;
        }
      }
      memmove(c->buf, c->buf + start, end - start);
      c->used = end - start;
      if (heads > MAX_BATCH) heads = MAX_BATCH;
      for (size_t h = 0; h < heads; h++) memcpy(out + h * rlen, response, rlen);
      if (heads > 0) {
        size_t total = heads * rlen, sent = 0;
        while (sent < total) {
          ssize_t w = write(c->fd, out + sent, total - sent);
          if (w <= 0) break;
          sent += (size_t)w;
        }
      }
    }
  }
}
