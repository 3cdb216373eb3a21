// Feature `io`: @rt/io, re-exported as it is.
export * from '@rt/io';
