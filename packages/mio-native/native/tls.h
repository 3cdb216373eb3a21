/* The TLS part of the addon (tls.c): adds its functions to the module's exports. */
#ifndef RT_MIO_TLS_H
#define RT_MIO_TLS_H
#include <node_api.h>
#include <stdint.h>

void rt_tls_init(napi_env env, napi_value exports);

/* From mio.c: an argument that must be exactly an int32 (else a TypeError/RangeError is
 * thrown and 0 returned). */
int mio_i32(napi_env env, napi_value v, int32_t* out);

#endif
