/**
 * `select`: wait on several operations, take the first to finish, cancel the rest.
 *
 * How and why: every branch is a thunk that receives its own `AbortSignal`. `select`
 * starts the enabled branches (in a random rotation unless `biased`, as Tokio does, so a
 * branch that is always ready cannot starve the others), parks itself with the scheduler's
 * waiter contract, and is woken by the first branch to settle. It then aborts every other
 * branch *before* it returns, so a loser that was waiting in an rt primitive (a `recv`, a
 * `lock`, a `sleep`) leaves that primitive's queue at once and, because those primitives
 * are cancel-safe, loses nothing. A loser that had *already completed* in the same turn
 * (its value was on its way to `select` when the winner was chosen) is not dropped either:
 * its value goes to `options.onLost(branch, value)`, or, without `onLost`, is reported as a
 * process warning (`RT_SELECT_LOST_VALUE`), so nothing disappears silently.
 */
import { park, RtError, type WaitOptions } from '@rt/scheduler';

/** One branch: a thunk, or a thunk with a precondition (`if: false` disables it). */
export type Branch<T> =
  | ((signal: AbortSignal) => PromiseLike<T> | T)
  | { readonly if: boolean; readonly run: (signal: AbortSignal) => PromiseLike<T> | T };

/** The branches of a `select`, by name. */
export type Branches = Record<string, Branch<unknown>>;

/** The value a branch resolves to. */
export type BranchValue<B> = B extends (signal: AbortSignal) => infer R
  ? Awaited<R>
  : B extends { readonly run: (signal: AbortSignal) => infer R }
    ? Awaited<R>
    : never;

/** `{ branch, value }` for the branch that won: a union discriminated on `branch`. */
export type SelectResult<B extends Branches, E = never> =
  | { [K in keyof B & string]: { readonly branch: K; readonly value: BranchValue<B[K]> } }[keyof B & string]
  | ([E] extends [never] ? never : { readonly branch: 'else'; readonly value: E });

/** Options of {@link select}. */
export interface SelectOptions<E> extends WaitOptions {
  /** Poll branches in the order given instead of a random rotation. */
  readonly biased?: boolean;
  /** Runs, and its result is returned as branch `'else'`, when every branch is disabled. */
  readonly else?: () => E;
  /** Receives the value of a branch that completed but lost the race in the same turn. */
  readonly onLost?: (branch: string, value: unknown) => void;
}

/** Thrown by {@link select} when every branch is disabled and there is no `else`. */
export class SelectError extends RtError {
  override readonly name = 'SelectError';
  constructor(message: string) {
    super('ERR_RT_SELECT_ALL_DISABLED', message);
  }
}

type Outcome = { readonly index: number; readonly ok: boolean; readonly value: unknown };

/**
 * Waits on several branches at once and returns the first to complete, aborting the others.
 *
 * The first branch to settle wins: if it fulfilled, `select` resolves with
 * `{ branch, value }`; if it rejected, `select` rejects with that error. Either way every
 * other branch's signal is aborted before `select` settles.
 *
 * **Cancellation:** Aborting `options.signal` (or the current task) aborts every branch
 * and rejects with `Cancelled`; each branch is then as cancel-safe as the operation it
 * runs (`recv` loses no message, `lock` leaks no lock).
 *
 * **Errors:** `TypeError` for a branch that is not a function or `{ if, run }`;
 * {@link SelectError} when every branch is disabled and no `else` is given; the winner's
 * rejection; `Cancelled`.
 *
 * **Example**
 * ```ts
 * const out = await select({
 *   msg: (signal) => rx.recv({ signal }),
 *   tick: (signal) => sleep(100, { signal }),
 * });
 * if (out.branch === 'msg') console.log(out.value);
 * ```
 */
export async function select<B extends Branches, E = never>(
  branches: B,
  options: SelectOptions<E> = {},
): Promise<SelectResult<B, E>> {
  if (branches === null || typeof branches !== 'object') {
    throw new TypeError(`select: branches must be an object of thunks, got ${branches === null ? 'null' : typeof branches}`);
  }
  const names = Object.keys(branches);
  const enabled: Array<{ name: string; run: (signal: AbortSignal) => unknown }> = [];
  for (const name of names) {
    const branch = branches[name] as unknown;
    if (typeof branch === 'function') {
      enabled.push({ name, run: branch as (signal: AbortSignal) => unknown });
    } else if (branch !== null && typeof branch === 'object' && typeof (branch as { run?: unknown }).run === 'function') {
      const { if: condition, run } = branch as { if: unknown; run: (signal: AbortSignal) => unknown };
      if (typeof condition !== 'boolean') throw new TypeError(`select: branch '${name}': 'if' must be a boolean, got ${typeof condition}`);
      if (condition) enabled.push({ name, run });
    } else {
      throw new TypeError(`select: branch '${name}' must be a function (signal) => promise or { if, run }`);
    }
  }
  if (enabled.length === 0) {
    if (options.else) return { branch: 'else', value: options.else() } as SelectResult<B, E>;
    throw new SelectError(`select: all ${names.length} branches are disabled and there is no else branch`);
  }

  const controllers = enabled.map(() => new AbortController());
  let decided = false;
  const abortAll = (except: number, reason: unknown): void => {
    controllers.forEach((controller, i) => {
      if (i !== except) controller.abort(reason);
    });
  };
  const { waiter, promise } = park<Outcome>('select', () => {
    decided = true;
    abortAll(-1, options.signal?.reason);
  }, options);

  const start = options.biased ? 0 : Math.floor(Math.random() * enabled.length);
  for (let k = 0; k < enabled.length; k++) {
    const index = (start + k) % enabled.length;
    const branch = enabled[index]!;
    const controller = controllers[index]!;
    const settle = (ok: boolean, value: unknown): void => {
      if (!decided) {
        decided = true;
        waiter.wake({ index, ok, value });
      } else if (ok && controller.signal.aborted && !isOwnAbort(value)) {
        // Completed, but another branch had already won: hand the value back.
        reportLost(options, branch.name, value);
      }
    };
    let result: unknown;
    try {
      result = branch.run(controller.signal);
    } catch (error) {
      settle(false, error);
      continue;
    }
    Promise.resolve(result).then(
      (value) => settle(true, value),
      (error: unknown) => settle(false, error),
    );
    if (decided) break; // a branch threw synchronously: start no more
  }

  const outcome = await promise;
  abortAll(outcome.index, new SelectLost());
  if (!outcome.ok) throw outcome.value;
  return { branch: enabled[outcome.index]!.name, value: outcome.value } as SelectResult<B, E>;
}

/** The abort reason given to losing branches. */
class SelectLost extends Error {
  override readonly name = 'SelectLost';
  constructor() {
    super('select: another branch completed first');
  }
}

function isOwnAbort(value: unknown): boolean {
  return value instanceof SelectLost;
}

function reportLost(options: SelectOptions<unknown>, branch: string, value: unknown): void {
  if (options.onLost) {
    options.onLost(branch, value);
    return;
  }
  process.emitWarning(`select: branch '${branch}' completed after another branch won; its value was not consumed`, {
    code: 'RT_SELECT_LOST_VALUE',
  });
}
