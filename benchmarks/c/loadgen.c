/*
 * Echo load generator for benchmarks/echo.bench.mjs (std C + POSIX/Linux only).
 *
 *   loadgen <port> <connections> <message bytes> <warmup ms> <measure ms> [spin]
 *
 * Opens <connections> TCP connections to 127.0.0.1:<port> (TCP_NODELAY), and on each runs
 * a ping-pong: send one message, wait until the whole message has come back, record the
 * round trip, send the next. One thread, one epoll instance, level-triggered, EPOLLOUT
 * only while a write is pending. Prints one JSON line:
 *   {"messages":N,"seconds":S,"p50_us":X,"p99_us":Y,"errors":E,"cpu":C,"waits":W,"sleeps":Z,"preempted":P}
 * (waits: epoll_wait calls, sleeps and preempted: its voluntary and involuntary context switches,
 * all over warm-up and measurement: how often the generator ran out of echoes and slept, and how
 * often it was taken off a CPU)
 * where C is the load generator's own CPU use over the run (1.0 = one core busy): near 1.0
 * means the generator, not the server, limits the rate.
 * Latencies go into a histogram of 100 ns buckets up to 100 ms.
 *
 * spin (a sixth argument `1`; off by default, echo.bench.mjs passes it with RT_ECHO_SPIN=1):
 * the generator never sleeps: it polls with epoll_wait(..., 0) in a loop instead of blocking, so
 * it is always on a CPU (cpu ~1.0) and a server's send never has a sleeping generator to wake.
 * On loopback the sender's system call runs the receiver's TCP input and wake-up, so against a
 * blocking generator part of a server's system time is waking the generator, which depends on
 * how often the generator ran out of echoes (its sleeps per message): a property of the pair,
 * not of the server. Spinning takes that part out of every server alike. Then the JSON also has
 * "empty": the polls that found nothing ready.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKET_NS 100
#define BUCKETS 1000000

typedef struct {
  int fd;
  size_t sent, received;
  uint64_t start_ns;
  int want_out;
} conn_t;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint32_t* histogram;
static size_t msg_size;
static char* out_buf;
static char in_buf[1 << 16];

static void set_out(int ep, conn_t* c, int want) {
  if (c->want_out == want) return;
  c->want_out = want;
  struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Push as much of the current message as the socket takes. 0 ok, -1 error. */
static int pump_out(int ep, conn_t* c) {
  while (c->sent < msg_size) {
    ssize_t w = send(c->fd, out_buf + c->sent, msg_size - c->sent, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN) {
        set_out(ep, c, 1);
        return 0;
      }
      if (errno == EINTR) continue;
      return -1;
    }
    c->sent += (size_t)w;
  }
  set_out(ep, c, 0);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: loadgen <port> <connections> <message bytes> <warmup ms> <measure ms> [spin]\n");
    return 2;
  }
  int spin = argc > 6 && atoi(argv[6]) == 1;
  int port = atoi(argv[1]);
  int nconn = atoi(argv[2]);
  msg_size = (size_t)atol(argv[3]);
  uint64_t warmup = (uint64_t)atol(argv[4]) * 1000000ull;
  uint64_t measure = (uint64_t)atol(argv[5]) * 1000000ull;
  if (nconn < 1 || msg_size < 1) return 2;
  histogram = calloc(BUCKETS + 1, sizeof(uint32_t));
  out_buf = malloc(msg_size);
  memset(out_buf, 'x', msg_size);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  conn_t* conns = calloc((size_t)nconn, sizeof(conn_t));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < nconn; i++) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, (struct sockaddr*)&addr, sizeof(addr)) < 0) {
      perror("connect");
      return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  /* Non-blocking after connecting (a blocking connect is simplest and not measured). */
  for (int i = 0; i < nconn; i++) {
    int fl = 1;
    if (ioctl(conns[i].fd, FIONBIO, &fl) < 0) {
      perror("ioctl");
      return 1;
    }
  }
  uint64_t t0 = now_ns();
  uint64_t measure_start = t0 + warmup, measure_end = measure_start + measure;
  for (int i = 0; i < nconn; i++) {
    conns[i].start_ns = now_ns();
    if (pump_out(ep, &conns[i]) < 0) return 1;
  }
  uint64_t messages = 0, errors = 0, waits = 0, empty = 0;
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, spin ? 0 : 100);
    waits++;
    if (n == 0) empty++;
    uint64_t now = now_ns();
    if (now >= measure_end) break;
    for (int i = 0; i < n; i++) {
      conn_t* c = events[i].data.ptr;
      if (events[i].events & EPOLLOUT) {
        if (pump_out(ep, c) < 0) errors++;
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          ssize_t r = recv(c->fd, in_buf, sizeof(in_buf), 0);
          if (r < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) errors++;
            break;
          }
          if (r == 0) {
            fprintf(stderr, "loadgen: server closed a connection\n");
            return 1;
          }
          c->received += (size_t)r;
          if (c->received >= msg_size) {
            /* A whole echo came back: record it and start the next round trip. */
            uint64_t t = now_ns();
            if (t >= measure_start && t < measure_end) {
              uint64_t b = (t - c->start_ns) / BUCKET_NS;
              histogram[b < BUCKETS ? b : BUCKETS]++;
              messages++;
            }
            c->received -= msg_size;
            c->sent = 0;
            c->start_ns = t;
            if (pump_out(ep, c) < 0) errors++;
          }
          if ((size_t)r < sizeof(in_buf)) break;
        }
      }
    }
  }
  double seconds = (double)measure / 1e9;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  double elapsed = (double)(now_ns() - t0) / 1e9;
  uint64_t p50 = 0, p99 = 0, seen = 0;
  int have50 = 0;
  for (uint64_t b = 0; b <= BUCKETS; b++) {
    seen += histogram[b];
    if (!have50 && seen * 2 >= messages) {
      p50 = b;
      have50 = 1;
    }
    if (seen * 100 >= messages * 99) {
      p99 = b;
      break;
    }
  }
  printf("{\"messages\":%llu,\"seconds\":%.3f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"errors\":%llu,\"cpu\":%.2f,\"waits\":%llu,\"sleeps\":%ld,\"preempted\":%ld",
         (unsigned long long)messages, seconds, (p50 + 0.5) * BUCKET_NS / 1000.0, (p99 + 0.5) * BUCKET_NS / 1000.0,
         (unsigned long long)errors, cpu / elapsed, (unsigned long long)waits, usage.ru_nvcsw, usage.ru_nivcsw);
  if (spin) printf(",\"empty\":%llu", (unsigned long long)empty);
  printf("}\n");
  for (int i = 0; i < nconn; i++) close(conns[i].fd);
  return 0;
}
