import { Command } from '@rt/process';
import { childrenOf, openFds, zombiesOf } from './support/proc.js';

/**
 * Polls until `check` holds (no deterministic hook exists for a dropped child). The bound is on a
 * stall, not on the whole wait: it gives up when `progress()` has not changed for `stallMs`.
 */
async function eventually(check: () => boolean, progress: () => number, stallMs = 30_000): Promise<boolean> {
  for (let seen = progress(), since = Date.now(); !check(); ) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = progress();
    if (now !== seen) {
      seen = now;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      return check();
    }
  }
  return true;
}

describe('Command.spawn (reaping)', () => {
  it('leaves no zombie after 1,000 short children', async () => {
    const command = new Command('true').stdout('piped');
    // The first spawn creates process-wide fds (the reactor's epoll instance, libuv's
    // signal pipe): count after it.
    await command.output();
    const fdsBefore = openFds();
    let done = 0;
    let finished = 0;
    const worker = async (): Promise<void> => {
      while (done < 1000) {
        done++;
        const child = command.spawn();
        // Read stdout to its end (which closes the pipe) and wait.
        const buf = Buffer.alloc(16);
        while ((await child.stdout!.read(buf)) > 0);
        expect((await child.wait()).success).toBe(true);
        finished++;
      }
    };
    // The bound is on a stall (no child finished for 30 s), not on the whole run: its time is
    // the kernel's fork, exec and exit of 1,000 processes (~26 ms of CPU per child on this VM,
    // most of it system time), which grows with the machine's load: 38 s alone at load 6, and
    // past the old 150 s limit in a whole-suite run at load ~10. A reaping path that hangs still
    // fails within 30 s of its last child; jest's limit below is only the backstop.
    let over = false;
    const watchdog = (async (): Promise<void> => {
      for (let seen = -1, since = Date.now(); !over; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (finished !== seen) {
          seen = finished;
          since = Date.now();
        } else if (!over && Date.now() - since > 30_000) {
          throw new Error(`no child finished for 30 s (${finished} of 1,000 done)`);
        }
      }
    })();
    try {
      await Promise.race([Promise.all(Array.from({ length: 16 }, worker)), watchdog]);
    } finally {
      over = true;
    }
    await watchdog;
    expect(finished).toBe(1000);
    expect(zombiesOf(process.pid)).toEqual([]);
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  }, 600_000); // a backstop, not a speed claim (the stall check above is the bound)

  it('reaps children whose Child was dropped', async () => {
    const ids = new Set<number>();
    for (let i = 0; i < 50; i++) ids.add(new Command('true').spawn().id);
    // Bounded by a stall (none of the 50 left /proc for 30 s, as in the case above), not by a
    // count of polls (was 500 of 10 ms): the wait is the kernel's exec and exit of 50 children
    // and this process's reaping, ~26 ms of CPU per child here, ~10x that at load ~20 on 2 cores
    // (10.3 s in a whole-suite run at load ~10). A dropped child never reaped stays in /proc (a
    // zombie), so the count stops moving and the case still fails, 30 s after the last reaping.
    const left = (): number => childrenOf(process.pid).filter(([pid]) => ids.has(pid)).length;
    const gone = await eventually(() => left() === 0, left);
    expect(gone).toBe(true);
    expect(zombiesOf(process.pid)).toEqual([]);
  }, 120_000); // a backstop, not a speed claim (the stall check above is the bound)
});
