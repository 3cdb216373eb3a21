/* A Node addon for the upload floor's experiment row (http-upload-floor-server.mjs --drain):
 * drain(fd, buffer, want) reads a non-blocking socket into `buffer` (reused, each read from
 * its start) until EAGAIN, the end of stream or `want` bytes in all, and returns the count
 * read (> 0), 0 for the end of stream with nothing read, -11 (EAGAIN) when nothing was there,
 * or -errno. One call from JavaScript per batch of reads: what the C floor does, with the
 * event loop, the rt runtime and the connection's task of a Node server around it, and no
 * JavaScript per read. */
#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <unistd.h>

static napi_value drain(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd;
  void* data;
  size_t size;
  double want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &data, &size) != napi_ok ||
      napi_get_value_double(env, argv[2], &want) != napi_ok) {
    napi_throw_type_error(env, NULL, "drain(fd, buffer, want)");
    return NULL;
  }
  int64_t total = 0;
  int64_t result;
  for (;;) {
    size_t n = size;
    if ((double)n > want - (double)total) n = (size_t)(want - (double)total);
    if (n == 0) {
      result = total;
      break;
    }
    ssize_t r = read(fd, data, n);
    if (r > 0) {
      total += r;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    result = total > 0 ? total : r == 0 ? 0 : -errno;
    break;
  }
  napi_value value;
  napi_create_double(env, (double)result, &value);
  return value;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "drain", NAPI_AUTO_LENGTH, drain, NULL, &fn);
  napi_set_named_property(env, exports, "drain", fn);
  return exports;
}
