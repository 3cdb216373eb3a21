// Review (helper rv) of the poll functions at the addon's boundary (found reviewing pass bq24's
// pollTurnIdle, which took its poll as every poll function does): the addon is where memory
// safety is decided, and its raw functions are reachable from user code (`addonPath` is public:
// `require(addonPath)`; the `Poll` class guards a closed poll in JS, the addon does not). Each
// case runs in a child process, so a crash fails the case instead of taking jest down.
import { spawnSync } from 'node:child_process';
import { addonPath, available } from '@rt/mio-native';
import { nodeCommand } from './helpers.js';

const describeNative = available && addonPath !== null ? describe : describe.skip;

function run(body: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const code = `const b = require(${JSON.stringify(addonPath)});\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(2); });`;
  // (nodeCommand: under the arm64 run the emulator starts the child; its start-up takes seconds there.)
  const [command, args] = nodeCommand(['-e', code]);
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describeNative('poll handles at the addon boundary (review)', () => {
  it("rejects another kind of native handle (a TLS context) with a TypeError instead of reading it as a poll", () => {
    const result = run(`
      if (typeof b.tlsContextCreate !== 'function') { console.log(JSON.stringify('no tls')); return; }
      const ctx = b.tlsContextCreate(0, null, null, null, 0, 0, null, 0);
      if (typeof ctx === 'string') { console.log(JSON.stringify('no tls')); return; }
      const outcome = {};
      const calls = { pollFd: () => b.pollFd(ctx), pollRef: () => b.pollRef(ctx, true), pollWait: () => b.pollWait(ctx, 0), pollCtl: () => b.pollCtl(ctx, 1, 0, 0, 1), pollClose: () => b.pollClose(ctx) };
      for (const [name, call] of Object.entries(calls)) {
        try { outcome[name] = 'returned ' + call(); } catch (e) { outcome[name] = e.name + ' ' + e.code; }
      }
      console.log(JSON.stringify(outcome));
    `);
    expect(result.signal).toBeNull(); // before the fix: SIGSEGV or garbage (the TLS context was read as a mio_poll)
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const outcome = JSON.parse(result.stdout) as string | Record<string, string>;
    const typeError = 'TypeError ERR_RT_NATIVE_ARGUMENT';
    if (outcome !== 'no tls') expect(outcome).toEqual({ pollFd: typeError, pollRef: typeError, pollWait: typeError, pollCtl: typeError, pollClose: typeError });
  });

  it('a handle whose poll was closed stays closed: it neither reads nor closes the poll made after it (its memory reused)', () => {
    const result = run(`
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const stale = b.pollCreate(new Uint32Array(512), () => {}, {});
      b.pollClose(stale);
      await turn(); await turn(); // libuv's close callback has run
      const fresh = b.pollCreate(new Uint32Array(512), () => {}, {});
      const seen = { staleFd: b.pollFd(stale) };
      b.pollClose(stale); // a second close of the old poll
      seen.freshFd = b.pollFd(fresh) >= 0;
      b.pollClose(fresh);
      console.log(JSON.stringify(seen));
    `);
    expect(result.signal).toBeNull();
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    // Before the fix the stale handle read freed memory (pollFd answered 0; in another run the fresh poll's fd,
    // the memory reused) and its second close crashed the process (SIGSEGV).
    expect(JSON.parse(result.stdout)).toEqual({ staleFd: -1, freshFd: true });
  });

  // Review rv25 (noticed): level-triggered registrations that fill every batch (possible through
  // the raw addon only: the Poll class registers edge-triggered) made the addon's libuv callback
  // deliver batches forever, and the event loop never got control back. It now delivers at most 64
  // full batches per libuv callback; the epoll fd stays readable, so the rest come next turn.
  it('level-triggered fds that fill every batch do not starve the event loop: timers and immediates still run', () => {
    const result = run(`
      const fds = [b.eventfd(), b.eventfd()];
      let batches = 0;
      const h = b.pollCreate(new Uint32Array(4), () => { batches++; }, {}); // 2 events per batch
      for (const fd of fds) { b.eventfdWrite(fd); b.pollCtl(h, 1, fd, fd, 1); } // EPOLLIN, level-triggered, never read
      b.pollRef(h, true);
      const ranImmediate = await new Promise((r) => setImmediate(() => r(true)));
      const ranTimer = await new Promise((r) => setTimeout(() => r(true), 20));
      const seen = batches;
      b.pollClose(h);
      console.log(JSON.stringify({ ranImmediate, ranTimer, batchesDelivered: seen > 64 }));
    `);
    expect(result.signal).toBeNull(); // before: killed at the timeout (the loop never returned)
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ ranImmediate: true, ranTimer: true, batchesDelivered: true });
  });
});
