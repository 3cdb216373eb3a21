// Review rv36 of pass rc30: a oneshot Receiver kept the value it handed out (in `slot`, for
// `giveBack`) for as long as the receiver lived, so a large value received stayed reachable through
// a receiver kept in a struct. It keeps it now only while a `timeout` around its receive can still
// give it back. Each spec fails on rc30 (the value is still reachable).
import { Builder, type Runtime } from '@rt/scheduler';
import { timeout } from '@rt/time';
import { channel, type Receiver } from '../src/oneshot.js';
import { heapAfterGc } from './support/timeout-specs.js';

type Big = { bytes: Uint8Array };
const big = (): Big => ({ bytes: new Uint8Array(1024) });

/** Receives with `how` in a task, and returns a WeakRef to the value received; the receiver is kept. */
async function receiveAndForget(runtime: Runtime, keep: Receiver<Big>[], how: (rx: Receiver<Big>, send: () => void) => Promise<Big>): Promise<WeakRef<Big>> {
  const [tx, rx] = channel<Big>();
  keep.push(rx);
  return runtime.run(async () => new WeakRef(await how(rx, () => tx.send(big()))));
}

describe('oneshot Receiver: a value received is not kept by the receiver (review rv36)', () => {
  let runtime: Runtime;
  const keep: Receiver<Big>[] = [];
  beforeEach(() => {
    runtime = Builder.currentThread().build();
  });
  afterEach(async () => {
    keep.length = 0;
    await runtime.shutdown();
  });

  const cases: [string, (rx: Receiver<Big>, send: () => void) => Promise<Big>][] = [
    ['await rx, woken by the send (the fast path)', (rx, send) => { setImmediate(send); return Promise.resolve(rx); }],
    ['recv() of a value already sent', (rx, send) => { send(); return rx.recv(); }],
    ['tryRecv()', async (rx, send) => { send(); return rx.tryRecv(); }],
    ['recv({ signal }), woken by the send (a list receive)', (rx, send) => { setImmediate(send); return rx.recv({ signal: new AbortController().signal }); }],
    ['timeout(ms, rx) the value wins', (rx, send) => { setImmediate(send); return timeout(10_000, rx); }],
    ['timeout(ms, rx) of a value already sent', (rx, send) => { send(); return timeout(10_000, rx); }],
  ];
  it.each(cases)('%s', async (_name, how) => {
    const ref = await receiveAndForget(runtime, keep, how);
    await heapAfterGc();
    expect(keep[0]!.isClosed).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });

  it('a value given back after an abort is still in the channel, and the receive that takes it then does not keep it', async () => {
    const [tx, rx] = channel<Big>();
    const controller = new AbortController();
    const outcome = await runtime.run(() => {
      const wait = timeout(10_000, rx, { signal: controller.signal }).then(() => 'value', (e: unknown) => (e as Error).name);
      tx.send(big());
      controller.abort();
      return wait;
    });
    expect(outcome).toBe('Cancelled');
    let ref: WeakRef<Big> | undefined;
    await runtime.run(async () => {
      ref = new WeakRef(await rx);
    });
    await heapAfterGc();
    expect(ref!.deref()).toBeUndefined();
  });
});
