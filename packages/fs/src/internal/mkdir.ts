import { mkdir } from 'node:fs';
import { op } from './op.js';
import { checkMode, checkOptions, checkPath, type PathLike } from './validate.js';

/** mkdir for createDir and createDirAll. */
export function run(name: string, path: PathLike, options: { signal?: AbortSignal; mode?: number } | undefined, recursive: boolean): Promise<void> {
  try {
    const target = checkPath(path, `${name}: path`);
    checkOptions(options, `${name}: options`);
    const mode = options?.mode === undefined ? 0o777 : checkMode(options.mode, `${name}: options.mode`);
    const wait = options?.signal === undefined ? undefined : { signal: options.signal };
    return op<unknown>(`fs.${name}`, 'mkdir', target, wait, (cb) => mkdir(target, { recursive, mode }, cb)).then(noop);
  } catch (error) {
    return Promise.reject(error);
  }
}

function noop(): void {}
