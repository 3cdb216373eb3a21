import { Builder, coop, spawn, unconstrained } from '@rt/scheduler';
import { createServer, connect } from 'node:net';

/** An always-ready rt operation, as a primitive would write it. */
async function readyOperation(): Promise<number> {
  const y = coop();
  if (y !== undefined) await y;
  return 1;
}

describe('coop', () => {
  it('returns undefined while the budget lasts, then a promise that resolves on the next macrotask', async () => {
    let yielded = 0;
    for (let i = 0; i < 1000; i++) {
      const y = coop();
      if (y !== undefined) {
        yielded++;
        await y;
      }
    }
    expect(yielded).toBeGreaterThan(0);
    expect(yielded).toBeLessThanOrEqual(Math.ceil(1000 / 128));
  });

  it('lets a setImmediate run while a task loops on an always-ready operation', async () => {
    const runtime = Builder.currentThread().build();
    let immediateRan = false;
    let iterationsBeforeImmediate = -1;
    let iterations = 0;
    await runtime.run(async () => {
      setImmediate(() => {
        immediateRan = true;
        iterationsBeforeImmediate = iterations;
      });
      while (!immediateRan) {
        await readyOperation();
        iterations++;
      }
    });
    expect(immediateRan).toBe(true);
    expect(iterationsBeforeImmediate).toBeLessThanOrEqual(256);
    expect(runtime.metrics().forcedYields).toBeGreaterThan(0);
    await runtime.shutdown();
  });

  it('lets an I/O callback run while a task loops on an always-ready operation', async () => {
    const server = createServer((socket) => socket.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const runtime = Builder.currentThread().build();
    let received = '';
    await runtime.run(async () => {
      const client = connect(port, '127.0.0.1');
      client.setEncoding('utf8');
      client.on('data', (chunk: string) => (received += chunk));
      const closed = new Promise((resolve) => client.on('close', resolve));
      let ended = false;
      void closed.then(() => (ended = true));
      while (!ended) await readyOperation();
    });
    expect(received).toBe('hello');
    await new Promise((resolve) => server.close(resolve));
    await runtime.shutdown();
  });

  it('never forces a yield inside unconstrained()', async () => {
    const handle = spawn(() =>
      unconstrained(() => {
        let yields = 0;
        for (let i = 0; i < 1000; i++) if (coop() !== undefined) yields++;
        return yields;
      }),
    );
    expect(await handle).toBe(0);
  });

  it('rejects a non-function given to unconstrained', () => {
    expect(() => unconstrained(42 as never)).toThrow(TypeError);
  });
});
