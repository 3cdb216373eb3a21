// The messages of the 'rt.listen' service between a worker's SharedListener and the
// supervisor (all structured-cloneable).
import type { FdTableMemory } from './fd-table.js';

/** The service name both halves use. */
export const LISTEN_SERVICE = 'rt.listen';

/** What each worker gets as the service's `workerData`. */
export type ListenWorkerData = FdTableMemory;

/** A group (one shared listener) is named `${mode}|${address}|${n}`: every worker's n-th bind of that address. */
/** Worker → supervisor calls. */
export type ListenRequest =
  /** reusePort with port 0: who binds first, and which port the others use. */
  | { readonly op: 'port'; readonly group: string }
  /** The first worker bound (or failed to bind) a reusePort group's port 0. */
  | { readonly op: 'portBound'; readonly group: string; readonly port: number }
  | { readonly op: 'portFailed'; readonly group: string; readonly message: string; readonly code: string | undefined }
  /** Subscribe to a hand-off group (the supervisor binds its listener on first use). */
  | {
      readonly op: 'subscribe';
      readonly group: string;
      readonly host: string;
      readonly port: number;
      readonly backlog: number;
      readonly ipv6Only: boolean;
    }
  | { readonly op: 'unsubscribe'; readonly group: string };

/** Answer to `port`: the port to bind, or `null` for "you are first: bind port 0 and tell". */
export interface PortAnswer {
  readonly port: number | null;
}

/** Answer to `subscribe`: the supervisor listener's address. */
export interface SubscribeAnswer {
  readonly ip: string;
  readonly port: number;
}

/** Worker → supervisor sends: a hand-off arrived after this worker closed its share; give it to another. */
export interface BounceSend {
  readonly op: 'bounce';
  readonly group: string;
  readonly slot: number;
  readonly fd: number;
}

/** Supervisor → worker posts: a handed-off connection in fd-table slot `slot`. */
export interface HandoffPost {
  readonly op: 'fd';
  readonly group: string;
  readonly slot: number;
}
