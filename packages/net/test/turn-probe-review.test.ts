// Review (helper rv) of the cooperative budget's turn probe (pass bq24): a forced yield skips the
// macrotask turn when `Poll.turnIdle` says Node's event loop has nothing to run now. The rule it
// must keep: "the cooperative budget still stops a hot loop from starving I/O". Each case runs a
// task that loops forever on an always-ready rt operation and checks that one kind of Node work
// still runs while it loops (bound: 2 s, loopback only; no assertion on speed). Each case also
// checks that the probe really said "idle" during the loop, so a pass is not vacuous.
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { spawnSync } from 'node:child_process';
import { coop, spawn } from '@rt/scheduler';
import { installedTurnProbe, setTurnProbe } from '@rt/scheduler/primitives';
import { mpsc } from '@rt/sync';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NativeBackend } from '@rt/reactor';
import { available } from '@rt/mio-native';
import { netDriver } from '@rt/net';
import { tcpPair } from './support/drivers.js';

const native = available && netDriver() === 'native';
const describeNative = native ? describe : describe.skip;
const LIMIT_MS = 2000;

/** Counts the probe's answers while `fn` runs (the backend's probe, wrapped; restored after). */
async function countingProbe<R>(fn: (counts: { idle: number; busy: number }) => Promise<R>): Promise<{ result: R; idle: number; busy: number }> {
  const inner = installedTurnProbe();
  if (inner === undefined) throw new Error('no turn probe installed');
  const counts = { idle: 0, busy: 0 };
  setTurnProbe(() => {
    const answer = inner();
    if (answer) counts.idle++;
    else counts.busy++;
    return answer;
  });
  try {
    return { result: await fn(counts), ...counts };
  } finally {
    setTurnProbe(inner);
  }
}

type Op = () => Promise<unknown> | undefined;

/** The always-ready operations a hot loop may spin on (each made once per test). */
const hotOps: Record<string, () => Promise<{ op: Op; close(): void }>> = {
  'coop()': async () => ({ op: () => coop(), close() {} }),
  'a full mpsc (trySend + recv)': async () => {
    const [tx, rx] = mpsc.channel<number>(4);
    for (let i = 0; i < 4; i++) tx.trySend(i);
    return {
      op: () => rx.recv().then((v) => tx.trySend(v!)),
      close() {},
    };
  },
  'TcpStream.read of a stream with data pending': async () => {
    const [client, server, listener] = await tcpPair('native');
    await client.writeAll(new Uint8Array(1 << 20));
    const one = new Uint8Array(1);
    // Wait until some data is there, so every read below finds it ready.
    expect(await server.read(one)).toBe(1);
    return {
      op: () => server.read(one),
      close() {
        client.close();
        server.close();
        listener.close();
      },
    };
  },
};

/**
 * Runs `op` in a spawned task until `seen()` (or LIMIT_MS); `start()` is called once the loop is
 * hot: after 1,000 operations and, when `armWhen` is given, once it says so too (up to 100,000).
 */
async function hotLoop(op: Op, start: () => void, seen: () => boolean, armWhen: () => boolean = () => true): Promise<{ seen: boolean; ops: number }> {
  return spawn(async () => {
    const t0 = Date.now();
    let ops = 0;
    let armed = false;
    while (!seen() && Date.now() - t0 < LIMIT_MS) {
      const y = op();
      if (y !== undefined) await y;
      ops++;
      if (!armed && ops >= 1000 && (armWhen() || ops >= 100_000)) {
        armed = true;
        start();
      }
    }
    return { seen: seen(), ops };
  });
}

describeNative('turn probe review: a hot loop on a ready rt operation still lets Node work run', () => {
  let backend: NativeBackend;
  beforeAll(() => {
    backend = new NativeBackend(); // installs the probe (as any runtime using the reactor does)
  });
  afterAll(() => {
    backend.close();
  });

  /** Each kind of Node work: `arm(done)` starts it after the loop is hot, done() when it ran. */
  const targets: Record<string, (done: () => void) => Promise<{ arm(): void; close(): void }>> = {
    "a ref'd setImmediate": async (done) => ({ arm: () => void setImmediate(done), close() {} }),
    "an unref'd setImmediate": async (done) => ({ arm: () => void setImmediate(done).unref(), close() {} }),
    'a due setTimeout': async (done) => ({ arm: () => void setTimeout(done, 1), close() {} }),
    "an unref'd setTimeout": async (done) => ({ arm: () => void setTimeout(done, 1).unref(), close() {} }),
    'a setInterval (3 runs)': async (done) => {
      let n = 0;
      let interval: NodeJS.Timeout | undefined;
      return {
        arm: () => {
          interval = setInterval(() => {
            if (++n === 3) done();
          }, 1);
        },
        close: () => clearInterval(interval),
      };
    },
    'process.nextTick': async (done) => ({ arm: () => process.nextTick(done), close() {} }),
    "a net socket's data": async (done) => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
      const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      await new Promise((resolve) => client.once('connect', resolve));
      const peer = await accepted;
      client.on('data', done);
      return {
        arm: () => void peer.write('x'),
        close() {
          client.destroy();
          peer.destroy();
          server.close();
        },
      };
    },
    'an rt TcpStream read on another task': async (done) => {
      const [client, server, listener] = await tcpPair('native');
      const reader = spawn(async () => {
        const buf = new Uint8Array(8);
        if ((await server.read(buf)) > 0) done();
      });
      await new Promise((resolve) => setImmediate(resolve)); // the reader parks
      return {
        arm: () => void client.writeAll(new Uint8Array([1])),
        close() {
          reader.abort();
          client.close();
          server.close();
          listener.close();
        },
      };
    },
    "a worker's postMessage": async (done) => {
      const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))", { eval: true });
      worker.on('message', done);
      await new Promise((resolve) => worker.once('online', resolve));
      return { arm: () => worker.postMessage(1), close: () => void worker.terminate() };
    },
    'an fs callback (thread pool)': async (done) => ({ arm: () => fs.stat(__filename, done), close() {} }),
  };

  for (const [opName, makeOp] of Object.entries(hotOps)) {
    for (const [targetName, makeTarget] of Object.entries(targets)) {
      it(`${opName} in a hot loop: ${targetName} still runs`, async () => {
        const { op, close: closeOp } = await makeOp();
        let ran = false;
        const target = await makeTarget(() => {
          ran = true;
        });
        try {
          let idleBeforeArm = 0;
          const { result } = await countingProbe((counts) =>
            hotLoop(
              op,
              () => {
                idleBeforeArm = counts.idle;
                target.arm();
              },
              () => ran,
              () => counts.idle > 0,
            ),
          );
          expect(result.seen).toBe(true);
          // The probe said idle before the target was armed (the loop was skipping turns), or the
          // case proves nothing. Only for coop(): a ready TcpStream keeps its own fd ready, and so
          // the probe busy; the mpsc case depends on the machine's timing.
          if (opName === 'coop()') expect(idleBeforeArm).toBeGreaterThan(0);
        } finally {
          target.close();
          closeOp();
        }
      });
    }
  }
});

describeNative('turn probe review: worker threads', () => {
  it('a worker thread with its own runtime and loop: its hot loop on coop() still receives the parent\'s message, and the parent\'s probe is untouched', async () => {
    const url = (pkg: string): string => pathToFileURL(path.resolve(__dirname, `../../${pkg}/dist/index.js`)).href;
    const before = installedTurnProbe();
    const worker = new Worker(
      `
      const { parentPort } = require('node:worker_threads');
      (async () => {
        const { NativeBackend } = await import(${JSON.stringify(url('reactor'))});
        const { coop, spawn } = await import(${JSON.stringify(url('scheduler'))});
        const { installedTurnProbe } = await import(${JSON.stringify(url('scheduler').replace('index.js', 'primitives.js'))});
        const backend = new NativeBackend();
        let got = false;
        let idle = 0;
        const inner = installedTurnProbe();
        parentPort.once('message', () => { got = true; });
        const result = await spawn(async () => {
          const t0 = Date.now();
          let ops = 0;
          while (!got && Date.now() - t0 < ${LIMIT_MS}) {
            const y = coop(); if (y !== undefined) await y;
            if (++ops === 1000) parentPort.postMessage('hot');
          }
          return { got, ops, probe: typeof inner };
        });
        backend.close();
        parentPort.postMessage(result);
      })();
      `,
      { eval: true },
    );
    try {
      const messages: unknown[] = [];
      const result = await new Promise<{ got: boolean; probe: string }>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('message', (m: unknown) => {
          messages.push(m);
          if (m === 'hot') worker.postMessage('go');
          else resolve(m as { got: boolean; probe: string });
        });
      });
      expect(result.probe).toBe('function');
      expect(result.got).toBe(true);
      expect(installedTurnProbe()).toBe(before);
    } finally {
      await worker.terminate();
    }
  });
});

describeNative('turn probe review: in a child process', () => {
  const run = (code: string): { status: number | null; stdout: string; stderr: string } => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: __dirname, encoding: 'utf8', timeout: 10_000 });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('an unhandled rejection is still reported while a task hot-loops on coop()', () => {
    const { status, stdout, stderr } = run(`
      import { NativeBackend } from '@rt/reactor';
      import { coop, spawn } from '@rt/scheduler';
      const backend = new NativeBackend();
      let reported = false;
      process.on('unhandledRejection', () => { reported = true; });
      await spawn(async () => {
        const t0 = Date.now();
        let ops = 0;
        while (!reported && Date.now() - t0 < ${LIMIT_MS}) {
          const y = coop(); if (y !== undefined) await y;
          if (++ops === 1000) Promise.reject(new Error('unhandled'));
        }
      });
      console.log(JSON.stringify({ reported }));
      backend.close();
    `);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ reported: true });
  });

  it('a signal handler (SIGUSR2) still runs while a task hot-loops on coop() (jest\'s process object does not wire signals: a child)', () => {
    const { status, stdout, stderr } = run(`
      import { NativeBackend } from '@rt/reactor';
      import { coop, spawn } from '@rt/scheduler';
      const backend = new NativeBackend();
      let signalled = false;
      process.on('SIGUSR2', () => { signalled = true; });
      await spawn(async () => {
        const t0 = Date.now();
        let ops = 0;
        while (!signalled && Date.now() - t0 < ${LIMIT_MS}) {
          const y = coop(); if (y !== undefined) await y;
          if (++ops === 1000) process.kill(process.pid, 'SIGUSR2');
        }
      });
      console.log(JSON.stringify({ signalled }));
      backend.close();
    `);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ signalled: true });
  });

  it('the probe is installed while a native backend is open, answered by an open poll, and removed when the last one closes or its runtime shuts down', () => {
    const { status, stdout, stderr } = run(`
      import { NativeBackend } from '@rt/reactor';
      import { Builder } from '@rt/scheduler';
      import { installedTurnProbe } from '@rt/scheduler/primitives';
      import { TcpListener, TcpStream } from '@rt/net';
      const seen = [];
      seen.push(installedTurnProbe() === undefined);
      const a = new NativeBackend();
      const probe = installedTurnProbe();
      seen.push(typeof probe === 'function');
      const b = new NativeBackend();
      seen.push(installedTurnProbe() === probe);
      a.close();
      seen.push(installedTurnProbe() === probe, typeof probe() === 'boolean');
      b.close();
      seen.push(installedTurnProbe() === undefined, probe() === false);
      b.close();
      seen.push(installedTurnProbe() === undefined);
      const rt = new Builder().build();
      await rt.spawn(async () => {
        const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 }, { driver: 'native' });
        const accepting = listener.accept();
        const client = await TcpStream.connect(listener.localAddr(), { driver: 'native' });
        const server = await accepting;
        seen.push(installedTurnProbe() !== undefined);
        client.close(); server.close(); listener.close();
      });
      await rt.shutdown();
      seen.push(installedTurnProbe() === undefined);
      console.log(JSON.stringify(seen));
    `);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual([true, true, true, true, true, true, true, true, true, true]);
  });

  it("an unref'd setImmediate and an unhandled rejection still run while a hot loop on coop() refreshes a timer per operation (which moves libuv's loop time, the probe's age bound)", () => {
    const { status, stdout, stderr } = run(`
      import { NativeBackend } from '@rt/reactor';
      import { coop, spawn } from '@rt/scheduler';
      const backend = new NativeBackend();
      const keep = setTimeout(() => {}, 1_000_000);
      keep.unref();
      let immediate = -1;
      let reported = -1;
      let ops = 0;
      process.on('unhandledRejection', () => { reported = ops; });
      await spawn(async () => {
        const t0 = Date.now();
        while ((immediate < 0 || reported < 0) && Date.now() - t0 < ${LIMIT_MS}) {
          const y = coop(); if (y !== undefined) await y;
          keep.refresh();
          if (++ops === 1000) {
            setImmediate(() => { immediate = ops; }).unref();
            Promise.reject(new Error('unhandled'));
          }
        }
      });
      console.log(JSON.stringify({ immediate: immediate > 0, reported: reported > 0 }));
      clearTimeout(keep);
      backend.close();
    `);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ immediate: true, reported: true });
  });

  it("turnIdle leaves the poll's ref as it found it: an unref'd poll still lets the process exit", () => {
    const { status, stdout } = run(`
      import { Poll } from '@rt/mio-native';
      const poll = new Poll(() => {});
      poll.ref();
      poll.unref();
      let idle = 0;
      for (let i = 0; i < 1000; i++) if (poll.turnIdle()) idle++;
      console.log('asked');
    `);
    expect(stdout.trim()).toBe('asked');
    expect(status).toBe(0); // exits: the probe's uv_ref/uv_unref pair left the handle unref'd
  });
});
