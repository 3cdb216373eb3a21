// External peers (openssl, curl, redis-cli) spawned asynchronously: the in-process rt
// side must keep running while they talk to it.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Peer {
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches, with the match (bounded by `ms`). */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (bounded by `ms`). */
  exited(ms?: number): Promise<number | null>;
  kill(): void;
}

const live = new Set<ChildProcess>();

/** Kills every peer still running (call in afterEach). */
export function killPeers(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

/**
 * The peers' environment: this process's, without the AddressSanitizer runtime that the
 * reliability run preloads into Node (curl under a preloaded libasan never answers).
 */
function peerEnv(): NodeJS.ProcessEnv {
  const { LD_PRELOAD: _preload, ASAN_OPTIONS: _options, ...env } = process.env;
  return env;
}

export function startPeer(command: string, args: string[], input?: string): Peer {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: peerEnv() });
  live.add(child);
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((w) => w());
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    wake();
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      live.delete(child);
      wake();
      resolve(code);
    }),
  );
  child.stdin!.on('error', () => undefined);
  if (input !== undefined) child.stdin!.end(input);
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(out);
          if (m !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${command}: no ${String(pattern)} in its output within ${ms} ms; stdout: ${out}; stderr: ${err}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    exited(ms = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        exit,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${command} did not exit within ${ms} ms; stdout: ${out}; stderr: ${err}`)), ms);
        }),
      ]).finally(() => clearTimeout(timer));
    },
    kill: () => child.kill('SIGKILL'),
  };
}
