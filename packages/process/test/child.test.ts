import { createHash, randomBytes } from 'node:crypto';
import { Command, Child, ChildStdin, ChildStdout } from '@rt/process';
import { BrokenPipe, StreamClosed, readToEnd, readToString, writeAll } from '@rt/io';
import { Builder, Cancelled, spawn } from '@rt/scheduler';

const drivers = ['native', 'node'] as const;
const MiB = 1024 * 1024;

/** Resolves once `promise` is known to be still pending after a few event-loop turns. */
async function stillPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}

/** Writes until a write parks; returns the bytes accepted and the parked write. */
async function fillUntilParked(stdin: ChildStdin, chunk: Uint8Array, signal: AbortSignal): Promise<{ accepted: number; parked: Promise<number> }> {
  let accepted = 0;
  for (let i = 0; i < 100_000; i++) {
    const write = stdin.write(chunk, { signal });
    if (await stillPending(write)) return { accepted, parked: write };
    accepted += await write;
  }
  throw new Error('the pipe never filled');
}

describe.each(drivers)('Child (%s pipes)', (driver) => {
  beforeAll(() => {
    if (driver === 'node') process.env['RT_PROCESS_PIPES'] = 'node';
  });
  afterAll(() => {
    delete process.env['RT_PROCESS_PIPES'];
  });

  it('pipes 16 MiB through cat both ways with matching checksums', async () => {
    const data = randomBytes(16 * MiB);
    const child = new Command('cat').stdin('piped').stdout('piped').spawn();
    const [, echoed] = await Promise.all([
      (async () => {
        // Writes in uneven slices, then shutdown: cat sees end of file.
        for (let offset = 0; offset < data.length; offset += 100_003) await writeAll(child.stdin!, data.subarray(offset, offset + 100_003));
        await child.stdin!.shutdown();
      })(),
      readToEnd(child.stdout!),
    ]);
    expect(echoed.length).toBe(data.length);
    expect(createHash('sha256').update(echoed).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect((await child.wait()).success).toBe(true);
  });

  it('has null stdio handles for streams that are not piped', async () => {
    const child = new Command('true').stdin('null').stdout('null').stderr('null').spawn();
    expect(child.stdin).toBeNull();
    expect(child.stdout).toBeNull();
    expect(child.stderr).toBeNull();
    expect(child).toBeInstanceOf(Child);
    expect(child.id).toBeGreaterThan(0);
    await child.wait();
  });

  it('closes stdin before waiting, so cat exits, delivering what was written', async () => {
    const child = new Command('cat').stdin('piped').stdout('piped').spawn();
    await writeAll(child.stdin!, Buffer.from('partial'));
    const [status, out] = await Promise.all([child.wait(), readToString(child.stdout!)]);
    expect(status.success).toBe(true);
    expect(out).toBe('partial');
    await expect(child.stdin!.write(Buffer.from('x'))).rejects.toBeInstanceOf(Error);
  });

  it('returns null from tryWait while running and the status after', async () => {
    const child = new Command('sleep').arg('30').spawn();
    expect(child.tryWait()).toBeNull();
    const status = await child.kill();
    expect(status.signal).toBe('SIGKILL');
    expect(child.tryWait()).toBe(status);
    expect(await child.wait()).toBe(status);
    child.startKill(); // exited: a no-op, not an error
  });

  it('kills with the signal given', async () => {
    const child = new Command('sleep').arg('30').spawn();
    expect((await child.kill('SIGTERM')).signal).toBe('SIGTERM');
    expect(() => new Command('true').spawn().startKill('SIGNOPE' as NodeJS.Signals)).toThrow(TypeError);
  });

  it('lets an aborted wait be retried', async () => {
    const child = new Command('sleep').arg('30').spawn();
    // Aborted before the call.
    await expect(child.wait({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    // Aborted while parked.
    const controller = new AbortController();
    const waiting = child.wait({ signal: controller.signal });
    expect(await stillPending(waiting)).toBe(true);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(Cancelled);
    expect(child.tryWait()).toBeNull();
    // The retry sees the exit.
    const retry = child.wait();
    child.startKill();
    expect((await retry).signal).toBe('SIGKILL');
    // Aborted after the exit: still a cancellation point, the status stays.
    await expect(child.wait({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    expect((await child.wait()).signal).toBe('SIGKILL');
  });

  it('cancels a wait when its task is aborted', async () => {
    const child = new Command('sleep').arg('30').spawn();
    const task = spawn(() => child.wait());
    expect(await stillPending(Promise.resolve(task))).toBe(true);
    task.abort();
    await expect(task).rejects.toMatchObject({ name: 'JoinError' });
    expect((await child.kill()).signal).toBe('SIGKILL');
  });

  it('kills on dispose when killOnDispose is set', async () => {
    let child: Child | undefined;
    {
      await using c = new Command('sleep').arg('30').stdout('piped').killOnDispose(true).spawn();
      child = c;
      expect(c.tryWait()).toBeNull();
    }
    expect(child.tryWait()?.signal).toBe('SIGKILL');
    // stdout was closed by the dispose.
    await expect(child.stdout!.read(Buffer.alloc(1))).rejects.toBeInstanceOf(StreamClosed);
  });

  it('waits on dispose without killing by default', async () => {
    let child: Child | undefined;
    {
      await using c = new Command('sh').args(['-c', 'exit 5']).spawn();
      child = c;
    }
    expect(child.tryWait()?.code).toBe(5);
  });

  it('loses no byte when a read is aborted', async () => {
    const child = new Command('cat').stdin('piped').stdout('piped').spawn();
    const buf = Buffer.alloc(64);
    // Aborted before the call.
    await expect(child.stdout!.read(buf, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    // Aborted while parked (nothing written yet).
    const controller = new AbortController();
    const reading = child.stdout!.read(buf, { signal: controller.signal });
    expect(await stillPending(reading)).toBe(true);
    controller.abort();
    await expect(reading).rejects.toBeInstanceOf(Cancelled);
    // Data arrives after the abort: the next read gets all of it.
    await writeAll(child.stdin!, Buffer.from('hello'));
    await child.stdin!.shutdown();
    expect(await readToString(child.stdout!)).toBe('hello');
    expect(await child.stdout!.read(buf)).toBe(0); // end of file, again
    await child.wait();
  });

  it('cancels a read when its task is aborted, keeping the bytes for the next read', async () => {
    const child = new Command('cat').stdin('piped').stdout('piped').spawn();
    const buf = Buffer.alloc(64);
    const task = spawn(() => child.stdout!.read(buf));
    expect(await stillPending(Promise.resolve(task))).toBe(true);
    task.abort();
    await expect(task).rejects.toMatchObject({ name: 'JoinError' });
    await writeAll(child.stdin!, Buffer.from('kept'));
    await child.stdin!.shutdown();
    expect(await readToString(child.stdout!)).toBe('kept');
    await child.wait();
  });

  it('writes no byte of an aborted write, and loses none written before', async () => {
    // cat stops reading once its stdout is full, so our writes park.
    const child = new Command('cat').stdin('piped').stdout('piped').spawn();
    const chunk = Buffer.alloc(64 * 1024, 7);
    const controller = new AbortController();
    const { accepted, parked } = await fillUntilParked(child.stdin!, chunk, controller.signal);
    controller.abort();
    await expect(parked).rejects.toBeInstanceOf(Cancelled);
    const [, out] = await Promise.all([
      (async () => {
        await writeAll(child.stdin!, Buffer.from('end'));
        await child.stdin!.shutdown();
      })(),
      readToEnd(child.stdout!),
    ]);
    expect(out.length).toBe(accepted + 3);
    expect(out.subarray(out.length - 3).toString()).toBe('end');
    await child.wait();
  });

  it('fails writes to a child that closed its stdin with BrokenPipe', async () => {
    const child = new Command('sh').args(['-c', 'exec 0<&-; echo closed']).stdin('piped').stdout('piped').spawn();
    expect(await readToString(child.stdout!)).toBe('closed\n');
    const status = await new Promise<unknown>((resolve) => {
      const attempt = (): void => {
        child.stdin!.write(Buffer.alloc(65536)).then(attempt, resolve);
      };
      attempt();
    });
    expect(status).toBeInstanceOf(BrokenPipe);
    await child.wait();
  });

  it('fails reads after close() with StreamClosed, including a parked read', async () => {
    const child = new Command('sleep').arg('30').stdout('piped').spawn();
    const stdout: ChildStdout = child.stdout!;
    const parked = stdout.read(Buffer.alloc(8));
    expect(await stillPending(parked)).toBe(true);
    stdout.close();
    await expect(parked).rejects.toBeInstanceOf(StreamClosed);
    await expect(stdout.read(Buffer.alloc(8))).rejects.toBeInstanceOf(StreamClosed);
    await child.kill();
  });

  it('rejects a read with an aborted signal even when data is ready, consuming nothing', async () => {
    const child = new Command('echo').arg('xyz').stdout('piped').spawn();
    await child.wait();
    await expect(child.stdout!.read(Buffer.alloc(8), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(Cancelled);
    expect(await readToString(child.stdout!)).toBe('xyz\n');
  });

  it('runs in an explicit runtime and fails parked reads when that runtime shuts down', async () => {
    const runtime = Builder.currentThread().enableAll().build();
    const { child, parked } = await runtime.run(() => {
      const c = new Command('sleep').arg('30').stdout('piped').spawn();
      return { child: c, parked: c.stdout!.read(Buffer.alloc(8)).then(() => 'read', (error: unknown) => error) };
    });
    expect(await stillPending(parked)).toBe(true);
    await runtime.shutdown();
    if (driver === 'native') expect(await parked).toBeInstanceOf(StreamClosed);
    child.stdout!.close();
    if (driver === 'node') expect(await parked).toBeInstanceOf(StreamClosed);
    expect((await child.kill()).signal).toBe('SIGKILL');
  });

  it('reads stdout and stderr of one child from two tasks', async () => {
    const child = new Command('sh').args(['-c', 'head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2']).stdout('piped').stderr('piped').spawn();
    const [out, err] = await Promise.all([spawn(() => readToEnd(child.stdout!)), spawn(() => readToEnd(child.stderr!))]);
    expect(out.length).toBe(MiB);
    expect(err.length).toBe(MiB);
    expect((await child.wait()).success).toBe(true);
  });
});
