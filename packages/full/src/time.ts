// Feature `time`: @rt/time, re-exported as it is.
export * from '@rt/time';
