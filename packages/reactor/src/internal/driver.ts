import type { ReadyQueue } from '../ready-queue.js';
import type { ScheduledIo } from './scheduled-io.js';

/** What a Registration needs from its Reactor (kept internal). */
export interface Driver {
  waiterAdded(): void;
  waiterRemoved(): void;
  deregister(io: ScheduledIo): void;
  readonly readyQueue: ReadyQueue;
}
