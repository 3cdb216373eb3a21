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
      atTurnEnd(() => {
        console.log('second ran');
        // Set here, not at the top: a 1 ms timer set at the top fires before the first check
        // phase when starting up took over 1 ms (under load), and its callback then joins this batch.
        setTimeout(() => atTurnEnd(() => console.log('from a timer ran')), 1);
      });
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
    expect(stdout.split('\n').filter(Boolean)).toEqual(['second ran', 'uncaught: callback failed', 'from a timer ran']);
  });

  // Run in a child process: whether the process stays alive exactly as long as a callback waits
  // (the turn counter's immediate is ref'd only then) shows only in when it exits.
  const run = async (script: string): Promise<string[]> => {
    const primitives = JSON.stringify(join(__dirname, '..', 'dist', 'primitives.js'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script.replaceAll('PRIMITIVES', primitives)], { timeout: 15_000 });
    return stdout.split('\n').filter(Boolean);
  };

  it('registered from an immediate that runs after the turn ended (the check phase): runs at the next turn end, before an immediate set after it, and keeps the loop alive until then', async () => {
    const lines = await run(`
      import { atTurnEnd, readyNow } from PRIMITIVES;
      readyNow(); // the turn counter's immediate is armed (unref'd) before the next one
      setImmediate(() => {
        console.log('immediate after the turn end');
        atTurnEnd(() => {
          console.log('turn end');
          setImmediate(() => console.log('immediate set by the callback'));
        });
      });
      setImmediate(() => setImmediate(() => console.log('immediate set in the same check phase, later')));
    `);
    expect(lines).toEqual(['immediate after the turn end', 'turn end', 'immediate set in the same check phase, later', 'immediate set by the callback']);
  });

  it('keeps the process alive for a callback registered when nothing else is pending, then lets it exit, also when the callback looks at the budget again (re-arming the unref\'d turn counter)', async () => {
    const lines = await run(`
      import { atTurnEnd, readyNow } from PRIMITIVES;
      setTimeout(() => {
        readyNow();
        atTurnEnd(() => {
          console.log('first');
          readyNow(); // arms the next turn's counter, unref'd: must not hold the process
          atTurnEnd(() => {
            console.log('second (next turn)');
            readyNow();
          });
        });
      }, 1);
      process.on('exit', () => console.log('exit, active: ' + process.getActiveResourcesInfo().filter((r) => r === 'Immediate').length));
    `);
    expect(lines).toEqual(['first', 'second (next turn)', 'exit, active: 0']);
  });

  it('works in a worker thread (its own turn counter) and lets the worker exit', async () => {
    const lines = await run(`
      import { Worker } from 'node:worker_threads';
      const code = \`import { parentPort } from 'node:worker_threads';
        import { atTurnEnd } from \${JSON.stringify(new URL('file://' + PRIMITIVES).href)};
        atTurnEnd(() => parentPort.postMessage('worker turn end'));\`;
      const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)));
      worker.on('message', (m) => console.log(m));
      worker.on('exit', (code) => console.log('worker exit ' + code));
    `);
    expect(lines).toEqual(['worker turn end', 'worker exit 0']);
  });
});

