/*
 * Shared by the C servers of benchmarks/c (std C + POSIX/Linux only): a nonblocking listener
 * on 127.0.0.1 at an ephemeral port, printed on stdout's first line, registered in a new epoll
 * set with data.ptr NULL; and accepting connections with TCP_NODELAY into that set.
 */
#ifndef RT_BENCH_LOOPBACK_H
#define RT_BENCH_LOOPBACK_H
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>

/* Binds, listens, prints the port; returns the listener's fd and sets *ep, or -1 (perror'd). */
static int listen_loopback(int* ep) {
  int one = 1;
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof(addr);
  if (bind(lfd, (struct sockaddr*)&addr, sizeof(addr)) < 0 || listen(lfd, 1024) < 0 ||
      getsockname(lfd, (struct sockaddr*)&addr, &alen) < 0) {
    perror("listen");
    return -1;
  }
  printf("%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  *ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(*ep, EPOLL_CTL_ADD, lfd, &ev);
  return lfd;
}

/* Accepts one pending connection (nonblocking, TCP_NODELAY); -1 when none is left. */
static int accept_nodelay(int lfd) {
  int one = 1;
  int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

/* Accepts every pending connection into the epoll set with `events`, data.ptr = make(fd). */
static void accept_all(int ep, int lfd, uint32_t events, void* (*make)(int fd)) {
  for (;;) {
    int fd = accept_nodelay(lfd);
    if (fd < 0) return;
    struct epoll_event cev = {.events = events, .data.ptr = make(fd)};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
  }
}
/*
 * The usual server loop: waits on the epoll set for ever, accepts new connections into it with
 * `events` (data.ptr = make(fd)) and calls on_ready(conn, event bits) for each ready connection.
 */
static inline void serve_epoll(int ep, int lfd, uint32_t events, void* (*make)(int fd), void (*on_ready)(void* conn, uint32_t ready)) {
  struct epoll_event ready[1024];
  for (;;) {
    int n = epoll_wait(ep, ready, 1024, -1);
    for (int i = 0; i < n; i++) {
      if (ready[i].data.ptr == NULL) accept_all(ep, lfd, events, make);
      else on_ready(ready[i].data.ptr, ready[i].events);
    }
  }
}
#endif
