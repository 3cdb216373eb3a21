// Review rv25 of a027274: a raw poll handle collected while its poll is open closes the poll from
// the box's finalizer (mio_poll_box_finalize -> mio_poll_shutdown(p, 0): references deleted,
// napi_async_destroy, uv_close). Attacks: collection while the poll's own callback runs (with
// more events pending than one batch holds), with an async_hooks destroy hook enabled (so
// napi_async_destroy queues work), in a worker thread just before it ends or is terminated (the
// finalizers then run at teardown), many polls at once, and the `Poll` class (never collected
// while open). Each case runs in a child process (`--expose-gc`, the raw addon) so a crash fails
// the case; tools/reliability's asan run executes this file against the ASan build too.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nodeCommand } from './helpers.js';
import { addonPath, available } from '@rt/mio-native';

const describeNative = available && addonPath !== null ? describe : describe.skip;

// The built package (ESM), loaded by the child with import(): it picks the same addon (RT_MIO_NATIVE_DIR under ASan).
const packageMain = pathToFileURL(join(__dirname, '..', 'dist', 'index.js')).href;

const prelude = `
  const fs = require('node:fs');
  const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
  const b = require(${JSON.stringify(addonPath)});
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const epolls = () => fs.readdirSync('/proc/self/fd').filter((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:[eventpoll]'; } catch { return false; } }).length;
  const destroyed = { count: 0 };
  function hookDestroy() { require('node:async_hooks').createHook({ destroy() { destroyed.count++; } }).enable(); }
  // n open polls, each with k readable eventfds registered (events pending), handles not kept.
  function dropOpen(n, k, onEvents) {
    const efds = [];
    for (let j = 0; j < k; j++) { const e = b.eventfd(); b.eventfdWrite(e); efds.push(e); }
    for (let i = 0; i < n; i++) {
      const h = b.pollCreate(new Uint32Array(4), onEvents ?? (() => {}), {});
      for (let j = 0; j < k; j++) b.pollCtl(h, 1, efds[j], j, 1 | (1 << 31)); // EPOLLIN | EPOLLET
    }
    return efds;
  }
`;

function run(body: string, timeout = 60_000): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const code = `${prelude}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(2); });`;
  const [command, args] = nodeCommand(['--expose-gc', '-e', code, code]);
  const result = spawnSync(command, args, { encoding: 'utf8', timeout });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describeNative('review rv25: the poll finalizer (a027274)', () => {
  it('a handle dropped and collected from inside its own poll callback, with more events pending than a batch: the batch loop ends cleanly, the poll is closed at the next turn', () => {
    const result = run(`
      hookDestroy();
      const before = epolls();
      const efds = [];
      for (let j = 0; j < 9; j++) { const e = b.eventfd(); b.eventfdWrite(e); efds.push(e); }
      let calls = 0;
      let holder = { h: null };
      const onEvents = (n) => {
        calls++;
        if (calls === 1) { holder.h = null; gc(); gc(); } // the handle is gone while its callback runs
      };
      holder.h = b.pollCreate(new Uint32Array(4), onEvents, {}); // two events per batch: five batches pending
      for (let j = 0; j < 9; j++) b.pollCtl(holder.h, 1, efds[j], j, 1 | (1 << 31)); // edge-triggered, as the Poll class
      b.pollRef(holder.h, true);
      await new Promise((r) => setTimeout(r, 30));
      for (let i = 0; i < 5; i++) { gc(); await turn(); }
      const callsAfter = calls;
      for (const e of efds) b.eventfdWrite(e);
      await new Promise((r) => setTimeout(r, 30));
      console.log(JSON.stringify({ ranInBatches: callsAfter >= 1, noCallsAfterCollect: calls === callsAfter, epollFdsLeft: epolls() - before, asyncDestroyed: destroyed.count >= 1 }));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ ranInBatches: true, noCallsAfterCollect: true, epollFdsLeft: 0, asyncDestroyed: true });
  });

  it('500 open polls with events pending collected at once: every epoll fd closed, no callback after, a destroy hook sees each async context go', () => {
    const result = run(`
      hookDestroy();
      const before = epolls();
      let calls = 0;
      const efds = dropOpen(500, 2, () => { calls++; });
      for (let i = 0; i < 6; i++) { gc(); await turn(); }
      const callsAtCollect = calls;
      for (const e of efds) b.eventfdWrite(e);
      await new Promise((r) => setTimeout(r, 30));
      await turn();
      console.log(JSON.stringify({ epollFdsLeft: epolls() - before, callsAfter: calls - callsAtCollect, destroyedAtLeast500: destroyed.count >= 500 }));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ epollFdsLeft: 0, callsAfter: 0, destroyedAtLeast500: true });
  });

  it('main thread: handles collected (finalizers queued, not yet run) right before the process exits, with a destroy hook and pending events', () => {
    const result = run(`
      hookDestroy();
      dropOpen(64, 3);
      gc(); gc(); // weak callbacks done: 64 finalizers queued for the next immediate, which never comes
      console.log('exiting');
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('exiting');
  });

  it('workers end (return, process.exit inside a poll callback, terminate) with collected open polls whose finalizers have not run yet; the main thread goes on', () => {
    const result = run(`
      if (!isMainThread) {
        hookDestroy();
        const mode = workerData.mode;
        dropOpen(32, 3);
        if (mode === 'exit-in-callback') {
          // A poll whose callback exits the worker while collected polls' finalizers are queued.
          const e = b.eventfd();
          const h = b.pollCreate(new Uint32Array(4), () => { gc(); process.exit(3); }, {});
          b.pollCtl(h, 1, e, 1, 1 | (1 << 31));
          b.pollRef(h, true);
          globalThis.keep = h;
          gc();
          b.eventfdWrite(e);
          return;
        }
        gc(); gc();
        if (mode === 'hold') { parentPort.postMessage('ready'); setInterval(() => {}, 1000); }
        return;
      }
      const exits = [];
      for (const mode of ['return', 'exit-in-callback', 'return', 'exit-in-callback']) {
        const w = new Worker(process.argv[process.argv.length - 1], { eval: true, workerData: { mode } });
        exits.push(await new Promise((r) => w.on('exit', r)));
      }
      for (let i = 0; i < 3; i++) {
        const held = new Worker(process.argv[process.argv.length - 1], { eval: true, workerData: { mode: 'hold' } });
        await new Promise((r) => held.on('message', r));
        exits.push(await held.terminate());
      }
      gc(); await turn(); gc(); await turn();
      const fresh = b.pollCreate(new Uint32Array(16), () => {}, {});
      const freshOpen = b.pollFd(fresh) >= 0;
      b.pollClose(fresh);
      console.log(JSON.stringify({ exits }));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ exits: [0, 3, 0, 3, 1, 1, 1] });
  });

  it('a worker terminated while a poll callback runs (a busy callback) with collected open polls pending finalization', () => {
    const result = run(`
      if (!isMainThread) {
        hookDestroy();
        dropOpen(16, 2);
        const e = b.eventfd();
        const h = b.pollCreate(new Uint32Array(4), () => { gc(); parentPort.postMessage('in-callback'); const t = Date.now(); while (Date.now() - t < 5000); }, {});
        b.pollCtl(h, 1, e, 1, 1 | (1 << 31));
        b.pollRef(h, true);
        globalThis.keep = h;
        b.eventfdWrite(e);
        return;
      }
      const exits = [];
      for (let i = 0; i < 3; i++) {
        const w = new Worker(process.argv[process.argv.length - 1], { eval: true });
        await new Promise((r) => w.on('message', r));
        exits.push(await w.terminate());
      }
      console.log(JSON.stringify({ exits }));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ exits: [1, 1, 1] });
  });

  it('the Poll class is never collected while open: a dropped, unreferenced open Poll still delivers events after gc; closing it then lets it go', () => {
    const result = run(`
      const { Poll, Interest } = await import(${JSON.stringify(packageMain)});
      const before = epolls();
      const e = b.eventfd();
      let seen = 0;
      const weak = (() => {
        const poll = new Poll((events, count) => { seen += count; });
        poll.register(e, 5, Interest.READABLE);
        return new WeakRef(poll);
      })();
      for (let i = 0; i < 5; i++) { gc(); await turn(); }
      const alive = weak.deref() !== undefined;
      b.eventfdWrite(e);
      await new Promise((r) => setTimeout(r, 30));
      const seenOpen = seen;
      weak.deref()?.close();
      for (let i = 0; i < 5; i++) { gc(); await turn(); }
      console.log(JSON.stringify({ alive, seenOpen: seenOpen >= 1, collectedAfterClose: weak.deref() === undefined, epollFdsLeft: epolls() - before }));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ alive: true, seenOpen: true, collectedAfterClose: true, epollFdsLeft: 0 });
  });
});
