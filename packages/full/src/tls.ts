// Feature `tls` (tokio-rustls / tokio-native-tls): @rt/tls, re-exported as it is.
export * from '@rt/tls';
