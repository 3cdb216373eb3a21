// Feature `sync`: @rt/sync, re-exported as it is.
export * from '@rt/sync';
