// Feature `macros`: @rt/macros, re-exported as it is.
export * from '@rt/macros';
