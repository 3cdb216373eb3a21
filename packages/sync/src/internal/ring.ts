// A growable ring buffer (power-of-two capacity): O(1) push and shift, no Array.shift.
// Slots are cleared when taken, so a consumed value is never kept alive by the buffer.

export class Ring<T> {
  private slots: (T | undefined)[];
  private mask: number;
  private head = 0;
  length = 0;
  /** Values shifted so far, wrapping at 2^31 (a receiver compares two readings). */
  shifts = 0;

  constructor(initialCapacity = 16) {
    let capacity = 16;
    while (capacity < initialCapacity && capacity < 1 << 16) capacity <<= 1;
    this.slots = new Array<T | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
  }

  push(value: T): void {
    if (this.length > this.mask) this.grow();
    this.slots[(this.head + this.length) & this.mask] = value;
    this.length++;
  }

  /** Takes the oldest value; the caller checks `length > 0` first. */
  shift(): T {
    const value = this.slots[this.head] as T;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    this.shifts = (this.shifts + 1) | 0;
    return value;
  }

  private grow(): void {
    const old = this.slots;
    const capacity = old.length * 2;
    const slots = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.length; i++) slots[i] = old[(this.head + i) & this.mask];
    this.slots = slots;
    this.head = 0;
    this.mask = capacity - 1;
  }
}
