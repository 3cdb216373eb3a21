/*
 * The ceiling for benchmarks/echo.bench.mjs: the same echo server as
 * benchmarks/echo-rt-server.mjs, written entirely in C (std C + POSIX/Linux only).
 *
 *   echo-server      prints the port it listens on (127.0.0.1, ephemeral), then serves
 *
 * One thread, edge-triggered epoll, one 64 KiB buffer per connection: read until EAGAIN
 * (or a short read), write back; on a partial write keep the rest, stop reading from that
 * connection and wait for EPOLLOUT (backpressure).
 *
 * ECHO_SERVER_TOUCH=<bytes> (off by default; echo-kernel.mjs's `C-touch` row): after each read the
 * server also writes that many bytes of a 16 MiB ring, moving on each time, as a garbage-collected
 * runtime's allocation streams through its young generation. With no other change to the system
 * calls, it shows how much of a server's kernel time per message follows from its own user-space
 * memory traffic (caches and TLB the kernel path then misses), not from the calls it makes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

#define BUF (1 << 16)

typedef struct {
  int fd;
  size_t pending, offset; /* bytes of buf still to write, from offset */
  int readable, writable;
  char buf[BUF];
} conn_t;

static size_t touch_bytes;
static unsigned char* touch_ring;
static size_t touch_at;
#define TOUCH_RING (16u << 20)

static void touch(void) {
  if (touch_at + touch_bytes > TOUCH_RING) touch_at = 0;
  memset(touch_ring + touch_at, (int)(touch_at >> 6), touch_bytes);
  touch_at += touch_bytes;
}

static void conn_close(conn_t* c) {
  close(c->fd);
  free(c);
}

/* Runs the connection as far as it can go; returns -1 when it is finished. */
static int drive(conn_t* c) {
  for (;;) {
    while (c->pending > 0) {
      if (!c->writable) return 0;
      ssize_t w = send(c->fd, c->buf + c->offset, c->pending, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EAGAIN) {
          c->writable = 0;
          return 0;
        }
        if (errno == EINTR) continue;
        return -1;
      }
      c->offset += (size_t)w;
      c->pending -= (size_t)w;
    }
    if (!c->readable) return 0;
    ssize_t r = read(c->fd, c->buf, BUF);
    if (r < 0) {
      if (errno == EAGAIN) {
        c->readable = 0;
        return 0;
      }
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return -1;
    if (touch_bytes > 0) touch();
    if (r < BUF) c->readable = 0; /* a short read: the socket is drained */
    c->pending = (size_t)r;
    c->offset = 0;
  }
}

static void* new_conn(int fd) {
  conn_t* c = calloc(1, sizeof(conn_t));
  c->fd = fd;
  c->writable = 1;
  return c;
}

int main(void) {
  const char* touch_env = getenv("ECHO_SERVER_TOUCH");
  touch_bytes = touch_env != NULL ? (size_t)atol(touch_env) : 0;
  if (touch_bytes > TOUCH_RING) touch_bytes = TOUCH_RING;
  if (touch_bytes > 0) touch_ring = calloc(1, TOUCH_RING);
  int ep;
  int lfd = listen_loopback(&ep);
  if (lfd < 0) return 1;
  struct epoll_event events[1024];
  for (;;) {
    int n = epoll_wait(ep, events, 1024, -1);
    for (int i = 0; i < n; i++) {
      conn_t* c = events[i].data.ptr;
      if (c == NULL) {
        accept_all(ep, lfd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, new_conn);
        continue;
      }
      uint32_t e = events[i].events;
      if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c->readable = 1;
      if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) c->writable = 1;
      if (drive(c) < 0) conn_close(c);
    }
  }
}
