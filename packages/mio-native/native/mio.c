/*
 * @rt/mio-native: the C layer. Syscalls and the libuv hook, nothing more.
 *
 * How and why
 * -----------
 * Every function here is a thin wrapper over one system call on a raw file descriptor.
 * Functions on the hot path (read, write, accept, ctl) never throw and never allocate a
 * JavaScript object: they return a byte count / fd / 0 on success and a negative errno on
 * failure. Meaning (tokens, interests, readiness decoding, errno names, error classes,
 * socket address encoding) lives in TypeScript (src/), so a kqueue backend only has to
 * reimplement this file against the contract in ../BACKEND.md.
 *
 * The poll: one epoll instance, whose own fd is registered with Node's libuv loop as a
 * single uv_poll_t (readable). When libuv reports it readable, on_uv_poll drains
 * epoll_wait(epfd, ..., 0) into the JS-owned Uint32Array (pairs of token, epoll events;
 * MUST MATCH src/poll.ts) and makes ONE call into JavaScript for the whole batch; it calls
 * epoll_wait again only if the batch was full. The uv handle is unref'd unless JavaScript
 * asks for a ref (the reactor refs it while any registration has a waiter), so an idle
 * poll never keeps the process alive.
 *
 * Sockets are created SOCK_NONBLOCK | SOCK_CLOEXEC; writes use MSG_NOSIGNAL.
 * Socket addresses are passed as raw `struct sockaddr_*` bytes in a caller's Buffer
 * (TypeScript encodes and decodes them; the Linux layouts are ABI).
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#ifdef __linux__
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define MIO_MAX_IOV 64

/* ------------------------------------------------------------------------------------ */
/* Argument helpers. A wrong argument type is a programming error of the TypeScript layer,
 * so it throws (never on a correct hot path). */

#define MIO_ARGS(n)                                                                      \
  size_t argc = (n);                                                                     \
  napi_value argv[(n) > 0 ? (n) : 1];                                                    \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;

static napi_value mio_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

/* The RangeError of a number that is not exactly an int32 (out of line: the message's buffer
 * and formatting stay off the path of a good argument). */
static __attribute__((noinline, cold)) int mio_not_i32(napi_env env, double d) {
  char message[96];
  snprintf(message, sizeof(message), "expected an integer in the int32 range, got %.17g", d);
  napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", message);
  return 0;
}

/* A double that must be exactly an int32 (range first: NaN fails it, and the cast is then
 * defined). */
static inline int mio_i32_of(napi_env env, double d, int32_t* out) {
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != (double)(int32_t)d) return mio_not_i32(env, d);
  *out = (int32_t)d;
  return 1;
}

/* An integer argument (fd, offset, length, flag). napi_get_value_int32 would wrap NaN and
 * Infinity to 0 and 2^32 + n to n, so a NaN fd would become stdin and a huge length a small
 * one: anything that is not exactly an int32 is a RangeError naming the value instead. */
int mio_i32(napi_env env, napi_value v, int32_t* out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected a number");
    return 0;
  }
  return mio_i32_of(env, d, out);
}

/* A Buffer/Uint8Array plus (offset, length), bounds-checked. */
static int mio_slice(napi_env env, napi_value buf, napi_value off, napi_value len, char** data, size_t* size) {
  void* base;
  size_t total;
  int32_t o, l;
  if (napi_get_buffer_info(env, buf, &base, &total) != napi_ok) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected a Buffer");
    return 0;
  }
  if (!mio_i32(env, off, &o) || !mio_i32(env, len, &l)) return 0;
  if (o < 0 || l < 0 || (size_t)o + (size_t)l > total) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "offset/length out of the buffer's bounds");
    return 0;
  }
  *data = (char*)base + o;
  *size = (size_t)l;
  return 1;
}

static int mio_buffer(napi_env env, napi_value buf, char** data, size_t* size) {
  void* base;
  if (napi_get_buffer_info(env, buf, &base, size) != napi_ok) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected a Buffer");
    return 0;
  }
  *data = base;
  return 1;
}

static int mio_int32_array(napi_env env, napi_value v, int32_t** data, size_t* length) {
  napi_typedarray_type type;
  void* base;
  if (napi_get_typedarray_info(env, v, &type, length, &base, NULL, NULL) != napi_ok ||
      (type != napi_int32_array && type != napi_uint32_array)) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected an Int32Array");
    return 0;
  }
  *data = base;
  return 1;
}

/* ------------------------------------------------------------------------------------ */
/* The poll: epoll + one uv_poll_t. */

typedef struct mio_poll {
  int epfd;
  int closed;
  int refed;
  uint32_t capacity;          /* events per batch */
  uint32_t* out;              /* JS-owned Uint32Array: [token, events] * capacity */
  struct epoll_event* scratch;
  napi_env env;
  napi_ref out_ref;
  napi_ref callback_ref;
  napi_ref receiver_ref;
  napi_async_context async_context;
  /* Registered for the poll's whole life and removed only when its uv handle has finished
   * closing: a worker thread's environment waits for it, so the close callback never runs
   * after the addon was unloaded. */
  napi_async_cleanup_hook_handle cleanup_hook;
  /* The JS handle's box (below) while that handle lives: emptied when the poll is freed. */
  struct mio_poll_box* box;
  uv_poll_t handle;
} mio_poll;

/* What the JS handle of a poll points at: a box, type-tagged (another native handle is refused),
 * holding the poll until libuv has closed it and it is freed; the box itself lives as long as the
 * handle (its finalizer frees it). So a handle whose poll was freed finds an empty box and acts as
 * a closed poll: it never reads, nor closes twice, memory that may belong to a newer poll. */
typedef struct mio_poll_box {
  mio_poll* poll;
} mio_poll_box;

static const napi_type_tag mio_poll_tag = {0x72746d696f706f6cULL, 0x0000000000000001ULL};

/* What an emptied box stands for: a closed poll (every function checks `closed` first). */
static mio_poll mio_freed_poll = {.epfd = -1, .closed = 1};

static void mio_poll_on_uv_close(uv_handle_t* handle) {
  mio_poll* p = handle->data;
  napi_remove_async_cleanup_hook(p->cleanup_hook);
  if (p->box != NULL) p->box->poll = NULL;
  free(p->scratch);
  free(p);
}

static void mio_poll_shutdown(mio_poll* p, int from_cleanup_hook) {
  if (p->closed) return;
  p->closed = 1;
  uv_poll_stop(&p->handle);
  close(p->epfd);
  p->epfd = -1;
  napi_env env = p->env;
  if (!from_cleanup_hook) {
    napi_delete_reference(env, p->out_ref);
    napi_delete_reference(env, p->callback_ref);
    napi_delete_reference(env, p->receiver_ref);
    napi_async_destroy(env, p->async_context);
  }
  uv_close((uv_handle_t*)&p->handle, mio_poll_on_uv_close);
}

/* The environment is being torn down (a worker exits, or the process) with the poll still
 * open: close it; mio_poll_on_uv_close then removes the hook, which lets teardown go on. */
static void mio_poll_cleanup_hook(napi_async_cleanup_hook_handle hook, void* arg) {
  (void)hook;
  mio_poll_shutdown((mio_poll*)arg, 1);
}

/* Drain the epoll queue into the shared array; one JS call per batch. */
static int mio_poll_drain(mio_poll* p, int timeout) {
  int n;
  do {
    n = epoll_wait(p->epfd, p->scratch, (int)p->capacity, timeout);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (int i = 0; i < n; i++) {
    p->out[2 * i] = (uint32_t)p->scratch[i].data.u64;
    p->out[2 * i + 1] = p->scratch[i].events;
  }
  return n;
}

/* Full batches delivered per libuv callback before the loop gets control back. A level-triggered
 * registration (possible through the raw addon; the Poll class registers edge-triggered) can fill
 * every batch forever: the epoll fd stays readable, so libuv calls again on its next turn. */
#define MIO_POLL_BATCHES_PER_TURN 64

static void mio_poll_on_uv(uv_poll_t* handle, int status, int events) {
  (void)status;
  (void)events;
  mio_poll* p = handle->data;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  for (int batch = 0; batch < MIO_POLL_BATCHES_PER_TURN; batch++) {
    if (p->closed) break;
    int n = mio_poll_drain(p, 0);
    if (n <= 0) break;
    napi_value callback, receiver, argv[1], result;
    napi_get_reference_value(env, p->callback_ref, &callback);
    napi_get_reference_value(env, p->receiver_ref, &receiver);
    napi_create_uint32(env, (uint32_t)n, &argv[0]);
    if (napi_make_callback(env, p->async_context, receiver, callback, 1, argv, &result) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value error;
        napi_get_and_clear_last_exception(env, &error);
        napi_fatal_exception(env, error);
      }
      break;
    }
    if ((uint32_t)n < p->capacity) break;
  }
  napi_close_handle_scope(env, scope);
}

static int mio_get_poll(napi_env env, napi_value v, mio_poll** out) {
  napi_valuetype t;
  bool tagged = false;
  mio_poll_box* box = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_check_object_type_tag(env, v, &mio_poll_tag, &tagged) != napi_ok ||
      !tagged || napi_get_value_external(env, v, (void**)&box) != napi_ok || box == NULL) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected a poll handle");
    return 0;
  }
  *out = box->poll != NULL ? box->poll : &mio_freed_poll;
  return 1;
}

/* The JS handle was collected: its box goes. A poll still open is closed, since nothing can reach
 * it any more (its epoll fd would stay open and its callback keep running for the life of the
 * environment); one already closing forgets the box. Node-API runs this finalizer outside the GC
 * (from an immediate, or while the environment is torn down), where deleting references is allowed;
 * at teardown the poll's cleanup hook may have closed it first, and the shutdown does nothing then. */
static void mio_poll_box_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  mio_poll_box* box = data;
  mio_poll* p = box->poll;
  if (p != NULL) {
    p->box = NULL;
    mio_poll_shutdown(p, 0);
  }
  free(box);
}

/* pollCreate(out: Uint32Array, callback: (count) => void, receiver: object): external */
static napi_value mio_poll_create(napi_env env, napi_callback_info info) {
  MIO_ARGS(3);
  napi_typedarray_type type;
  size_t length;
  void* data;
  if (argc < 3 || napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint32_array || length < 2) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "pollCreate: expected a Uint32Array of at least 2 elements");
    return NULL;
  }
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return mio_int(env, -errno);
  mio_poll* p = calloc(1, sizeof(*p));
  struct epoll_event* scratch = calloc(length / 2, sizeof(struct epoll_event));
  int r = (p && scratch) ? uv_poll_init(loop, &p->handle, epfd) : -ENOMEM;
  if (r != 0) {
    close(epfd);
    free(scratch);
    free(p);
    return mio_int(env, r); /* libuv errors are negative errnos on Unix */
  }
  p->capacity = (uint32_t)(length / 2);
  p->scratch = scratch;
  p->epfd = epfd;
  p->out = data;
  p->env = env;
  p->handle.data = p;
  napi_create_reference(env, argv[0], 1, &p->out_ref);
  napi_create_reference(env, argv[1], 1, &p->callback_ref);
  napi_create_reference(env, argv[2], 1, &p->receiver_ref);
  napi_value name;
  napi_create_string_utf8(env, "rt.mio.poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, argv[2], name, &p->async_context);
  uv_poll_start(&p->handle, UV_READABLE, mio_poll_on_uv);
  uv_unref((uv_handle_t*)&p->handle);
  napi_add_async_cleanup_hook(env, mio_poll_cleanup_hook, p, &p->cleanup_hook);
  napi_value ext = NULL;
  mio_poll_box* box = calloc(1, sizeof(*box)); /* poll NULL until the handle is made: its finalizer may run first */
  if (box == NULL || napi_create_external(env, box, mio_poll_box_finalize, NULL, &ext) != napi_ok ||
      napi_type_tag_object(env, ext, &mio_poll_tag) != napi_ok) {
    /* No handle to give: the poll is closed here (a box made but not tagged is freed by its finalizer). */
    if (box != NULL && ext == NULL) free(box);
    mio_poll_shutdown(p, 0);
    return mio_int(env, -ENOMEM);
  }
  box->poll = p;
  p->box = box;
  return ext;
}

/* pollCtl(poll, op: 1 add | 2 del | 3 mod, fd, token, events): 0 | -errno */
static napi_value mio_poll_ctl(napi_env env, napi_callback_info info) {
  MIO_ARGS(5);
  mio_poll* p;
  int32_t op, fd, events;
  uint32_t token;
  if (!mio_get_poll(env, argv[0], &p) || !mio_i32(env, argv[1], &op) || !mio_i32(env, argv[2], &fd)) return NULL;
  double token_value;
  if (napi_get_value_double(env, argv[3], &token_value) != napi_ok || !(token_value >= 0 && token_value <= 4294967295.0) ||
      token_value != (double)(uint32_t)token_value) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "pollCtl: expected a token in 0..2^32-1");
    return NULL;
  }
  token = (uint32_t)token_value;
  if (!mio_i32(env, argv[4], &events)) return NULL;
  if (p->closed) return mio_int(env, -EBADF);
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = (uint32_t)events;
  ev.data.u64 = token;
  int r = epoll_ctl(p->epfd, op, fd, &ev);
  return mio_int(env, r < 0 ? -errno : 0);
}

/* pollWait(poll, timeoutMs): count | -errno. Fills the shared array; no callback. */
static napi_value mio_poll_wait(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  mio_poll* p;
  int32_t timeout;
  if (!mio_get_poll(env, argv[0], &p) || !mio_i32(env, argv[1], &timeout)) return NULL;
  if (p->closed) return mio_int(env, -EBADF);
  return mio_int(env, mio_poll_drain(p, timeout));
}

/* pollRef(poll, ref: boolean): keep the process alive (or not) while the poll is idle. */
static napi_value mio_poll_ref(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  mio_poll* p;
  bool ref = false;
  if (!mio_get_poll(env, argv[0], &p)) return NULL;
  napi_get_value_bool(env, argv[1], &ref);
  if (p->closed) return NULL;
  if (ref) uv_ref((uv_handle_t*)&p->handle);
  else uv_unref((uv_handle_t*)&p->handle);
  return NULL;
}

/* pollFd(poll): the epoll fd (for diagnostics), -1 once closed. */
static napi_value mio_poll_fd(napi_env env, napi_callback_info info) {
  MIO_ARGS(1);
  mio_poll* p;
  if (!mio_get_poll(env, argv[0], &p)) return NULL;
  return mio_int(env, p->closed ? -1 : p->epfd);
}

static napi_value mio_poll_close(napi_env env, napi_callback_info info) {
  MIO_ARGS(1);
  mio_poll* p;
  if (!mio_get_poll(env, argv[0], &p)) return NULL;
  mio_poll_shutdown(p, 0);
  return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* eventfd (the Waker). */

static napi_value mio_eventfd(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return mio_int(env, fd < 0 ? -errno : fd);
}

static napi_value mio_eventfd_write(napi_env env, napi_callback_info info) {
  MIO_ARGS(1);
  int32_t fd;
  if (!mio_i32(env, argv[0], &fd)) return NULL;
  uint64_t one = 1;
  ssize_t r = write(fd, &one, sizeof(one));
  /* EAGAIN: the counter is saturated, so the reader is already going to wake. */
  return mio_int(env, r < 0 ? (errno == EAGAIN ? 0 : -errno) : 0);
}

static napi_value mio_eventfd_read(napi_env env, napi_callback_info info) {
  MIO_ARGS(1);
  int32_t fd;
  if (!mio_i32(env, argv[0], &fd)) return NULL;
  uint64_t value = 0;
  ssize_t r = read(fd, &value, sizeof(value));
  if (r < 0) return mio_int(env, -errno);
  napi_value out;
  napi_create_double(env, (double)value, &out);
  return out;
}

/* ------------------------------------------------------------------------------------ */
/* Sockets. */

/* Which fds were last seen not to be sockets: a hint, one byte per fd number below
 * MIO_FD_HINTS, process-wide (fd numbers are; workers share the addon's statics). A socket is read
 * with recv(2), not read(2): on Linux read(2) of a socket goes through the VFS (fdget_pos,
 * vfs_read, rw_verify_area, a kiocb, sock_read_iter) before the same sock_recvmsg that recv(2)
 * reaches directly, ~135-170 ns more per call on the benchmarks' VM (benchmarks/c/read-recv.c),
 * the one system call of rt's echo loop that Tokio (mio: recv) made cheaper. A descriptor that is not
 * a socket (a pipe, an eventfd) answers recv/send with ENOTSOCK: it is then read/written with
 * read/write and marked here, so its reads pay that failed call once, not on every call. The mark is
 * cleared when this addon closes the fd or makes a socket with its number; a stale mark (the number
 * closed elsewhere and reused by a socket, or marked by a racing thread) only sends that socket's
 * reads through read(2), which on a socket is recv with no flags; a missing mark costs one failed
 * call. Only reads follow the mark: a write always tries send(MSG_NOSIGNAL) first, since write(2)
 * to a socket whose peer is gone raises SIGPIPE, which a stale mark must not bring (review rv30).
 * Relaxed atomics: a hint needs no ordering, but workers' threads share it, so no plain accesses. */
#define MIO_FD_HINTS 65536
static unsigned char mio_not_socket[MIO_FD_HINTS];

static inline int mio_is_not_socket(int fd) {
  return (unsigned)fd < MIO_FD_HINTS && __atomic_load_n(&mio_not_socket[fd], __ATOMIC_RELAXED);
}

static inline void mio_mark_socket(int fd, unsigned char not_socket) {
  if ((unsigned)fd < MIO_FD_HINTS) __atomic_store_n(&mio_not_socket[fd], not_socket, __ATOMIC_RELAXED);
}

static napi_value mio_socket(napi_env env, napi_callback_info info) {
  MIO_ARGS(3);
  int32_t domain, type, protocol;
  if (!mio_i32(env, argv[0], &domain) || !mio_i32(env, argv[1], &type) || !mio_i32(env, argv[2], &protocol)) return NULL;
  int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return mio_int(env, -errno);
  mio_mark_socket(fd, 0);
  return mio_int(env, fd);
}

/* socketpair(domain, type, protocol, out: Int32Array(2)): 0 | -errno */
static napi_value mio_socketpair(napi_env env, napi_callback_info info) {
  MIO_ARGS(4);
  int32_t domain, type, protocol, *out;
  size_t length;
  if (!mio_i32(env, argv[0], &domain) || !mio_i32(env, argv[1], &type) || !mio_i32(env, argv[2], &protocol)) return NULL;
  if (!mio_int32_array(env, argv[3], &out, &length)) return NULL;
  if (length < 2) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "socketpair: the output array needs 2 elements");
    return NULL;
  }
  int fds[2];
  if (socketpair(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol, fds) < 0) return mio_int(env, -errno);
  mio_mark_socket(fds[0], 0);
  mio_mark_socket(fds[1], 0);
  out[0] = fds[0];
  out[1] = fds[1];
  return mio_int(env, 0);
}

/* bind/connect(fd, address: Buffer, addressLength) */
static napi_value mio_bind_or_connect(napi_env env, napi_callback_info info, int is_connect) {
  MIO_ARGS(3);
  int32_t fd, alen;
  char* addr;
  size_t size;
  if (!mio_i32(env, argv[0], &fd) || !mio_buffer(env, argv[1], &addr, &size) || !mio_i32(env, argv[2], &alen)) return NULL;
  if (alen < 0 || (size_t)alen > size) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "address length out of the buffer's bounds");
    return NULL;
  }
  int r;
  if (is_connect) {
    do {
      r = connect(fd, (struct sockaddr*)addr, (socklen_t)alen);
    } while (r < 0 && errno == EINTR);
  } else {
    r = bind(fd, (struct sockaddr*)addr, (socklen_t)alen);
  }
  return mio_int(env, r < 0 ? -errno : 0);
}

static napi_value mio_bind(napi_env env, napi_callback_info info) { return mio_bind_or_connect(env, info, 0); }
static napi_value mio_connect(napi_env env, napi_callback_info info) { return mio_bind_or_connect(env, info, 1); }

static napi_value mio_listen(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  int32_t fd, backlog;
  if (!mio_i32(env, argv[0], &fd) || !mio_i32(env, argv[1], &backlog)) return NULL;
  return mio_int(env, listen(fd, backlog) < 0 ? -errno : 0);
}

/* accept(fd, out: Int32Array, max, addresses: Buffer | null, lengths: Int32Array | null):
 * count | -errno. Several fds per call while the backlog has them (max is clamped to
 * out.length). When fewer than max were accepted, out[count] holds the negative errno that
 * ended the batch (-EAGAIN: the backlog is empty, so an edge-triggered caller may clear its
 * readiness without another call); any error after the first accepted fd is otherwise left
 * for the next call. With addresses (and lengths, both or neither), connection i's peer
 * address is written as accept4 returned it at addresses[i*128, (i+1)*128) (zero-filled;
 * MIO_ADDR_SLOT) and its length in lengths[i]: no getpeername per connection. */
#define MIO_ADDR_SLOT 128
static napi_value mio_accept(napi_env env, napi_callback_info info) {
  MIO_ARGS(5);
  int32_t fd, max, *out, *lengths = NULL;
  char* addrs = NULL;
  size_t length, asize = 0, nlengths = 0;
  if (!mio_i32(env, argv[0], &fd) || !mio_int32_array(env, argv[1], &out, &length) || !mio_i32(env, argv[2], &max)) return NULL;
  napi_valuetype atype = napi_undefined, ltype = napi_undefined;
  if (argc > 3) napi_typeof(env, argv[3], &atype);
  if (argc > 4) napi_typeof(env, argv[4], &ltype);
  int with_addrs = atype != napi_null && atype != napi_undefined;
  int with_lengths = ltype != napi_null && ltype != napi_undefined;
  if (with_addrs && !mio_buffer(env, argv[3], &addrs, &asize)) return NULL;
  if (with_lengths && !mio_int32_array(env, argv[4], &lengths, &nlengths)) return NULL;
  if (max < 0 || (size_t)max > length) max = (int32_t)length;
  if (with_addrs != with_lengths ||
      (with_addrs && ((size_t)max * MIO_ADDR_SLOT > asize || (size_t)max > nlengths))) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT",
                           "accept: addresses (max * 128 bytes) and lengths (max elements) go together and must hold max entries");
    return NULL;
  }
  int32_t count = 0;
  while (count < max) {
    struct sockaddr_storage from;
    socklen_t alen = sizeof(from);
    int c = addrs ? accept4(fd, (struct sockaddr*)&from, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC)
                  : accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR) continue;
      if (count == 0) return mio_int(env, -errno);
      out[count] = -errno; /* count < max <= length */
      break;
    }
    if (addrs) {
      char* slot = addrs + (size_t)count * MIO_ADDR_SLOT;
      size_t copy = alen < MIO_ADDR_SLOT ? alen : MIO_ADDR_SLOT;
      memcpy(slot, &from, copy);
      memset(slot + copy, 0, MIO_ADDR_SLOT - copy);
      lengths[count] = (int32_t)copy;
    }
    mio_mark_socket(c, 0);
    out[count++] = c;
  }
  return mio_int(env, count);
}

/* listenQueue(fd, out: Int32Array(2)): 0 | -errno. For a listening TCP socket, out[0] is how
 * many connections wait in its accept queue and out[1] its maximum backlog: Linux's
 * tcp_get_info aliases tcpi_unacked / tcpi_sacked to those for a listener (what `ss -lt`
 * prints as Recv-Q / Send-Q). One getsockopt costs a fraction of an accept4 that finds the
 * queue empty (which allocates a socket and a file before it fails), so a batch accept can
 * take exactly the queued connections and know the queue is empty without that failing call.
 * -EINVAL when the socket is a TCP socket that is not listening; not a TCP socket: the
 * getsockopt error (EOPNOTSUPP for a Unix socket). */
static napi_value mio_listen_queue(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  int32_t fd, *out;
  size_t length;
  if (!mio_i32(env, argv[0], &fd) || !mio_int32_array(env, argv[1], &out, &length)) return NULL;
  if (length < 2) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "listenQueue: the output array needs 2 elements");
    return NULL;
  }
  struct tcp_info ti;
  socklen_t tl = sizeof(ti);
  memset(&ti, 0, sizeof(ti));
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) < 0) return mio_int(env, -errno);
  if (tl < offsetof(struct tcp_info, tcpi_sacked) + sizeof(ti.tcpi_sacked) || ti.tcpi_state != 10 /* TCP_LISTEN */)
    return mio_int(env, -EINVAL);
  out[0] = ti.tcpi_unacked > INT32_MAX ? INT32_MAX : (int32_t)ti.tcpi_unacked;
  out[1] = ti.tcpi_sacked > INT32_MAX ? INT32_MAX : (int32_t)ti.tcpi_sacked;
  return mio_int(env, 0);
}

/* The buffer argument of read/write: `buffer[offset, offset + length)` when both are given,
 * else the whole view (`read(fd, buffer)`: the hot path of a stream's read loop and of
 * writeAll, two napi_get_value_double calls and their range checks fewer; the count is capped
 * at INT32_MAX, so the result always fits an int32). */
static int mio_span(napi_env env, size_t argc, napi_value* argv, char** data, size_t* size) {
  if (argc >= 3) return mio_slice(env, argv[1], argv[2], argv[3], data, size);
  if (!mio_buffer(env, argv[1], data, size)) return 0;
  if (*size > INT32_MAX) *size = INT32_MAX;
  return 1;
}

/* A byte count or -errno (both within int32: counts are capped at INT32_MAX). */
static napi_value mio_count(napi_env env, ssize_t r) {
  napi_value v;
  napi_create_int32(env, r < 0 ? -errno : (int32_t)r, &v);
  return v;
}

/* The system calls of read/write and readWhole/writeWhole: recv(2) and send(2) with MSG_NOSIGNAL,
 * and plain read(2)/write(2) for descriptors that are not sockets (below: read(2) also for a
 * marked number and for 0 bytes; write(2) only after send's ENOTSOCK), each retried on EINTR.
 * recv with no flags is read on a socket (O_NONBLOCK of the file applies alike). Inlined: a call
 * each costs the hot path ~18 instructions per message (gcc keeps one when two callers share it).
 *
 * recv, read and send are entered through syscall(2), not libc's wrappers: in a process with
 * threads (Node always has them) glibc's read, recv and send are cancellation points, and each
 * wraps the system call in __pthread_enable_asynccancel / __pthread_disable_asynccancel: 112
 * instructions per echoed message for the two calls against 22 through syscall(), plus 9 of
 * this code's argument shuffle (Node 20, pass na28, measured with read(2); pass lg28 made the
 * socket read recv(2), the same wrapper). This addon never cancels a thread, so that is all
 * they add; errno, EINTR and the results are the system call's either way (recv is recvfrom
 * and send is sendto with no address, as glibc makes them). Under AddressSanitizer
 * (tools/reliability's asan run) the wrappers stay: ASan checks the buffer range through its
 * read/recv/send interceptors, which a raw syscall() bypasses. */
#if defined(SYS_read) && defined(SYS_recvfrom) && defined(SYS_sendto) && !defined(__SANITIZE_ADDRESS__)
#define MIO_READ(fd, data, size) syscall(SYS_read, (fd), (data), (size))
#define MIO_RECV(fd, data, size) syscall(SYS_recvfrom, (fd), (data), (size), 0, NULL, NULL)
#define MIO_SEND(fd, data, size, flags) syscall(SYS_sendto, (fd), (data), (size), (flags), NULL, 0)
#else
#define MIO_READ(fd, data, size) read((fd), (data), (size))
#define MIO_RECV(fd, data, size) recv((fd), (data), (size), 0)
#define MIO_SEND(fd, data, size, flags) send((fd), (data), (size), (flags))
#endif

static inline __attribute__((always_inline)) ssize_t mio_sys_read(int fd, char* data, size_t size) {
  ssize_t r;
  /* 0 bytes: read(2), which answers 0 on a socket at once; recv(2) of 0 bytes answers EAGAIN on an
   * empty stream socket and takes (drops) a datagram. */
  if (size != 0 && !mio_is_not_socket(fd)) {
    do {
      r = MIO_RECV(fd, data, size);
    } while (r < 0 && errno == EINTR);
    if (r >= 0 || errno != ENOTSOCK) return r;
    mio_mark_socket(fd, 1);
  }
  do {
    r = MIO_READ(fd, data, size);
  } while (r < 0 && errno == EINTR);
  return r;
}

static inline __attribute__((always_inline)) ssize_t mio_sys_write(int fd, const char* data, size_t size) {
  ssize_t r;
  do {
    r = MIO_SEND(fd, data, size, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r >= 0 || errno != ENOTSOCK) return r;
  mio_mark_socket(fd, 1); /* for the reads of this fd; the writes do not follow the mark (above) */
  do {
    r = write(fd, data, size);
  } while (r < 0 && errno == EINTR);
  return r;
}

/* read(fd, buffer[, offset, length]): bytes (0 = end of stream) | -errno */
static napi_value mio_read(napi_env env, napi_callback_info info) {
  MIO_ARGS(4);
  int32_t fd;
  char* data;
  size_t size;
  if (!mio_i32(env, argv[0], &fd) || !mio_span(env, argc, argv, &data, &size)) return NULL;
  return mio_count(env, mio_sys_read(fd, data, size));
}

/* write(fd, buffer[, offset, length]): bytes | -errno (send with MSG_NOSIGNAL; plain write
 * for descriptors that are not sockets). */
static napi_value mio_write(napi_env env, napi_callback_info info) {
  MIO_ARGS(4);
  int32_t fd;
  char* data;
  size_t size;
  if (!mio_i32(env, argv[0], &fd) || !mio_span(env, argc, argv, &data, &size)) return NULL;
  return mio_count(env, mio_sys_write(fd, data, size));
}

/* ------------------------------------------------------------------------------------ */
/* The io slots: read/write of a whole view with no number crossing N-API.
 *
 * What a read(fd, buffer) costs N-API besides its own entry and the buffer look-up is the fd
 * (napi_get_value_double and the int32 check, ~75 instructions on Node 20) and the result
 * (napi_create_int32 and V8's return of a value, ~60): more than the system call's libc
 * wrapper. So readWhole(buffer) and writeWhole(buffer) take the fd from, and leave the byte
 * count or -errno in, a small block of memory this addon owns, which JavaScript sees as a
 * 16-byte ArrayBuffer (`io`): bytes 0-7 the fd as a double (the JS wrapper stores only a
 * number there, so the addon makes exactly mio_i32's check of it: NaN, fractions and values
 * outside int32 are the same RangeError), bytes 8-11 the result as an int32.
 *
 * The block is the addon's memory, not a JavaScript buffer's: it is malloc'd per environment
 * (a worker has its own) and exposed through napi_create_external_arraybuffer with 16 bytes
 * of it, so no value JavaScript stores there can make the addon touch other memory (the fd
 * is checked as any argument is; the result is only written). It is freed when both of its
 * owners have let go: the environment (its cleanup hook) and the ArrayBuffer's backing store
 * (its finalizer; Node runs it on the environment's thread, when the backing store is freed
 * or at the environment's teardown). So if JavaScript detaches or transfers the ArrayBuffer,
 * or it is collected, the addon still writes memory it owns: nothing but the internal
 * wrapper (src/sys.ts) holds it. The buffer argument is looked up on every call, as before:
 * no pointer to a JavaScript buffer is kept across calls.
 *
 * Each call consumes the slot's fd: it is read once and the slot reset to NaN (one store), and
 * a fresh slot holds NaN too. A stored fd therefore serves exactly one call, and a call whose
 * store was lost finds NaN, the RangeError, never the fd of an earlier call: JavaScript's
 * stores into the slots' views are lost once the ArrayBuffer is detached
 * (`binding.io.transfer()`), and before this reset the addon then wrote to the previous
 * call's fd (review rv29). The wrapper catches that error and, if the slots are detached,
 * makes the call through read/write instead (src/sys.ts); with nothing to check per call. */
typedef struct mio_io {
  double fd;       /* in: the fd of the next readWhole/writeWhole, NaN once a call has taken it */
  int32_t result;  /* out: bytes (capped at INT32_MAX) | -errno */
  int32_t unused;
  int owners;      /* not in the ArrayBuffer's 16 bytes: the environment and the backing store */
} mio_io;

#define MIO_IO_BYTES 16

static void mio_io_release(mio_io* io) {
  if (--io->owners == 0) free(io);
}

static void mio_io_env_cleanup(void* arg) { mio_io_release(arg); }

static void mio_io_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)data;
  mio_io_release(hint);
}

/* The one argument of readWhole/writeWhole and the slot's fd, which it resets to NaN (the fd
 * serves one call; "The io slots" above); throws as read(fd, buffer) does.
 * The argument is meant to be a Uint8Array (a Buffer): a typed array is looked up with
 * napi_get_typedarray_info without its type (~50 instructions less than napi_get_buffer_info on
 * Node 20, which also makes V8 build a handle for the view's ArrayBuffer, but computes the byte
 * length), so its ELEMENT count is taken as its byte count: for a wider element type that is
 * fewer bytes than the view holds, never more (src/sys.ts sends only Uint8Arrays here). Any other
 * view (a DataView) is taken whole through napi_get_buffer_info; anything else is its TypeError.
 * A detached view has no data and 0 elements: nothing is read or written. */
static mio_io* mio_io_args(napi_env env, napi_callback_info info, int32_t* fd, char** data, size_t* size) {
  size_t argc = 1;
  napi_value argv[1];
  mio_io* io;
  void* base;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, (void**)&io) != napi_ok) return NULL;
  double slot = io->fd;
  io->fd = __builtin_nan("");
  if (!mio_i32_of(env, slot, fd)) return NULL;
  if (napi_get_typedarray_info(env, argv[0], NULL, size, &base, NULL, NULL) == napi_ok) *data = base;
  else if (!mio_buffer(env, argv[0], data, size)) return NULL;
  if (*size > INT32_MAX) *size = INT32_MAX;
  return io;
}

/* readWhole(buffer) / writeWhole(buffer): read/write(io.fd, buffer), the count or -errno into
 * io.result (the count is capped at INT32_MAX by the size); returns undefined. */
static napi_value mio_whole(napi_env env, napi_callback_info info, int is_write) {
  int32_t fd = -1; /* set whenever mio_io_args returns the slots (gcc cannot see it) */
  char* data = NULL;
  size_t size = 0;
  mio_io* io = mio_io_args(env, info, &fd, &data, &size);
  if (io == NULL) return NULL;
  ssize_t r = is_write ? mio_sys_write(fd, data, size) : mio_sys_read(fd, data, size);
  io->result = r < 0 ? -errno : (int32_t)r;
  return NULL;
}

static napi_value mio_read_whole(napi_env env, napi_callback_info info) { return mio_whole(env, info, 0); }
static napi_value mio_write_whole(napi_env env, napi_callback_info info) { return mio_whole(env, info, 1); }

/* Adds `io` (the slots' ArrayBuffer), readWhole and writeWhole to the exports; none of them
 * where the runtime refuses external ArrayBuffers (JavaScript then passes the fd and takes
 * the result as values, through read/write). */
static void mio_io_init(napi_env env, napi_value exports) {
  mio_io* io = calloc(1, sizeof(*io));
  if (io == NULL) return;
  io->owners = 1;
  io->fd = __builtin_nan(""); /* a call before any fd was stored is the RangeError: not stdin, and
                                 not a call that succeeds when the store was lost (a detached
                                 ArrayBuffer) with its result unreadable */
  napi_value ab;
  if (napi_create_external_arraybuffer(env, io, MIO_IO_BYTES, mio_io_finalize, io, &ab) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    free(io);
    return;
  }
  io->owners = 2; /* the environment and the backing store, whose finalizer releases its share */
  /* If the hook cannot be added the environment's share is never released: 24 bytes leaked,
   * never freed while the functions below may still use them. */
  napi_add_env_cleanup_hook(env, mio_io_env_cleanup, io);
  napi_value fn;
  napi_set_named_property(env, exports, "io", ab);
  napi_create_function(env, "readWhole", NAPI_AUTO_LENGTH, mio_read_whole, io, &fn);
  napi_set_named_property(env, exports, "readWhole", fn);
  napi_create_function(env, "writeWhole", NAPI_AUTO_LENGTH, mio_write_whole, io, &fn);
  napi_set_named_property(env, exports, "writeWhole", fn);
}

/* Fill an iovec array from a JS array of Buffers. */
static int mio_iovecs(napi_env env, napi_value array, struct iovec* iov, int* count) {
  uint32_t n;
  if (napi_get_array_length(env, array, &n) != napi_ok) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected an array of Buffers");
    return 0;
  }
  if (n > MIO_MAX_IOV) n = MIO_MAX_IOV;
  for (uint32_t i = 0; i < n; i++) {
    napi_value element;
    char* data;
    size_t size;
    napi_get_element(env, array, i, &element);
    if (!mio_buffer(env, element, &data, &size)) return 0;
    iov[i].iov_base = data;
    iov[i].iov_len = size;
  }
  *count = (int)n;
  return 1;
}

static napi_value mio_readv(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  int32_t fd;
  struct iovec iov[MIO_MAX_IOV];
  int n;
  if (!mio_i32(env, argv[0], &fd) || !mio_iovecs(env, argv[1], iov, &n)) return NULL;
  ssize_t r;
  do {
    r = readv(fd, iov, n);
  } while (r < 0 && errno == EINTR);
  return mio_int(env, r < 0 ? -errno : r);
}

static napi_value mio_writev(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  int32_t fd;
  struct iovec iov[MIO_MAX_IOV];
  int n;
  if (!mio_i32(env, argv[0], &fd) || !mio_iovecs(env, argv[1], iov, &n)) return NULL;
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = iov;
  msg.msg_iovlen = (size_t)n;
  ssize_t r;
  do {
    r = sendmsg(fd, &msg, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK) {
    do {
      r = writev(fd, iov, n);
    } while (r < 0 && errno == EINTR);
  }
  return mio_int(env, r < 0 ? -errno : r);
}

/* recvFrom(fd, buffer, offset, length, flags, address: Buffer): bytes | -errno. The
 * sender's address is written to `address` (zero-filled past its length). */
static napi_value mio_recv_from(napi_env env, napi_callback_info info) {
  MIO_ARGS(6);
  int32_t fd, flags;
  char *data, *addr;
  size_t size, asize;
  if (!mio_i32(env, argv[0], &fd) || !mio_slice(env, argv[1], argv[2], argv[3], &data, &size) ||
      !mio_i32(env, argv[4], &flags) || !mio_buffer(env, argv[5], &addr, &asize))
    return NULL;
  struct sockaddr_storage from;
  socklen_t alen = sizeof(from);
  ssize_t r;
  do {
    r = recvfrom(fd, data, size, flags, (struct sockaddr*)&from, &alen);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return mio_int(env, -errno);
  size_t copy = alen < asize ? alen : asize;
  memcpy(addr, &from, copy);
  if (copy < asize) memset(addr + copy, 0, asize - copy);
  return mio_int(env, r);
}

/* sendTo(fd, buffer, offset, length, flags, address, addressLength): bytes | -errno */
static napi_value mio_send_to(napi_env env, napi_callback_info info) {
  MIO_ARGS(7);
  int32_t fd, flags, alen;
  char *data, *addr;
  size_t size, asize;
  if (!mio_i32(env, argv[0], &fd) || !mio_slice(env, argv[1], argv[2], argv[3], &data, &size) ||
      !mio_i32(env, argv[4], &flags) || !mio_buffer(env, argv[5], &addr, &asize) || !mio_i32(env, argv[6], &alen))
    return NULL;
  if (alen < 0 || (size_t)alen > asize) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "address length out of the buffer's bounds");
    return NULL;
  }
  ssize_t r;
  do {
    r = sendto(fd, data, size, flags | MSG_NOSIGNAL, alen ? (struct sockaddr*)addr : NULL, (socklen_t)alen);
  } while (r < 0 && errno == EINTR);
  return mio_int(env, r < 0 ? -errno : r);
}

/* recvMultiple(fd, buffer, slotSize, count, lengths: Int32Array, addresses: Buffer | null):
 * datagrams received | -errno. Datagram i lands in buffer[i*slotSize, (i+1)*slotSize), its
 * length in lengths[i], its sender at addresses[i*128, (i+1)*128) (zero-filled). */
#define MIO_MAX_MSGS 64
static napi_value mio_recv_multiple(napi_env env, napi_callback_info info) {
  MIO_ARGS(6);
  int32_t fd, slot, count, *lengths;
  char *data, *addrs = NULL;
  size_t size, nlengths, asize = 0;
  napi_valuetype atype;
  if (!mio_i32(env, argv[0], &fd) || !mio_buffer(env, argv[1], &data, &size) || !mio_i32(env, argv[2], &slot) ||
      !mio_i32(env, argv[3], &count) || !mio_int32_array(env, argv[4], &lengths, &nlengths))
    return NULL;
  napi_typeof(env, argv[5], &atype);
  if (atype != napi_null && atype != napi_undefined && !mio_buffer(env, argv[5], &addrs, &asize)) return NULL;
  if (count > MIO_MAX_MSGS) count = MIO_MAX_MSGS;
  if (slot <= 0 || count <= 0 || (size_t)slot * (size_t)count > size || (size_t)count > nlengths ||
      (addrs && (size_t)count * MIO_ADDR_SLOT > asize)) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "recvMultiple: slots, lengths or addresses out of bounds");
    return NULL;
  }
  struct mmsghdr msgs[MIO_MAX_MSGS];
  struct iovec iov[MIO_MAX_MSGS];
  struct sockaddr_storage from[MIO_MAX_MSGS];
  memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)count);
  for (int i = 0; i < count; i++) {
    iov[i].iov_base = data + (size_t)i * (size_t)slot;
    iov[i].iov_len = (size_t)slot;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    if (addrs) {
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
    }
  }
  int r;
  do {
    r = recvmmsg(fd, msgs, (unsigned)count, 0, NULL);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return mio_int(env, -errno);
  for (int i = 0; i < r; i++) {
    lengths[i] = (int32_t)msgs[i].msg_len;
    if (addrs) {
      char* slot_addr = addrs + (size_t)i * MIO_ADDR_SLOT;
      size_t alen = msgs[i].msg_hdr.msg_namelen;
      if (alen > MIO_ADDR_SLOT) alen = MIO_ADDR_SLOT;
      memcpy(slot_addr, &from[i], alen);
      memset(slot_addr + alen, 0, MIO_ADDR_SLOT - alen);
    }
  }
  return mio_int(env, r);
}

/* sendMultiple(fd, buffer, spans: Int32Array [offset, length]*count, count,
 *              addresses: Buffer | null, addressLengths: Int32Array | null):
 * datagrams sent | -errno. Datagram i is buffer[offset_i, offset_i + length_i) to the
 * address at addresses[i*128] of addressLengths[i] bytes (or the connected peer). */
static napi_value mio_send_multiple(napi_env env, napi_callback_info info) {
  MIO_ARGS(6);
  int32_t fd, count, *spans, *alens = NULL;
  char *data, *addrs = NULL;
  size_t size, nspans, asize = 0, nalens = 0;
  napi_valuetype atype;
  if (!mio_i32(env, argv[0], &fd) || !mio_buffer(env, argv[1], &data, &size) ||
      !mio_int32_array(env, argv[2], &spans, &nspans) || !mio_i32(env, argv[3], &count))
    return NULL;
  napi_typeof(env, argv[4], &atype);
  if (atype != napi_null && atype != napi_undefined) {
    if (!mio_buffer(env, argv[4], &addrs, &asize) || !mio_int32_array(env, argv[5], &alens, &nalens)) return NULL;
  }
  if (count > MIO_MAX_MSGS) count = MIO_MAX_MSGS;
  if (count <= 0 || (size_t)count * 2 > nspans || (addrs && ((size_t)count * MIO_ADDR_SLOT > asize || (size_t)count > nalens))) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "sendMultiple: spans or addresses out of bounds");
    return NULL;
  }
  struct mmsghdr msgs[MIO_MAX_MSGS];
  struct iovec iov[MIO_MAX_MSGS];
  memset(msgs, 0, sizeof(struct mmsghdr) * (size_t)count);
  for (int i = 0; i < count; i++) {
    int32_t off = spans[2 * i], len = spans[2 * i + 1];
    if (off < 0 || len < 0 || (size_t)off + (size_t)len > size ||
        (addrs && (alens[i] < 0 || alens[i] > MIO_ADDR_SLOT))) {
      napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "sendMultiple: a span or address length is out of bounds");
      return NULL;
    }
    iov[i].iov_base = data + off;
    iov[i].iov_len = (size_t)len;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    if (addrs && alens[i] > 0) {
      msgs[i].msg_hdr.msg_name = addrs + (size_t)i * MIO_ADDR_SLOT;
      msgs[i].msg_hdr.msg_namelen = (socklen_t)alens[i];
    }
  }
  int r;
  do {
    r = sendmmsg(fd, msgs, (unsigned)count, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  return mio_int(env, r < 0 ? -errno : r);
}

static napi_value mio_shutdown(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  int32_t fd, how;
  if (!mio_i32(env, argv[0], &fd) || !mio_i32(env, argv[1], &how)) return NULL;
  return mio_int(env, shutdown(fd, how) < 0 ? -errno : 0);
}

static napi_value mio_close(napi_env env, napi_callback_info info) {
  MIO_ARGS(1);
  int32_t fd;
  if (!mio_i32(env, argv[0], &fd)) return NULL;
  /* Linux always releases the fd, even when close reports EINTR: never retry. The number's
   * not-a-socket mark goes with it. */
  mio_mark_socket(fd, 0);
  return mio_int(env, close(fd) < 0 && errno != EINTR ? -errno : 0);
}

/* fcntl flags of an fd: getFlag(fd, which) is 1 or 0 (or -errno); setFlag(fd, which, on)
 * is 0 (or -errno). which 0 = O_NONBLOCK (file status flags, shared by every dup of the
 * open file), 1 = FD_CLOEXEC (descriptor flags, this fd only). A portable port keeps these:
 * the reactor's callers check O_NONBLOCK of an adopted fd (fromRawFd) here. */
static int mio_fd_flag_which(napi_env env, napi_value v, int32_t* which) {
  if (!mio_i32(env, v, which)) return 0;
  if (*which != 0 && *which != 1) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected flag 0 (O_NONBLOCK) or 1 (FD_CLOEXEC)");
    return 0;
  }
  return 1;
}

static napi_value mio_fd_get_flag(napi_env env, napi_callback_info info) {
  MIO_ARGS(2);
  int32_t fd, which;
  if (!mio_i32(env, argv[0], &fd) || !mio_fd_flag_which(env, argv[1], &which)) return NULL;
  int flags = fcntl(fd, which == 0 ? F_GETFL : F_GETFD);
  if (flags < 0) return mio_int(env, -errno);
  return mio_int(env, (flags & (which == 0 ? O_NONBLOCK : FD_CLOEXEC)) != 0 ? 1 : 0);
}

static napi_value mio_fd_set_flag(napi_env env, napi_callback_info info) {
  MIO_ARGS(3);
  int32_t fd, which, on;
  if (!mio_i32(env, argv[0], &fd) || !mio_fd_flag_which(env, argv[1], &which) || !mio_i32(env, argv[2], &on)) return NULL;
  int bit = which == 0 ? O_NONBLOCK : FD_CLOEXEC;
  int flags = fcntl(fd, which == 0 ? F_GETFL : F_GETFD);
  if (flags < 0) return mio_int(env, -errno);
  int wanted = on ? (flags | bit) : (flags & ~bit);
  if (wanted == flags) return mio_int(env, 0);
  return mio_int(env, fcntl(fd, which == 0 ? F_SETFL : F_SETFD, wanted) < 0 ? -errno : 0);
}

/* getsockoptInt(fd, level, name): value (>= 0) | -errno */
static napi_value mio_getsockopt_int(napi_env env, napi_callback_info info) {
  MIO_ARGS(3);
  int32_t fd, level, name;
  if (!mio_i32(env, argv[0], &fd) || !mio_i32(env, argv[1], &level) || !mio_i32(env, argv[2], &name)) return NULL;
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, name, &value, &len) < 0) return mio_int(env, -errno);
  if (len == 1) value = *(unsigned char*)&value; /* IP_MULTICAST_TTL/LOOP may be one byte */
  return mio_int(env, value);
}

static napi_value mio_setsockopt_int(napi_env env, napi_callback_info info) {
  MIO_ARGS(4);
  int32_t fd, level, name, value;
  if (!mio_i32(env, argv[0], &fd) || !mio_i32(env, argv[1], &level) || !mio_i32(env, argv[2], &name) ||
      !mio_i32(env, argv[3], &value))
    return NULL;
  int v = value;
  return mio_int(env, setsockopt(fd, level, name, &v, sizeof(v)) < 0 ? -errno : 0);
}

/* getsockopt(fd, level, name, out: Buffer): option length | -errno (struct options). */
static napi_value mio_getsockopt(napi_env env, napi_callback_info info) {
  MIO_ARGS(4);
  int32_t fd, level, name;
  char* out;
  size_t size;
  if (!mio_i32(env, argv[0], &fd) || !mio_i32(env, argv[1], &level) || !mio_i32(env, argv[2], &name) ||
      !mio_buffer(env, argv[3], &out, &size))
    return NULL;
  socklen_t len = (socklen_t)size;
  if (getsockopt(fd, level, name, out, &len) < 0) return mio_int(env, -errno);
  return mio_int(env, len);
}

/* setsockopt(fd, level, name, value: Buffer, length): 0 | -errno (struct options). */
static napi_value mio_setsockopt(napi_env env, napi_callback_info info) {
  MIO_ARGS(5);
  int32_t fd, level, name, len;
  char* value;
  size_t size;
  if (!mio_i32(env, argv[0], &fd) || !mio_i32(env, argv[1], &level) || !mio_i32(env, argv[2], &name) ||
      !mio_buffer(env, argv[3], &value, &size) || !mio_i32(env, argv[4], &len))
    return NULL;
  if (len < 0 || (size_t)len > size) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "option length out of the buffer's bounds");
    return NULL;
  }
  return mio_int(env, setsockopt(fd, level, name, value, (socklen_t)len) < 0 ? -errno : 0);
}

/* getsockname/getpeername(fd, out: Buffer): address length | -errno (out zero-filled). */
static napi_value mio_sockname(napi_env env, napi_callback_info info, int peer) {
  MIO_ARGS(2);
  int32_t fd;
  char* out;
  size_t size;
  if (!mio_i32(env, argv[0], &fd) || !mio_buffer(env, argv[1], &out, &size)) return NULL;
  struct sockaddr_storage addr;
  socklen_t alen = sizeof(addr);
  int r = peer ? getpeername(fd, (struct sockaddr*)&addr, &alen) : getsockname(fd, (struct sockaddr*)&addr, &alen);
  if (r < 0) return mio_int(env, -errno);
  size_t copy = alen < size ? alen : size;
  memcpy(out, &addr, copy);
  if (copy < size) memset(out + copy, 0, size - copy);
  return mio_int(env, alen);
}

static napi_value mio_getsockname(napi_env env, napi_callback_info info) { return mio_sockname(env, info, 0); }
static napi_value mio_getpeername(napi_env env, napi_callback_info info) { return mio_sockname(env, info, 1); }

/* ------------------------------------------------------------------------------------ */

static void mio_set_int(napi_env env, napi_value obj, const char* name, int64_t value) {
  napi_set_named_property(env, obj, name, mio_int(env, value));
}

static napi_value mio_constants(napi_env env) {
  napi_value c;
  napi_create_object(env, &c);
#define C(name) mio_set_int(env, c, #name, name)
  C(EPOLLIN); C(EPOLLOUT); C(EPOLLPRI); C(EPOLLERR); C(EPOLLHUP); C(EPOLLRDHUP); C(EPOLLET);
  C(EPOLL_CTL_ADD); C(EPOLL_CTL_DEL); C(EPOLL_CTL_MOD);
  C(AF_INET); C(AF_INET6); C(AF_UNIX); C(AF_UNSPEC);
  C(SOCK_STREAM); C(SOCK_DGRAM); C(SOCK_SEQPACKET);
  C(SOL_SOCKET); C(IPPROTO_TCP); C(IPPROTO_UDP); C(IPPROTO_IP); C(IPPROTO_IPV6);
  C(SO_REUSEADDR); C(SO_REUSEPORT); C(SO_KEEPALIVE); C(SO_LINGER); C(SO_RCVBUF); C(SO_SNDBUF);
  C(SO_ERROR); C(SO_BROADCAST); C(SO_TYPE);
  C(TCP_NODELAY); C(TCP_KEEPIDLE); C(TCP_KEEPINTVL); C(TCP_KEEPCNT);
  C(IPV6_V6ONLY); C(IPV6_UNICAST_HOPS); C(IPV6_MULTICAST_HOPS); C(IPV6_MULTICAST_LOOP);
  C(IPV6_JOIN_GROUP); C(IPV6_LEAVE_GROUP); C(IPV6_MULTICAST_IF);
  C(IP_TTL); C(IP_MULTICAST_TTL); C(IP_MULTICAST_LOOP); C(IP_ADD_MEMBERSHIP); C(IP_DROP_MEMBERSHIP);
  C(IP_MULTICAST_IF);
  C(SHUT_RD); C(SHUT_WR); C(SHUT_RDWR);
  C(MSG_PEEK); C(MSG_TRUNC); C(MSG_DONTWAIT);
#undef C
  return c;
}

typedef struct {
  const char* name;
  napi_callback cb;
} mio_fn;

static napi_value mio_init(napi_env env, napi_value exports) {
  static const mio_fn fns[] = {
      {"pollCreate", mio_poll_create}, {"pollCtl", mio_poll_ctl},     {"pollWait", mio_poll_wait},
      {"pollRef", mio_poll_ref},       {"pollFd", mio_poll_fd},       {"pollClose", mio_poll_close},
      {"eventfd", mio_eventfd},        {"eventfdWrite", mio_eventfd_write}, {"eventfdRead", mio_eventfd_read},
      {"socket", mio_socket},          {"socketpair", mio_socketpair}, {"bind", mio_bind},
      {"connect", mio_connect},        {"listen", mio_listen},        {"accept", mio_accept},
      {"read", mio_read},              {"write", mio_write},          {"readv", mio_readv},
      {"writev", mio_writev},          {"recvFrom", mio_recv_from},   {"sendTo", mio_send_to},      {"recvMultiple", mio_recv_multiple}, {"sendMultiple", mio_send_multiple},
      {"shutdown", mio_shutdown},      {"close", mio_close},          {"getsockoptInt", mio_getsockopt_int},
      {"setsockoptInt", mio_setsockopt_int}, {"getsockopt", mio_getsockopt}, {"setsockopt", mio_setsockopt},
      {"getsockname", mio_getsockname}, {"getpeername", mio_getpeername}, {"listenQueue", mio_listen_queue},
      {"fdGetFlag", mio_fd_get_flag},  {"fdSetFlag", mio_fd_set_flag},
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
    napi_value fn;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  napi_set_named_property(env, exports, "constants", mio_constants(env));
  mio_io_init(env, exports);
  napi_value backend;
  napi_create_string_utf8(env, "epoll", NAPI_AUTO_LENGTH, &backend);
  napi_set_named_property(env, exports, "backend", backend);
  rt_tls_init(env, exports);
  return exports;
}

#else /* not Linux: load, but offer no backend (see ../BACKEND.md for kqueue). */

static napi_value mio_init(napi_env env, napi_value exports) {
  napi_value backend;
  napi_get_null(env, &backend);
  napi_set_named_property(env, exports, "backend", backend);
  return exports;
}

#endif

NAPI_MODULE_INIT() { return mio_init(env, exports); }
