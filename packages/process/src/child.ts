import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { park, throwIfCancelled } from '@rt/scheduler';
import type { WaitOptions, Waiter } from '@rt/scheduler';
import type { ChildStderr } from './child-stderr.js';
import type { ChildStdin } from './child-stdin.js';
import type { ChildStdout } from './child-stdout.js';
import { ProcessError } from './errors.js';
import { ExitStatus } from './exit-status.js';

/**
 * A running (or finished) child process, made by `Command.spawn()`, as Tokio's `Child`.
 *
 * `stdin`/`stdout`/`stderr` are the parent's ends of the pipes asked for with
 * `Stdio.piped()` (null otherwise). The process is reaped by Node as soon as it exits,
 * whether or not anyone waits for it, so a dropped `Child` never leaves a zombie; its exit
 * status is kept for `wait()`/`tryWait()`. A child that is neither waited for nor killed
 * keeps running (and keeps the event loop alive until it exits), as in Tokio; build the
 * command with `killOnDispose(true)` and hold the child with `await using` to kill it at
 * the end of a scope.
 *
 * **Cancellation:** `wait()` (and `kill()`, which waits) is cancel safe: aborting it rejects
 * with `Cancelled`, the child is untouched, and a later `wait()` returns the status.
 *
 * **Errors:** `wait()` rejects only with `Cancelled`; `startKill()` throws `TypeError` for
 * an unknown signal name and `ProcessError` (`code` `'EPERM'`, `syscall` `'kill'`) when the OS refuses the signal.
 *
 * **Example**
 * ```ts
 * await using child = new Command('sleep').arg('60').killOnDispose(true).spawn();
 * child.startKill();
 * const status = await child.wait();
 * status.signal; // 'SIGKILL'
 * ```
 */
export class Child {
  /** The OS process id. */
  readonly id: number;
  /** The parent's end of the child's stdin, when it was piped. */
  readonly stdin: ChildStdin | null;
  /** The parent's end of the child's stdout, when it was piped. */
  readonly stdout: ChildStdout | null;
  /** The parent's end of the child's stderr, when it was piped. */
  readonly stderr: ChildStderr | null;
  readonly #process: ChildProcess;
  readonly #killOnDispose: boolean;
  readonly #waiters = new Set<Waiter<ExitStatus>>();
  #status: ExitStatus | null = null;

  readonly #removeWaiter = (waiter: Waiter<ExitStatus>): void => {
    this.#waiters.delete(waiter);
  };

  /** @internal Created by `Command.spawn()`. */
  constructor(
    process: ChildProcess,
    stdin: ChildStdin | null,
    stdout: ChildStdout | null,
    stderr: ChildStderr | null,
    killOnDispose: boolean,
  ) {
    this.#process = process;
    this.id = process.pid!;
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.#killOnDispose = killOnDispose;
    process.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      const status = new ExitStatus(code, signal);
      this.#status = status;
      for (const waiter of this.#waiters) waiter.wake(status);
      this.#waiters.clear();
    });
  }

  /**
   * Waits for the child to exit and resolves with its {@link ExitStatus}; closes the
   * child's stdin first (as Tokio does), so a child reading its input to the end cannot
   * deadlock the wait. May be called any number of times.
   *
   * **Cancellation:** cancel safe: an aborted wait rejects with `Cancelled` and can be
   * retried; the child keeps running.
   *
   * **Errors:** `Cancelled` only.
   *
   * **Example**
   * ```ts
   * const status = await new Command('true').spawn().wait();
   * status.success; // true
   * ```
   */
  wait(options?: WaitOptions): Promise<ExitStatus> {
    try {
      this.stdin?.close();
      const status = this.#status;
      if (status !== null) {
        throwIfCancelled(options);
        return Promise.resolve(status);
      }
      const { waiter, promise } = park<ExitStatus>('Child.wait', this.#removeWaiter, options);
      this.#waiters.add(waiter);
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The exit status if the child has exited (and been reaped), else null. Never waits and
   * does not close stdin.
   *
   * **Cancellation:** not applicable: never waits.
   *
   * **Errors:** none.
   *
   * **Example**
   * ```ts
   * const child = new Command('sleep').arg('1').spawn();
   * child.tryWait(); // null
   * ```
   */
  tryWait(): ExitStatus | null {
    return this.#status;
  }

  /**
   * Sends `signal` (default `'SIGKILL'`) to the child without waiting for it to exit. A
   * child that has already exited is left alone (no signal can reach a reused pid).
   *
   * **Cancellation:** not applicable: never waits.
   *
   * **Errors:** `TypeError` for an unknown signal name or a number outside 0..64;
   * `ProcessError` with Node's fields (`code` `'EPERM'`, `errno`, `syscall` `'kill'`; the
   * Node error as `cause`) when the signal could not be sent.
   *
   * **Example**
   * ```ts
   * child.startKill('SIGTERM');
   * await child.wait();
   * ```
   */
  startKill(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    if (typeof signal === 'string' ? !(signal in constants.signals) : !Number.isInteger(signal) || signal < 0 || signal > 64) {
      throw new TypeError(`Child.startKill: signal must be a signal name like 'SIGTERM' or a number, got ${typeof signal === 'string' ? JSON.stringify(signal) : String(signal)}`);
    }
    if (this.#status !== null) return;
    // Node emits a failed kill (other than ESRCH: already exited) as a synchronous 'error'.
    let failure: unknown;
    const onError = (error: unknown): void => {
      failure = error;
    };
    this.#process.on('error', onError);
    try {
      this.#process.kill(signal);
    } finally {
      this.#process.off('error', onError);
    }
    if (failure !== undefined) {
      const code = (failure as { code?: unknown }).code;
      const name = typeof code === 'string' ? code : 'UNKNOWN';
      throw new ProcessError(name, `Child(${this.id}).startKill(${String(signal)}) failed: ${name}`, { cause: failure, syscall: 'kill' });
    }
  }

  /**
   * Sends `signal` (default `'SIGKILL'`) and waits for the child to exit; resolves with its
   * status (which may be a normal exit if the child ended first).
   *
   * **Cancellation:** cancel safe: aborting it stops only the wait (the signal was sent);
   * `wait()` can be called again.
   *
   * **Errors:** as {@link Child.startKill} and {@link Child.wait}.
   *
   * **Example**
   * ```ts
   * const status = await new Command('sleep').arg('60').spawn().kill();
   * status.signal; // 'SIGKILL'
   * ```
   */
  kill(signal: NodeJS.Signals | number = 'SIGKILL', options?: WaitOptions): Promise<ExitStatus> {
    try {
      this.startKill(signal);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.wait(options);
  }

  /**
   * Kills the child (SIGKILL) if the command was built with `killOnDispose(true)`, waits for
   * it to exit, then closes the stdout/stderr pipes.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#killOnDispose) this.startKill();
    try {
      await this.wait();
    } finally {
      this.stdout?.close();
      this.stderr?.close();
    }
  }
}
