// Feature `signal`: @rt/signal, re-exported as it is.
export * from '@rt/signal';
