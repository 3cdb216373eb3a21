// Feature `process`: @rt/process, re-exported as it is.
export * from '@rt/process';
