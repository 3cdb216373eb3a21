/*
 * Short-connection load generator for benchmarks/accept.bench.mjs (std C + POSIX/Linux only).
 *
 *   connect-loadgen <port> <parallel> <warmup ms> <measure ms>
 *
 * Keeps <parallel> connections to 127.0.0.1:<port> going, each: a non-blocking connect, then
 * reads until the server closes (the server writes a short greeting and closes), then close
 * and connect again. Counts completed connections (end of stream seen) in the measured window.
 * One thread, one epoll instance, level-triggered. The client closes second, with SO_LINGER 0
 * (a reset): the server's side of the connection, already closed, ends there instead of in
 * TIME_WAIT, where a client port reused a second later could meet it (at tens of thousands of
 * connections per second, a port comes round within the TIME_WAIT minute) and wait for a SYN
 * retransmission; the server's code sees none of it.
 * Prints "measure" on stdout when the warm-up ends (the caller starts its CPU clock of the
 * server then), and at the end one JSON line:
 *   {"count":N,"seconds":S,"errors":E,"cpu":C}
 * where C is this process's CPU seconds (user + system) over the measured window.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static struct sockaddr_in addr;

/* Starts one connection in slot `slot`: returns its fd, or -1. */
static int start(int ep, int slot) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct linger reset = {.l_onoff = 1, .l_linger = 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  if (connect(fd, (struct sockaddr*)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = ((uint64_t)(uint32_t)slot << 32) | (uint32_t)fd};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: connect-loadgen <port> <parallel> <warmup ms> <measure ms>\n");
    return 2;
  }
  int port = atoi(argv[1]);
  int parallel = atoi(argv[2]);
  uint64_t warmup = (uint64_t)atol(argv[3]) * 1000000ull;
  uint64_t measure = (uint64_t)atol(argv[4]) * 1000000ull;
  if (port < 1 || port > 65535 || parallel < 1 || parallel > 4096) {
    fprintf(stderr, "connect-loadgen: bad arguments\n");
    return 2;
  }
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int i = 0; i < parallel; i++) {
    if (start(ep, i) < 0) {
      perror("connect");
      return 1;
    }
  }
  uint64_t t0 = now_ns();
  uint64_t measure_start = t0 + warmup, measure_end = measure_start + measure;
  int measuring = 0;
  double cpu_start = 0;
  uint64_t count = 0, errors = 0;
  char buf[4096];
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, 100);
    uint64_t now = now_ns();
    if (!measuring && now >= measure_start) {
      measuring = 1;
      cpu_start = cpu_seconds();
      printf("measure\n");
      fflush(stdout);
    }
    if (now >= measure_end) break;
    for (int i = 0; i < n; i++) {
      int fd = (int)(uint32_t)events[i].data.u64;
      int slot = (int)(events[i].data.u64 >> 32);
      int done = 0;
      for (;;) {
        ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r > 0) continue;
        if (r == 0) {
          done = 1;
        } else if (errno == EINTR) {
          continue;
        } else if (errno != EAGAIN) {
          errors++;
          done = 1;
        }
        break;
      }
      if (!done) continue;
      if (measuring) count++;
      close(fd); /* also leaves the epoll set */
      if (start(ep, slot) < 0) errors++;
    }
  }
  double cpu = cpu_seconds() - cpu_start;
  printf("{\"count\":%llu,\"seconds\":%.3f,\"errors\":%llu,\"cpu\":%.4f}\n", (unsigned long long)count, (double)measure / 1e9,
         (unsigned long long)errors, cpu);
  return 0;
}
