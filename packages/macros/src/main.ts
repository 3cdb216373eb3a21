/**
 * `main`: the entry point of an rt program (Tokio's `#[tokio::main]`), on the current-thread
 * runtime (`main(fn)`) or on the multi-thread runtime of `@rt/multi-thread`
 * (`main(entry, { flavor: 'multi_thread' })`).
 */
import { Builder, RtError, diagnosticsChannels, isCancelled, type RtWarning, type Runtime } from '@rt/scheduler';
import type { MultiThreadRuntime } from '@rt/multi-thread';
import { describe } from '@rt/scheduler/primitives';
// Builtins through process.getBuiltinModule, not `import` (an import's ESM facade runs every lazy getter: @rt/http README, "Room under V8's 8 MB").
const { isAbsolute } = process.getBuiltinModule('node:path');
const diagnostics_channel = process.getBuiltinModule('node:diagnostics_channel');

/** Options of {@link main} with a function (the current-thread flavor). */
export interface MainOptions {
  /** `'current_thread'` (the default) for `main(fn)`; `main(entry, …)` takes `'multi_thread'`. */
  readonly flavor?: 'current_thread';
  /** Start with the clock paused (see `@rt/time`). */
  readonly startPaused?: boolean;
  /**
   * Serve the runtime to rt-console on this `host:port` (loopback), as `RT_CONSOLE` does:
   * instruments the runtime and needs `@rt/console` installed (an optional peer dependency).
   */
  readonly console?: string;
  /** The runtime's name (metrics, dumps, error lines). */
  readonly name?: string;
  /** What an unawaited task's error does: `'log'` (default), `'ignore'`, `'shutdown'`. */
  readonly unhandledError?: 'log' | 'ignore' | 'shutdown';
  /** How long shutdown waits for aborted tasks to unwind, in ms (default 1000). */
  readonly shutdownTimeout?: number;
  /** Install SIGINT/SIGTERM handlers (default true). */
  readonly handleSignals?: boolean;
}

/** Options of {@link main} with an entry module (the multi-thread flavor, `@rt/multi-thread`). */
export interface MultiThreadMainOptions {
  readonly flavor: 'multi_thread';
  /** Number of worker threads (default `os.availableParallelism()`). */
  readonly workerThreads?: number;
  /** The export every worker runs (default `'main'`). */
  readonly exportName?: string;
  /** Arguments after the `{ index, count, signal }` context (structured-cloned to every worker). */
  readonly args?: readonly unknown[];
  /** What a worker crash does: `'shutdown'` (default: exit code 1) or `'replace'`. */
  readonly onWorkerCrash?: 'shutdown' | 'replace';
  /** The runtime's name (worker i's runtime is `${name}-worker-${i}`). */
  readonly name?: string;
  /** What an unawaited task's error does in a worker: `'log'` (default), `'ignore'`, `'shutdown'`. */
  readonly unhandledError?: 'log' | 'ignore' | 'shutdown';
  /** How long shutdown lets each worker's aborted tasks unwind, in ms (default 1000). */
  readonly shutdownTimeout?: number;
  /** Install SIGINT/SIGTERM handlers (default true). */
  readonly handleSignals?: boolean;
  /** Where crash reports go instead of stderr. */
  readonly onError?: (error: Error) => void;
}

/**
 * `main(entry, { flavor: 'multi_thread' })` could not load `@rt/multi-thread`: it is an
 * optional peer dependency of `@rt/macros`, install it to use the multi-thread flavor.
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none. Code `ERR_RT_MULTI_THREAD_NOT_INSTALLED`; `cause` is the import's error.
 *
 * **Example**
 * ```ts
 * try { await main(entry, { flavor: 'multi_thread' }); }
 * catch (error) { if (error instanceof MultiThreadNotInstalled) console.error('npm install @rt/multi-thread'); }
 * ```
 */
export class MultiThreadNotInstalled extends RtError {
  constructor(cause: unknown) {
    super(
      'ERR_RT_MULTI_THREAD_NOT_INSTALLED',
      "main: flavor 'multi_thread' needs the package @rt/multi-thread, which could not be loaded; install it next to @rt/macros",
      { cause },
    );
  }
}
Object.defineProperty(MultiThreadNotInstalled.prototype, 'name', { value: 'MultiThreadNotInstalled', writable: true, configurable: true });

const signalNumbers = { SIGINT: 2, SIGTERM: 15 } as const;

function validateTimeout(timeout: unknown): void {
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0)) {
    throw new RangeError(`main: shutdownTimeout must be a finite number of milliseconds \u2265 0, got ${String(timeout)}`);
  }
}

function validate(options: MainOptions): void {
  if ((options.flavor as string | undefined) === 'multi_thread') {
    throw new TypeError(
      "main: flavor 'multi_thread' runs a module in every worker, not a function (closures cannot cross threads): " +
        "main(new URL('./server.js', import.meta.url), { flavor: 'multi_thread' })",
    );
  }
  if (options.flavor !== undefined && options.flavor !== 'current_thread') {
    throw new TypeError(`main: flavor must be 'current_thread' or 'multi_thread', got ${describe(options.flavor)}`);
  }
  validateTimeout(options.shutdownTimeout);
}

function validateMultiThread(entry: unknown, options: MultiThreadMainOptions | undefined): MultiThreadMainOptions {
  if (options === undefined || options === null || typeof options !== 'object' || options.flavor !== 'multi_thread') {
    throw new TypeError(
      `main(entry, options): an entry module runs on the multi-thread runtime: pass { flavor: 'multi_thread' }, got flavor ${describe(options?.flavor)}`,
    );
  }
  if (!(entry instanceof URL) && (typeof entry !== 'string' || (!/^(file|data):/.test(entry) && !isAbsolute(entry)))) {
    throw new TypeError(`main: entry must be a URL (file: or data:) or an absolute path, got ${describe(entry)}`);
  }
  const count = options.workerThreads;
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
    throw new RangeError(`main: workerThreads must be an integer \u2265 1, got ${describe(count)}`);
  }
  if (options.exportName !== undefined && (typeof options.exportName !== 'string' || options.exportName === '')) {
    throw new TypeError(`main: exportName must be a non-empty string, got ${describe(options.exportName)}`);
  }
  if (options.args !== undefined && !Array.isArray(options.args)) {
    throw new TypeError(`main: args must be an array, got ${describe(options.args)}`);
  }
  validateTimeout(options.shutdownTimeout);
  return options;
}

function build(options: MainOptions): Runtime {
  const builder = Builder.currentThread().enableAll();
  if (options.name !== undefined) builder.name(options.name);
  if (options.unhandledError !== undefined) builder.unhandledError(options.unhandledError);
  if (options.startPaused) builder.startPaused(true);
  if (options.console !== undefined) builder.console({ addr: options.console });
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
 * With an entry module and `{ flavor: 'multi_thread' }` it runs on the multi-thread runtime
 * of `@rt/multi-thread` (loaded with a dynamic `import()`: an optional peer dependency):
 * `workerThreads` workers each import `entry` and run its `exportName` export (default
 * `'main'`) with `{ index, count, signal }` and `args`. The exit code is 0 once every worker's
 * entry returned, 1 (the error printed) when a worker crashed and the runtime shut down,
 * 130/143 after SIGINT/SIGTERM: the first signal shuts every worker down cleanly (their
 * `signal` aborts, their tasks are aborted and unwind), a second one exits at once.
 *
 * Also usable as a decorator on a static method: `class App { @main static async run() {} }`
 * runs the method when the class is defined.
 *
 * **Cancellation:** Not cancellable except by the signals above.
 *
 * **Errors:** Never rejects for what `fn` or the entry throws (that becomes exit code 1);
 * `TypeError` for a bad `fn`, entry, `flavor`, `exportName` or `args`, `RangeError` for a bad
 * `shutdownTimeout` or `workerThreads`; rejects with `MultiThreadNotInstalled` when
 * `@rt/multi-thread` cannot be loaded.
 *
 * **Example**
 * ```ts
 * await main(async () => {
 *   const listener = await TcpListener.bind('127.0.0.1:8080');
 *   for await (const stream of listener) spawn(() => serve(stream));
 * });
 * // On every core: server.js exports `async function main({ index, signal }) { … }`.
 * await main(new URL('./server.js', import.meta.url), { flavor: 'multi_thread', workerThreads: 2 });
 * ```
 */
export function main<T>(fn: () => T | PromiseLike<T>, options?: MainOptions): Promise<number>;
export function main(entry: URL | string, options: MultiThreadMainOptions): Promise<number>;
export function main<This>(method: (this: This) => unknown, context: ClassMethodDecoratorContext<This>): void;
export function main(
  fn: ((...args: never[]) => unknown) | URL | string,
  second?: MainOptions | MultiThreadMainOptions | ClassMethodDecoratorContext,
): Promise<number> | void {
  if (fn instanceof URL || typeof fn === 'string') {
    return runMultiThread(fn, validateMultiThread(fn, second as MultiThreadMainOptions | undefined));
  }
  if (typeof fn !== 'function') throw new TypeError(`main: expected a function or an entry module URL, got ${fn === null ? 'null' : typeof fn}`);
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
  await startConsole(runtime);
  let stoppedBy: keyof typeof signalNumbers | undefined;
  const stopWarnings = printWarnings(runtime);
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
    stopWarnings();
  }
  process.exitCode = code;
  return code;
}

/**
 * `Builder.console()`/`RT_CONSOLE`: serve the runtime to rt-console (`@rt/console`, an optional
 * peer dependency loaded on demand); a program without it installed runs on, with a note.
 */
async function startConsole(runtime: Runtime): Promise<void> {
  const addr = runtime.handle.config.console;
  if (addr === undefined) return;
  try {
    const { serveConsole } = await import('@rt/console');
    const server = await serveConsole(runtime.handle, { addr });
    process.stderr.write(`rt console: runtime ${JSON.stringify(runtime.handle.config.name)} served on ${server.addr} (npx rt-console ${server.addr})\n`);
  } catch (error) {
    process.stderr.write(`rt console: not serving ${addr}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** An instrumented runtime's warnings (blocking detector, lost wakes) become stderr lines while main runs. */
function printWarnings(runtime: Runtime): () => void {
  if (!runtime.handle.instrumented) return () => {};
  const listener = (message: unknown): void => {
    if (runtime.handle.warnings().includes(message as RtWarning)) process.stderr.write(`rt warning: ${(message as RtWarning).message}\n`);
  };
  diagnostics_channel.subscribe(diagnosticsChannels.warning, listener);
  return () => diagnostics_channel.unsubscribe(diagnosticsChannels.warning, listener);
}

async function loadMultiThread(): Promise<typeof import('@rt/multi-thread')> {
  try {
    return await import('@rt/multi-thread');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') throw new MultiThreadNotInstalled(error);
    throw error;
  }
}

async function runMultiThread(entry: URL | string, options: MultiThreadMainOptions): Promise<number> {
  const { Builder: Builders } = await loadMultiThread();
  const builder = Builders.multiThread();
  if (options.workerThreads !== undefined) builder.workerThreads(options.workerThreads);
  if (options.name !== undefined) builder.name(options.name);
  if (options.unhandledError !== undefined) builder.unhandledError(options.unhandledError);
  if (options.onWorkerCrash !== undefined) builder.onWorkerCrash(options.onWorkerCrash);
  if (options.shutdownTimeout !== undefined) builder.shutdownTimeout(options.shutdownTimeout);
  if (options.onError !== undefined) builder.onError(options.onError);
  const runtime: MultiThreadRuntime = builder.build();
  let stoppedBy: keyof typeof signalNumbers | undefined;
  const onSignal = (signal: keyof typeof signalNumbers): void => {
    if (stoppedBy !== undefined) process.exit(128 + signalNumbers[signal]);
    stoppedBy = signal;
    void runtime.shutdown();
  };
  const handlers = (Object.keys(signalNumbers) as Array<keyof typeof signalNumbers>).map((signal) => {
    const handler = (): void => onSignal(signal);
    if (options.handleSignals !== false) process.on(signal, handler);
    return [signal, handler] as const;
  });
  let code: number;
  try {
    await runtime.run(entry, options.exportName ?? 'main', options.args ?? []);
    code = stoppedBy === undefined ? 0 : 128 + signalNumbers[stoppedBy];
  } catch (error) {
    if (stoppedBy !== undefined && (error as { code?: unknown }).code === 'ERR_RT_SHUTDOWN') {
      code = 128 + signalNumbers[stoppedBy];
    } else {
      // A crash was already reported as it happened (stderr or onError); say how main ends.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`rt main: ${(error as { code?: unknown }).code === 'ERR_RT_WORKER_CRASHED' ? message : error instanceof Error ? (error.stack ?? message) : message}\n`);
      code = 1;
    }
  } finally {
    try {
      await runtime.shutdown();
    } finally {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    }
  }
  process.exitCode = code;
  return code;
}
