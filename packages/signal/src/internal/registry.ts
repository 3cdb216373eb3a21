// The process-wide registry behind every `Signal`: one Node listener per signal, shared by
// every rt stream of that kind, and one keep-alive timer shared by every parked `recv`.
//
// How and why:
// - Signals belong to the process, not to a runtime, so the registry is module state (Tokio
//   keeps a global registry too). The first stream of a kind adds one `process.on(name)`
//   listener, which replaces the signal's default action (terminate, for most); the last
//   stream of the kind to close removes it, so the default action is back (Node restores it
//   when a signal has no listener left, unless code outside rt still listens).
// - A delivery calls `deliver()` on each stream of the kind, in creation order; each stream
//   wakes one parked `recv` or remembers one pending delivery (coalesced, not counted).
// - Node's signal handles do not keep the event loop alive, which is what we want for a
//   stream nobody awaits. A parked `recv` must keep it alive (`await ctrlC()` in a script
//   has to wait for the signal), so while at least one `recv` is parked, one referenced
//   timer that never fires exists; it is cleared when the last parked `recv` settles.
//   Cost: a timer per transition from 0 to 1 parked receive, nothing per delivery.

/** A stream subscribed to one signal. */
export interface Subscriber {
  deliver(): void;
}

interface Entry {
  readonly subscribers: Set<Subscriber>;
  readonly handler: () => void;
}

const entries = new Map<NodeJS.Signals, Entry>();

/** Subscribes `subscriber` to `name`, adding rt's process listener if it is the first. */
export function subscribe(name: NodeJS.Signals, subscriber: Subscriber): void {
  let entry = entries.get(name);
  if (entry === undefined) {
    const subscribers = new Set<Subscriber>();
    const handler = (): void => {
      for (const s of subscribers) s.deliver();
    };
    entry = { subscribers, handler };
    entries.set(name, entry);
    process.on(name, handler);
  }
  entry.subscribers.add(subscriber);
}

/** Unsubscribes; removing the last subscriber of `name` removes rt's process listener. */
export function unsubscribe(name: NodeJS.Signals, subscriber: Subscriber): void {
  const entry = entries.get(name);
  if (entry === undefined || !entry.subscribers.delete(subscriber)) return;
  if (entry.subscribers.size === 0) {
    entries.delete(name);
    process.removeListener(name, entry.handler);
  }
}

// The longest delay Node accepts; the timer exists only to be referenced, it never fires
// in practice (and firing would be harmless: it is an interval doing nothing).
const FOREVER_MS = 2 ** 31 - 1;
let parked = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

function noop(): void {}

/** A `recv` parked: keep the process alive while any is. */
export function parkedAdd(): void {
  if (parked++ === 0) keepAlive = setInterval(noop, FOREVER_MS);
}

/** A parked `recv` settled (woken, cancelled or closed). */
export function parkedRemove(): void {
  if (--parked === 0 && keepAlive !== undefined) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}
