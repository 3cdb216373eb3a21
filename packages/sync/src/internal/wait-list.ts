// A FIFO of parked operations, as an intrusive doubly linked list.
//
// How and why: every primitive keeps its waiters here. `push` and `shift` are O(1), and so
// is `remove`, which is what a cancellation needs: `park`'s `onCancel` runs synchronously
// and must take the cancelled waiter out of the queue before anything else can hand it a
// value or a permit. A node is allocated once per wait (never on a fast path) and carries
// what the waiter asked for (`need`) and what it brings (`payload`, e.g. the value of a
// `send` that waits for capacity), so a hand-off can complete the whole operation while the
// waker still holds the state: the woken operation has nothing left to do but return.
import type { Waiter } from '@rt/scheduler';

/** One parked operation. `need` and `payload` are the primitive's to use. */
export class WaitNode<T> {
  prev: WaitNode<T> | undefined = undefined;
  next: WaitNode<T> | undefined = undefined;
  linked = false;
  waiter: Waiter<T> | undefined = undefined;
  /** What a semaphore hands a woken acquirer: `make(payload, need)` (a guard, a permit). */
  make: ((payload: unknown, need: number) => unknown) | undefined = undefined;
  constructor(
    public need: number,
    public payload: unknown,
    public hasPayload: boolean,
  ) {}
}

/** Intrusive FIFO list of wait nodes. */
export class WaitList<T> {
  head: WaitNode<T> | undefined = undefined;
  tail: WaitNode<T> | undefined = undefined;
  length = 0;

  push(node: WaitNode<T>): void {
    node.prev = this.tail;
    node.next = undefined;
    if (this.tail === undefined) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    node.linked = true;
    this.length++;
  }

  shift(): WaitNode<T> | undefined {
    const node = this.head;
    if (node !== undefined) this.remove(node);
    return node;
  }

  pop(): WaitNode<T> | undefined {
    const node = this.tail;
    if (node !== undefined) this.remove(node);
    return node;
  }

  /** Unlinks `node`; does nothing if it is not linked. */
  remove(node: WaitNode<T>): void {
    if (!node.linked) return;
    if (node.prev === undefined) this.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) this.tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = node.next = undefined;
    node.linked = false;
    this.length--;
  }

  /** Empties the list and returns its former nodes in order (for close/notify-all). */
  drain(): WaitNode<T>[] {
    const out: WaitNode<T>[] = [];
    let node = this.head;
    while (node !== undefined) {
      const next = node.next;
      node.prev = node.next = undefined;
      node.linked = false;
      out.push(node);
      node = next;
    }
    this.head = this.tail = undefined;
    this.length = 0;
    return out;
  }
}
