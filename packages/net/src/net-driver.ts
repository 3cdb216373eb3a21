import { defaultDriverName } from './internal/select-driver.js';
import type { DriverName } from './internal/driver.js';

/**
 * The driver new sockets get by default: `'native'` (the epoll addon) or `'fallback'`
 * (Node's `net`/`dgram`), after `RT_NET_DRIVER`.
 *
 * **Cancellation:** not applicable. **Errors:** `TypeError` when `RT_NET_DRIVER` is set to
 * something other than `fallback`, `native` or `auto`; `Error` when it forces `native`
 * where the addon is not available.
 *
 * **Example**
 * ```ts
 * console.log(`@rt/net driver: ${netDriver()}`);
 * ```
 */
export function netDriver(): DriverName {
  return defaultDriverName();
}
