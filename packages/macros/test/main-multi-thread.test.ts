import { spawn as spawnProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main, MultiThreadNotInstalled } from '@rt/macros';

// The workers run the built packages (dist): `npx tsc -b packages/macros` first.
const fixture = join(__dirname, 'fixtures', 'main-multi-thread.mjs');
const workerEntry = pathToFileURL(join(__dirname, 'fixtures', 'main-multi-thread-worker.mjs'));

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** Runs the fixture with `mode`; `onOutput` sees stdout as it grows and may signal the child. */
function runFixture(mode: string, onOutput?: (out: string, child: ReturnType<typeof spawnProcess>) => void): Promise<Finished> {
  const child = spawnProcess(process.execPath, [fixture, mode], { cwd: __dirname, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (data: Buffer) => {
    out += data.toString();
    onOutput?.(out, child);
  });
  child.stderr.on('data', (data: Buffer) => {
    err += data.toString();
  });
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out, err })));
}

describe("main (flavor 'multi_thread')", () => {
  let exitCode: typeof process.exitCode;
  beforeEach(() => {
    exitCode = process.exitCode;
  });
  afterEach(() => {
    process.exitCode = exitCode;
  });

  it('shuts every worker down cleanly on SIGTERM and exits with 143', async () => {
    let signalled = false;
    const result = await runFixture('wait', (out, child) => {
      if (!signalled && out.includes('ready 0') && out.includes('ready 1')) {
        signalled = true; // one signal: a second one would (rightly) exit at once
        child.kill('SIGTERM');
      }
    });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(143);
    // Both workers unwound through their finally blocks, then main returned and the process
    // ended by itself (nothing left open: no worker, no handle).
    expect(result.out).toContain('cleaned up 0');
    expect(result.out).toContain('cleaned up 1');
    expect(result.out).toContain('main returned 143');
    expect(result.err).toBe('');
  });

  it('exits with 0 once every worker’s entry returned', async () => {
    const result = await runFixture('return');
    expect(result.code).toBe(0);
    expect(result.out).toContain('main returned 0');
  });

  it('reports a crashed worker and exits with 1', async () => {
    const result = await runFixture('throw');
    expect(result.code).toBe(1);
    expect(result.err).toContain('worker 1 of runtime "rt" crashed: worker 1 gave up');
    expect(result.out).toContain('main returned 1');
  });

  it('runs in this process too, resolving with the exit code', async () => {
    const code = await main(workerEntry, { flavor: 'multi_thread', workerThreads: 2, exportName: 'serve', args: ['return'], handleSignals: false });
    expect(code).toBe(0);
    expect(process.exitCode).toBe(0);
  });

  it('rejects bad arguments at once', () => {
    expect(() => main(workerEntry, {} as never)).toThrow(/flavor: 'multi_thread'/);
    expect(() => main('fixtures/worker.mjs', { flavor: 'multi_thread' })).toThrow(/absolute path, got "fixtures\/worker.mjs"/);
    expect(() => main(workerEntry, { flavor: 'current_thread' } as never)).toThrow(TypeError);
    expect(() => main(async () => 0, { flavor: 'multi_thread' } as never)).toThrow(/closures cannot cross threads/);
    expect(() => main(workerEntry, { flavor: 'multi_thread', workerThreads: 0 })).toThrow(RangeError);
    expect(() => main(workerEntry, { flavor: 'multi_thread', exportName: '' })).toThrow(TypeError);
    expect(() => main(workerEntry, { flavor: 'multi_thread', args: 'x' as never })).toThrow(TypeError);
    expect(() => main(workerEntry, { flavor: 'multi_thread', shutdownTimeout: -1 })).toThrow(RangeError);
  });

  it('rejects with MultiThreadNotInstalled when @rt/multi-thread cannot be loaded', async () => {
    let isolatedMain: typeof main | undefined;
    let NotInstalled: typeof MultiThreadNotInstalled | undefined;
    jest.isolateModules(() => {
      jest.doMock('@rt/multi-thread', () => {
        throw Object.assign(new Error("Cannot find package '@rt/multi-thread'"), { code: 'ERR_MODULE_NOT_FOUND' });
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const macros = require('@rt/macros') as typeof import('@rt/macros');
      isolatedMain = macros.main;
      NotInstalled = macros.MultiThreadNotInstalled;
    });
    const error = await isolatedMain?.(workerEntry, { flavor: 'multi_thread', handleSignals: false }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    jest.dontMock('@rt/multi-thread');
    expect(NotInstalled).toBeDefined();
    expect(error).toBeInstanceOf(NotInstalled as typeof MultiThreadNotInstalled);
    expect((error as MultiThreadNotInstalled).code).toBe('ERR_RT_MULTI_THREAD_NOT_INSTALLED');
  });
});
