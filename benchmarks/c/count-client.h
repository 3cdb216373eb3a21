/*
 * Shared by the fixed-count clients of benchmarks/c (http-count-client.c, echo-count-client.c;
 * std C + POSIX/Linux only): a TCP connection to 127.0.0.1 with TCP_NODELAY in an epoll set,
 * and the protocol a profiler is zeroed and dumped around (benchmarks/lib/callgrind.mjs's
 * countedWindow): the warm-up, the line "warm", a line on stdin, the counted part, one JSON
 * line {"<unit>":N,"seconds":S}, another line on stdin before the connections close.
 */
#ifndef RT_BENCH_COUNT_CLIENT_H
#define RT_BENCH_COUNT_CLIENT_H
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

/* Connects to 127.0.0.1:<port> (non-blocking when asked), TCP_NODELAY, and adds the socket to
 * `ep` for EPOLLIN with data.ptr = ptr. Returns the fd, or -1 (perror'd). */
static int count_connect(int ep, int port, int nonblocking, void* ptr) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0 && !(nonblocking && errno == EINPROGRESS)) {
    perror("connect");
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = ptr};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return fd;
}

/* run(warmup) when warmup > 0, "warm", a line on stdin; run(count) timed and its JSON line; after
 * a warm-up another line on stdin. 0, or 1 when run fails or stdin closes. */
static int count_window(long warmup, long count, const char* unit, int (*run)(long n)) {
  char line[16];
  if (warmup > 0) {
    if (run(warmup) != 0) return 1;
    printf("warm\n");
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) return 1;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (run(count) != 0) return 1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("{\"%s\":%ld,\"seconds\":%.3f}\n", unit, count, seconds);
  fflush(stdout);
  if (warmup > 0 && fgets(line, sizeof line, stdin) == NULL) return 1;
  return 0;
}
#endif
