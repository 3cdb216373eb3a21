// Feature `util` (tokio-util): @rt/util, re-exported as it is.
export * from '@rt/util';
