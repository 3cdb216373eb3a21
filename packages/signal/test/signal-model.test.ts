/**
 * @jest-environment ./packages/signal/test/real-process-environment.cjs
 */
import fc from 'fast-check';
import { isCancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import type { Tracked } from '@rt/scheduler/testing';
import { signal } from '@rt/signal';

function raise(name: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    process.once(name, () => resolve());
    process.kill(process.pid, name);
  });
}

type Op =
  | { readonly type: 'deliver' }
  | { readonly type: 'recv' }
  | { readonly type: 'abort'; readonly index: number }
  | { readonly type: 'tryRecv' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ type: 'deliver' }),
  fc.constant<Op>({ type: 'recv' }),
  fc.nat({ max: 3 }).map<Op>((index) => ({ type: 'abort', index })),
  fc.constant<Op>({ type: 'tryRecv' }),
);

interface Receive {
  readonly tracked: Tracked<unknown>;
  readonly controller: AbortController;
  /** What the model expects: still waiting, received, or cancelled. */
  expected: 'waiting' | 'received' | 'cancelled';
}

describe('Signal (model)', () => {
  it('matches a model of one pending delivery and FIFO waiters under random deliveries, receives and aborts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 16 }), async (ops) => {
        using user2 = signal('user2');
        let pending = false;
        const receives: Receive[] = [];
        const waiting = (): Receive[] => receives.filter((r) => r.expected === 'waiting');
        for (const step of ops) {
          switch (step.type) {
            case 'deliver': {
              const first = waiting()[0];
              if (first !== undefined) first.expected = 'received';
              else pending = true;
              await raise('SIGUSR2');
              break;
            }
            case 'recv': {
              const controller = new AbortController();
              const r: Receive = { tracked: track(user2.recv({ signal: controller.signal })), controller, expected: 'waiting' };
              if (pending) {
                pending = false;
                r.expected = 'received';
              }
              receives.push(r);
              break;
            }
            case 'abort': {
              const target = waiting()[step.index];
              if (target !== undefined) {
                target.expected = 'cancelled';
                target.controller.abort();
              }
              break;
            }
            case 'tryRecv':
              expect(user2.tryRecv()).toBe(pending);
              pending = false;
              break;
          }
          await settle();
          for (const r of receives) {
            if (r.expected === 'waiting') expect(r.tracked.isPending()).toBe(true);
            else if (r.expected === 'received') expect(r.tracked.value).toBe('user2');
            else expect(isCancelled(r.tracked.error)).toBe(true);
          }
        }
        user2.close();
        await settle();
        for (const r of receives) if (r.expected === 'waiting') expect(r.tracked.isResolved()).toBe(true);
        expect(user2.tryRecv()).toBe(pending);
      }),
      { numRuns: 60 },
    );
  });
});
