// The examples of packages/scheduler/README.md, run as written (modulo console output).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Builder, JoinError, JoinSet, TaskLocal, park, spawn, spawnBlocking, yieldNow } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';

describe('README examples', () => {
  it('spawn, join, abort', async () => {
    const answer = spawn(async () => 6 * 7, { name: 'answer' });
    expect(await answer).toBe(42);

    const log: string[] = [];
    const forever = spawn(async () => {
      try {
        for (;;) await yieldNow();
      } finally {
        log.push('cleaned up');
      }
    });
    forever.abort();
    let cancelled = false;
    try {
      await forever;
    } catch (error) {
      cancelled = error instanceof JoinError && error.isCancelled();
    }
    expect(cancelled).toBe(true);
    // Aborted before it started: the task never ran, so there was nothing to clean up.
    expect(log).toEqual([]);

    const running = spawn(async () => {
      try {
        for (;;) await yieldNow();
      } finally {
        log.push('cleaned up');
      }
    });
    await settle();
    running.abort();
    await running.then(undefined, () => undefined);
    expect(log).toEqual(['cleaned up']);
  });

  it('JoinSet', async () => {
    const values: number[] = [];
    {
      await using set = new JoinSet<number>();
      for (let i = 0; i < 3; i++) set.spawn(async () => i * 10);
      for await (const value of set) values.push(value);
    }
    expect(values).toEqual([0, 10, 20]);
  });

  it('spawnBlocking', async () => {
    const url = pathToFileURL(join(__dirname, 'fixtures', 'hash.mjs'));
    const digest = await spawnBlocking(url, 'sha256', ['abc']);
    expect(digest).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('an explicit runtime, its metrics and a task dump', async () => {
    const runtime = Builder.currentThread().name('server').captureSpawnLocations().unhandledError('shutdown').build();
    const serveForever = () => park<void>('TcpListener.accept', () => undefined).promise;
    let text = '';
    await runtime.run(async () => {
      spawn(serveForever, { name: 'accept loop' });
      await settle();
      expect(runtime.metrics()).toMatchObject({ name: 'server', aliveTasks: 2 });
      text = String(runtime.dump());
    });
    expect(text).toContain('runtime "server": 2 live task(s)');
    expect(text).toMatch(/task \d+ "main" running/);
    expect(text).toMatch(/task \d+ "accept loop" waiting on TcpListener\.accept .*spawned at .*readme-examples\.test\.ts/);
    await runtime.shutdown({ timeout: 1000 });
    expect(runtime.metrics().aliveTasks).toBe(0);
  });

  it('task locals', async () => {
    const requestId = new TaskLocal<string>('requestId');
    const seen = await requestId.scope('r-1', async () => {
      await yieldNow();
      return requestId.get();
    });
    expect(seen).toBe('r-1');
  });

  it('testing without sleeps', async () => {
    const gate = park<void>('gate', () => undefined);
    const tracked = track(gate.promise);
    await settle();
    expect(tracked.isPending()).toBe(true);
    gate.waiter.wake();
    await settle();
    expect(tracked.isReady()).toBe(true);
  });
});
