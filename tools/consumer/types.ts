// Compiled with `tsc --noEmit` against the installed declarations of @rt/full.
import * as full from '@rt/full';

export const loaded: object = full;
