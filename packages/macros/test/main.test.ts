import { spawn as spawnProcess } from 'node:child_process';
import { join } from 'node:path';
import { ConsoleClient } from '@rt/console';
import { main } from '@rt/macros';
import { Handle, spawn } from '@rt/scheduler';

describe('main', () => {
  let exitCode: typeof process.exitCode;
  beforeEach(() => { exitCode = process.exitCode; });
  afterEach(() => { process.exitCode = exitCode; });

  it('runs fn on a fresh runtime and sets exit code 0', async () => {
    let inside: Handle | undefined;
    const code = await main(async () => {
      inside = Handle.current();
      return spawn(async () => 'child');
    }, { name: 'app', handleSignals: false });
    expect(code).toBe(0);
    expect(process.exitCode).toBe(0);
    expect(inside?.config.name).toBe('app');
    expect(inside?.isShutdown).toBe(true);
  });

  it('prints the error and sets exit code 1 when fn throws', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { writes.push(String(chunk)); return true; });
    try {
      const code = await main(async () => { throw new Error('it broke'); }, { handleSignals: false });
      expect(code).toBe(1);
      expect(process.exitCode).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toContain('it broke');
  });

  it('rejects bad options at once', () => {
    expect(() => main(async () => 0, { flavor: 'multi_thread' as never })).toThrow(TypeError);
    expect(() => main(async () => 0, { shutdownTimeout: -1 })).toThrow(RangeError);
    expect(() => main(42 as never)).toThrow(TypeError);
  });

  it('runs a static method it decorates', async () => {
    const ran = new Promise<Handle>((resolve) => {
      class App {
        @main
        static async start(): Promise<void> {
          resolve(Handle.current());
        }
      }
      void App;
    });
    const handle = await ran;
    expect(handle.config.name).toBeDefined();
  });

  it('shuts down cleanly on SIGINT: finally blocks run and the exit code is 130', async () => {
    const fixture = join(__dirname, 'fixtures', 'main-signal.mjs');
    const child = spawnProcess(process.execPath, [fixture], { cwd: __dirname, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready') && !signalled) {
        signalled = true; // one signal: a second one would (rightly) exit at once
        child.kill('SIGINT');
      }
    });
    // 'close', not 'exit': after the pipes have drained.
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(out).toContain('cleaned up');
    expect(code).toBe(130);
  });

  it('prints a blocking-detector warning on stderr when RT_INSTRUMENT=1', async () => {
    const fixture = join(__dirname, 'fixtures', 'main-blocking.mjs');
    const child = spawnProcess(process.execPath, [fixture], { cwd: __dirname, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RT_INSTRUMENT: '1' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(err).toMatch(/^rt warning: task \d+ "busy-loop" blocked the event loop for \d+\.\d ms \(threshold 50 ms\), spawned at .*main-blocking\.mjs:6:\d+\n$/);
  });

  it('serves the runtime to rt-console when RT_CONSOLE is set', async () => {
    const fixture = join(__dirname, 'fixtures', 'main-console.mjs');
    const child = spawnProcess(process.execPath, [fixture], { cwd: __dirname, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, RT_CONSOLE: '127.0.0.1:0' } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    try {
      const addr = await new Promise<string>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const match = /^rt console: runtime "rt" served on (127\.0\.0\.1:\d+) \(npx rt-console \1\)\n/.exec(err);
          if (match !== null) resolve(match[1]!);
        });
        child.on('exit', () => reject(new Error(`exited: ${err}`)));
      });
      const client = await ConsoleClient.connect(addr);
      const snapshot = await client.snapshot();
      client.close();
      expect(snapshot.instrumented).toBe(true);
      expect(snapshot.tasks.map((t) => t.name)).toEqual(['main', 'waiting-for-stdin']);
    } finally {
      child.stdin.end();
    }
    expect(await exited).toBe(0);
  });
});
