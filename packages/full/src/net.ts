// Feature `net`: @rt/net, re-exported as it is.
export * from '@rt/net';
