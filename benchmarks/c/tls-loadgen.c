/*
 * TLS load generator for benchmarks/tls.bench.mjs (C, POSIX/Linux, OpenSSL's libssl; one
 * thread, one process, one epoll instance, level-triggered, non-blocking sockets).
 *
 *   tls-loadgen echo      <port> <connections> <message bytes> <in flight> <warmup ms> <measure ms> [processes]
 *   tls-loadgen handshake <port> <parallel>    0               0           <warmup ms> <measure ms> [processes]
 *
 * [processes] (default 1): fork that many generator processes sharing the connections (each
 * as above); the parent adds up their counts and CPU. One process is what the bench uses by
 * default, as its Node client; a full handshake costs this client about as much CPU as the
 * server, so more processes keep a server busy there.
 *
 * TLS 1.3 only, TLS_AES_128_GCM_SHA256 only (the cipher suite the bench's Node client forces),
 * SNI "localhost". The server's certificate is not verified: the client does the least work
 * it can so that the server, not the client, limits the rate (the server's work is the same).
 *
 * echo: opens <connections> connections (handshakes before the clock starts), and on each
 * writes <in flight> messages of <message bytes> (one SSL_write, so one record, per message,
 * as Node's `socket.write`), reads back the echoed bytes, counts one message per <message
 * bytes> that came back, and writes the next <in flight> once all have come back. The records
 * of one batch leave in one send (a buffering BIO, flushed once per batch); reads take up to
 * 64 KiB of records per recv (read-ahead).
 *
 * handshake: keeps <parallel> connections going, each: connect, a full handshake (a new SSL
 * object every time, no session cache, no resumption), close_notify and FIN, then the
 * server's bytes (its session tickets and close_notify) read raw and dropped until it closes,
 * then close; counts completed handshakes (the client's Finished sent). The server thus
 * completes every handshake and answers close_notify, as with RT_TLS_HS_END=1's Node client.
 *
 * RT_TLS_LOADGEN_COUNT=n in the environment ends the run after n units (handshakes, or echoed
 * messages) instead of at the end of the window: a fixed workload, for instruction counts.
 *
 * Prints "measure" on stdout when the warm-up ends (the caller starts its CPU clock of the
 * server then), and when the measured window ends one JSON line:
 *   {"count":N,"seconds":S,"errors":E,"cpu":C,"cipher":"...","group":"..."}
 * where C is this process's CPU seconds (user + system) over the measured window.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  SSL* ssl;
  uint32_t events;   /* what the epoll set waits for on fd */
  int state;         /* handshake mode: 0 connecting, 1 handshaking, 2 closing */
  int writes_left;   /* echo: messages of this batch not yet taken by SSL_write */
  int flushing;      /* echo: the batch's records are not all sent yet */
  BIO* wbuf;         /* echo: a buffering BIO before the socket: a batch leaves in one send */
  size_t received;   /* echo: bytes of this batch that came back */
} conn_t;

static SSL_CTX* ctx;
static struct sockaddr_in server;
static int ep;
static size_t msg_size;
static int in_flight;
static char* out_buf;
static char in_buf[1 << 16];
static uint64_t count, errors, measure_start, measure_end, count_limit;
static char cipher[64] = "", group[64] = "";

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static void want(conn_t* c, uint32_t events) {
  if (c->events == events) return;
  c->events = events;
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* EPOLLIN or EPOLLOUT for an SSL call that returned r <= 0; 0 when the connection failed. */
static uint32_t wait_for(conn_t* c, int r) {
  int e = SSL_get_error(c->ssl, r);
  if (e == SSL_ERROR_WANT_READ) return EPOLLIN;
  if (e == SSL_ERROR_WANT_WRITE) return EPOLLOUT;
  ERR_clear_error();
  return 0;
}

static void note_session(SSL* ssl) {
  if (cipher[0] != 0) return;
  snprintf(cipher, sizeof(cipher), "%s", SSL_CIPHER_standard_name(SSL_get_current_cipher(ssl)));
  int nid = SSL_get_negotiated_group(ssl);
  const char* name = nid == NID_undef ? "?" : OBJ_nid2sn(nid);
  snprintf(group, sizeof(group), "%s", name == NULL ? "?" : name);
}

static int tcp_socket(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

static int accept_any_chain(X509_STORE_CTX* store, void* arg) {
  (void)store;
  (void)arg;
  return 1;
}

static SSL* new_ssl(int fd) {
  SSL* ssl = SSL_new(ctx);
  if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 || SSL_set_tlsext_host_name(ssl, "localhost") != 1) return NULL;
  SSL_set_connect_state(ssl);
  return ssl;
}

/* ---- handshake mode ---- */

/* Starts a new connection on c (a fresh socket and SSL object); 0 on failure. */
static int hs_start(conn_t* c) {
  c->fd = tcp_socket();
  if (c->fd < 0) return 0;
  c->ssl = NULL;
  c->state = 0;
  c->events = EPOLLOUT;
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  if (connect(c->fd, (struct sockaddr*)&server, sizeof(server)) < 0 && errno != EINPROGRESS) return 0;
  return 1;
}

static void hs_finish(conn_t* c, int ok) {
  if (c->ssl != NULL) SSL_free(c->ssl);
  close(c->fd); /* also leaves the epoll set */
  if (!ok) errors++;
  if (!hs_start(c)) {
    fprintf(stderr, "tls-loadgen: cannot open a connection: %s\n", strerror(errno));
    exit(1);
  }
}

static void hs_event(conn_t* c, uint32_t events) {
  if (c->state == 0) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0 || (events & EPOLLERR)) {
      hs_finish(c, 0);
      return;
    }
    c->ssl = new_ssl(c->fd);
    if (c->ssl == NULL) {
      hs_finish(c, 0);
      return;
    }
    c->state = 1;
  }
  if (c->state == 1) {
    int r = SSL_do_handshake(c->ssl);
    if (r != 1) {
      uint32_t w = wait_for(c, r);
      if (w == 0)
        hs_finish(c, 0);
      else
        want(c, w);
      return;
    }
    /* Finished is sent: the handshake is complete on this side. */
    note_session(c->ssl);
    uint64_t t = now_ns();
    if (t >= measure_start && t < measure_end) count++;
    c->state = 2;
    SSL_shutdown(c->ssl); /* close_notify (one small record: the socket takes it) */
    shutdown(c->fd, SHUT_WR);
  }
  /*
   * state 2: our Finished and close_notify are sent and our side is shut (FIN); read the
   * server's bytes (its session tickets, close_notify) raw, without decrypting them, until it
   * closes, then close: a clean close on both sides, and no ticket handling here.
   */
  for (;;) {
    ssize_t r = recv(c->fd, in_buf, sizeof(in_buf), 0);
    if (r > 0) continue;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) {
      want(c, EPOLLIN);
      return;
    }
    hs_finish(c, 1); /* EOF (or a reset after our close): done */
    return;
  }
}

/* ---- echo mode ---- */

/*
 * Writes what is left of the batch, then reads what came back; 0 when the connection failed.
 * Once a batch is written it waits for EPOLLIN rather than trying a read that would find the
 * echo not back yet (one recv per read, read-ahead on: a record in one recv).
 */
static int echo_event(conn_t* c) {
  for (;;) {
    if (c->writes_left > 0 || c->flushing) {
      while (c->writes_left > 0) {
        int r = SSL_write(c->ssl, out_buf, (int)msg_size);
        if (r <= 0) {
          uint32_t w = wait_for(c, r);
          if (w == 0) return 0;
          want(c, w);
          return 1;
        }
        c->writes_left--;
        c->flushing = 1;
      }
      if (BIO_flush(c->wbuf) <= 0) {
        if (!BIO_should_retry(c->wbuf)) return 0;
        want(c, EPOLLOUT);
        return 1;
      }
      c->flushing = 0;
      if (!SSL_has_pending(c->ssl)) {
        want(c, EPOLLIN);
        return 1;
      }
    }
    int r = SSL_read(c->ssl, in_buf, sizeof(in_buf));
    if (r <= 0) {
      uint32_t w = wait_for(c, r);
      if (w == 0) return 0;
      want(c, w);
      return 1;
    }
    size_t before = c->received / msg_size;
    c->received += (size_t)r;
    uint64_t t = now_ns();
    if (t >= measure_start && t < measure_end) count += c->received / msg_size - before;
    if (c->received >= msg_size * (size_t)in_flight) {
      c->received -= msg_size * (size_t)in_flight; /* 0: the server echoes only what was sent */
      c->writes_left = in_flight;
    }
  }
}

/* A blocking connect and handshake (before the clock starts), then non-blocking. */
static int echo_open(conn_t* c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (c->fd < 0 || connect(c->fd, (struct sockaddr*)&server, sizeof(server)) < 0) return 0;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  c->ssl = new_ssl(c->fd);
  if (c->ssl == NULL || SSL_connect(c->ssl) != 1) return 0;
  note_session(c->ssl);
  /* The records of a batch gather in a buffering BIO (the size of a whole batch, up to 1 MiB) and leave in one send. */
  BIO* sock = BIO_new_socket(c->fd, BIO_NOCLOSE);
  c->wbuf = BIO_new(BIO_f_buffer());
  long size = (long)((msg_size + 64) * (size_t)in_flight);
  if (sock == NULL || c->wbuf == NULL || BIO_set_write_buffer_size(c->wbuf, size < (1 << 20) ? size : (1 << 20)) != 1) return 0;
  BIO_push(c->wbuf, sock);
  SSL_set0_wbio(c->ssl, c->wbuf); /* the read side keeps SSL_set_fd's socket BIO */
  int nonblocking = 1;
  if (ioctl(c->fd, FIONBIO, &nonblocking) < 0) return 0;
  c->writes_left = in_flight;
  c->events = EPOLLIN;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == 0;
}

/* What a generator process reports to the parent (one write, under PIPE_BUF: atomic). */
typedef struct {
  uint64_t count, errors;
  double cpu;
  char cipher[64], group[64];
} result_t;

static int run(int handshake, int nconn, uint64_t measure, int report_fd);

int main(int argc, char** argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: tls-loadgen echo|handshake <port> <connections> <message bytes> <in flight> <warmup ms> <measure ms> [processes]\n");
    return 2;
  }
  int handshake = strcmp(argv[1], "handshake") == 0;
  if (!handshake && strcmp(argv[1], "echo") != 0) return 2;
  int port = atoi(argv[2]);
  int nconn = atoi(argv[3]);
  msg_size = (size_t)atol(argv[4]);
  in_flight = atoi(argv[5]);
  uint64_t warmup = (uint64_t)atol(argv[6]) * 1000000ull;
  uint64_t measure = (uint64_t)atol(argv[7]) * 1000000ull;
  int procs = argc > 8 ? atoi(argv[8]) : 1;
  const char* limit = getenv("RT_TLS_LOADGEN_COUNT");
  count_limit = limit == NULL ? 0 : (uint64_t)atoll(limit);
  if (port < 1 || port > 65535 || nconn < 1 || procs < 1 || procs > nconn ||
      (!handshake && (msg_size < 1 || msg_size > 16384 || in_flight < 1))) {
    fprintf(stderr, "tls-loadgen: bad arguments (message bytes 1..16384, one record each; 1 <= processes <= connections)\n");
    return 2;
  }
  ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 || SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") != 1) {
    ERR_print_errors_fp(stderr);
    return 1;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_cert_verify_callback(ctx, accept_any_chain, NULL); /* no chain building either */
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, 1 << 16); /* with read-ahead: up to 64 KiB of records per recv */
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); /* every handshake is a full one */
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  server = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* One clock for every process: the windows are absolute CLOCK_MONOTONIC times. */
  measure_start = now_ns() + warmup;
  measure_end = measure_start + measure;
  if (procs == 1) return run(handshake, nconn, measure, -1);
  int pipefd[2];
  if (pipe(pipefd) < 0) {
    perror("pipe");
    return 1;
  }
  fflush(stdout);
  for (int p = 0; p < procs; p++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      close(pipefd[0]);
      _exit(run(handshake, nconn / procs + (p < nconn % procs), measure, pipefd[1]));
    }
  }
  close(pipefd[1]);
  uint64_t now = now_ns();
  if (now < measure_start) {
    struct timespec wait = {.tv_sec = (time_t)((measure_start - now) / 1000000000ull), .tv_nsec = (long)((measure_start - now) % 1000000000ull)};
    nanosleep(&wait, NULL);
  }
  fputs("measure\n", stdout);
  fflush(stdout);
  result_t sum = {0};
  int got = 0;
  for (result_t r; got < procs && read(pipefd[0], &r, sizeof(r)) == (ssize_t)sizeof(r); got++) {
    sum.count += r.count;
    sum.errors += r.errors;
    sum.cpu += r.cpu;
    memcpy(sum.cipher, r.cipher, sizeof(sum.cipher));
    memcpy(sum.group, r.group, sizeof(sum.group));
  }
  int failed = got < procs;
  for (int status; wait(&status) > 0;) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (failed) {
    fprintf(stderr, "tls-loadgen: a generator process failed\n");
    return 1;
  }
  sum.cipher[sizeof(sum.cipher) - 1] = sum.group[sizeof(sum.group) - 1] = 0;
  printf("{\"count\":%llu,\"seconds\":%.3f,\"errors\":%llu,\"cpu\":%.4f,\"cipher\":\"%s\",\"group\":\"%s\",\"processes\":%d}\n",
         (unsigned long long)sum.count, (double)measure / 1e9, (unsigned long long)sum.errors, sum.cpu, sum.cipher, sum.group, procs);
  return 0;
}

/* One generator process: nconn connections until measure_end; prints (report_fd < 0) or reports its result. */
static int run(int handshake, int nconn, uint64_t measure, int report_fd) {
  out_buf = malloc(msg_size > 0 ? msg_size : 1);
  memset(out_buf, 'x', msg_size > 0 ? msg_size : 1);
  ep = epoll_create1(EPOLL_CLOEXEC);
  conn_t* conns = calloc((size_t)nconn, sizeof(conn_t));
  for (int i = 0; i < nconn; i++) {
    if (!(handshake ? hs_start(&conns[i]) : echo_open(&conns[i]))) {
      fprintf(stderr, "tls-loadgen: connection %d failed: %s\n", i, strerror(errno));
      ERR_print_errors_fp(stderr);
      return 1;
    }
  }
  if (!handshake) {
    for (int i = 0; i < nconn; i++)
      if (!echo_event(&conns[i])) errors++;
  }
  int measuring = 0;
  double cpu_start = 0;
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, 50);
    uint64_t now = now_ns();
    if (!measuring && now >= measure_start) {
      measuring = 1;
      cpu_start = cpu_seconds();
      if (report_fd < 0) {
        fputs("measure\n", stdout);
        fflush(stdout);
      }
    }
    if (now >= measure_end || (count_limit > 0 && count >= count_limit)) break;
    for (int i = 0; i < n; i++) {
      conn_t* c = events[i].data.ptr;
      if (handshake) {
        hs_event(c, events[i].events);
      } else if (!echo_event(c)) {
        fprintf(stderr, "tls-loadgen: an echo connection failed\n");
        ERR_print_errors_fp(stderr);
        return 1;
      }
    }
  }
  double cpu = cpu_seconds() - cpu_start;
  if (report_fd >= 0) {
    result_t r = {.count = count, .errors = errors, .cpu = cpu};
    snprintf(r.cipher, sizeof(r.cipher), "%s", cipher);
    snprintf(r.group, sizeof(r.group), "%s", group);
    return write(report_fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1;
  }
  printf("{\"count\":%llu,\"seconds\":%.3f,\"errors\":%llu,\"cpu\":%.4f,\"cipher\":\"%s\",\"group\":\"%s\"}\n", (unsigned long long)count,
         (double)measure / 1e9, (unsigned long long)errors, cpu, cipher, group);
  fflush(stdout);
  for (int i = 0; i < nconn; i++) {
    if (conns[i].ssl != NULL) SSL_free(conns[i].ssl);
    close(conns[i].fd);
  }
  SSL_CTX_free(ctx);
  return 0;
}
