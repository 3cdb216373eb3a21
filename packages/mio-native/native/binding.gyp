{
  "targets": [
    {
      "target_name": "mio_native",
      "sources": ["mio.c", "tls.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_c": ["-std=gnu11"]
    }
  ]
}
