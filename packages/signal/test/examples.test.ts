/**
 * @jest-environment ./packages/signal/test/real-process-environment.cjs
 */
import { spawn } from '@rt/scheduler';
import { settle } from '@rt/scheduler/testing';
import { signal } from '@rt/signal';

// The README's examples, with the application's functions stubbed. Self-signals only
// (ctrlC and SIGTERM are run in child processes: ctrl-c.test.ts, signal-process.test.ts).
function raise(name: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    process.once(name, () => resolve());
    process.kill(process.pid, name);
  });
}

describe('README examples', () => {
  it('reloads the configuration on every SIGHUP, and stops listening when the task is aborted', async () => {
    const before = process.listenerCount('SIGHUP');
    let reloads = 0;
    const reloadConfig = async (): Promise<void> => {
      reloads++;
    };
    const reloader = spawn(async () => {
      for await (const _ of signal('hangup')) await reloadConfig();
    });
    await settle();
    await raise('SIGHUP');
    await settle();
    await raise('SIGHUP');
    await settle();
    expect(reloads).toBe(2);
    reloader.abort();
    await expect(reloader).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(process.listenerCount('SIGHUP')).toBe(before);
  });

  it('polls without waiting', async () => {
    let redraws = 0;
    const redraw = (): void => {
      redraws++;
    };
    using resize = signal('windowChange');
    if (resize.tryRecv()) redraw();
    await raise('SIGWINCH');
    if (resize.tryRecv()) redraw();
    expect(redraws).toBe(1);
  });
});
