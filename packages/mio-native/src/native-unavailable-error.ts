/**
 * Thrown when a function that needs the native addon is called where it could not load.
 *
 * The package itself always imports cleanly; check {@link available} first, or catch this
 * error. `cause` is the loader's error (missing `.node` file, unsupported platform).
 *
 * **Cancellation:** not applicable (thrown synchronously).
 *
 * **Errors:** `code` is always `'ERR_RT_NATIVE_UNAVAILABLE'`.
 *
 * **Example**
 * ```ts
 * import { available, Poll } from '@rt/mio-native';
 * if (available) new Poll(() => {}).close();
 * ```
 */
export class NativeUnavailableError extends Error {
  /** Always `'ERR_RT_NATIVE_UNAVAILABLE'`. */
  readonly code = 'ERR_RT_NATIVE_UNAVAILABLE';

  constructor(cause: Error | null) {
    super(`@rt/mio-native: the native addon is not available${cause ? `: ${cause.message}` : ''}`, cause ? { cause } : undefined);
    this.name = 'NativeUnavailableError';
  }
}
