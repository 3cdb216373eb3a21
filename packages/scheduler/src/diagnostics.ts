/**
 * The names of rt's `node:diagnostics_channel` channels (documented with their message
 * shapes in this package's README, "Observability"). Subscribing costs the publisher a message
 * object per event; with no subscriber rt only checks `hasSubscribers`.
 *
 * - `taskSpawn` `rt:task:spawn`: `{ id, name, kind, runtime, location }`
 * - `taskFinish` `rt:task:finish`: `{ id, name, kind, runtime, outcome: 'ok' | 'panic' | 'cancelled' }`
 * - `taskPark` `rt:task:park`: `{ id, name, label }` (the primitive's label, e.g. `'Mutex.lock'`).
 *   Published inside the primitive's park: a subscriber that aborts the task (a watchdog on a
 *   label) gets the cancel flag set at once and the parked operations cancelled on a microtask,
 *   once the park is complete.
 * - `taskWake` `rt:task:wake`: `{ id, name, label, wakerId }`
 * - `warning` `rt:warning`: an `RtWarning`
 * - `blocking` (TracingChannel) `rt:blocking`: `{ id, name, module, exportName, spawnerId, result?, error? }`
 * - `netAccept` (TracingChannel, published by `@rt/net`) `rt:net:accept`: `{ id, name, local, result?, error? }` (`result`: the `TcpStream`)
 * - `netConnect` (TracingChannel, published by `@rt/net`) `rt:net:connect`: `{ id, name, host, port, result?, error? }`
 *
 * **Cancellation:** not applicable.
 *
 * **Errors:** none.
 *
 * **Example**
 * ```ts
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.subscribe(diagnosticsChannels.taskSpawn, (m) => console.log('spawned', m));
 * ```
 */
export const diagnosticsChannels = Object.freeze({
  taskSpawn: 'rt:task:spawn',
  taskFinish: 'rt:task:finish',
  taskPark: 'rt:task:park',
  taskWake: 'rt:task:wake',
  warning: 'rt:warning',
  blocking: 'rt:blocking',
  netAccept: 'rt:net:accept',
  netConnect: 'rt:net:connect',
} as const);
