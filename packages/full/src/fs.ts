// Feature `fs`: @rt/fs, re-exported as it is.
export * from '@rt/fs';
