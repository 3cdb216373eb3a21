/* The TLS part of the addon (tls.c): adds its functions to the module's exports. */
#ifndef RT_MIO_TLS_H
#define RT_MIO_TLS_H
#include <node_api.h>

void rt_tls_init(napi_env env, napi_value exports);

#endif
