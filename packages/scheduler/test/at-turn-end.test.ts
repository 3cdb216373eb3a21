// atTurnEnd: a callback run once when the current event-loop turn ends — after the turn's
// microtasks and ticks, in the check phase with the turn counter's immediate (so before an
// immediate set later in the turn), each callback once, one registered while they run at the
// next turn's end, and one that throws reported as an uncaught exception without stopping the
// others. The reactor's ready queue serves with it what a task holding its baton left queued.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { atTurnEnd } from '@rt/scheduler/primitives';

const nextImmediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('atTurnEnd', () => {
  it('runs once, after the microtasks and ticks of the turn, before an immediate set later in it', async () => {
    await nextImmediate(); // start from a fresh turn
    const order: string[] = [];
    atTurnEnd(() => order.push('turn end'));
    queueMicrotask(() => order.push('microtask'));
    process.nextTick(() => order.push('tick'));
    setImmediate(() => order.push('immediate'));
    expect(order).toEqual([]);
    await nextImmediate();
    await nextImmediate();
    expect(order).toEqual(['microtask', 'tick', 'turn end', 'immediate']);
  });

  it('runs every callback of a turn in order; one registered while they run waits for the next turn', async () => {
    await nextImmediate();
    const order: string[] = [];
    atTurnEnd(() => {
      order.push('a');
      atTurnEnd(() => order.push('c (next turn)'));
    });
    atTurnEnd(() => order.push('b'));
    await nextImmediate();
    expect(order).toEqual(['a', 'b']);
    await nextImmediate();
    expect(order).toEqual(['a', 'b', 'c (next turn)']);
    await nextImmediate();
    expect(order).toEqual(['a', 'b', 'c (next turn)']); // each once
  });

  it('reports a callback that throws as an uncaught exception; the others still run, and a callback registered from a timer runs before the process exits', async () => {
    const script = `
      import { atTurnEnd } from ${JSON.stringify(join(__dirname, '..', 'dist', 'primitives.js'))};
      process.on('uncaughtException', (error) => console.log('uncaught:', error.message));
      atTurnEnd(() => { throw new Error('callback failed'); });
      atTurnEnd(() => console.log('second ran'));
      setTimeout(() => atTurnEnd(() => console.log('from a timer ran')), 1);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
    expect(stdout.split('\n').filter(Boolean)).toEqual(['second ran', 'uncaught: callback failed', 'from a timer ran']);
  });
});
