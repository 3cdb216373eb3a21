/*
 * A fixed-count TCP echo client for echo-callgrind.mjs (std C + POSIX/Linux only).
 *
 *   echo-count-client <port> <connections> <messages> <bytes> [<warmup>]
 *
 * Opens <connections> TCP connections to 127.0.0.1:<port> (TCP_NODELAY); on each sends one
 * message of <bytes> bytes, waits until all of it has come back, and sends the next, until
 * <messages> echoes have arrived in all. One message in flight per connection, one thread, one
 * epoll instance (loadgen.c's shape, but for an exact count, so a profile of the server covers
 * a known number of messages). Prints one JSON line: {"messages":N,"seconds":S}; exits 1 on an
 * error (a closed connection, a byte that is not the one sent).
 *
 * With <warmup>: first that many messages on the same connections, then the line "warm" and a
 * wait for a line on stdin before the <messages> are sent; after them, the JSON line and
 * another wait for a line on stdin before the connections close. So a profiler can be zeroed
 * and dumped around exactly the measured messages, with no connection opened or closed inside
 * the window.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "count-client.h"

typedef struct {
  int fd;
  size_t have; /* bytes of the current echo received */
} conn_t;

static char *message;
static char *back;
static size_t size;

static int send_message(conn_t *c) {
  size_t off = 0;
  while (off < size) {
    ssize_t n = write(c->fd, message + off, size - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) { /* a 16 KiB message into a full send buffer: wait a little */
        usleep(50);
        continue;
      }
      return -1;
    }
    off += (size_t)n;
  }
  c->have = 0;
  return 0;
}

static int ep;
static conn_t *conns;
static int connections;

static int run(long messages);

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: %s <port> <connections> <messages> <bytes> [<warmup>]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  connections = atoi(argv[2]);
  long messages = atol(argv[3]);
  size = (size_t)atol(argv[4]);
  long warmup = argc > 5 ? atol(argv[5]) : 0;
  if (connections <= 0 || messages <= 0 || size == 0) {
    fprintf(stderr, "echo-count-client: connections, messages and bytes must be positive\n");
    return 2;
  }
  message = malloc(size);
  back = malloc(size);
  memset(message, 'e', size);
  ep = epoll_create1(0);
  conns = calloc((size_t)connections, sizeof(conn_t));
  for (int i = 0; i < connections; i++) {
    conns[i].fd = count_connect(ep, port, 1, &conns[i]);
    if (conns[i].fd < 0) return 1;
  }
  if (count_window(warmup, messages, "messages", run) != 0) return 1;
  for (int i = 0; i < connections; i++) close(conns[i].fd);
  return 0;
}

/* Sends <messages> messages over the connections (one in flight on each), until all have come back. */
static int run(long messages) {
  long sent = 0, done = 0;
  for (int i = 0; i < connections && sent < messages; i++) {
    if (send_message(&conns[i]) != 0) return 1;
    sent++;
  }
  struct epoll_event events[256];
  while (done < messages) {
    int k = epoll_wait(ep, events, 256, 60000);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      fprintf(stderr, "echo-count-client: no echo for 60 s (%ld of %ld)\n", done, messages);
      return 1;
    }
    for (int e = 0; e < k; e++) {
      conn_t *c = events[e].data.ptr;
      for (;;) {
        ssize_t n = read(c->fd, back, size - c->have);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        if (n <= 0) {
          fprintf(stderr, "echo-count-client: the server closed a connection (%ld of %ld)\n", done, messages);
          return 1;
        }
        if (back[0] != 'e' || back[n - 1] != 'e') {
          fprintf(stderr, "echo-count-client: echoed bytes differ from those sent\n");
          return 1;
        }
        c->have += (size_t)n;
        if (c->have < size) continue;
        done++;
        if (sent < messages) {
          if (send_message(c) != 0) return 1;
          sent++;
        }
        break;
      }
    }
  }
  return 0;
}
