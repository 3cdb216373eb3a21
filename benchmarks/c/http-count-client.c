/*
 * A fixed-count HTTP/1.1 keep-alive client for http-callgrind.mjs (std C + POSIX/Linux only).
 *
 *   http-count-client <port> <connections> <requests> <path> [<warmup>]
 *
 * Opens <connections> TCP connections to 127.0.0.1:<port> (TCP_NODELAY) and on each sends
 * "GET <path> HTTP/1.1" (Host only, as wrk does), waits for the whole answer (head, then
 * Content-Length bytes), and sends the next, until <requests> answers have arrived in all.
 * One request in flight per connection, one thread, one epoll instance. Unlike wrk it stops
 * after an exact count, so a profile of the server (callgrind) covers a known number of
 * requests. Prints one JSON line: {"requests":N,"seconds":S}; exits 1 on an error
 * (a non-200 answer, a closed connection, neither Content-Length nor chunked).
 *
 * With <warmup>: first that many requests on the same connections, then the line "warm" and a
 * wait for a line on stdin before the <requests> are sent; after them, the JSON line and
 * another wait for a line on stdin before the connections close. So a profiler can be zeroed
 * and dumped around exactly the measured requests, with no connection opened or closed
 * inside the window (the server's code is not disturbed by connection turnover).
 *
 * With LATENCY=1 in the environment (and no <warmup>), each request's latency (request written to answer whole)
 * is also taken on two clocks, CLOCK_MONOTONIC and CLOCK_REALTIME (gettimeofday's, which wrk
 * uses), and a second JSON line gives, per clock, the mean, p50/p90/p99/p99.9 and max in µs,
 * and the mean that Little's law allows (connections ÷ requests/s): on a clock that does not
 * jump the measured mean cannot be above it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "count-client.h"

#define BUF 65536

typedef struct {
  int fd;
  size_t have;
  struct timespec sent_mono, sent_real;
  char buf[BUF];
} conn_t;

/* Latency histograms in µs (1 µs buckets up to 2 s; longer ones counted at the top). */
#define HIST 2000000
static int latency_on;
static unsigned *hist_mono, *hist_real;
static double sum_mono, sum_real;
static long max_mono, max_real, measured;

static long elapsed_us(const struct timespec *a, const struct timespec *b) {
  return (long)((b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000L);
}

static void record(unsigned *hist, double *sum, long *max, long us) {
  if (us < 0) us = 0;
  *sum += (double)us;
  if (us > *max) *max = us;
  hist[us < HIST ? us : HIST - 1]++;
}

static long percentile(const unsigned *hist, long count, double p) {
  long rank = (long)(p / 100.0 * (double)count + 0.5), total = 0;
  for (long i = 0; i < HIST; i++) {
    total += hist[i];
    if (total >= rank && total > 0) return i;
  }
  return HIST - 1;
}

static char request[1024];
static size_t request_len;

static int send_request(conn_t *c) {
  if (latency_on) {
    clock_gettime(CLOCK_MONOTONIC, &c->sent_mono);
    clock_gettime(CLOCK_REALTIME, &c->sent_real);
  }
  size_t off = 0;
  while (off < request_len) {
    ssize_t n = write(c->fd, request + off, request_len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    off += (size_t)n;
  }
  return 0;
}

/* Length of one whole answer at the start of c->buf, 0 when incomplete, -1 on a bad answer. */
static long whole_answer(conn_t *c) {
  c->buf[c->have] = 0;
  char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
  if (end == NULL) return 0;
  if (strncmp(c->buf, "HTTP/1.1 200 ", 13) != 0) return -1;
  size_t head = (size_t)(end - c->buf) + 4;
  long length = -1;
  for (char *line = strstr(c->buf, "\r\n"); line != NULL && line < end; line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line + 2, "content-length:", 15) == 0) length = strtol(line + 17, NULL, 10);
  }
  if (length < 0) {
    /* A chunked answer (node:http's when the handler sets no length): whole at its last chunk. */
    char *last = memmem(c->buf + head - 2, c->have - head + 2, "\r\n0\r\n\r\n", 7);
    if (last == NULL) return strcasestr(c->buf, "transfer-encoding: chunked") != NULL && strcasestr(c->buf, "transfer-encoding: chunked") < end ? 0 : -1;
    return (long)(last - c->buf) + 7;
  }
  return c->have >= head + (size_t)length ? (long)(head + (size_t)length) : 0;
}

static int ep;
static conn_t *conns;
static int connections;

static int run(long requests);

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr, "usage: %s <port> <connections> <requests> <path> [<warmup>]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  connections = atoi(argv[2]);
  long requests = atol(argv[3]);
  request_len = (size_t)snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", argv[4], port);
  ep = epoll_create1(0);
  hist_mono = calloc(HIST, sizeof(unsigned));
  hist_real = calloc(HIST, sizeof(unsigned));
  conns = calloc((size_t)connections, sizeof(conn_t));
  long warmup = argc > 5 ? atol(argv[5]) : 0;
  latency_on = getenv("LATENCY") != NULL && strcmp(getenv("LATENCY"), "1") == 0;
  for (int i = 0; i < connections; i++) {
    conns[i].fd = count_connect(ep, port, 0, &conns[i]);
    if (conns[i].fd < 0) return 1;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (count_window(warmup, requests, "requests", run) != 0) return 1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (latency_on && measured > 0) {
    double seconds = (double)elapsed_us(&t0, &t1) / 1e6;
    printf("{\"latency_us\":{\"little_mean\":%.1f", (double)connections / ((double)measured / seconds) * 1e6);
    const char *names[2] = {"monotonic", "realtime"};
    unsigned *hists[2] = {hist_mono, hist_real};
    double sums[2] = {sum_mono, sum_real};
    long maxes[2] = {max_mono, max_real};
    for (int k = 0; k < 2; k++) {
      printf(",\"%s\":{\"mean\":%.1f,\"p50\":%ld,\"p90\":%ld,\"p99\":%ld,\"p999\":%ld,\"max\":%ld}", names[k], sums[k] / (double)measured,
             percentile(hists[k], measured, 50), percentile(hists[k], measured, 90), percentile(hists[k], measured, 99), percentile(hists[k], measured, 99.9), maxes[k]);
    }
    printf("}}\n");
  }
  for (int i = 0; i < connections; i++) close(conns[i].fd);
  return 0;
}

/* Sends <requests> requests over the connections (one in flight on each), until all are answered. */
static int run(long requests) {
  long sent = 0, done = 0;
  for (int i = 0; i < connections && sent < requests; i++) {
    if (send_request(&conns[i]) != 0) return 1;
    sent++;
  }
  struct epoll_event events[256];
  while (done < requests) {
    int k = epoll_wait(ep, events, 256, 60000);
    if (k <= 0) {
      fprintf(stderr, "http-count-client: no answer for 60 s (%ld of %ld)\n", done, requests);
      return 1;
    }
    for (int e = 0; e < k; e++) {
      conn_t *c = events[e].data.ptr;
      ssize_t n = read(c->fd, c->buf + c->have, BUF - 1 - c->have);
      if (n <= 0) {
        if (n < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "http-count-client: the server closed a connection (%ld of %ld)\n", done, requests);
        return 1;
      }
      c->have += (size_t)n;
      for (;;) {
        long whole = whole_answer(c);
        if (whole < 0) {
          fprintf(stderr, "http-count-client: bad answer: %.200s\n", c->buf);
          return 1;
        }
        if (whole == 0) break;
        memmove(c->buf, c->buf + whole, c->have - (size_t)whole);
        c->have -= (size_t)whole;
        done++;
        if (latency_on) {
          struct timespec now_mono, now_real;
          clock_gettime(CLOCK_MONOTONIC, &now_mono);
          clock_gettime(CLOCK_REALTIME, &now_real);
          record(hist_mono, &sum_mono, &max_mono, elapsed_us(&c->sent_mono, &now_mono));
          record(hist_real, &sum_real, &max_real, elapsed_us(&c->sent_real, &now_real));
          measured++;
        }
        if (sent < requests) {
          if (send_request(c) != 0) return 1;
          sent++;
        }
      }
    }
  }
  return 0;
}
