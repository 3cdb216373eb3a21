import { Cancelled } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { BufReader, InvalidData, LineTooLong, Lines, ResourceBusy, duplex, writeAll } from '@rt/io';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('Lines', () => {
  it('yields lines without \\n or \\r\\n, including a last line without terminator', async () => {
    const [a, b] = duplex(4);
    const writing = writeAll(a, text('alpha\nbeta\r\n\ngamma')).then(() => a.shutdown());
    const lines: string[] = [];
    for await (const line of new BufReader(b, { capacity: 3 }).lines()) lines.push(line);
    await writing;
    expect(lines).toEqual(['alpha', 'beta', '', 'gamma']);
  });

  it('resolves null at end of stream, and keeps doing so', async () => {
    const [a, b] = duplex(16);
    await writeAll(a, text('x\n'));
    await a.shutdown();
    const lines = new Lines(new BufReader(b));
    expect(await lines.nextLine()).toBe('x');
    expect(await lines.nextLine()).toBeNull();
    expect(await lines.nextLine()).toBeNull();
  });

  it('keeps the partial line when nextLine is aborted, and continues it (cancel safe)', async () => {
    const [a, b] = duplex(16);
    const lines = new BufReader(b, { capacity: 4 }).lines();
    const controller = new AbortController();
    const reading = track(lines.nextLine({ signal: controller.signal }));
    await writeAll(a, text('hello '));
    await settle();
    controller.abort();
    await settle();
    expect(reading.error).toBeInstanceOf(Cancelled);
    expect(lines.pendingLength).toBeGreaterThan(0);
    await writeAll(a, text('world\n'));
    expect(await lines.nextLine()).toBe('hello world');
  });

  it('fails with LineTooLong, drops that line and returns the next one', async () => {
    const [a, b] = duplex(1024);
    await writeAll(a, text('short\n' + 'y'.repeat(100) + '\nafter\n'));
    await a.shutdown();
    const lines = new BufReader(b, { capacity: 8, maxLineLength: 20 }).lines();
    expect(await lines.nextLine()).toBe('short');
    await expect(lines.nextLine()).rejects.toBeInstanceOf(LineTooLong);
    expect(await lines.nextLine()).toBe('after');
    expect(await lines.nextLine()).toBeNull();
  });

  it('bounds memory: an endless line without newline fails instead of growing', async () => {
    const [a, b] = duplex(64);
    const lines = new BufReader(b, { maxLineLength: 1000 }).lines();
    const reading = lines.nextLine();
    const writing = (async () => {
      try {
        for (;;) await writeAll(a, new Uint8Array(64).fill(0x7a));
      } catch {
        // b closed below
      }
    })();
    await expect(reading).rejects.toBeInstanceOf(LineTooLong);
    expect(lines.pendingLength).toBe(0);
    b.close();
    await writing;
  });

  it('fails with InvalidData for a line that is not UTF-8', async () => {
    const [a, b] = duplex(16);
    await writeAll(a, Uint8Array.of(0xc3, 0x0a, 0x62, 0x0a));
    await a.shutdown();
    const lines = new BufReader(b).lines();
    await expect(lines.nextLine()).rejects.toBeInstanceOf(InvalidData);
    expect(await lines.nextLine()).toBe('b');
  });

  it('stops the for-await loop when its signal aborts', async () => {
    const [a, b] = duplex(16);
    const controller = new AbortController();
    await writeAll(a, text('1\n'));
    const seen: string[] = [];
    const loop = track(
      (async () => {
        for await (const line of new BufReader(b).lines({ signal: controller.signal })) seen.push(line);
      })(),
    );
    await settle();
    controller.abort();
    await settle();
    expect(loop.error).toBeInstanceOf(Cancelled);
    expect(seen).toEqual(['1']);
  });

  it('rejects an overlapping nextLine with ResourceBusy', async () => {
    const [a, b] = duplex(16);
    const lines = new BufReader(b).lines();
    const first = lines.nextLine();
    await expect(lines.nextLine()).rejects.toBeInstanceOf(ResourceBusy);
    await writeAll(a, text('z\n'));
    expect(await first).toBe('z');
  });
});
