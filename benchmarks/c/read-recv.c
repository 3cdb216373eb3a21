/*
 * read(2) against recv(2) on a connected TCP socket (std C + POSIX/Linux only): what the VFS layer
 * of read costs per call (fdget_pos, vfs_read, rw_verify_area, a kiocb, sock_read_iter) before the
 * sock_recvmsg that recv reaches directly. Used by benchmarks/read-recv.bench.mjs; @rt/mio-native
 * reads sockets with recv since pass lg28 (mio-native README).
 *
 *   read-recv [blocks] [iterations per block]
 *
 * One thread, one loopback connection (TCP_NODELAY, the reading end non-blocking). Each iteration:
 * the client sends 64 bytes, the server end reads them (read or recv: the block's mode), echoes
 * them with send, the client receives them. Blocks alternate read and recv; the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID) is summed per mode. Prints one JSON line:
 *   {"read_ns":R,"recv_ns":V,"diff_ns":R-V}   (per iteration, so per read call)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double thread_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char** argv) {
  int blocks = argc > 1 ? atoi(argv[1]) : 20;
  int per = argc > 2 ? atoi(argv[2]) : 20000;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(listener, (struct sockaddr*)&addr, sizeof(addr)) < 0 || listen(listener, 1) < 0 ||
      getsockname(listener, (struct sockaddr*)&addr, &len) < 0) {
    perror("listen");
    return 1;
  }
  int client = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(client, (struct sockaddr*)&addr, sizeof(addr)) < 0) {
    perror("connect");
    return 1;
  }
  int server = accept(listener, NULL, NULL);
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(server, F_SETFL, O_NONBLOCK);
  static char buf[65536], msg[64];
  double ns[2] = {0, 0};
  long count[2] = {0, 0};
  for (int b = 0; b < blocks; b++) {
    int use_recv = b & 1;
    double t0 = thread_ns();
    for (int i = 0; i < per; i++) {
      send(client, msg, sizeof(msg), MSG_NOSIGNAL);
      ssize_t r = use_recv ? recv(server, buf, sizeof(buf), 0) : read(server, buf, sizeof(buf));
      if (r != (ssize_t)sizeof(msg)) {
        fprintf(stderr, "read-recv: got %zd bytes\n", r);
        return 1;
      }
      send(server, buf, (size_t)r, MSG_NOSIGNAL);
      recv(client, buf, sizeof(buf), 0);
    }
    ns[use_recv] += thread_ns() - t0;
    count[use_recv] += per;
  }
  double read_ns = ns[0] / (double)count[0], recv_ns = ns[1] / (double)count[1];
  printf("{\"read_ns\":%.1f,\"recv_ns\":%.1f,\"diff_ns\":%.1f}\n", read_ns, recv_ns, read_ns - recv_ns);
  return 0;
}
