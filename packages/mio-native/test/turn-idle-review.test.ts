// Review (helper rv) of pollTurnIdle (pass bq24) at the addon's boundary: the addon is where
// memory safety is decided, and its raw functions are reachable from user code (`addonPath` is
// public: `require(addonPath)`). Each case runs in a child process, so a crash fails the case
// instead of taking jest down.
import { spawnSync } from 'node:child_process';
import { Poll, addonPath, available } from '@rt/mio-native';

const describeNative = available && addonPath !== null ? describe : describe.skip;

function run(body: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const code = `const b = require(${JSON.stringify(addonPath)});\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(2); });`;
  const result = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', timeout: 10_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describeNative('pollTurnIdle at the addon boundary (review)', () => {
  it("rejects another kind of native handle (a TLS context) with a TypeError instead of reading it as a poll", () => {
    const result = run(`
      if (typeof b.tlsContextCreate !== 'function') { console.log(JSON.stringify('no tls')); return; }
      const ctx = b.tlsContextCreate(0, null, null, null, 0, 0, null, 0);
      if (typeof ctx === 'string') { console.log(JSON.stringify('no tls')); return; }
      let outcome;
      try { outcome = 'returned ' + b.pollTurnIdle(ctx); } catch (e) { outcome = e.name + ' ' + e.code; }
      console.log(JSON.stringify(outcome));
    `);
    expect(result.signal).toBeNull(); // today: SIGSEGV (the TLS context is read as a mio_poll)
    expect(result.status).toBe(0);
    const outcome = JSON.parse(result.stdout) as string;
    if (outcome !== 'no tls') expect(outcome).toBe('TypeError ERR_RT_NATIVE_ARGUMENT');
  });

  it('a handle whose poll was closed stays closed: it neither reads nor closes the poll made after it (its memory reused)', () => {
    const result = run(`
      const turn = () => new Promise((resolve) => setImmediate(resolve));
      const stale = b.pollCreate(new Uint32Array(512), () => {}, {});
      b.pollClose(stale);
      await turn(); await turn(); // libuv's close callback has run
      const fresh = b.pollCreate(new Uint32Array(512), () => {}, {});
      const seen = { staleFd: b.pollFd(stale), staleTurnIdle: b.pollTurnIdle(stale) };
      b.pollClose(stale); // a second close of the old poll
      seen.freshFd = b.pollFd(fresh) >= 0;
      b.pollClose(fresh);
      console.log(JSON.stringify(seen));
    `);
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    // Today: staleFd is the fresh poll's fd and the second close closes the fresh poll (freshFd false).
    expect(JSON.parse(result.stdout)).toEqual({ staleFd: -1, staleTurnIdle: 0, freshFd: true });
  });

  it("leaves the poll's ref count as it found it, whatever pollRef did before (ref'd, unref'd, ref'd twice)", () => {
    // An unref'd poll lets the process exit; a ref'd one keeps it alive until unref'd.
    const exits = run(`
      const p = b.pollCreate(new Uint32Array(8), () => {}, {});
      b.pollRef(p, true); b.pollRef(p, true); b.pollRef(p, false);
      for (let i = 0; i < 1000; i++) b.pollTurnIdle(p);
      console.log(JSON.stringify('asked'));
    `);
    expect(exits.status).toBe(0);
    expect(JSON.parse(exits.stdout)).toBe('asked');
    const stays = run(`
      const p = b.pollCreate(new Uint32Array(8), () => {}, {});
      b.pollRef(p, true);
      for (let i = 0; i < 1000; i++) b.pollTurnIdle(p);
      let alive = 0;
      const t = setTimeout(() => {}, 0); clearTimeout(t);
      // Still ref'd after the questions: the loop stays alive for the unref below.
      setTimeout(() => { alive = 1; console.log(JSON.stringify(alive)); b.pollRef(p, false); b.pollClose(p); }, 50).unref();
    `);
    expect(stays.status).toBe(0);
    expect(JSON.parse(stays.stdout)).toBe(1);
  });
});

describeNative('pollTurnIdle: the iteration-age bound (review)', () => {
  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  // The bound on what the probe cannot see (an unref'd setImmediate, Node's unhandled-rejection
  // processing, which runs only once the nextTick queue is empty) is "the current loop iteration
  // started under ~2 ms ago", read as libuv's uv_now. But Node moves uv_now (uv_update_time)
  // whenever JS arms or refreshes a timer (setTimeout, setInterval, timeout.refresh(), a net
  // socket's idle timeout): a hot loop that does so resets the bound, and the probe says idle
  // however old the iteration is. Measured (Node 20 and 24): asked 4 ms into an iteration right
  // after a clearTimeout(setTimeout(...)), 192 of 200 answers were "idle"; a hot loop on coop()
  // refreshing one timer per operation left an unref'd setImmediate and an unhandled-rejection
  // report waiting 26-70 ms instead of the documented ~1-3 ms.
  it('says false in an iteration 4 ms old even right after JS armed or refreshed a timer', async () => {
    const poll = new Poll(() => {});
    const keep = setTimeout(() => {}, 1_000_000);
    keep.unref();
    let idle = 0;
    try {
      for (let i = 0; i < 50; i++) {
        await nextTurn();
        clearImmediate(setImmediate(() => {}));
        const start = process.hrtime.bigint();
        while (process.hrtime.bigint() - start < 4_000_000n); // 4 ms in this iteration
        if (i % 2 === 0) clearTimeout(setTimeout(() => {}, 1_000_000));
        else keep.refresh();
        if (poll.turnIdle()) idle++;
      }
    } finally {
      clearTimeout(keep);
      poll.close();
    }
    expect(idle).toBe(0);
  });
});
