/**
 * `main`: the entry point of an rt program (Tokio's `#[tokio::main]`).
 */
import { Builder, isCancelled, type Runtime } from '@rt/scheduler';

/** Options of {@link main}. */
export interface MainOptions {
  /** Only `'current_thread'` exists today; the multi-thread runtime is a later design. */
  readonly flavor?: 'current_thread';
  /** Start with the clock paused (see `@rt/time`). */
  readonly startPaused?: boolean;
  /** The runtime's name (metrics, dumps, error lines). */
  readonly name?: string;
  /** What an unawaited task's error does: `'log'` (default), `'ignore'`, `'shutdown'`. */
  readonly unhandledError?: 'log' | 'ignore' | 'shutdown';
  /** How long shutdown waits for aborted tasks to unwind, in ms (default 1000). */
  readonly shutdownTimeout?: number;
  /** Install SIGINT/SIGTERM handlers (default true). */
  readonly handleSignals?: boolean;
}

const signalNumbers = { SIGINT: 2, SIGTERM: 15 } as const;

function validate(options: MainOptions): void {
  if (options.flavor !== undefined && options.flavor !== 'current_thread') {
    throw new TypeError(`main: flavor must be 'current_thread' (the multi-thread runtime does not exist yet), got ${JSON.stringify(options.flavor)}`);
  }
  const timeout = options.shutdownTimeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
    throw new RangeError(`main: shutdownTimeout must be a finite number of milliseconds ≥ 0, got ${String(timeout)}`);
  }
}

function build(options: MainOptions): Runtime {
  const builder = Builder.currentThread().enableAll();
  if (options.name !== undefined) builder.name(options.name);
  if (options.unhandledError !== undefined) builder.unhandledError(options.unhandledError);
  if (options.startPaused) builder.startPaused(true);
  return builder.build();
}

/**
 * Builds a runtime, runs `fn` as its main task, shuts the runtime down and sets
 * `process.exitCode`: 0 when `fn` resolved, 1 (with the error printed on stderr) when it
 * threw, 130/143 when SIGINT/SIGTERM stopped it. Resolves with that exit code.
 *
 * The first SIGINT or SIGTERM aborts the main task (its `finally` blocks and `using`
 * disposals run) and shuts the runtime down cleanly; a second one exits at once. The
 * handlers are removed when `main` returns.
 *
 * Also usable as a decorator on a static method: `class App { @main static async run() {} }`
 * runs the method when the class is defined.
 *
 * **Cancellation.** Not cancellable except by the signals above.
 *
 * **Errors.** Never rejects for what `fn` throws (that becomes exit code 1); `TypeError` for
 * a bad `fn` or `flavor`, `RangeError` for a bad `shutdownTimeout`.
 *
 * @example
 * ```ts
 * await main(async () => {
 *   const listener = await TcpListener.bind('127.0.0.1:8080');
 *   for await (const stream of listener) spawn(() => serve(stream));
 * });
 * ```
 */
export function main<T>(fn: () => T | PromiseLike<T>, options?: MainOptions): Promise<number>;
export function main<This>(method: (this: This) => unknown, context: ClassMethodDecoratorContext<This>): void;
export function main(fn: (...args: never[]) => unknown, second?: MainOptions | ClassMethodDecoratorContext): Promise<number> | void {
  if (typeof fn !== 'function') throw new TypeError(`main: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  if (second !== undefined && 'kind' in second && typeof second.addInitializer === 'function') {
    const context = second;
    if (context.kind !== 'method' || !context.static) {
      throw new TypeError('main: as a decorator, @main goes on a static method');
    }
    context.addInitializer(function (this: unknown) {
      void runMain(() => (fn as (this: unknown) => unknown).call(this), {});
    });
    return;
  }
  const options = (second ?? {}) as MainOptions;
  validate(options);
  return runMain(fn as () => unknown, options);
}

async function runMain(fn: () => unknown, options: MainOptions): Promise<number> {
  const runtime = build(options);
  let stoppedBy: keyof typeof signalNumbers | undefined;
  const task = runtime.spawn(fn, { name: 'main' });
  const onSignal = (signal: keyof typeof signalNumbers): void => {
    if (stoppedBy !== undefined) process.exit(128 + signalNumbers[signal]);
    stoppedBy = signal;
    task.abort();
  };
  const handlers = (Object.keys(signalNumbers) as Array<keyof typeof signalNumbers>).map((signal) => {
    const handler = (): void => onSignal(signal);
    if (options.handleSignals !== false) process.on(signal, handler);
    return [signal, handler] as const;
  });
  let code: number;
  try {
    await task;
    code = 0;
  } catch (error) {
    const joinError = error as { isCancelled?: () => boolean };
    if (stoppedBy !== undefined && (isCancelled(error) || joinError.isCancelled?.() === true)) {
      code = 128 + signalNumbers[stoppedBy];
    } else {
      const cause = (error as { isPanic?: () => boolean; cause?: unknown }).isPanic?.() ? (error as { cause: unknown }).cause : error;
      process.stderr.write(`rt main: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
      code = 1;
    }
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    await runtime.shutdown({ timeout: options.shutdownTimeout ?? 1000 });
  }
  process.exitCode = code;
  return code;
}
