import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { Cancelled, JoinError, JoinHandle, TaskLocal, isCancelled, park, spawn, tryCurrentTask, yieldNow } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';

/** A never-ready rt await point that can be opened from outside. */
function gate(): { wait: () => Promise<void>; open: () => void } {
  const waiters: { wake(value: void): boolean }[] = [];
  return {
    wait: () => {
      const { waiter, promise } = park<void>('gate', (w) => waiters.splice(waiters.indexOf(w), 1));
      waiters.push(waiter);
      return promise;
    },
    open: () => {
      for (const w of waiters.splice(0)) w.wake();
    },
  };
}

describe('JoinHandle', () => {
  it('resolves with the value the task returns, any number of times', async () => {
    const handle = spawn(async () => 42);
    expect(await handle).toBe(42);
    expect(await handle).toBe(42);
    expect(handle.isFinished()).toBe(true);
  });

  it('accepts a synchronous function', async () => {
    expect(await spawn(() => 'sync')).toBe('sync');
  });

  it('rejects with a panic JoinError whose cause is the thrown error', async () => {
    const error = new Error('boom');
    const handle = spawn(async () => {
      throw error;
    }, { name: 'failing' });
    const result = await handle.then(() => undefined, (e: unknown) => e);
    expect(result).toBeInstanceOf(JoinError);
    expect((result as JoinError).isPanic()).toBe(true);
    expect((result as JoinError).cause).toBe(error);
    expect((result as JoinError).taskId).toBe(handle.id);
    expect((result as JoinError).message).toContain('failing');
  });

  it('exposes a unique id and the name given at spawn', async () => {
    const a = spawn(() => 1, { name: 'a' });
    const b = spawn(() => 2);
    expect(a.id).not.toBe(b.id);
    expect(a.name).toBe('a');
    expect(b.name).toBeUndefined();
    await Promise.all([a, b]);
  });

  it('names the task in the JoinError of an abort before and after its first poll, named or not (the name lives in the side record)', async () => {
    // Unnamed tasks have no side record until something needs one (the abort makes it); named
    // tasks get one at spawn, for the name.
    const cases: [string | undefined, 'before' | 'after'][] = [
      [undefined, 'before'],
      [undefined, 'after'],
      ['worker', 'before'],
      ['worker', 'after'],
    ];
    for (const [name, when] of cases) {
      const door = gate();
      let polled = false;
      const handle = spawn(
        async () => {
          polled = true;
          await door.wait();
        },
        name === undefined ? undefined : { name },
      );
      if (when === 'after') await settle();
      expect(polled).toBe(when === 'after');
      expect(handle.name).toBe(name);
      handle.abort(new Error(`stop ${when}`));
      const error = await handle.then(() => undefined, (e: unknown) => e as JoinError);
      expect(error).toBeInstanceOf(JoinError);
      expect(error!.isCancelled()).toBe(true);
      expect(error!.taskId).toBe(handle.id);
      expect((error!.cause as Error).message).toBe(`stop ${when}`);
      expect(error!.message).toContain(name === undefined ? `task ${handle.id} ` : `task ${handle.id} (${name})`);
      expect(handle.name).toBe(name);
      expect(handle.isFinished()).toBe(true);
    }
  });

  it('never runs a task aborted before it started', async () => {
    let ran = false;
    const handle = spawn(() => {
      ran = true;
    });
    handle.abort();
    const error = await handle.then(() => undefined, (e: unknown) => e as JoinError);
    expect(error?.isCancelled()).toBe(true);
    expect(ran).toBe(false);
    expect(handle.isFinished()).toBe(true);
  });

  it('cancels a task parked on an rt primitive and runs its finally block', async () => {
    const g = gate();
    const events: string[] = [];
    const handle = spawn(async () => {
      try {
        await g.wait();
        events.push('after wait');
      } finally {
        events.push('finally');
      }
    });
    await settle();
    expect(handle.isFinished()).toBe(false);
    handle.abort();
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(events).toEqual(['finally']);
  });

  it('passes the abort reason as the JoinError cause', async () => {
    const g = gate();
    const handle = spawn(() => g.wait());
    await settle();
    handle.abort('shutting down');
    const error = await handle.then(() => undefined, (e: unknown) => e as JoinError);
    expect(error?.cause).toBe('shutting down');
  });

  it('aborts the signal of a task awaiting a non-rt promise and stops it at its next rt await point', async () => {
    let release!: () => void;
    const external = new Promise<void>((resolve) => (release = resolve));
    let signal: AbortSignal | undefined;
    const { currentTask } = await import('@rt/scheduler');
    const reached: string[] = [];
    const handle = spawn(async () => {
      signal = currentTask().signal;
      await external;
      reached.push('external resolved');
      await yieldNow();
      reached.push('after yieldNow');
    });
    await settle();
    handle.abort();
    expect(signal?.aborted).toBe(true);
    release();
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(reached).toEqual(['external resolved']);
  });

  it('ignores an abort after the task finished', async () => {
    const handle = spawn(async () => 'value');
    await handle;
    handle.abort();
    expect(await handle).toBe('value');
  });

  it('lets a task abort itself from inside', async () => {
    const reached: string[] = [];
    const handle: ReturnType<typeof spawn<void>> = spawn(async () => {
      handle.abort();
      reached.push('before yield');
      await yieldNow();
      reached.push('after yield');
    });
    await expect(handle).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(reached).toEqual(['before yield']);
  });

  it('cancels the await of a task awaiting another task, and leaves the awaited task running', async () => {
    const g = gate();
    const inner = spawn(async () => {
      await g.wait();
      return 'inner value';
    });
    let caught: unknown;
    const outer = spawn(async () => {
      try {
        return await inner;
      } catch (error) {
        caught = error;
        throw error;
      }
    });
    await settle();
    outer.abort();
    await expect(outer).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    expect(caught).toBeInstanceOf(Cancelled);
    expect(inner.isFinished()).toBe(false);
    g.open();
    expect(await inner).toBe('inner value');
  });

  it('wakes every joiner in call order when one of several joining tasks is aborted mid-join', async () => {
    const g = gate();
    const order: string[] = [];
    const inner = spawn(async () => {
      await g.wait();
      return 'v';
    });
    const joiner = (name: string) =>
      spawn(async () => {
        const value = await inner;
        order.push(`${name}:${value}`);
        return value;
      });
    const first = joiner('first');
    const aborted = joiner('aborted');
    const fromOutside = inner.then((value) => order.push(`outside:${value}`));
    const last = joiner('last');
    await settle();
    aborted.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
    g.open();
    expect(await first).toBe('v');
    expect(await last).toBe('v');
    await fromOutside;
    // The outside callback runs at the finish itself; the tasks resume a few microtasks later.
    expect(order).toEqual(['outside:v', 'first:v', 'last:v']);
    // A panic reaches every kind of joiner too.
    const failing = spawn(async () => {
      await g.wait();
      throw new Error('boom');
    });
    const inTask = spawn(async () => failing);
    const outside = failing.then(undefined, (error: unknown) => error);
    await settle();
    g.open();
    await expect(inTask).rejects.toMatchObject({ cause: { cause: { message: 'boom' } } });
    expect(await outside).toBeInstanceOf(JoinError);
  });

  it('runs then() callbacks registered outside any task outside the task, also when the task finishes them with a value or a panic', async () => {
    // The finish settles outside joins from inside the finishing task's reaction: the callbacks
    // must see no current task (and no task local), and a spawn there spawns a free task.
    const local = new TaskLocal<string>('join-handle local');
    const g = gate();
    const seen: (number | undefined | string)[] = [];
    const inner = spawn(() =>
      local.scope('inside', async () => {
        await g.wait();
        return 1;
      }),
    );
    const failing = spawn(() =>
      local.scope('inside', async () => {
        await g.wait();
        throw new Error('boom');
      }),
    );
    const fulfilled = inner.then((value) => {
      seen.push(value, tryCurrentTask()?.id, local.tryGet() ?? 'no local');
      return spawn(async () => tryCurrentTask()!.id);
    });
    const rejected = failing.then(undefined, (error: unknown) => {
      seen.push(tryCurrentTask()?.id, local.tryGet() ?? 'no local');
      return error;
    });
    await settle();
    g.open();
    g.open();
    const freeTaskId = await fulfilled;
    expect(freeTaskId).toBeGreaterThan(failing.id);
    expect(await rejected).toBeInstanceOf(JoinError);
    expect(seen).toEqual([1, undefined, 'no local', undefined, 'no local']);
  });

  it('joins a finished task any number of times, inside and outside tasks, with the same value', async () => {
    const value = { n: 1 };
    const handle = spawn(async () => value);
    await settle();
    expect(handle.isFinished()).toBe(true);
    const inside = spawn(async () => [await handle, await handle]);
    expect(await inside).toEqual([value, value]);
    expect((await inside)[0]).toBe(value);
    expect(await handle).toBe(value);
    expect(await handle.then((v) => v.n + 1)).toBe(2);
    // A value that gained a callable then after the task's promise fulfilled is adopted, as Promise.resolve does.
    const thenable: { then?: (resolve: (v: string) => void) => void } = {};
    const late = spawn(() => Promise.resolve(thenable as object));
    await settle();
    thenable.then = (resolve) => resolve('adopted');
    expect(await late).toBe('adopted');
  });

  it('resolves with the value when the task catches Cancelled and returns', async () => {
    const g = gate();
    const handle = spawn(async () => {
      try {
        await g.wait();
        return 'not reached';
      } catch (error) {
        return isCancelled(error) ? 'cleaned up' : 'other';
      }
    });
    await settle();
    handle.abort();
    expect(await handle).toBe('cleaned up');
  });

  it('reports a JoinError from a finally block that throws after an abort as a panic', async () => {
    const g = gate();
    const handle = spawn(async () => {
      try {
        await g.wait();
      } finally {
        // eslint-disable-next-line no-unsafe-finally
        throw new Error('cleanup failed');
      }
    });
    await settle();
    handle.abort();
    const error = await handle.then(() => undefined, (e: unknown) => e as JoinError);
    expect(error?.isPanic()).toBe(true);
  });

  it('gives an AbortHandle that aborts and observes the task', async () => {
    const g = gate();
    const handle = spawn(() => g.wait());
    const abortHandle = handle.abortHandle();
    expect(abortHandle.id).toBe(handle.id);
    await settle();
    expect(abortHandle.isFinished()).toBe(false);
    abortHandle.abort();
    await expect(handle).rejects.toBeInstanceOf(JoinError);
    expect(abortHandle.isFinished()).toBe(true);
  });

  it('is pending until the task finishes', async () => {
    const g = gate();
    const tracked = track(spawn(() => g.wait()));
    await settle();
    expect(tracked.isPending()).toBe(true);
    g.open();
    await settle();
    expect(tracked.isResolved()).toBe(true);
  });

  it('supports catch()', async () => {
    const value = await spawn(async () => {
      throw new Error('x');
    }).catch(() => 'caught');
    expect(value).toBe('caught');
  });
});

describe('JoinHandle.join', () => {
  it('resolves like await when no signal aborts', async () => {
    expect(await spawn(async () => 'value').join({ signal: new AbortController().signal })).toBe('value');
  });

  it('gives up when its signal aborts, leaving the task running and its result available', async () => {
    const g = gate();
    const handle = spawn(async () => {
      await g.wait();
      return 'late value';
    });
    const controller = new AbortController();
    const joined = track(handle.join({ signal: controller.signal }));
    await settle();
    controller.abort('enough');
    await settle();
    expect(joined.isRejected()).toBe(true);
    expect((joined.error as Cancelled).cause).toBe('enough');
    expect(handle.isFinished()).toBe(false);
    g.open();
    expect(await handle).toBe('late value');
  });

  it('throws Cancelled at once for an already aborted signal, even on a finished task', async () => {
    const handle = spawn(() => 1);
    await handle;
    await expect(handle.join({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
  });

  it('awaiting a finished task from a task that was aborted rejects with Cancelled; from one that was not, gives the value or the JoinError', async () => {
    const done = spawn(() => 7);
    const failed = spawn(() => {
      throw new Error('boom');
    });
    await settle();
    expect(done.isFinished() && failed.isFinished()).toBe(true);
    const outcomes = await spawn(async () => {
      const value = await done;
      const error = await failed.then(() => undefined, (e: unknown) => e);
      return { value, error };
    });
    expect(outcomes.value).toBe(7);
    expect(outcomes.error).toBeInstanceOf(JoinError);
    expect((outcomes.error as JoinError).isPanic()).toBe(true);
    const g = gate();
    const aborted = spawn(async () => {
      await g.wait().catch(() => undefined); // aborted here
      return done.then(
        () => 'joined',
        (e: unknown) => (isCancelled(e) ? 'cancelled' : 'other'),
      );
    });
    await settle();
    aborted.abort();
    await expect(aborted).resolves.toBe('cancelled');
  });

  describe('onFinished', () => {
    it('runs each callback once when the task returns, throws or is cancelled, in order, and at once after', async () => {
      const calls: string[] = [];
      const ok = spawn(async () => {
        await yieldNow();
        return 1;
      });
      ok.onFinished(() => calls.push('ok 1'));
      ok.onFinished(() => calls.push('ok 2'));
      expect(calls).toEqual([]);
      await ok;
      expect(calls).toEqual(['ok 1', 'ok 2']);
      ok.onFinished(() => calls.push('ok late')); // already finished: at once
      expect(calls).toEqual(['ok 1', 'ok 2', 'ok late']);

      const failing = spawn(async () => {
        throw new Error('boom');
      });
      failing.onFinished(() => calls.push('panic'));
      await expect(failing).rejects.toBeInstanceOf(JoinError);
      expect(calls.at(-1)).toBe('panic');

      const g = gate();
      const parked = spawn(g.wait);
      parked.onFinished(() => calls.push(`cancelled ${parked.isFinished()}`));
      await settle();
      parked.abort();
      await expect(parked).rejects.toMatchObject({ code: 'ERR_RT_TASK_CANCELLED' });
      expect(calls.at(-1)).toBe('cancelled true');
    });

    it('fires for a task aborted before it ever started', async () => {
      let ran = false;
      let finished = 0;
      const handle = spawn(() => {
        ran = true;
      });
      handle.onFinished(() => finished++);
      handle.abort();
      expect(finished).toBe(1);
      await settle();
      expect(ran).toBe(false);
      expect(finished).toBe(1);
    });

    it('a throwing callback disturbs neither the task nor the other callbacks (its error is rethrown on its own)', async () => {
      // In a child process: the rethrown error is an uncaught exception, which jest would take
      // for a failure of this suite.
      const script = `
        import { spawn } from ${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))};
        process.on('uncaughtException', (error) => console.log('uncaught:', error.message));
        const calls = [];
        const handle = spawn(async () => 'value');
        handle.onFinished(() => { throw new Error('watcher failed'); });
        handle.onFinished(() => calls.push('second'));
        console.log('value:', await handle, calls.join());
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 });
      expect(stdout.split('\n').filter(Boolean).sort()).toEqual(['uncaught: watcher failed', 'value: value second']);
      expect(() => spawn(async () => 1).onFinished('no' as never)).toThrow(TypeError);
    });
  });

  it('is its task: one JoinHandle per spawn, inspected by id and name only', async () => {
    const named = spawn(async () => 'n', { name: 'worker "a"' });
    const unnamed = spawn(async () => 'u');
    expect(named).toBeInstanceOf(JoinHandle);
    expect(Object.getPrototypeOf(unnamed)).toBe(JoinHandle.prototype);
    expect(inspect(named)).toBe(`JoinHandle { id: ${named.id}, name: "worker \\"a\\"" }`);
    expect(inspect(unnamed)).toBe(`JoinHandle { id: ${unnamed.id} }`);
    expect(inspect({ handle: unnamed })).toBe(`{ handle: JoinHandle { id: ${unnamed.id} } }`);
    expect(unnamed.abortHandle().id).toBe(unnamed.id);
    // JSON too (the task's record has cycles through the runtime: stringify must not throw).
    expect(JSON.parse(JSON.stringify({ handles: [named, unnamed] }))).toEqual({ handles: [{ id: named.id, name: 'worker "a"' }, { id: unnamed.id }] });
    expect(await Promise.all([named, unnamed])).toEqual(['n', 'u']);
    expect(JSON.stringify(named)).toBe(JSON.stringify({ id: named.id, name: 'worker "a"' }));
    expect(inspect(named)).toBe(`JoinHandle { id: ${named.id}, name: "worker \\"a\\"" }`);
  });
});
