import fc from 'fast-check';
import { TryRecvError, TrySendError } from '@rt/sync';
import { shared } from '@rt/multi-thread';

// The shared ring against a model queue: random trySend / tryRecv of values of random sizes
// (so records wrap around the end of the buffer and make it grow) through a small channel.
type Op = { kind: 'send'; size: number; text: boolean } | { kind: 'recv' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), size: fc.integer({ min: 0, max: 700 }), text: fc.boolean() }),
  fc.constant({ kind: 'recv' as const }),
);

describe('mpsc ring (model)', () => {
  it('trySend/tryRecv behave as a bounded FIFO queue whatever the record sizes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (capacity, ops) => {
        const [tx, rx] = shared.mpsc.channel<string | Uint8Array>(capacity, { initialBytes: 64 });
        const model: (string | Uint8Array)[] = [];
        let serial = 0;
        for (const o of ops) {
          if (o.kind === 'send') {
            serial++;
            const value = o.text ? `${serial}:${'é'.repeat(o.size)}` : new Uint8Array(o.size).fill(serial & 0xff);
            try {
              tx.trySend(value);
              model.push(value);
            } catch (error) {
              expect(error).toBeInstanceOf(TrySendError);
              expect(model.length).toBe(capacity);
            }
          } else {
            try {
              expect(rx.tryRecv()).toEqual(model.shift());
            } catch (error) {
              expect(error).toBeInstanceOf(TryRecvError);
              expect(model.length).toBe(0);
            }
          }
          expect(rx.len).toBe(model.length);
        }
        tx.close();
        while (model.length > 0) expect(rx.tryRecv()).toEqual(model.shift());
        expect(() => rx.tryRecv()).toThrow(TryRecvError);
      }),
      { numRuns: 200 },
    );
  });
});
