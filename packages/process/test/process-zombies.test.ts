import { Command } from '@rt/process';
import { childrenOf, openFds, zombiesOf } from './support/proc.js';

/** Polls (bounded) until `check` holds; no deterministic hook exists for a dropped child. */
async function eventually(check: () => boolean, attempts = 500): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return check();
}

describe('Command.spawn (reaping)', () => {
  it('leaves no zombie after 1,000 short children', async () => {
    const command = new Command('true').stdout('piped');
    // The first spawn creates process-wide fds (the reactor's epoll instance, libuv's
    // signal pipe): count after it.
    await command.output();
    const fdsBefore = openFds();
    let done = 0;
    const worker = async (): Promise<void> => {
      while (done < 1000) {
        done++;
        const child = command.spawn();
        // Read stdout to its end (which closes the pipe) and wait.
        const buf = Buffer.alloc(16);
        while ((await child.stdout!.read(buf)) > 0);
        expect((await child.wait()).success).toBe(true);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(zombiesOf(process.pid)).toEqual([]);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  }, 150_000); // a bound, not a speed claim: 1,000 processes took 10-20 s on a loaded 2-core machine, and over 60 s at load 10-15 under Node 22

  it('reaps children whose Child was dropped', async () => {
    const ids = new Set<number>();
    for (let i = 0; i < 50; i++) ids.add(new Command('true').spawn().id);
    const gone = await eventually(() => !childrenOf(process.pid).some(([pid]) => ids.has(pid)));
    expect(gone).toBe(true);
    expect(zombiesOf(process.pid)).toEqual([]);
  });
});
