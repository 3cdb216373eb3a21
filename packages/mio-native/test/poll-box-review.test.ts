// Review (helper rv2) of 3803b07, the poll handle box (native/mio.c: mio_poll_box, mio_get_poll,
// mio_poll_box_finalize, mio_poll_on_uv_close, mio_freed_poll): the lifetimes of the poll and of
// its JS handle's box in every order, each case in a child process (`--expose-gc`, the raw
// addon) so a crash fails the case instead of taking jest down. tools/reliability's asan run
// executes this suite against the AddressSanitizer build (the children inherit RT_MIO_NATIVE_DIR
// and LD_PRELOAD), where a use after free or a double free aborts the child.
import { spawnSync } from 'node:child_process';
import { nodeCommand } from './helpers.js';
import { addonPath, available } from '@rt/mio-native';

const describeNative = available && addonPath !== null ? describe : describe.skip;

const prelude = `
  const fs = require('node:fs');
  const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
  const b = require(${JSON.stringify(addonPath)});
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const epolls = () => fs.readdirSync('/proc/self/fd').filter((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:[eventpoll]'; } catch { return false; } }).length;
  // Every order of (poll closed, libuv's close callback, handle collected), and polls left open
  // with a readable eventfd registered. Returns the handles of the open polls.
  async function churn() {
    const open = [];
    const efd = b.eventfd();
    for (let i = 0; i < 8; i++) {
      const h = b.pollCreate(new Uint32Array(16), () => {}, {});
      b.pollCtl(h, 1, efd, i, 1);
      open.push(h);
    }
    b.eventfdWrite(efd); // readable: libuv has a pending poll event at teardown
    // closed, collected before libuv's close callback ran (the finalizer writes poll->box of a closing poll)
    for (let i = 0; i < 8; i++) b.pollClose(b.pollCreate(new Uint32Array(16), () => {}, {}));
    gc();
    // closed, collected after the close callback (the box was emptied first)
    for (let i = 0; i < 8; i++) b.pollClose(b.pollCreate(new Uint32Array(16), () => {}, {}));
    await turn(); await turn(); gc(); await turn();
    // dropped open, collected (the box goes first; the poll forgets it)
    for (let i = 0; i < 8; i++) b.pollCreate(new Uint32Array(16), () => {}, {});
    gc(); await turn(); gc(); await turn();
    return open;
  }
`;

// The child's own source is its last argument: a worker thread runs it too (`eval: true`).
function run(body: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const code = `${prelude}\n(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(2); });`;
  // (nodeCommand: under the arm64 run the emulator starts the child.)
  const [command, args] = nodeCommand(['--expose-gc', '-e', code, code]);
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describeNative('the poll handle box: lifetimes (review rv2)', () => {
  it('main thread: every order of close, close callback and collection; stale handles act closed; nothing crashes', () => {
    const result = run(`
      const open = await churn();
      const stale = open.map((h) => { b.pollClose(h); return h; });
      await turn(); await turn();
      const fresh = b.pollCreate(new Uint32Array(16), () => {}, {});
      const seen = { staleFds: [...new Set(stale.map((h) => b.pollFd(h)))], staleWait: b.pollWait(stale[0], 0), staleCtl: b.pollCtl(stale[0], 1, 0, 0, 1) };
      for (const h of stale) { b.pollClose(h); b.pollRef(h, true); } // second closes, refs of freed polls: no write to the shared freed poll
      seen.freshOpen = b.pollFd(fresh) >= 0;
      b.pollClose(fresh);
      gc(); await turn(); gc(); await turn();
      console.log(JSON.stringify(seen));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ staleFds: [-1], staleWait: -9, staleCtl: -9, freshOpen: true });
  });

  it('worker threads exit (and are terminated) with polls open, closing and collected; the main thread goes on', () => {
    const result = run(`
      if (!isMainThread) {
        const open = await churn();
        globalThis.kept = open;
        if (workerData.hold) { parentPort.postMessage('ready'); setInterval(() => {}, 1000); }
        return;
      }
      const exits = [];
      for (let i = 0; i < 3; i++) {
        const w = new Worker(process.argv[process.argv.length - 1], { eval: true, workerData: { hold: false } });
        exits.push(await new Promise((r) => w.on('exit', r)));
      }
      const held = new Worker(process.argv[process.argv.length - 1], { eval: true, workerData: { hold: true } });
      await new Promise((r) => held.on('message', r));
      exits.push(await held.terminate());
      gc(); await turn(); gc(); await turn();
      const fresh = b.pollCreate(new Uint32Array(16), () => {}, {});
      const freshOpen = b.pollFd(fresh) >= 0;
      b.pollClose(fresh);
      console.log(JSON.stringify({ exits, freshOpen }));
    `);
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ exits: [0, 0, 0, 1], freshOpen: true });
  });

  // Finding (low; not new with 3803b07: before it the external had no finalizer at all). A handle
  // collected while its poll is open (never closed: the raw addon, e.g. a receiver that does not
  // hold the handle) left the poll open for the life of the environment: its epoll fd, uv_poll_t
  // and scratch leaked, and its callback still ran for fds registered on it, while nothing could
  // reach it to close it. Fixed (twenty-first session): mio_poll_box_finalize closes a poll still
  // open (Node-API runs the finalizer outside the GC, where deleting references is allowed). With
  // the `Poll` class the handle is never collected while open: the poll's strong references to its
  // receiver and callback, which hold the handle, keep it.
  it('a handle collected while its poll is open closes the poll: its epoll fd is closed and its callback no longer runs', () => {
    const result = run(`
      const before = epolls();
      const efd = b.eventfd();
      let calls = 0;
      (() => { const h = b.pollCreate(new Uint32Array(16), () => { calls++; }, {}); b.pollCtl(h, 1, efd, 1, 1); })();
      for (let i = 0; i < 5; i++) { gc(); await turn(); }
      b.eventfdWrite(efd);
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify({ epollFdsLeft: epolls() - before, callbackCallsAfterCollect: calls }));
    `);
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ epollFdsLeft: 0, callbackCallsAfterCollect: 0 });
  });
});
