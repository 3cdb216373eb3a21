/*
 * @rt/mio-native: TLS on a non-blocking socket fd, with the OpenSSL that Node itself exports.
 *
 * How and why
 * -----------
 * Node's executable exports OpenSSL 3's public API (SSL_*, X509_*, BIO_*, ...) for addons,
 * and ships its headers in include/node/openssl. This file includes them and leaves every
 * OpenSSL symbol undefined: the dynamic loader resolves them from the node executable when
 * the addon loads, so there is no libssl to link or ship, and the TLS is exactly the one
 * the running Node uses (3.0 or 3.5: only the opaque-struct public API of 3.x is used).
 *
 * Every OpenSSL function is referenced WEAKLY (the `#pragma weak` list below): in a Node
 * built without them (--without-ssl, or a shared libssl that is not loaded), they resolve
 * to NULL, the addon still loads for its syscalls, and `tlsAvailable` is false, so the TLS
 * package takes its other path.
 *
 * One SSL object per connection, on one BIO of our own (`rt_bio`) over the fd:
 * - reads are recv(2) straight into OpenSSL's record buffer (read-ahead on, so one recv
 *   takes every record the kernel has);
 * - writes are send(2, MSG_NOSIGNAL) straight from OpenSSL's record buffer; what the kernel
 *   does not take is appended to a user-space output buffer (`out`) that `tlsFlush` sends
 *   when the fd is writable. So SSL_write and SSL_do_handshake never return WANT_WRITE: a
 *   `tlsWrite` either took its bytes (they are encrypted and owned by the connection) or
 *   took none (`RT_TLS_WANT_WRITE`: the output buffer is over its limit). That makes a
 *   write cancel safe, and means OpenSSL's "retry with the same buffer" rule never
 *   applies.
 * After every call the number of bytes still waiting in `out` is written to state[0] of the
 * caller's Int32Array: JavaScript waits for writability and calls tlsFlush while it is > 0.
 *
 * Handles: a context and a connection are each a napi external tagged with its own type
 * tag (so one cannot be passed as the other) pointing to a small box. `tlsContextFree` /
 * `tlsFree` free the OpenSSL object at once and mark the box closed (a second call is a
 * no-op that returns false; any other use after it throws ERR_RT_NATIVE_CLOSED); the GC
 * finalizer frees what is left. A context box is reference counted: each connection made
 * from it holds a reference (its ALPN list is used by the server's ALPN callback), so
 * freeing a context while connections use it is safe.
 *
 * Return codes (MUST MATCH packages/tls/src/internal/native.ts): >= 0 success (bytes, or 0
 * for done / close_notify), RT_TLS_WANT_READ, RT_TLS_WANT_WRITE, RT_TLS_EOF (end of
 * stream without close_notify), RT_TLS_ERROR (OpenSSL error: tlsErrorInfo tells it), or a
 * negative errno (> -1000) from the socket.
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#if defined(__linux__) && !defined(RT_NO_TLS)
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Weak references: NULL when the running executable does not export them. */
#pragma weak OpenSSL_version_num
#pragma weak TLS_method
#pragma weak SSL_CTX_new
#pragma weak SSL_CTX_free
#pragma weak SSL_CTX_ctrl
#pragma weak SSL_CTX_set_options
#pragma weak SSL_CTX_set_verify
#pragma weak SSL_CTX_use_certificate
#pragma weak SSL_CTX_use_PrivateKey
#pragma weak SSL_CTX_check_private_key
#pragma weak SSL_CTX_get_cert_store
#pragma weak SSL_CTX_set_alpn_protos
#pragma weak SSL_CTX_set_alpn_select_cb
#pragma weak SSL_CTX_set_session_id_context
#pragma weak SSL_CTX_set_default_read_buffer_len
#pragma weak SSL_has_pending
#pragma weak SSL_select_next_proto
#pragma weak SSL_new
#pragma weak SSL_free
#pragma weak SSL_ctrl
#pragma weak SSL_set_bio
#pragma weak SSL_set_connect_state
#pragma weak SSL_set_accept_state
#pragma weak SSL_set1_host
#pragma weak SSL_get0_param
#pragma weak SSL_do_handshake
#pragma weak SSL_read
#pragma weak SSL_write
#pragma weak SSL_shutdown
#pragma weak SSL_get_shutdown
#pragma weak SSL_get_error
#pragma weak SSL_get_verify_result
#pragma weak SSL_get_version
#pragma weak SSL_version
#pragma weak SSL_get_current_cipher
#pragma weak SSL_CIPHER_get_name
#pragma weak SSL_CIPHER_standard_name
#pragma weak SSL_get0_alpn_selected
#pragma weak SSL_get_servername
#pragma weak SSL_session_reused
#pragma weak SSL_get1_peer_certificate
#pragma weak SSL_get1_session
#pragma weak SSL_set_session
#pragma weak SSL_SESSION_free
#pragma weak i2d_SSL_SESSION
#pragma weak d2i_SSL_SESSION
#pragma weak BIO_new
#pragma weak BIO_free
#pragma weak BIO_new_mem_buf
#pragma weak BIO_meth_new
#pragma weak BIO_meth_set_write
#pragma weak BIO_meth_set_read
#pragma weak BIO_meth_set_ctrl
#pragma weak BIO_get_new_index
#pragma weak BIO_set_data
#pragma weak BIO_get_data
#pragma weak BIO_set_init
#pragma weak BIO_set_flags
#pragma weak BIO_clear_flags
#pragma weak PEM_read_bio_X509
#pragma weak PEM_read_bio_PrivateKey
#pragma weak X509_free
#pragma weak X509_STORE_add_cert
#pragma weak X509_VERIFY_PARAM_set1_ip_asc
#pragma weak X509_VERIFY_PARAM_set_hostflags
#pragma weak X509_verify_cert_error_string
#pragma weak EVP_PKEY_free
#pragma weak i2d_X509
#pragma weak ERR_clear_error
#pragma weak ERR_get_error
#pragma weak ERR_peek_last_error
#pragma weak ERR_error_string_n
#pragma weak ERR_reason_error_string
#pragma weak CRYPTO_free

#define RT_TLS_WANT_READ (-1001)
#define RT_TLS_WANT_WRITE (-1002)
#define RT_TLS_EOF (-1003)
#define RT_TLS_ERROR (-1004)
#define RT_TLS_DONE_HELD 1 /* tlsHandshake: done, output held (see tls_handshake) */

/* Output bytes kept in user space before tlsWrite refuses more (backpressure). */
#define RT_TLS_OUT_LIMIT (256 * 1024)
/* OpenSSL's read-ahead buffer: one recv takes up to this many bytes of records. */
#define RT_TLS_READ_BUFFER (64 * 1024)
/* Plaintext bytes one tlsWrite encrypts at most. */
#define RT_TLS_WRITE_MAX (64 * 1024)

static const napi_type_tag ctx_tag = {0x7274746c73637478ULL, 0x0000000000000001ULL};
static const napi_type_tag ssl_tag = {0x7274746c7373736cULL, 0x0000000000000002ULL};

typedef struct {
  SSL_CTX* ctx;
  unsigned char* alpn; /* wire format (length-prefixed names), server side */
  unsigned int alpn_len;
  int refs;            /* 1 for the JS handle while open + 1 per connection */
  int server;
} rt_ctx;

/* What the external points to; freed by the finalizer only. */
typedef struct {
  rt_ctx* ctx; /* NULL once tlsContextFree was called */
} rt_ctx_handle;

typedef struct {
  SSL* ssl;
  rt_ctx* ctx;
  int fd;
  int eof;     /* the read BIO saw end of stream */
  int drained; /* a recv of this call came back short or EAGAIN: the kernel had no more, and
                * the BIO reads no more in this call (reset by every call that may read) */
  int err;     /* errno of a failed send/recv, 0 if none */
  int corked;  /* the BIO only queues: the caller's finish() sends the whole flight in one send */
  int hold;    /* a server's post-handshake output (its session tickets) waits in `out` for the
                * next flush point: a write, a shutdown, a flush, or a read that must wait
                * (cleared by every out_flush) */
  char* out;   /* output not yet taken by the kernel: out[start, end) */
  size_t start, end, cap;
  unsigned long ssl_error; /* the first OpenSSL error of the last failed call */
  long verify;             /* SSL_get_verify_result at that time */
} rt_ssl;

typedef struct {
  rt_ssl* conn; /* NULL once tlsFree was called */
} rt_ssl_handle;

static BIO_METHOD* rt_bio_method = NULL;
static pthread_once_t rt_bio_once = PTHREAD_ONCE_INIT;

static void ctx_unref(rt_ctx* c) {
  if (--c->refs > 0) return;
  SSL_CTX_free(c->ctx);
  free(c->alpn);
  free(c);
}

/* ---- the BIO over the fd ---------------------------------------------------------- */

static int out_append(rt_ssl* s, const char* data, size_t len) {
  if (s->start == s->end) s->start = s->end = 0;
  if (s->end + len > s->cap) {
    if (s->start > 0) {
      memmove(s->out, s->out + s->start, s->end - s->start);
      s->end -= s->start;
      s->start = 0;
    }
    if (s->end + len > s->cap) {
      size_t cap = s->cap == 0 ? 16384 : s->cap;
      while (cap < s->end + len) cap *= 2;
      char* grown = realloc(s->out, cap);
      if (grown == NULL) return 0;
      s->out = grown;
      s->cap = cap;
    }
  }
  memcpy(s->out + s->end, data, len);
  s->end += len;
  return 1;
}

static int rt_bio_write(BIO* b, const char* data, int len) {
  rt_ssl* s = BIO_get_data(b);
  BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  if (s->err != 0) return -1;
  size_t done = 0;
  if (s->start == s->end && !s->corked) {
    ssize_t n = send(s->fd, data, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      s->err = errno;
      return -1;
    }
    if (n > 0) done = (size_t)n;
  }
  if (done < (size_t)len && !out_append(s, data + done, (size_t)len - done)) {
    s->err = ENOMEM;
    return -1;
  }
  return len;
}

static int rt_bio_read(BIO* b, char* data, int len) {
  rt_ssl* s = BIO_get_data(b);
  BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  if (s->err != 0) return -1;
  if (s->drained) {
    /* A recv of this call found the kernel buffer empty (short, or EAGAIN): a second one
     * would only say EAGAIN (a server handshake's read for the client's Finished, right
     * after the ClientHello; the rest of a partial record). Bytes that arrived since raise
     * a new edge-triggered event, as after that EAGAIN: the caller waits for it. */
    BIO_set_flags(b, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
    return -1;
  }
  ssize_t n;
  do n = recv(s->fd, data, (size_t)len, 0);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    if (n < len) s->drained = 1; /* a short read: the kernel buffer is empty (as Tokio) */
    return (int)n;
  }
  if (n == 0) {
    s->eof = 1;
    return 0;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    s->drained = 1;
    BIO_set_flags(b, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
    return -1;
  }
  s->err = errno;
  return -1;
}

static long rt_bio_ctrl(BIO* b, int cmd, long num, void* ptr) {
  (void)num;
  (void)ptr;
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;
    case BIO_CTRL_EOF: {
      rt_ssl* s = BIO_get_data(b);
      return s != NULL && s->eof;
    }
    default:
      return 0;
  }
}

static void rt_bio_init(void) {
  BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rt fd");
  if (m == NULL) return;
  BIO_meth_set_write(m, rt_bio_write);
  BIO_meth_set_read(m, rt_bio_read);
  BIO_meth_set_ctrl(m, rt_bio_ctrl);
  rt_bio_method = m;
}

/* Sends out[start, end); returns the bytes left, or -errno. Ends a hold. */
static int64_t out_flush(rt_ssl* s) {
  s->hold = 0;
  while (s->start < s->end) {
    ssize_t n = send(s->fd, s->out + s->start, s->end - s->start, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      s->err = errno;
      return -errno;
    }
    s->start += (size_t)n;
  }
  if (s->start == s->end) s->start = s->end = 0;
  return (int64_t)(s->end - s->start);
}

/* ---- argument helpers (every entry point checks every argument) ---------------------- */

static napi_value tls_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

static napi_value tls_bool(napi_env env, int v) {
  napi_value r;
  napi_get_boolean(env, v != 0, &r);
  return r;
}

static napi_value tls_null(napi_env env) {
  napi_value r;
  napi_get_null(env, &r);
  return r;
}

static napi_value tls_string(napi_env env, const char* s) {
  napi_value r;
  if (s == NULL) return tls_null(env);
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

#define TLS_ARGS(n)                                                                      \
  size_t argc = (n);                                                                     \
  napi_value argv[(n)];                                                                  \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;      \
  if (argc < (n)) {                                                                      \
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "too few arguments");           \
    return NULL;                                                                         \
  }

/* A Buffer, or null/undefined (data NULL) when `optional`. */
static int tls_bytes(napi_env env, napi_value v, int optional, unsigned char** data, size_t* len) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 0;
  if (optional && (t == napi_null || t == napi_undefined)) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  void* base;
  if (napi_get_buffer_info(env, v, &base, len) != napi_ok) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", optional ? "expected a Buffer or null" : "expected a Buffer");
    return 0;
  }
  static unsigned char empty[1];
  *data = base != NULL ? base : empty; /* an empty Buffer is given, not absent */
  return 1;
}

static int tls_slice(napi_env env, napi_value buf, napi_value off, napi_value len, char** data, int* size) {
  unsigned char* base;
  size_t total;
  int32_t o, l;
  if (!tls_bytes(env, buf, 0, &base, &total) || !mio_i32(env, off, &o) || !mio_i32(env, len, &l)) return 0;
  if (o < 0 || l < 0 || (size_t)o + (size_t)l > total) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "offset/length out of the buffer's bounds");
    return 0;
  }
  *data = (char*)base + o;
  *size = l;
  return 1;
}

/* The state Int32Array (at least `min` elements): state[0] = output bytes still pending;
 * tlsRead also sets state[1]. */
static int tls_state_n(napi_env env, napi_value v, int32_t** state, size_t min) {
  napi_typedarray_type type;
  size_t length;
  void* base;
  if (napi_get_typedarray_info(env, v, &type, &length, &base, NULL, NULL) != napi_ok || type != napi_int32_array ||
      length < min) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", min == 1 ? "expected an Int32Array of length >= 1" : "expected an Int32Array of length >= 2");
    return 0;
  }
  *state = base;
  return 1;
}

static int tls_state(napi_env env, napi_value v, int32_t** state) { return tls_state_n(env, v, state, 1); }

static void throw_closed(napi_env env, const char* what) {
  napi_value code, msg, err;
  napi_create_string_utf8(env, "ERR_RT_NATIVE_CLOSED", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, what, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &err);
  napi_throw(env, err);
}

static rt_ctx_handle* ctx_handle(napi_env env, napi_value v) {
  napi_valuetype t;
  bool ok = false;
  void* data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_check_object_type_tag(env, v, &ctx_tag, &ok) != napi_ok ||
      !ok || napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected a TLS context handle");
    return NULL;
  }
  return data;
}

static rt_ctx* ctx_arg(napi_env env, napi_value v) {
  rt_ctx_handle* h = ctx_handle(env, v);
  if (h == NULL) return NULL;
  if (h->ctx == NULL) throw_closed(env, "the TLS context was freed");
  return h->ctx;
}

static rt_ssl_handle* ssl_handle(napi_env env, napi_value v) {
  napi_valuetype t;
  bool ok = false;
  void* data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_check_object_type_tag(env, v, &ssl_tag, &ok) != napi_ok ||
      !ok || napi_get_value_external(env, v, &data) != napi_ok) {
    napi_throw_type_error(env, "ERR_RT_NATIVE_ARGUMENT", "expected a TLS connection handle");
    return NULL;
  }
  return data;
}

static rt_ssl* ssl_arg(napi_env env, napi_value v) {
  rt_ssl_handle* h = ssl_handle(env, v);
  if (h == NULL) return NULL;
  if (h->conn == NULL) throw_closed(env, "the TLS connection was freed");
  return h->conn;
}

/* The first queued OpenSSL error as text (the queue is then cleared). */
static void take_error(char* buf, size_t size) {
  unsigned long e = ERR_get_error();
  if (e == 0) snprintf(buf, size, "unknown OpenSSL error");
  else ERR_error_string_n(e, buf, size);
  ERR_clear_error();
}

static napi_value config_error(napi_env env, const char* what) {
  char reason[256];
  char message[320];
  take_error(reason, sizeof(reason));
  snprintf(message, sizeof(message), "%s: %s", what, reason);
  return tls_string(env, message);
}

/* ---- contexts ----------------------------------------------------------------------- */

static int no_password(char* buf, int size, int rwflag, void* u) {
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return 0; /* never prompt on a terminal; an encrypted key is a config error */
}

static int alpn_select(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                       void* arg) {
  rt_ctx* c = arg;
  unsigned char* selected = NULL;
  if (SSL_select_next_proto(&selected, outlen, c->alpn, c->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL; /* as Node: no common protocol fails the handshake */
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

static void ctx_finalize(napi_env env, void* data, void* hint) {
  rt_ctx_handle* h = data;
  if (h->ctx != NULL) ctx_unref(h->ctx);
  free(h);
}

/* Checks the ALPN wire format: 1..255-byte names, each prefixed by its length. */
static int alpn_valid(const unsigned char* p, size_t len) {
  if (len == 0 || len > 65535) return 0;
  size_t i = 0;
  while (i < len) {
    if (p[i] == 0 || i + 1 + p[i] > len) return 0;
    i += 1 + p[i];
  }
  return 1;
}

/*
 * tlsContextCreate(server, cert, key, ca, minVersion, maxVersion, alpn, verify)
 *   server: 0/1; cert/key/ca: PEM Buffers or null; min/maxVersion: 0 (none) or
 *   TLS1_2_VERSION/TLS1_3_VERSION; alpn: wire-format Buffer or null; verify: 0 none,
 *   1 verify the peer, 2 verify and require a peer certificate (server).
 *   → a context handle, or a string (the OpenSSL reason) when OpenSSL rejects an input.
 */
static napi_value tls_context_create(napi_env env, napi_callback_info info) {
  TLS_ARGS(8);
  int32_t server, min_version, max_version, verify;
  unsigned char *cert, *key, *ca, *alpn;
  size_t cert_len, key_len, ca_len, alpn_len;
  if (!mio_i32(env, argv[0], &server) || !tls_bytes(env, argv[1], 1, &cert, &cert_len) ||
      !tls_bytes(env, argv[2], 1, &key, &key_len) || !tls_bytes(env, argv[3], 1, &ca, &ca_len) ||
      !mio_i32(env, argv[4], &min_version) || !mio_i32(env, argv[5], &max_version) ||
      !tls_bytes(env, argv[6], 1, &alpn, &alpn_len) || !mio_i32(env, argv[7], &verify))
    return NULL;
  if ((server != 0 && server != 1) || (verify < 0 || verify > 2) ||
      (min_version != 0 && min_version != TLS1_2_VERSION && min_version != TLS1_3_VERSION) ||
      (max_version != 0 && max_version != TLS1_2_VERSION && max_version != TLS1_3_VERSION)) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "tlsContextCreate: server 0/1, verify 0..2, versions 0 or TLS 1.2/1.3");
    return NULL;
  }
  if (alpn != NULL && !alpn_valid(alpn, alpn_len)) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "tlsContextCreate: alpn is not a valid wire-format list");
    return NULL;
  }
  if (cert_len > INT32_MAX || key_len > INT32_MAX || ca_len > INT32_MAX) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "tlsContextCreate: PEM input too large");
    return NULL;
  }
  pthread_once(&rt_bio_once, rt_bio_init);
  if (rt_bio_method == NULL) return config_error(env, "cannot create the socket BIO method");
  ERR_clear_error();
  rt_ctx* c = calloc(1, sizeof(*c));
  if (c == NULL) return tls_string(env, "out of memory");
  c->refs = 1;
  c->server = server;
  c->ctx = SSL_CTX_new(TLS_method());
  if (c->ctx == NULL) {
    free(c);
    return config_error(env, "SSL_CTX_new");
  }
  SSL_CTX* ctx = c->ctx;
  napi_value failure = NULL;
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_read_ahead(ctx, 1);
  SSL_CTX_set_default_read_buffer_len(ctx, RT_TLS_READ_BUFFER); /* several records per recv */
  SSL_CTX_set_min_proto_version(ctx, min_version == 0 ? TLS1_2_VERSION : min_version);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx, max_version);
  /* No SSL_MODE_ENABLE_PARTIAL_WRITE: the BIO never refuses bytes, so SSL_write encrypts
   * the whole (capped) buffer in one call. */
  static const unsigned char sid[] = "rt-tls";
  SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
  if (cert != NULL) {
    BIO* b = BIO_new_mem_buf(cert, (int)cert_len);
    X509* x = b == NULL ? NULL : PEM_read_bio_X509(b, NULL, no_password, NULL);
    if (x == NULL || SSL_CTX_use_certificate(ctx, x) != 1) {
      failure = config_error(env, "cert");
    } else {
      X509* extra;
      while (failure == NULL && (extra = PEM_read_bio_X509(b, NULL, no_password, NULL)) != NULL) {
        if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) { /* takes ownership on success */
          X509_free(extra);
          failure = config_error(env, "cert chain");
        }
      }
      ERR_clear_error(); /* the end of the PEM input */
    }
    if (x != NULL) X509_free(x);
    if (b != NULL) BIO_free(b);
  }
  if (failure == NULL && key != NULL) {
    BIO* b = BIO_new_mem_buf(key, (int)key_len);
    EVP_PKEY* k = b == NULL ? NULL : PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
    if (k == NULL || SSL_CTX_use_PrivateKey(ctx, k) != 1) failure = config_error(env, "key");
    else if (cert != NULL && SSL_CTX_check_private_key(ctx) != 1) failure = config_error(env, "key does not match cert");
    if (k != NULL) EVP_PKEY_free(k);
    if (b != NULL) BIO_free(b);
  }
  if (failure == NULL && ca != NULL) {
    BIO* b = BIO_new_mem_buf(ca, (int)ca_len);
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    int count = 0;
    X509* x;
    while (b != NULL && (x = PEM_read_bio_X509(b, NULL, no_password, NULL)) != NULL) {
      X509_STORE_add_cert(store, x); /* a duplicate is not an error */
      X509_free(x);
      count++;
    }
    ERR_clear_error();
    if (count == 0) failure = tls_string(env, "ca: no PEM certificate found");
    if (b != NULL) BIO_free(b);
  }
  if (failure == NULL && alpn != NULL) {
    if (server) {
      c->alpn = malloc(alpn_len);
      if (c->alpn == NULL) {
        failure = tls_string(env, "out of memory");
      } else {
        memcpy(c->alpn, alpn, alpn_len);
        c->alpn_len = (unsigned int)alpn_len;
        SSL_CTX_set_alpn_select_cb(ctx, alpn_select, c);
      }
    } else if (SSL_CTX_set_alpn_protos(ctx, alpn, (unsigned int)alpn_len) != 0) {
      failure = config_error(env, "alpn");
    }
  }
  if (failure != NULL) {
    ctx_unref(c);
    return failure;
  }
  if (verify > 0) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (verify == 2 ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
  else SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  rt_ctx_handle* h = malloc(sizeof(*h));
  napi_value result;
  if (h == NULL) {
    ctx_unref(c);
    return tls_string(env, "out of memory");
  }
  h->ctx = c;
  if (napi_create_external(env, h, ctx_finalize, NULL, &result) != napi_ok) {
    ctx_unref(c);
    free(h);
    return NULL;
  }
  napi_type_tag_object(env, result, &ctx_tag);
  return result;
}

/* tlsContextFree(ctx) → true, or false when it was freed already. */
static napi_value tls_context_free(napi_env env, napi_callback_info info) {
  TLS_ARGS(1);
  rt_ctx_handle* h = ctx_handle(env, argv[0]);
  if (h == NULL) return NULL;
  if (h->ctx == NULL) return tls_bool(env, 0);
  ctx_unref(h->ctx);
  h->ctx = NULL;
  return tls_bool(env, 1);
}

/* ---- connections -------------------------------------------------------------------- */

static void conn_free(rt_ssl* s) {
  SSL_free(s->ssl); /* frees the BIO too */
  ctx_unref(s->ctx);
  free(s->out);
  free(s);
}

static void ssl_finalize(napi_env env, void* data, void* hint) {
  rt_ssl_handle* h = data;
  if (h->conn != NULL) conn_free(h->conn);
  free(h);
}

/*
 * tlsCreate(ctx, fd, host, isIp, verifyHost) → a connection handle on fd (which stays the
 * caller's: it is never closed here). ctx made with server=1 → server side; else client:
 * host (a Buffer, or null) is sent as SNI unless isIp, and checked against the
 * certificate when verifyHost. → a string (the reason) when OpenSSL refuses.
 */
static napi_value tls_create(napi_env env, napi_callback_info info) {
  TLS_ARGS(5);
  rt_ctx* c = ctx_arg(env, argv[0]);
  if (c == NULL) return NULL;
  int32_t fd, is_ip, verify_host;
  unsigned char* host;
  size_t host_len;
  if (!mio_i32(env, argv[1], &fd) || !tls_bytes(env, argv[2], 1, &host, &host_len) || !mio_i32(env, argv[3], &is_ip) ||
      !mio_i32(env, argv[4], &verify_host))
    return NULL;
  if (fd < 0 || (is_ip != 0 && is_ip != 1) || (verify_host != 0 && verify_host != 1) ||
      (host != NULL && (host_len == 0 || host_len > 255 || memchr(host, 0, host_len) != NULL))) {
    napi_throw_range_error(env, "ERR_RT_NATIVE_ARGUMENT", "tlsCreate: fd >= 0, isIp/verifyHost 0/1, host 1..255 bytes without NUL");
    return NULL;
  }
  char name[256];
  if (host != NULL) {
    memcpy(name, host, host_len);
    name[host_len] = 0;
  }
  ERR_clear_error();
  rt_ssl* s = calloc(1, sizeof(*s));
  rt_ssl_handle* h = malloc(sizeof(*h));
  if (s == NULL || h == NULL) {
    free(s);
    free(h);
    return tls_string(env, "out of memory");
  }
  s->fd = fd;
  s->ssl = SSL_new(c->ctx);
  BIO* bio = s->ssl == NULL ? NULL : BIO_new(rt_bio_method);
  if (bio == NULL) {
    napi_value e = config_error(env, "SSL_new");
    if (s->ssl != NULL) SSL_free(s->ssl);
    free(s);
    free(h);
    return e;
  }
  BIO_set_data(bio, s);
  BIO_set_init(bio, 1);
  SSL_set_bio(s->ssl, bio, bio); /* one BIO for both directions: SSL_free frees it once */
  s->ctx = c;
  c->refs++;
  napi_value failure = NULL;
  if (c->server) {
    SSL_set_accept_state(s->ssl);
  } else {
    SSL_set_connect_state(s->ssl);
    if (host != NULL && !is_ip && SSL_set_tlsext_host_name(s->ssl, name) != 1) failure = config_error(env, "server name");
    if (failure == NULL && host != NULL && verify_host) {
      X509_VERIFY_PARAM* param = SSL_get0_param(s->ssl);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name) : SSL_set1_host(s->ssl, name);
      if (ok != 1) failure = config_error(env, "host name check");
    }
  }
  if (failure != NULL) {
    conn_free(s);
    free(h);
    return failure;
  }
  h->conn = s;
  napi_value result;
  if (napi_create_external(env, h, ssl_finalize, NULL, &result) != napi_ok) {
    conn_free(s);
    free(h);
    return NULL;
  }
  napi_type_tag_object(env, result, &ssl_tag);
  return result;
}

/* tlsFree(conn) → true, or false when it was freed already. The fd is not closed. */
static napi_value tls_free(napi_env env, napi_callback_info info) {
  TLS_ARGS(1);
  rt_ssl_handle* h = ssl_handle(env, argv[0]);
  if (h == NULL) return NULL;
  if (h->conn == NULL) return tls_bool(env, 0);
  conn_free(h->conn);
  h->conn = NULL;
  return tls_bool(env, 1);
}

/* The code for a failed SSL_* call (r <= 0), with its error recorded on the connection. */
static int64_t failed(rt_ssl* s, int r) {
  int e = SSL_get_error(s->ssl, r);
  if (s->err != 0) {
    ERR_clear_error();
    return -(int64_t)s->err;
  }
  switch (e) {
    case SSL_ERROR_WANT_READ:
      return RT_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
      return RT_TLS_WANT_WRITE; /* not expected: the BIO never refuses a write */
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    default:
      break;
  }
  s->verify = SSL_get_verify_result(s->ssl);
  s->ssl_error = ERR_peek_last_error();
  if (s->eof && (e == SSL_ERROR_SYSCALL || ERR_GET_REASON(s->ssl_error) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
    ERR_clear_error();
    s->ssl_error = 0;
    return RT_TLS_EOF;
  }
  if (s->ssl_error == 0) s->ssl_error = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_UNEXPECTED_MESSAGE);
  ERR_clear_error();
  return RT_TLS_ERROR;
}

static napi_value finish(napi_env env, rt_ssl* s, int32_t* state, int64_t result) {
  int64_t left = out_flush(s);
  if (left < 0 && result >= 0) result = left;
  state[0] = left < 0 ? 0 : (int32_t)left;
  return tls_int(env, result);
}

/* A read's finish: held output stays held while the read completes (bytes, or 0 at
 * close_notify); a read that must wait (WANT_READ) or fails sends it first. */
static napi_value finish_read(napi_env env, rt_ssl* s, int32_t* state, int64_t result) {
  if (s->hold && result >= 0) {
    state[0] = 0; /* nothing for the writable wait: the caller flushes at its next flush point */
    return tls_int(env, result);
  }
  return finish(env, s, state, result);
}

/* tlsHandshake(conn, state) → 0 when done, RT_TLS_DONE_HELD when done with output held,
 * WANT_READ, EOF, ERROR or -errno.
 *
 * RT_TLS_DONE_HELD: a server's TLS 1.3 handshake completed and wrote records after it (the
 * session tickets; a TLS 1.2 server's last flight is its Finished, which the client waits
 * for, and is sent at once): they are not sent now but wait in the output buffer for the next flush
 * point of the connection (tlsWrite, tlsShutdown, tlsFlush, or a tlsRead that returns
 * WANT_READ or an error), so they leave in one send with the reply or the close_notify, as
 * Node's TLSWrap sends them. state[0] is 0 then; the caller must call tlsFlush itself before
 * it stops using the connection for a while (rt does at the end of the turn). */
static napi_value tls_handshake(napi_env env, napi_callback_info info) {
  TLS_ARGS(2);
  rt_ssl* s = ssl_arg(env, argv[0]);
  int32_t* state;
  if (s == NULL || !tls_state(env, argv[1], &state)) return NULL;
  ERR_clear_error();
  s->drained = 0;
  /* Corked: the records OpenSSL writes one by one during the handshake (the server's session
   * tickets, one send each otherwise; a fatal alert) leave in one send, as Node's flight. */
  s->corked = 1;
  int r = SSL_do_handshake(s->ssl);
  s->corked = 0;
  if (r == 1 && s->ctx->server && s->start < s->end && s->err == 0 && SSL_version(s->ssl) == TLS1_3_VERSION) {
    s->hold = 1;
    state[0] = 0;
    return tls_int(env, RT_TLS_DONE_HELD);
  }
  int64_t result = r == 1 ? 0 : failed(s, r);
  if (r != 1 && result == 0) result = RT_TLS_EOF; /* close_notify during the handshake */
  return finish(env, s, state, result);
}

/* tlsRead(conn, buf, off, len, state) → bytes, 0 at close_notify, WANT_READ, EOF, ERROR, -errno.
 * state (length >= 2): state[1] = 1 when the socket was read dry by this call and OpenSSL
 * holds no unprocessed bytes: the next call can wait for readability first (no recv that
 * would only say EAGAIN). */
static napi_value tls_read(napi_env env, napi_callback_info info) {
  TLS_ARGS(5);
  rt_ssl* s = ssl_arg(env, argv[0]);
  char* data;
  int len;
  int32_t* state;
  if (s == NULL || !tls_slice(env, argv[1], argv[2], argv[3], &data, &len) || !tls_state_n(env, argv[4], &state, 2)) return NULL;
  state[1] = 0;
  if (len == 0) return finish(env, s, state, 0);
  ERR_clear_error();
  s->drained = 0;
  int r = SSL_read(s->ssl, data, len);
  if (r <= 0) {
    napi_value result = finish_read(env, s, state, failed(s, r));
    state[1] = s->drained && !SSL_has_pending(s->ssl);
    return result;
  }
  /* More whole records already received (read-ahead): decrypt them too, with no syscall. A
   * failure here is left for the next call (OpenSSL's errors, EOF and close_notify recur). */
  int total = r;
  while (total < len && SSL_has_pending(s->ssl)) {
    r = SSL_read(s->ssl, data + total, len - total);
    if (r <= 0) break;
    total += r;
  }
  ERR_clear_error();
  napi_value result = finish_read(env, s, state, total);
  state[1] = s->drained && !SSL_has_pending(s->ssl);
  return result;
}

/* tlsWrite(conn, buf, off, len, state) → bytes taken (> 0), WANT_WRITE (none taken), ERROR, -errno. */
static napi_value tls_write(napi_env env, napi_callback_info info) {
  TLS_ARGS(5);
  rt_ssl* s = ssl_arg(env, argv[0]);
  char* data;
  int len;
  int32_t* state;
  if (s == NULL || !tls_slice(env, argv[1], argv[2], argv[3], &data, &len) || !tls_state(env, argv[4], &state)) return NULL;
  if (s->err != 0) return finish(env, s, state, -(int64_t)s->err);
  if (s->end - s->start >= RT_TLS_OUT_LIMIT && out_flush(s) >= RT_TLS_OUT_LIMIT) {
    return finish(env, s, state, RT_TLS_WANT_WRITE);
  }
  if (len == 0) return finish(env, s, state, 0);
  ERR_clear_error();
  s->drained = 0;
  int r = SSL_write(s->ssl, data, len > RT_TLS_WRITE_MAX ? RT_TLS_WRITE_MAX : len);
  return finish(env, s, state, r > 0 ? r : failed(s, r));
}

/* tlsFlush(conn, state) → output bytes still pending (also in state[0]), or -errno. */
static napi_value tls_flush(napi_env env, napi_callback_info info) {
  TLS_ARGS(2);
  rt_ssl* s = ssl_arg(env, argv[0]);
  int32_t* state;
  if (s == NULL || !tls_state(env, argv[1], &state)) return NULL;
  if (s->err != 0) return finish(env, s, state, -(int64_t)s->err);
  int64_t left = out_flush(s);
  state[0] = left < 0 ? 0 : (int32_t)left;
  return tls_int(env, left);
}

/* tlsShutdown(conn, state) → queues close_notify (once) and flushes: as tlsFlush. */
static napi_value tls_shutdown(napi_env env, napi_callback_info info) {
  TLS_ARGS(2);
  rt_ssl* s = ssl_arg(env, argv[0]);
  int32_t* state;
  if (s == NULL || !tls_state(env, argv[1], &state)) return NULL;
  if (s->err != 0) return finish(env, s, state, -(int64_t)s->err);
  if ((SSL_get_shutdown(s->ssl) & SSL_SENT_SHUTDOWN) == 0) {
    ERR_clear_error();
    s->drained = 0;
    SSL_shutdown(s->ssl); /* 0: sent, peer's not yet seen; the peer's is read by tlsRead */
    ERR_clear_error();
  }
  return finish(env, s, state, 0);
}

/* tlsErrorInfo(conn) → [reason, libReason, verifyCode, verifyReason] of the last ERROR. */
static napi_value tls_error_info(napi_env env, napi_callback_info info) {
  TLS_ARGS(1);
  rt_ssl* s = ssl_arg(env, argv[0]);
  if (s == NULL) return NULL;
  char reason[256];
  if (s->ssl_error != 0) ERR_error_string_n(s->ssl_error, reason, sizeof(reason));
  else snprintf(reason, sizeof(reason), "no OpenSSL error recorded");
  const char* lib = s->ssl_error != 0 ? ERR_reason_error_string(s->ssl_error) : NULL;
  napi_value arr;
  napi_create_array_with_length(env, 4, &arr);
  napi_set_element(env, arr, 0, tls_string(env, reason));
  napi_set_element(env, arr, 1, tls_string(env, lib));
  napi_set_element(env, arr, 2, tls_int(env, s->verify));
  napi_set_element(env, arr, 3, tls_string(env, X509_verify_cert_error_string(s->verify)));
  return arr;
}

/* tlsInfo(conn) → [protocol, cipherName, cipherStandardName, alpn|null, serverName|null, reused]. */
static napi_value tls_info(napi_env env, napi_callback_info info) {
  TLS_ARGS(1);
  rt_ssl* s = ssl_arg(env, argv[0]);
  if (s == NULL) return NULL;
  const SSL_CIPHER* cipher = SSL_get_current_cipher(s->ssl);
  const unsigned char* alpn = NULL;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(s->ssl, &alpn, &alpn_len);
  napi_value arr, alpn_value;
  if (alpn != NULL && alpn_len > 0) napi_create_string_latin1(env, (const char*)alpn, alpn_len, &alpn_value);
  else alpn_value = tls_null(env);
  napi_create_array_with_length(env, 6, &arr);
  napi_set_element(env, arr, 0, tls_string(env, SSL_get_version(s->ssl)));
  napi_set_element(env, arr, 1, tls_string(env, cipher == NULL ? NULL : SSL_CIPHER_get_name(cipher)));
  napi_set_element(env, arr, 2, tls_string(env, cipher == NULL ? NULL : SSL_CIPHER_standard_name(cipher)));
  napi_set_element(env, arr, 3, alpn_value);
  napi_set_element(env, arr, 4, tls_string(env, SSL_get_servername(s->ssl, TLSEXT_NAMETYPE_host_name)));
  napi_set_element(env, arr, 5, tls_bool(env, SSL_session_reused(s->ssl)));
  return arr;
}

/* A Buffer with a copy of the DER bytes OpenSSL allocated (then freed), or null if none. */
static napi_value der_buffer(napi_env env, unsigned char* der, int len) {
  if (len <= 0) return tls_null(env);
  napi_value buf;
  void* out;
  if (napi_create_buffer_copy(env, (size_t)len, der, &out, &buf) != napi_ok) buf = NULL;
  OPENSSL_free(der);
  return buf;
}

/* tlsPeerCertificate(conn) → the peer's certificate (DER Buffer) or null. */
static napi_value tls_peer_certificate(napi_env env, napi_callback_info info) {
  TLS_ARGS(1);
  rt_ssl* s = ssl_arg(env, argv[0]);
  if (s == NULL) return NULL;
  X509* x = SSL_get1_peer_certificate(s->ssl);
  if (x == NULL) return tls_null(env);
  unsigned char* der = NULL;
  int len = i2d_X509(x, &der);
  X509_free(x);
  return der_buffer(env, der, len);
}

/* tlsSession(conn) → the current session (DER Buffer, Node's format) or null. */
static napi_value tls_session(napi_env env, napi_callback_info info) {
  TLS_ARGS(1);
  rt_ssl* s = ssl_arg(env, argv[0]);
  if (s == NULL) return NULL;
  SSL_SESSION* session = SSL_get1_session(s->ssl);
  if (session == NULL) return tls_null(env);
  unsigned char* der = NULL;
  int len = i2d_SSL_SESSION(session, &der);
  SSL_SESSION_free(session);
  return der_buffer(env, der, len);
}

/* tlsSetSession(conn, der) → true when OpenSSL took the session, false for bytes it refused. */
static napi_value tls_set_session(napi_env env, napi_callback_info info) {
  TLS_ARGS(2);
  rt_ssl* s = ssl_arg(env, argv[0]);
  unsigned char* der;
  size_t len;
  if (s == NULL || !tls_bytes(env, argv[1], 0, &der, &len)) return NULL;
  if (len == 0 || len > 65536) return tls_bool(env, 0);
  const unsigned char* p = der;
  ERR_clear_error();
  SSL_SESSION* session = d2i_SSL_SESSION(NULL, &p, (long)len);
  int ok = session != NULL && SSL_set_session(s->ssl, session) == 1;
  if (session != NULL) SSL_SESSION_free(session);
  ERR_clear_error();
  return tls_bool(env, ok);
}

static int tls_symbols_present(void) {
  const void* fns[] = {
      (const void*)OpenSSL_version_num, (const void*)TLS_method, (const void*)SSL_CTX_new, (const void*)SSL_CTX_free,
      (const void*)SSL_CTX_ctrl, (const void*)SSL_CTX_set_options, (const void*)SSL_CTX_set_verify,
      (const void*)SSL_CTX_use_certificate, (const void*)SSL_CTX_use_PrivateKey, (const void*)SSL_CTX_check_private_key,
      (const void*)SSL_CTX_get_cert_store, (const void*)SSL_CTX_set_alpn_protos, (const void*)SSL_CTX_set_alpn_select_cb,
       (const void*)SSL_CTX_set_session_id_context, (const void*)SSL_CTX_set_default_read_buffer_len, (const void*)SSL_has_pending, (const void*)SSL_select_next_proto, (const void*)SSL_new,
      (const void*)SSL_free, (const void*)SSL_ctrl, (const void*)SSL_set_bio, (const void*)SSL_set_connect_state,
      (const void*)SSL_set_accept_state, (const void*)SSL_set1_host, (const void*)SSL_get0_param,
      (const void*)SSL_do_handshake, (const void*)SSL_read, (const void*)SSL_write, (const void*)SSL_shutdown,
      (const void*)SSL_get_shutdown, (const void*)SSL_get_error, (const void*)SSL_get_verify_result,
      (const void*)SSL_get_version, (const void*)SSL_version, (const void*)SSL_get_current_cipher, (const void*)SSL_CIPHER_get_name,
      (const void*)SSL_CIPHER_standard_name, (const void*)SSL_get0_alpn_selected, (const void*)SSL_get_servername,
      (const void*)SSL_session_reused, (const void*)SSL_get1_peer_certificate, (const void*)SSL_get1_session,
      (const void*)SSL_set_session, (const void*)SSL_SESSION_free, (const void*)i2d_SSL_SESSION,
      (const void*)d2i_SSL_SESSION, (const void*)BIO_new, (const void*)BIO_free, (const void*)BIO_new_mem_buf,
      (const void*)BIO_meth_new, (const void*)BIO_meth_set_write, (const void*)BIO_meth_set_read,
      (const void*)BIO_meth_set_ctrl, (const void*)BIO_get_new_index, (const void*)BIO_set_data,
      (const void*)BIO_get_data, (const void*)BIO_set_init, (const void*)BIO_set_flags, (const void*)BIO_clear_flags,
      (const void*)PEM_read_bio_X509, (const void*)PEM_read_bio_PrivateKey, (const void*)X509_free,
      (const void*)X509_STORE_add_cert, (const void*)X509_VERIFY_PARAM_set1_ip_asc,
      (const void*)X509_VERIFY_PARAM_set_hostflags, (const void*)X509_verify_cert_error_string,
      (const void*)EVP_PKEY_free, (const void*)i2d_X509, (const void*)ERR_clear_error, (const void*)ERR_get_error,
      (const void*)ERR_peek_last_error, (const void*)ERR_error_string_n, (const void*)ERR_reason_error_string,
      (const void*)CRYPTO_free,
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
    if (fns[i] == NULL) return 0;
  /* OpenSSL 3.x only: the opaque-struct API this file is written against. */
  return OpenSSL_version_num() >= 0x30000000UL;
}

void rt_tls_init(napi_env env, napi_value exports) {
  int present = tls_symbols_present();
  napi_set_named_property(env, exports, "tlsAvailable", tls_bool(env, present));
  if (!present) return;
  static const struct {
    const char* name;
    napi_callback cb;
  } fns[] = {
      {"tlsContextCreate", tls_context_create},
      {"tlsContextFree", tls_context_free},
      {"tlsCreate", tls_create},
      {"tlsFree", tls_free},
      {"tlsHandshake", tls_handshake},
      {"tlsRead", tls_read},
      {"tlsWrite", tls_write},
      {"tlsFlush", tls_flush},
      {"tlsShutdown", tls_shutdown},
      {"tlsErrorInfo", tls_error_info},
      {"tlsInfo", tls_info},
      {"tlsPeerCertificate", tls_peer_certificate},
      {"tlsSession", tls_session},
      {"tlsSetSession", tls_set_session},
  };
  for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
    napi_value fn;
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  napi_value constants;
  napi_create_object(env, &constants);
  napi_set_named_property(env, constants, "WANT_READ", tls_int(env, RT_TLS_WANT_READ));
  napi_set_named_property(env, constants, "WANT_WRITE", tls_int(env, RT_TLS_WANT_WRITE));
  napi_set_named_property(env, constants, "EOF", tls_int(env, RT_TLS_EOF));
  napi_set_named_property(env, constants, "ERROR", tls_int(env, RT_TLS_ERROR));
  napi_set_named_property(env, constants, "DONE_HELD", tls_int(env, RT_TLS_DONE_HELD));
  napi_set_named_property(env, constants, "TLS1_2_VERSION", tls_int(env, TLS1_2_VERSION));
  napi_set_named_property(env, constants, "TLS1_3_VERSION", tls_int(env, TLS1_3_VERSION));
  napi_set_named_property(env, constants, "version", tls_int(env, (int64_t)OpenSSL_version_num()));
  napi_set_named_property(env, exports, "tlsConstants", constants);
}

#else

void rt_tls_init(napi_env env, napi_value exports) {
  napi_value no;
  napi_get_boolean(env, false, &no);
  napi_set_named_property(env, exports, "tlsAvailable", no);
}

#endif
