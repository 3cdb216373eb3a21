/*
 * The machine's floor for the 1 MiB upload row of benchmarks/http.bench.mjs (see
 * benchmarks/http-upload-floor.bench.mjs): an HTTP/1.1 keep-alive server in C that reads each
 * request's body into one reused buffer (64 KiB unless told) and answers its length, with as
 * little of its own work as it gets, so its CPU per upload is what the kernel's reads, epoll and
 * the loopback's ACK/window-update path cost.
 *
 *   http-upload-floor-server [buffer-bytes] [where]   prints the port it listens on (127.0.0.1,
 *                                                     ephemeral), then serves
 *
 * `where` says where each body goes (`buffer-bytes` stays the most one read() asks for):
 *   reuse      (default) the one shared buffer of buffer-bytes, over and over: BYOB into a reused
 *              buffer;
 *   malloc     a buffer of the Content-Length per upload, malloc'd when the head is parsed and
 *              freed after the answer, the body read into it at its offset: `arrayBuffer()` done
 *              by hand (glibc as the environment sets it: the benches' SERVER_ENV keeps 1 MiB
 *              blocks in the heap, so the same warm block comes back each time);
 *   mmap       the same, but mmap'd and munmap'd per upload: fresh pages from the kernel each
 *              time (a page fault and the kernel's zeroing per 4 KiB);
 *   ring:MB    the same, but each upload's buffer is the next Content-Length of a ring of MB MiB,
 *              touched once at start (no page faults): memory that comes back only after MB MiB
 *              of other bodies, as a garbage-collected heap gives it back only after a GC (V8
 *              frees ArrayBuffers per scavenge on Node 20, every ~32 MB of them; per mark-compact
 *              on Node 24, every ~64 MB): what a fresh buffer per upload costs in cache misses.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

#define HEAD (1 << 14)

typedef struct {
  int fd;
  size_t used;      /* bytes of head holding an incomplete head */
  size_t remaining; /* body bytes still to read */
  size_t length;    /* body bytes read so far */
  char* into;       /* the body's own buffer (where != reuse), NULL otherwise */
  size_t capacity;  /* its size */
  char head[HEAD];
} conn_t;

static void* new_conn(int fd) {
  conn_t* c = calloc(1, sizeof(conn_t));
  c->fd = fd;
  return c;
}

enum { REUSE, MALLOC, MMAP, RING };
static int where = REUSE;
static char* ring;
static size_t ring_size;
static size_t ring_at;

/* The buffer of a body of `bytes` (where != reuse). */
static char* take(size_t bytes) {
  switch (where) {
    case MALLOC:
      return malloc(bytes);
    case MMAP: {
      char* p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      return p == MAP_FAILED ? NULL : p;
    }
    default:
      if (bytes > ring_size) return NULL;
      if (ring_at + bytes > ring_size) ring_at = 0;
      ring_at += bytes;
      return ring + ring_at - bytes;
  }
}

static void give_back(conn_t* c) {
  if (c->into == NULL) return;
  if (where == MALLOC) free(c->into);
  else if (where == MMAP) munmap(c->into, c->capacity);
  c->into = NULL;
}

static void drop(conn_t* c) {
  close(c->fd); /* closing removes it from the epoll set */
  give_back(c);
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
  give_back(c);
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
    if (where != REUSE && declared > 0) {
      c->into = take(declared);
      c->capacity = declared;
      if (c->into == NULL) return -1;
      memcpy(c->into, c->head + size, buffered);
    }
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
      got = read(c->fd, c->into != NULL ? c->into + c->length : body, c->remaining < size ? c->remaining : size);
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
  const char* mode = argc > 2 ? argv[2] : "reuse";
  if (strcmp(mode, "malloc") == 0) where = MALLOC;
  else if (strcmp(mode, "mmap") == 0) where = MMAP;
  else if (strncmp(mode, "ring:", 5) == 0) {
    where = RING;
    ring_size = strtoull(mode + 5, NULL, 10) << 20;
    ring = malloc(ring_size);
    if (ring == NULL) return 1;
    memset(ring, 1, ring_size);
  } else if (strcmp(mode, "reuse") != 0) {
    fprintf(stderr, "http-upload-floor-server: where must be reuse, malloc, mmap or ring:MB, not %s\n", mode);
    return 2;
  }
  body = malloc(size);
  int ep;
  int lfd = listen_loopback(&ep);
  if (lfd < 0 || body == NULL) return 1;
  serve_epoll(ep, lfd, EPOLLIN, new_conn, on_ready);
}
