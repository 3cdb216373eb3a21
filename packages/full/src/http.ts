// Feature `http`: @rt/http, re-exported as it is.
export * from '@rt/http';
