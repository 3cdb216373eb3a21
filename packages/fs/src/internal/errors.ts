import { FsError } from '../fs-error.js';

/** Turns a Node fs error (`err.code`, `err.syscall`, `err.path`, `err.dest`) into an FsError. */
export function toFsError(error: unknown, syscall: string, path?: string): unknown {
  if (error instanceof FsError) return error;
  if (typeof error !== 'object' || error === null) return error;
  const e = error as NodeJS.ErrnoException & { dest?: unknown };
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return error;
  return new FsError(
    e.code,
    typeof e.syscall === 'string' ? e.syscall : syscall,
    typeof e.path === 'string' ? e.path : path,
    typeof e.dest === 'string' ? e.dest : undefined,
    e.message,
    { cause: error },
  );
}
