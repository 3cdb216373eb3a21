// Poll.turnIdle (pass bq24): whether Node's event loop has nothing to run now, asked by the
// cooperative budget's forced yield. Each "false" case is one thing a macrotask turn would run;
// "true" needs a quiet loop, which a test process cannot promise at any one instant (jest's IPC, a
// timer of its own), so it is asked over fresh turns until it says yes.
import { Interest, Poll, available, sys } from '@rt/mio-native';
import { binding } from '../src/internal/binding.js';
import { socketPair } from './helpers.js';

const describeNative = available ? describe : describe.skip;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Asks `poll.turnIdle()` in up to 200 fresh turns; true once it said yes. After a check phase ran
 * ref'd immediates Node's idle handle stays started until the phase ends (so the answer is false
 * there) unless an immediate's `clearImmediate`/`unref()` brings Node's count of ref'd immediates
 * to 0 first: what rt's turn counter does in every turn with a ready operation, and this here.
 */
async function idleInSomeTurn(poll: Poll): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    await nextTurn();
    clearImmediate(setImmediate(() => {}));
    if (poll.turnIdle()) return true;
  }
  return false;
}

describeNative('Poll.turnIdle', () => {
  let poll: Poll;
  beforeEach(() => {
    poll = new Poll(() => {});
  });
  afterEach(() => {
    poll.close();
  });

  it('says true on a quiet loop, and false while a ref\'d setImmediate is pending', async () => {
    expect(await idleInSomeTurn(poll)).toBe(true);
    await nextTurn();
    clearImmediate(setImmediate(() => {}));
    const immediate = setImmediate(() => {});
    expect(poll.turnIdle()).toBe(false);
    immediate.unref(); // an unref'd immediate does not start Node's idle handle: not seen (the bound is the caller's guard)
    expect(poll.turnIdle()).toBe(true);
    clearImmediate(immediate);
  });

  it('says false once the current loop iteration is ~1 ms old (the bound on what it cannot see)', async () => {
    expect(await idleInSomeTurn(poll)).toBe(true);
    const start = process.hrtime.bigint();
    while (process.hrtime.bigint() - start < 3_000_000n); // 3 ms in the same iteration
    expect(poll.turnIdle()).toBe(false);
  });

  it("says false while an fd of its own poll is ready (an rt registration's readiness)", async () => {
    const [a, b] = socketPair();
    try {
      poll.register(a, 1, Interest.READABLE);
      expect(await idleInSomeTurn(poll)).toBe(true);
      expect(sys.write(b, Buffer.from('x'))).toBe(1);
      expect(poll.turnIdle()).toBe(false);
      poll.wait(0); // drained: the edge is consumed and its epoll fd reads quiet again
      expect(await idleInSomeTurn(poll)).toBe(true);
    } finally {
      sys.close(a);
      sys.close(b);
    }
  });

  it("says false while a socket of Node's own is readable (any fd libuv watches)", async () => {
    const { createServer, connect } = await import('node:net');
    const server = createServer();
    const accepted = new Promise<import('node:net').Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    const peer = await accepted;
    let received = 0;
    client.on('data', (chunk: Buffer) => (received += chunk.length));
    // In one fresh turn: quiet, then a write to the client over loopback (in the client's socket
    // when write() returns), then ready. Retried: a busy machine may age the iteration past the
    // bound between the two questions.
    let shown = false;
    for (let i = 0; i < 200 && !shown; i++) {
      await nextTurn();
      clearImmediate(setImmediate(() => {}));
      const before = poll.turnIdle();
      peer.write('x');
      const after = poll.turnIdle();
      shown = before && !after;
      const want = i + 1;
      while (received < want) await nextTurn();
    }
    expect(shown).toBe(true);
    client.destroy();
    peer.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('says false once closed, and checks its argument (typed errors)', () => {
    const closed = new Poll(() => {});
    closed.close();
    expect(closed.turnIdle()).toBe(false);
    const native = binding!;
    for (const bad of [undefined, null, 1, {}, Buffer.alloc(8)]) {
      expect(() => native.pollTurnIdle(bad as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_RT_NATIVE_ARGUMENT' }) as Error);
    }
    expect(() => (native.pollTurnIdle as unknown as () => number)()).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_RT_NATIVE_ARGUMENT' }) as Error);
  });
});
