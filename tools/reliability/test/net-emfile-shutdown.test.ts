// Running out of fds and shutting the runtime down under load.
//
// EMFILE: the server's process gets `ulimit -n 256` (prlimit on this very process, the
// soft limit only, restored afterwards) and 1,000 clients from another process. The
// listener must survive, report the error in `runtime.metrics()`, and serve again once the
// clients leave. Shutdown: a runtime serving mini-redis under full load is shut down; no
// task, timer or reactor registration may remain, and once the server is closed no fd.
import { execFileSync, spawn as spawnProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Builder } from '@rt/scheduler';
import { Server } from '../../../examples/mini-redis/src/server.js';
import { eventually, rawClient } from '../src/clients.js';
import { openFdCount, scaled } from '../src/config.js';
import { driverCounter } from '../src/sample.js';

interface ClientProgress {
  connected: number;
  echoed: number;
  failed: number;
  recovered?: number;
}

interface ServerProgress {
  port: number;
  fds: number;
  acceptErrors: number;
  acceptBackoffs: number;
  served: number;
  closed?: boolean;
}

const children: ReturnType<typeof spawnProcess>[] = [];
// A failed test must not leave a helper waiting on its stdin (jest would never exit).
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
});

/** Spawns a helper script; `last` is its latest JSON line, `lines` how many arrived. */
function helper<T>(command: string, args: string[]) {
  const child = spawnProcess(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const state = { last: undefined as T | undefined, lines: 0 };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    state.last = JSON.parse(line) as T;
    state.lines++;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.stdin!.on('error', () => undefined);
  return { child, state, exited };
}

describe('EMFILE', () => {
  beforeAll(() => {
    // The server process runs the built example (see src/emfile-server.mjs).
    execFileSync(process.execPath, [join(__dirname, '..', '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(__dirname, '..', '..', '..', 'examples', 'echo')], { stdio: 'inherit' });
  }, 120_000);

  it('keeps the listener alive under ulimit -n 256 with 1,000 clients, reports it, and serves again when fds free up', async () => {
    const server = helper<ServerProgress>('prlimit', ['--nofile=256', process.execPath, join(__dirname, '..', 'src', 'emfile-server.mjs')]);
    await eventually(() => server.state.last !== undefined, 'the server started', 6000);
    const { port, fds: idleFds } = server.state.last!;
    const clients = helper<ClientProgress>(process.execPath, [join(__dirname, '..', 'src', 'emfile-clients.mjs'), String(port), '1000']);
    await eventually(
      () => server.state.last!.acceptErrors > 0 && (clients.state.last?.echoed ?? 0) >= 150,
      `EMFILE reported while clients are served (${JSON.stringify([server.state.last, clients.state.last])})`,
      6000,
    );
    expect(server.state.last!.fds).toBeLessThanOrEqual(256);
    clients.child.stdin!.write('close\n');
    expect(await clients.exited).toBe(0);
    expect(clients.state.last!.recovered).toBe(20); // the listener serves again
    server.child.stdin!.write('close\n');
    expect(await server.exited).toBe(0);
    const final = server.state.last!;
    expect(final.closed).toBe(true);
    expect(final.fds).toBeLessThanOrEqual(idleFds - 1); // the listener closed, no connection left
    reported.emfile = { acceptErrors: final.acceptErrors, acceptBackoffs: final.acceptBackoffs, served: final.served };
  }, 60_000);
});

/** Figures for RELIABILITY.md (printed at the end). */
const reported: Record<string, unknown> = {};
afterAll(() => {
  if (Object.keys(reported).length) process.stdout.write(`reliability figures: ${JSON.stringify(reported)}\n`);
});

describe('runtime shutdown under load', () => {
  it('leaves no task, timer, registration or fd behind', async () => {
    const fdsBefore = openFdCount();
    const runtime = Builder.currentThread().enableAll().build();
    const server = await runtime.run(() => Server.bind({ port: 0 }));
    const serving = runtime.spawn(() => server.run());
    const load = await Promise.all(Array.from({ length: scaled(20, 100) }, () => rawClient(server.port, { keepData: false })));
    let stop = false;
    const pumps = load.map(async (c) => {
      // Keep each connection busy: a pipelined batch whenever the last one was answered.
      let answered = 0;
      const batch = 'PING\r\n'.repeat(64);
      while (!stop && !c.closed) {
        c.socket.write(batch);
        answered += 64 * 7;
        await c.until(() => c.receivedBytes >= answered || stop).catch(() => undefined);
      }
    });
    await eventually(() => load.every((c) => c.receivedBytes > 7 * 64 * 3), 'every client served under load');
    await runtime.shutdown();
    const metrics = runtime.metrics();
    expect(metrics.aliveTasks).toBe(0);
    expect(driverCounter('pendingTimers', metrics)).toBe(0);
    expect(driverCounter('registered', metrics)).toBe(0);
    await Promise.resolve(serving).catch(() => undefined);
    await server.shutdown(); // closes the listener; connections' tasks already closed theirs
    stop = true;
    for (const c of load) c.socket.destroy();
    await Promise.all(pumps);
    await eventually(() => openFdCount() <= fdsBefore, `fds back to the baseline (${fdsBefore})`);
  });
});
