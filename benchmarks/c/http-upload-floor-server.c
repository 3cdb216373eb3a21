/*
 * The machine's floor for the 1 MiB upload row of benchmarks/http.bench.mjs (see
 * benchmarks/http-upload-floor.bench.mjs): an HTTP/1.1 keep-alive server in C that reads each
 * request's body into one reused buffer (64 KiB unless told) and answers its length, with as
 * little of its own work as it gets, so its CPU per upload is what the kernel's reads, epoll and
 * the loopback's ACK/window-update path cost.
 *
 *   http-upload-floor-server [buffer-bytes]   prints the port it listens on (127.0.0.1,
 *                                             ephemeral), then serves
 *
 * One thread, level-triggered epoll (EPOLLIN only, registered once per connection). On each
 * readiness it reads until EAGAIN: the head into the connection's 16 KiB head buffer (bytes of
 * the body read with it are counted), then the body straight into the shared body buffer,
 * min(remaining, buffer) per read(). After the body: one write() of the same bytes as @rt/http's
 * FastResponse (200, content-type: text/plain, a fixed date, content-length, the length as
 * decimal text). It parses only what it needs (the end of the head and Content-Length): it is a
 * measuring stick, not a server.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

#define HEAD (1 << 14)

typedef struct {
  int fd;
  size_t used;      /* bytes of head holding an incomplete head */
  size_t remaining; /* body bytes still to read */
  size_t length;    /* body bytes read so far */
  char head[HEAD];
} conn_t;

static void* new_conn(int fd) {
  conn_t* c = calloc(1, sizeof(conn_t));
  c->fd = fd;
  return c;
}

static void drop(conn_t* c) {
  close(c->fd); /* closing removes it from the epoll set */
  free(c);
}

/* Answers the finished body. Returns 0, or -1 when the write failed. */
static int answer(conn_t* c) {
  char out[256];
  char digits[32];
  int dl = snprintf(digits, sizeof(digits), "%zu", c->length);
  int n = snprintf(out, sizeof(out),
                   "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nDate: Fri, 04 Dec 2026 23:00:00 GMT\r\n"
                   "content-length: %d\r\n\r\n%s",
                   dl, digits);
  c->length = 0;
  return write(c->fd, out, (size_t)n) == n ? 0 : -1;
}

/* Parses complete heads in c->head: starts a body, or answers a bodiless request. Returns 0, or
 * -1 when the connection must close (a head over 16 KiB, a failed write). */
static int heads(conn_t* c) {
  while (c->remaining == 0) {
    char* end = memmem(c->head, c->used, "\r\n\r\n", 4);
    if (end == NULL) return c->used == HEAD ? -1 : 0;
    size_t size = (size_t)(end - c->head) + 4;
    size_t declared = 0;
    for (char* line = memmem(c->head, size, "\r\n", 2); line != NULL && line < end;
         line = memmem(line + 2, (size_t)(end - line), "\r\n", 2)) {
      if (strncasecmp(line + 2, "content-length:", 15) == 0) declared = strtoull(line + 17, NULL, 10);
    }
    size_t buffered = c->used - size < declared ? c->used - size : declared;
    c->length = buffered;
    c->remaining = declared - buffered;
    memmove(c->head, c->head + size + buffered, c->used - size - buffered);
    c->used -= size + buffered;
    if (c->remaining == 0 && answer(c) < 0) return -1;
  }
  return 0;
}

static char* body;
static size_t size;

/* Reads until EAGAIN: the head into the connection's buffer, then the body into `body`. */
static void on_ready(void* conn, uint32_t ready) {
  (void)ready;
  conn_t* c = conn;
  for (;;) {
    ssize_t got;
    if (c->remaining > 0) {
      got = read(c->fd, body, c->remaining < size ? c->remaining : size);
      if (got > 0) {
        c->remaining -= (size_t)got;
        c->length += (size_t)got;
        if (c->remaining == 0 && answer(c) < 0) got = 0;
      }
    } else {
      got = read(c->fd, c->head + c->used, HEAD - c->used);
      if (got > 0) {
        c->used += (size_t)got;
        if (heads(c) < 0) got = 0;
      }
    }
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) {
      drop(c);
      return;
    }
  }
}

int main(int argc, char** argv) {
  size = argc > 1 ? strtoull(argv[1], NULL, 10) : 64 * 1024;
  body = malloc(size);
  int ep;
  int lfd = listen_loopback(&ep);
  if (lfd < 0 || body == NULL) return 1;
  serve_epoll(ep, lfd, EPOLLIN, new_conn, on_ready);
}
