import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Builder, Handle, JoinError, RuntimeShutdown, park, spawn } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';

const forever = (): Promise<void> => park<void>('forever', () => undefined).promise;

describe('Runtime', () => {
  it('runs a main task and resolves with its value', async () => {
    const runtime = Builder.currentThread().build();
    expect(await runtime.run(async () => Handle.current() === runtime.handle)).toBe(true);
    await runtime.shutdown();
  });

  it('rejects run() with the error the main task threw', async () => {
    const runtime = Builder.currentThread().build();
    const error = new Error('main failed');
    await expect(runtime.run(async () => {
      throw error;
    })).rejects.toBe(error);
    await runtime.shutdown();
  });

  it('aborts live tasks on shutdown, runs their finally blocks, and refuses new work', async () => {
    const runtime = Builder.currentThread().build();
    const cleaned: string[] = [];
    const handles = ['a', 'b'].map((name) =>
      runtime.spawn(async () => {
        try {
          await forever();
        } finally {
          cleaned.push(name);
        }
      }),
    );
    const notStarted = runtime.spawn(() => cleaned.push('never'));
    notStarted.abort();
    await settle();
    expect(runtime.metrics().aliveTasks).toBe(2);
    await runtime.shutdown();
    expect(cleaned.sort()).toEqual(['a', 'b']);
    expect(runtime.metrics().aliveTasks).toBe(0);
    expect(runtime.handle.isShutdown).toBe(true);
    for (const handle of handles) {
      const error = await handle.then(() => undefined, (e: unknown) => e as JoinError);
      expect(error?.isCancelled()).toBe(true);
      expect(error?.cause).toBeInstanceOf(RuntimeShutdown);
    }
    expect(() => runtime.spawn(() => 1)).toThrow(RuntimeShutdown);
    await expect(runtime.run(() => 1)).rejects.toBeInstanceOf(RuntimeShutdown);
  });

  it('waits up to the timeout for aborted tasks that unwind slowly', async () => {
    const runtime = Builder.currentThread().build();
    let release!: () => void;
    const external = new Promise<void>((resolve) => (release = resolve));
    const handle = runtime.spawn(async () => {
      await external; // not an rt await point: the abort is seen only after it
    });
    await settle();
    const shutdown = runtime.shutdown({ timeout: 60_000 });
    await settle();
    expect(runtime.metrics().aliveTasks).toBe(1);
    release();
    await shutdown;
    expect(handle.isFinished()).toBe(true);
  });

  it('returns the same promise from repeated shutdown calls and validates the timeout', async () => {
    const runtime = Builder.currentThread().build();
    expect(() => runtime.shutdown({ timeout: -1 })).toThrow(RangeError);
    const first = runtime.shutdown();
    expect(runtime.shutdown()).toBe(first);
    await first;
  });

  it('shuts down at the end of an await using scope', async () => {
    let runtimeRef: { handle: Handle } | undefined;
    {
      await using runtime = Builder.currentThread().build();
      runtimeRef = runtime;
    }
    expect(runtimeRef.handle.isShutdown).toBe(true);
  });

  describe('unhandled task errors', () => {
    let writes: string[];
    let spy: jest.SpyInstance;
    beforeEach(() => {
      writes = [];
      spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        writes.push(String(chunk));
        return true;
      });
    });
    afterEach(() => spy.mockRestore());

    it("logs one report with the task's id, name and stack by default", async () => {
      const runtime = Builder.currentThread().name('logging').build();
      const handle = runtime.spawn(async () => {
        throw new Error('nobody listens');
      }, { name: 'lonely' });
      await settle(2);
      expect(writes).toHaveLength(1);
      expect(writes[0]).toContain(`task ${handle.id} ("lonely")`);
      expect(writes[0]).toContain('Error: nobody listens');
      expect(writes[0]).toContain('runtime.test.ts');
      expect(runtime.handle.isShutdown).toBe(false);
      await runtime.shutdown();
    });

    it('reports nothing when the handle is awaited later in the same turn', async () => {
      const runtime = Builder.currentThread().build();
      const handle = runtime.spawn(async () => {
        throw new Error('awaited');
      });
      await Promise.resolve();
      await Promise.resolve();
      await handle.then(undefined, () => undefined);
      await settle(2);
      expect(writes).toEqual([]);
      await runtime.shutdown();
    });

    it('an onFinished callback does not join: the unjoined panic is still reported', async () => {
      const runtime = Builder.currentThread().build();
      let finished = 0;
      const handle = runtime.spawn(async () => {
        throw new Error('watched, not joined');
      });
      handle.onFinished(() => finished++);
      await settle(2);
      expect(finished).toBe(1);
      expect(writes).toHaveLength(1);
      expect(writes[0]).toContain('Error: watched, not joined');
      await runtime.shutdown();
    });

    it('does not report cancelled tasks', async () => {
      const runtime = Builder.currentThread().build();
      runtime.spawn(forever).abort();
      await settle(2);
      expect(writes).toEqual([]);
      await runtime.shutdown();
    });

    it("stays silent with 'ignore'", async () => {
      const runtime = Builder.currentThread().unhandledError('ignore').build();
      runtime.spawn(async () => {
        throw new Error('ignored');
      });
      await settle(2);
      expect(writes).toEqual([]);
      expect(runtime.metrics().unhandledErrors).toBe(1);
      await runtime.shutdown();
    });

    it("shuts the runtime down with 'shutdown', and run() rejects with the failed task's JoinError", async () => {
      const runtime = Builder.currentThread().unhandledError('shutdown').build();
      const result = runtime.run(async () => {
        spawn(async () => {
          throw new Error('fatal');
        });
        await forever();
      });
      const error = await result.then(() => undefined, (e: unknown) => e as JoinError);
      expect(error).toBeInstanceOf(JoinError);
      expect(error?.isPanic()).toBe(true);
      expect((error?.cause as Error).message).toBe('fatal');
      expect(runtime.handle.isShutdown).toBe(true);
      expect(writes).toHaveLength(1);
    });
  });

  it('leaves nothing keeping the process alive: default runtime, blocking threads, shut-down runtime', () => {
    const root = join(__dirname, '..', '..', '..');
    const result = spawnSync(
      process.execPath,
      ['--no-warnings', '--loader', 'ts-node/esm', join(__dirname, 'fixtures', 'exits.mjs'), join(__dirname, '..', 'src', 'index.ts')],
      {
        cwd: root,
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json') },
        encoding: 'utf8',
        // ts-node's loader compiles the package's sources first: 18 s was not enough at load 20
        // (a CI clone beside four benchmark runs), where the child was killed before 'end'.
        timeout: 60_000,
      },
    );
    expect(result.error).toBeUndefined(); // (a kill at the timeout shows here, not as a missing 'end')
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('end\n');
    expect(result.status).toBe(0);
  }, 70_000);
});
