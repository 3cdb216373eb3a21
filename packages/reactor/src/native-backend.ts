import { Poll } from '@rt/mio-native';
import type { PollOptions } from '@rt/mio-native';
import type { ReactorBackend } from './backend.js';

/**
 * The real backend: one `@rt/mio-native` {@link Poll} (epoll, registered with Node's loop
 * as a single poll handle, events drained in batches of up to `batchSize`).
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** the constructor throws `NativeUnavailableError` where the addon is not
 * available (check `available` from `@rt/mio-native`, or let {@link Reactor} pick);
 * registration methods throw `OsError`.
 *
 * **Example**
 * ```ts
 * import { Reactor, NativeBackend } from '@rt/reactor';
 * const reactor = new Reactor({ backend: new NativeBackend({ batchSize: 256 }) });
 * reactor.close();
 * ```
 */
export class NativeBackend implements ReactorBackend {
  readonly name = 'epoll';
  readonly #options: PollOptions;
  #poll: Poll | null = null;
  #dispatch: ((events: Uint32Array, count: number) => void) | null = null;

  constructor(options: PollOptions = {}) {
    this.#options = options;
    // Create the poll now so an unavailable addon fails at construction, not at start.
    this.#poll = new Poll((events, count) => this.#dispatch?.(events, count), this.#options);
  }

  start(dispatch: (events: Uint32Array, count: number) => void): void {
    this.#dispatch = dispatch;
  }

  #p(): Poll {
    if (this.#poll === null) throw new Error('NativeBackend: closed');
    return this.#poll;
  }

  register(fd: number, token: number, interest: number): void {
    this.#p().register(fd, token, interest);
  }

  reregister(fd: number, token: number, interest: number): void {
    this.#p().reregister(fd, token, interest);
  }

  deregister(fd: number): void {
    this.#p().deregister(fd);
  }

  ref(): void {
    this.#poll?.ref();
  }

  unref(): void {
    this.#poll?.unref();
  }

  /**
   * Drains events now (without waiting for libuv) and dispatches them; returns the count.
   * `timeoutMs > 0` blocks the thread: tests and shutdown only. Throws what the reactor's
   * dispatch throws (after serving the whole batch, see `Reactor`).
   */
  turn(timeoutMs = 0): number {
    const poll = this.#p();
    const count = poll.wait(timeoutMs);
    if (count > 0) this.#dispatch?.(poll.events, count);
    return count;
  }

  /** The epoll fd, for diagnostics (-1 once closed). */
  get fd(): number {
    return this.#poll?.fd ?? -1;
  }

  close(): void {
    this.#poll?.close();
    this.#poll = null;
  }
}
