// Service layers: Tower's idea as plain handler wrappers. A layer takes a handler and returns
// a handler; `compose(a, b, c)(handler)` is `a(b(c(handler)))`, so the first layer listed is
// the outermost (it sees the request first). Layers that can be "not ready" (a full
// concurrency limit, an exhausted rate) say so through `readiness`, which `loadShed()` asks
// before it calls them: Tower's poll_ready, without the polling.
import type { Semaphore } from '@rt/sync/semaphore';
import { Elapsed, Instant, sleep, timeout as rtTimeout } from '@rt/time';
import type { Handler } from './server.js';

/** A handler transformer. */
export type Layer = (handler: Handler) => Handler;

const READY = Symbol('rt.http.ready');

/**
 * @rt/sync's Semaphore module, imported when the first concurrencyLimit layer wraps a handler
 * (once per process): a server without one never loads @rt/sync (@rt/http README, "What a
 * server loads").
 */
let semaphoreModule: Promise<typeof import('@rt/sync/semaphore')> | undefined;

type WithReadiness = Handler & { [READY]?: () => boolean };

/** Whether `handler` (or the layer it is) would run a request now without waiting. */
export function readiness(handler: Handler): boolean {
  return (handler as WithReadiness)[READY]?.() ?? true;
}

function withReadiness(handler: Handler, ready: () => boolean, inner: Handler): Handler {
  (handler as WithReadiness)[READY] = () => ready() && readiness(inner);
  return handler;
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a positive number, got ${String(value)}`);
  return value;
}

/**
 * Answers 504 when the inner handler has not produced a Response within `ms` (its body may
 * still stream after that). A Response that comes later is discarded.
 *
 * **Cancellation:** the wait is an rt timeout: aborting the request task cancels it.
 *
 * **Errors:** `RangeError` for a bad `ms`; the inner handler's errors pass through.
 *
 * **Example**
 * ```ts
 * serve({ port: 8080 }, timeout(1000)(handler));
 * ```
 */
export function timeout(ms: number): Layer {
  positive(ms, 'timeout(ms)');
  return (inner) =>
    withReadiness(
      async (request, ctx) => {
        try {
          return await rtTimeout(ms, Promise.resolve(inner(request, ctx)));
        } catch (error) {
          if (error instanceof Elapsed) return new Response('Gateway Timeout\n', { status: 504 });
          throw error;
        }
      },
      () => true,
      inner,
    );
}

/**
 * Runs at most `n` requests of the inner handler at once; the others wait (FIFO) on a
 * `Semaphore`. The permit is held until the handler returns its Response.
 *
 * **Cancellation:** a request aborted while it waits takes no permit (the Semaphore's cancel safety).
 *
 * **Errors:** `RangeError` when `n` is not a positive integer.
 *
 * **Example**
 * ```ts
 * serve({ port: 8080 }, concurrencyLimit(64)(handler));
 * ```
 */
export function concurrencyLimit(n: number): Layer {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`concurrencyLimit(n): n must be a positive integer, got ${String(n)}`);
  return (inner) => {
    const loading = (semaphoreModule ??= import('@rt/sync/semaphore'));
    let semaphore: Semaphore | undefined;
    /** Requests that came before the module had loaded, on their way to `acquire` (in order). */
    let early = 0;
    return withReadiness(
      async (request, ctx) => {
        if (semaphore === undefined) {
          early++;
          try {
            const { Semaphore } = await loading;
            semaphore ??= new Semaphore(n);
          } finally {
            early--;
          }
        }
        const permit = await semaphore.acquire();
        try {
          return await inner(request, ctx);
        } finally {
          permit.release();
        }
      },
      () => (semaphore === undefined ? early < n : semaphore.availablePermits > 0),
      inner,
    );
  };
}

/**
 * Answers 503 at once instead of waiting when the layers inside it are not ready (a full
 * `concurrencyLimit`, an exhausted `rateLimit`): put it outside them.
 *
 * **Cancellation:** adds no await point.
 *
 * **Errors:** none of its own.
 *
 * **Example**
 * ```ts
 * serve({ port: 8080 }, compose(loadShed(), concurrencyLimit(64))(handler));
 * ```
 */
export function loadShed(): Layer {
  return (inner) =>
    withReadiness(
      (request, ctx) => (readiness(inner) ? inner(request, ctx) : new Response('Service Unavailable\n', { status: 503, headers: { 'retry-after': '1' } })),
      () => true,
      inner,
    );
}

/**
 * Lets `n` requests start per window of `per` ms; a request beyond that waits for the next
 * window (Tower's RateLimit). Under `loadShed()`, it is answered 503 instead.
 *
 * **Cancellation:** a request aborted while it waits does not use up the rate.
 *
 * **Errors:** `RangeError` for a bad `n` or `per`.
 *
 * **Example**
 * ```ts
 * serve({ port: 8080 }, rateLimit(100, 1000)(handler)); // 100 requests a second
 * ```
 */
export function rateLimit(n: number, per: number): Layer {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`rateLimit(n, per): n must be a positive integer, got ${String(n)}`);
  positive(per, 'rateLimit(n, per): per');
  return (inner) => {
    let windowStart = -Infinity;
    let used = 0;
    const roll = (): number => {
      const now = Instant.now().valueOf();
      if (now - windowStart >= per) {
        windowStart = now;
        used = 0;
      }
      return now;
    };
    return withReadiness(
      async (request, ctx) => {
        for (;;) {
          const now = roll();
          if (used < n) break;
          await sleep(Math.max(1, windowStart + per - now));
        }
        used++;
        return inner(request, ctx);
      },
      () => {
        roll();
        return used < n;
      },
      inner,
    );
  };
}

/**
 * Stacks layers: `compose(a, b)(handler)` is `a(b(handler))` (the first is the outermost).
 *
 * **Cancellation:** not applicable (synchronous).
 *
 * **Errors:** `TypeError` when a layer is not a function.
 *
 * **Example**
 * ```ts
 * const app = compose(loadShed(), concurrencyLimit(64), timeout(5000))(handler);
 * ```
 */
export function compose(...layers: Layer[]): Layer {
  for (const layer of layers) if (typeof layer !== 'function') throw new TypeError('compose: every layer must be a function');
  return (handler) => layers.reduceRight((inner, layer) => layer(inner), handler);
}
