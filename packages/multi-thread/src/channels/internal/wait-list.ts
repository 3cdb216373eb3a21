// A FIFO of operations parked in this thread, as an intrusive doubly linked list: O(1)
// push, shift and remove (what a cancellation needs, synchronously).
import type { Waiter } from '@rt/scheduler';

export class WaitNode<T> {
  prev: WaitNode<T> | undefined = undefined;
  next: WaitNode<T> | undefined = undefined;
  linked = false;
  waiter: Waiter<T> | undefined = undefined;
  constructor(
    /** What the operation asks for (slots, permits); the primitive's to use. */
    public need: number,
    /** What it brings (a value to send and its serialized bytes) or a flag; the primitive's to use. */
    public payload: unknown,
    public bytes: Uint8Array | undefined,
  ) {}
}

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

  drain(): WaitNode<T>[] {
    const out: WaitNode<T>[] = [];
    let node: WaitNode<T> | undefined;
    while ((node = this.shift()) !== undefined) out.push(node);
    return out;
  }
}
