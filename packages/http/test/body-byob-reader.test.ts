// The light BYOB reader of a body stream (BodyStream.getReader({ mode: 'byob' }) on a fresh
// stream): the platform's observable behaviour (lock, errors, end, cancel, releaseLock, closed,
// views of other types, `min`), and no byte lost, repeated or reordered when it is mixed with
// platform readers, releases with reads in flight, tee, pipeTo and for await; then the same over
// a real socket.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { HttpClient, HttpError, serve, type HttpServer } from '@rt/http';
import { BodyReader } from '../src/internal/body.js';
import { BodyStream } from '../src/internal/body-stream.js';
import { InputBuffer, parseRequestHead, type ParserLimits } from '../src/internal/parser.js';
import { open, pattern, readUntil, sendForAnswers, statuses } from './support/raw.js';

const limits: ParserLimits = { maxRequestLine: 1024, maxHeaderSize: 4096, maxHeaders: 50, maxBodySize: 1 << 20 };

interface Wire {
  stream: BodyStream;
  done: { calls: { error: unknown; cancelled: boolean | undefined }[] };
  /** Makes the next socket reads fail with `error`. */
  breakWith(error: Error): void;
  /** How many socket reads have been started. */
  fills(): number;
}

/**
 * A body stream over an in-memory "socket" that delivers at most `cut` bytes per read, each read
 * settling a macrotask later when `slow` (so reads are in flight while the test acts).
 */
async function wire(body: Buffer, options: { chunked?: boolean; cut?: number; slow?: boolean; declared?: number; now?: boolean; headTakes?: number } = {}): Promise<Wire> {
  const cut = options.cut ?? 1000;
  const framed = options.chunked
    ? Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])
    : Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${options.declared ?? body.length}\r\n\r\n`), body]);
  let at = 0;
  let broken: Error | undefined;
  let fills = 0;
  const input = new InputBuffer();
  const fill = (into?: Uint8Array): Promise<number> => {
    fills++;
    const run = (): number => {
      if (broken !== undefined) throw broken;
      const target = into ?? input.spare(cut);
      const n = Math.min(cut, target.length, framed.length - at);
      target.set(framed.subarray(at, at + n));
      at += n;
      if (into === undefined) input.commit(n);
      return n;
    };
    if (!options.slow) return new Promise((resolve) => resolve(run()));
    return new Promise((resolve, reject) => setImmediate(() => {
      try {
        resolve(run());
      } catch (error) {
        reject(error);
      }
    }));
  };
  // The head alone first (with `headTakes` body bytes: what a server's head read may take along), the body after.
  let head = parseRequestHead(input, limits);
  while (head === undefined) {
    const target = input.spare(1);
    const end = framed.indexOf('\r\n\r\n') + 4 + (options.headTakes ?? 0);
    target.set(framed.subarray(at, end));
    input.commit(end - at);
    at = end;
    head = parseRequestHead(input, limits);
  }
  const done: Wire['done'] = { calls: [] };
  // `now`: socket reads straight into a view complete at once (the server's TcpStream.readNow).
  const fillNow = options.now
    ? (into: Uint8Array): number => {
        if (broken !== undefined) throw broken;
        const n = Math.min(cut, into.length, framed.length - at);
        into.set(framed.subarray(at, at + n));
        at += n;
        return n;
      }
    : undefined;
  const stream = new BodyStream(new BodyReader(input, fill, head, limits.maxBodySize, undefined, fillNow), (error, cancelled) => done.calls.push({ error, cancelled }));
  return { stream, done, breakWith: (error) => void (broken = error), fills: () => fills };
}

describe('the light BYOB reader of a body stream', () => {
  it('fills the caller memory, locks the stream as the platform does, and ends with an empty view and closed resolved', async () => {
    const body = pattern(10_000);
    const { stream, done } = await wire(body, { cut: 3000 });
    const reader = stream.getReader({ mode: 'byob' });
    expect(reader).not.toBeInstanceOf(ReadableStreamBYOBReader); // the light one
    expect(stream.locked).toBe(true);
    expect(() => stream.getReader()).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_STATE' }));
    await expect(stream.cancel()).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    await expect(stream.pipeTo(new WritableStream())).rejects.toMatchObject({ name: 'TypeError' });
    const memory = new ArrayBuffer(4096);
    const parts: Buffer[] = [];
    for (;;) {
      const { done: end, value } = await reader.read(new Uint8Array(memory, 100, 3900));
      expect(value).toBeInstanceOf(Uint8Array);
      expect(value!.buffer).toBe(memory); // the same memory, not transferred
      expect(value!.byteOffset).toBe(100);
      if (end) {
        expect(value!.length).toBe(0);
        break;
      }
      parts.push(Buffer.from(value!));
    }
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    await expect(reader.closed).resolves.toBeUndefined();
    expect(done.calls).toEqual([{ error: undefined, cancelled: undefined }]);
    // Read again after the end: done at once, also through a new platform reader.
    expect((await reader.read(new Uint8Array(8))).done).toBe(true);
    reader.releaseLock();
    expect(await stream.getReader().read()).toEqual({ done: true, value: undefined });
    expect(done.calls).toHaveLength(1);
  });

  it('refuses what the platform refuses, with the same error codes', async () => {
    const { stream } = await wire(pattern(10));
    const reader = stream.getReader({ mode: 'byob' });
    await expect(reader.read({} as Uint8Array)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(reader.read(new Uint8Array(0))).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    await expect(reader.read(new Uint8Array(4), { min: 0 })).rejects.toBeInstanceOf(TypeError);
    await expect(reader.read(new Uint8Array(4), { min: 5 })).rejects.toBeInstanceOf(RangeError);
    reader.releaseLock();
    reader.releaseLock(); // twice: nothing
    await expect(reader.read(new Uint8Array(4))).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    await expect(reader.cancel()).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    await expect(reader.closed).rejects.toMatchObject({ name: 'TypeError' }); // as the platform's after a release
  });

  it('gives views of wider elements whole elements, honours min, and returns a short last read with done', async () => {
    const body = pattern(1001);
    const { stream } = await wire(body, { cut: 7 });
    const reader = stream.getReader({ mode: 'byob' });
    const wide = await reader.read(new Uint16Array(8));
    expect(wide.done).toBe(false);
    expect(wide.value).toBeInstanceOf(Uint16Array);
    expect(wide.value!.length).toBe(4); // 7 bytes arrived: 8 read to make whole elements
    const view = await reader.read(new DataView(new ArrayBuffer(5)));
    expect(view.value).toBeInstanceOf(DataView);
    const least = await reader.read(new Uint8Array(100), { min: 50 });
    expect(least.value!.length).toBeGreaterThanOrEqual(50); // several 7-byte socket reads
    const got = [Buffer.from(wide.value!.buffer, 0, 8), Buffer.from(view.value!.buffer, 0, view.value!.byteLength), Buffer.from(least.value!)];
    let total = got.reduce((sum, part) => sum + part.length, 0);
    for (;;) {
      const last = await reader.read(new Uint8Array(2000), { min: 2000 }); // more than is left
      got.push(Buffer.from(last.value!));
      total += last.value!.length;
      if (last.done) break;
    }
    expect(total).toBe(1001);
    expect(Buffer.concat(got).equals(body)).toBe(true);
  });

  it('fails a wide read whose body ends inside an element, and errors the stream', async () => {
    const { stream, done } = await wire(pattern(5), { cut: 2 });
    const reader = stream.getReader({ mode: 'byob' });
    expect((await reader.read(new Uint16Array(2), { min: 2 })).value!.length).toBe(2); // 4 bytes, two socket reads
    await expect(reader.read(new Uint16Array(2))).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
    await expect(reader.closed).rejects.toBeInstanceOf(TypeError);
    expect(done.calls).toHaveLength(1);
    expect(done.calls[0]!.error).toBeInstanceOf(TypeError);
  });

  it('errors the platform stream with the body error: later readers of any kind see it, onDone once', async () => {
    const { stream, done, breakWith } = await wire(pattern(5000), { cut: 1000 });
    const reader = stream.getReader({ mode: 'byob' });
    expect((await reader.read(new Uint8Array(1500))).value!.length).toBe(1000);
    const failure = new Error('the socket broke');
    breakWith(failure);
    await expect(reader.read(new Uint8Array(1500))).rejects.toBe(failure);
    await expect(reader.closed).rejects.toBe(failure);
    await expect(reader.read(new Uint8Array(1500))).rejects.toBe(failure);
    reader.releaseLock();
    await expect(stream.getReader().read()).rejects.toBe(failure);
    expect(done.calls).toEqual([{ error: failure, cancelled: undefined }]);
  });

  it('rejects with HttpError 400 when the connection ends inside a Content-Length body, and errors the stream', async () => {
    const { stream, done } = await wire(pattern(3000), { cut: 1000, declared: 5000, slow: true });
    const reader = stream.getReader({ mode: 'byob' });
    let got = 0;
    let failure: unknown;
    try {
      for (let r = await reader.read(new Uint8Array(4096)); !r.done; r = await reader.read(new Uint8Array(4096))) got += r.value!.length;
    } catch (error) {
      failure = error;
    }
    expect(got).toBe(3000);
    expect(failure).toBeInstanceOf(HttpError);
    expect(failure).toMatchObject({ status: 400, code: 'ERR_RT_HTTP_INCOMPLETE' });
    await expect(reader.closed).rejects.toBe(failure);
    expect(done.calls).toEqual([{ error: failure, cancelled: undefined }]);
  });

  it('cancel with a read in flight: the read resolves done and undefined, the stream is closed, onDone says cancelled', async () => {
    const { stream, done } = await wire(pattern(5000), { slow: true });
    const reader = stream.getReader({ mode: 'byob' });
    const pending = reader.read(new Uint8Array(100));
    const queued = reader.read(new Uint8Array(100));
    await reader.cancel('enough');
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await queued).toEqual({ done: true, value: undefined });
    expect(done.calls).toEqual([{ error: 'enough', cancelled: true }]);
    await expect(reader.closed).resolves.toBeUndefined();
    expect((await reader.read(new Uint8Array(100))).done).toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // the socket read in flight settles: nothing happens
    expect(done.calls).toHaveLength(1);
  });

  it('releaseLock with reads in flight rejects them and loses no byte: the next reader of any kind goes on in order', async () => {
    const body = pattern(20_000);
    for (const next of ['light', 'byob', 'default', 'for await', 'tee', 'pipeTo', 'Response'] as const) {
      const { stream, done } = await wire(body, { cut: 700, slow: true });
      const reader = stream.getReader({ mode: 'byob' });
      const first = await reader.read(new Uint8Array(1000));
      const parts = [Buffer.from(first.value!)];
      const inFlight = reader.read(new Uint8Array(1000));
      const queued = reader.read(new Uint8Array(1000));
      reader.releaseLock();
      await expect(inFlight).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
      await expect(queued).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
      expect(stream.locked).toBe(false);
      if (next === 'light' || next === 'byob') {
        // 'byob' after the light one: a fresh BYOB reader again (light: nothing was read by the platform)
        const again = stream.getReader({ mode: 'byob' });
        for (let r = await again.read(new Uint8Array(333)); !r.done; r = await again.read(new Uint8Array(333))) parts.push(Buffer.from(r.value!));
      } else if (next === 'default') {
        const again = stream.getReader();
        for (let r = await again.read(); !r.done; r = await again.read()) parts.push(Buffer.from(r.value));
      } else if (next === 'for await') {
        for await (const chunk of stream) parts.push(Buffer.from(chunk));
      } else if (next === 'tee') {
        const [a, b] = stream.tee();
        const [x, y] = await Promise.all([new Response(a).arrayBuffer(), new Response(b).arrayBuffer()]);
        expect(Buffer.from(x).equals(Buffer.from(y))).toBe(true);
        parts.push(Buffer.from(x));
      } else if (next === 'pipeTo') {
        await stream.pipeTo(new WritableStream({ write: (chunk: Uint8Array) => void parts.push(Buffer.from(chunk)) }));
      } else {
        parts.push(Buffer.from(await new Response(stream).arrayBuffer()));
      }
      expect(Buffer.concat(parts).equals(body)).toBe(true);
      expect(done.calls).toEqual([{ error: undefined, cancelled: undefined }]);
    }
  });

  it('releaseLock during a min read that the body ends short: the next reader gets those bytes', async () => {
    const body = pattern(1500);
    for (const next of ['default', 'light'] as const) {
      const { stream, done } = await wire(body, { cut: 700, slow: true });
      const reader = stream.getReader({ mode: 'byob' });
      const first = await reader.read(new Uint8Array(1000));
      const parts = [Buffer.from(first.value!)];
      const inFlight = reader.read(new Uint8Array(2000), { min: 2000 }); // more than is left
      reader.releaseLock();
      await expect(inFlight).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
      if (next === 'default') {
        const again = stream.getReader();
        for (let r = await again.read(); !r.done; r = await again.read()) parts.push(Buffer.from(r.value));
      } else {
        const again = stream.getReader({ mode: 'byob' });
        for (let r = await again.read(new Uint8Array(300)); !r.done; r = await again.read(new Uint8Array(300))) parts.push(Buffer.from(r.value!));
      }
      expect(Buffer.concat(parts).equals(body)).toBe(true);
      expect(done.calls).toEqual([{ error: undefined, cancelled: undefined }]);
    }
  });

  it('cancel during a min read: no socket read starts after the cancel', async () => {
    for (const view of [new Uint8Array(5000), new Uint16Array(2500)]) {
      const { stream, done, fills } = await wire(pattern(10_000), { cut: 100, slow: true });
      const reader = stream.getReader({ mode: 'byob' });
      const pending = reader.read(view, { min: view.length }); // 50 socket reads of 100 bytes
      await new Promise((resolve) => setImmediate(resolve));
      await reader.cancel('enough');
      expect(await pending).toEqual({ done: true, value: undefined });
      const atCancel = fills();
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(fills()).toBe(atCancel); // only the read in flight at the cancel, none after it
      expect(done.calls).toEqual([{ error: 'enough', cancelled: true }]);
    }
  });

  it('the platform BYOB reader whose body ends inside an element: the stream errors and onDone is called (the connection is freed)', async () => {
    const { stream, done } = await wire(pattern(5), { cut: 2 });
    const platform = stream.getReader();
    expect((await platform.read()).value).toHaveLength(2);
    platform.releaseLock();
    const reader = stream.getReader({ mode: 'byob' });
    expect(reader).toBeInstanceOf(ReadableStreamBYOBReader);
    expect((await reader.read(new Uint16Array(4))).value).toHaveLength(1); // 2 of the 3 bytes left
    await expect(reader.read(new Uint16Array(4))).rejects.toMatchObject({ name: 'TypeError' });
    await expect(reader.closed).rejects.toMatchObject({ name: 'TypeError' }); // the platform's TypeError (another realm under jest)
    expect(done.calls).toHaveLength(1);
    expect(done.calls[0]!.error).toMatchObject({ name: 'TypeError' });
  });

  it('after a platform read, a BYOB reader is the platform one (its controller may hold bytes)', async () => {
    const body = pattern(3000);
    const { stream } = await wire(body, { cut: 1000 });
    const platform = stream.getReader();
    const first = await platform.read();
    platform.releaseLock();
    const reader = stream.getReader({ mode: 'byob' });
    expect(reader).toBeInstanceOf(ReadableStreamBYOBReader);
    const parts = [Buffer.from(first.value!)];
    for (let r = await reader.read(new Uint8Array(512)); !r.done; r = await reader.read(new Uint8Array(512))) parts.push(Buffer.from(r.value!));
    expect(Buffer.concat(parts).equals(body)).toBe(true);
  });

  it('delivers every byte once, in order, under random mixes of light reads, releases in flight and platform readers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3000 }),
        fc.boolean(),
        fc.integer({ min: 16, max: 900 }),
        fc.array(fc.tuple(fc.constantFrom('light', 'light-release', 'default', 'byob'), fc.integer({ min: 1, max: 800 })), { minLength: 1, maxLength: 10 }),
        async (length, chunked, cut, steps) => {
          const body = pattern(length);
          const { stream, done } = await wire(body, { chunked, cut, slow: cut % 2 === 0 });
          const parts: Buffer[] = [];
          let ended = false;
          for (let i = 0; !ended; i++) {
            const [kind, size] = steps[i % steps.length]!;
            if (kind === 'default') {
              const reader = stream.getReader();
              const r = await reader.read();
              if (r.done) ended = true;
              else parts.push(Buffer.from(r.value));
              reader.releaseLock();
            } else {
              // 'byob' and 'light' alike: the light reader until the platform has read, then the platform's
              const reader: ReadableStreamBYOBReader = stream.getReader({ mode: 'byob' });
              const r = await reader.read(new Uint8Array(size));
              if (r.done) ended = true;
              else parts.push(Buffer.from(r.value!));
              const platform = (reader as unknown) instanceof ReadableStreamBYOBReader;
              // A release with a read in flight only on the light reader: Node 20's own BYOB reader
              // never settles the next BYOB read after that (a platform bug, fixed by Node 24).
              if (kind === 'light-release' && !ended && !platform) {
                const lost = reader.read(new Uint8Array(size)); // in flight at the release
                reader.releaseLock();
                // Unless its bytes were there at once: a read settled before the release keeps them.
                const kept = await lost.catch(() => undefined);
                if (kept?.value !== undefined) parts.push(Buffer.from(kept.value));
                if (kept?.done === true) ended = true;
              } else {
                reader.releaseLock();
              }
            }
          }
          expect(Buffer.concat(parts).equals(body)).toBe(true);
          expect(done.calls).toEqual([{ error: undefined, cancelled: undefined }]);
        },
      ),
      { numRuns: 100, endOnFailure: true },
    );
  }, 60_000);
});

describe('the light BYOB reader when the bytes are there at once', () => {
  it('resolves each read at once with no socket promise, delivers every byte in order, and ends as the async path does', async () => {
    const body = pattern(10_000);
    const { stream, done, fills } = await wire(body, { cut: 3000, now: true });
    const reader = stream.getReader({ mode: 'byob' });
    const memory = new ArrayBuffer(4096);
    const parts: Buffer[] = [];
    for (;;) {
      const pending = reader.read(new Uint8Array(memory));
      const { done: end, value } = await pending;
      expect(value!.buffer).toBe(memory);
      if (end) break;
      parts.push(Buffer.from(value!));
    }
    expect(Buffer.concat(parts)).toEqual(body);
    expect(fills()).toBe(0); // every socket read completed at once (the end needs none)
    await reader.closed;
    expect(done.calls).toEqual([{ error: undefined, cancelled: undefined }]);
  });

  it('a read that fills its view resolves with that view itself; a short one with a new view of its type over the same memory', async () => {
    const { stream } = await wire(pattern(5000), { cut: 3000, now: true });
    const reader = stream.getReader({ mode: 'byob' });
    const full = new Uint8Array(2000);
    expect((await reader.read(full)).value).toBe(full);
    const short = new Uint16Array(2000); // 4,000 bytes asked, 3,000 left in the body
    const r = await reader.read(short);
    expect(r.value).not.toBe(short);
    expect(r.value).toBeInstanceOf(Uint16Array);
    expect(r.value!.buffer).toBe(short.buffer);
    expect(r.value!.length).toBe(1500);
  });

  it('a socket error from a read that completes at once rejects that read, errors the stream and calls onDone once', async () => {
    const { stream, done, breakWith } = await wire(pattern(10_000), { cut: 1000, now: true });
    const reader = stream.getReader({ mode: 'byob' });
    expect((await reader.read(new Uint8Array(500))).value!.length).toBe(500);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    breakWith(reset);
    await expect(reader.read(new Uint8Array(500))).rejects.toBe(reset);
    await expect(reader.closed).rejects.toBe(reset);
    reader.releaseLock();
    await expect(stream.getReader().read()).rejects.toBe(reset);
    expect(done.calls).toEqual([{ error: reset, cancelled: undefined }]);
  });
});

describe('the light BYOB reader after a head read that took body bytes', () => {
  it('one read gives the buffered bytes and what the socket has now, up to the view or the body end', async () => {
    const body = pattern(10_000);
    const { stream, fills } = await wire(body, { cut: 3000, now: true, headTakes: 700 });
    const reader = stream.getReader({ mode: 'byob' });
    const lengths: number[] = [];
    const parts: Buffer[] = [];
    for (let r = await reader.read(new Uint8Array(4096)); !r.done; r = await reader.read(new Uint8Array(4096))) {
      lengths.push(r.value.length);
      parts.push(Buffer.from(r.value));
    }
    expect(Buffer.concat(parts)).toEqual(body);
    // 700 buffered + 3,000 from the socket (its cut) in the first read, then the socket's pieces.
    expect(lengths).toEqual([3700, 3000, 3000, 300]);
    expect(fills()).toBe(0);
  });

  it('a view larger than the body: the first read stops at the body end and the stream ends', async () => {
    const body = pattern(2000);
    const { stream, done } = await wire(body, { cut: 5000, now: true, headTakes: 500 });
    const reader = stream.getReader({ mode: 'byob' });
    const first = await reader.read(new Uint8Array(8192));
    expect(Buffer.from(first.value!)).toEqual(body);
    expect((await reader.read(new Uint8Array(8192))).done).toBe(true);
    expect(done.calls).toEqual([{ error: undefined, cancelled: undefined }]);
  });

  it('when the socket has nothing now, the first read gives the buffered bytes alone and the next goes to the socket', async () => {
    const body = pattern(5000);
    const { stream, fills } = await wire(body, { cut: 3000, headTakes: 600 }); // no read completes at once
    const reader = stream.getReader({ mode: 'byob' });
    const first = await reader.read(new Uint8Array(4096));
    expect(Buffer.from(first.value!)).toEqual(body.subarray(0, 600));
    expect(fills()).toBe(0);
    const parts = [Buffer.from(first.value!)];
    for (let r = await reader.read(new Uint8Array(4096)); !r.done; r = await reader.read(new Uint8Array(4096))) parts.push(Buffer.from(r.value));
    expect(Buffer.concat(parts)).toEqual(body);
  });

  it('a socket error in that read rejects it and errors the stream; the buffered bytes are not handed out and not lost', async () => {
    const body = pattern(10_000);
    const { stream, done, breakWith } = await wire(body, { cut: 3000, now: true, headTakes: 800 });
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    breakWith(reset);
    const reader = stream.getReader({ mode: 'byob' });
    await expect(reader.read(new Uint8Array(4096))).rejects.toBe(reset);
    await expect(reader.closed).rejects.toBe(reset);
    expect(done.calls).toEqual([{ error: reset, cancelled: undefined }]);
  });

  it('BodyReader.readNow: a socket error after the buffered bytes were copied puts them back in front of the rest', async () => {
    const framed = Buffer.concat([Buffer.from('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n'), pattern(5000)]);
    const input = new InputBuffer();
    input.push(framed.subarray(0, framed.indexOf('\r\n\r\n') + 4 + 900)); // the head and 900 body bytes
    const head = parseRequestHead(input, limits)!;
    let at = framed.length - 4100;
    let broken = true;
    const fillNow = (into: Uint8Array): number => {
      if (broken) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      const n = Math.min(into.length, framed.length - at);
      into.set(framed.subarray(at, at + n));
      at += n;
      return n;
    };
    const reader = new BodyReader(input, () => Promise.reject(new Error('no async read here')), head, limits.maxBodySize, undefined, fillNow);
    const view = new Uint8Array(8192);
    expect(() => reader.readNow(view)).toThrow(expect.objectContaining({ code: 'ECONNRESET' }));
    expect(reader.knownRemaining).toBe(5000);
    broken = false;
    expect(reader.readNow(view)).toBe(5000);
    expect(Buffer.from(view.subarray(0, 5000))).toEqual(pattern(5000));
    expect(reader.done).toBe(true);
  });
});

describe('a body stream object', () => {
  it('has one object layout for every body (no map of its own per request on Node 20), stays a transferable platform stream, and says BodyStream as its constructor', async () => {
    // V8's own check of a shared map (%HaveSameMap), compiled after allowing natives syntax.
    setFlagsFromString('--allow-natives-syntax');
    const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
    const streams = await Promise.all([wire(pattern(10)), wire(pattern(20)), wire(pattern(30), { chunked: true })]);
    expect(sameMap(streams[0]!.stream, streams[1]!.stream)).toBe(true);
    expect(sameMap(streams[0]!.stream, streams[2]!.stream)).toBe(true);
    const { stream } = streams[0]!;
    expect(stream.constructor).toBe(BodyStream);
    expect(Object.getPrototypeOf(stream)).toBe(BodyStream.prototype);
    expect(stream).toBeInstanceOf(ReadableStream);
    expect(Object.keys(BodyStream.prototype)).not.toContain('constructor');
    // Still the platform's transferable stream: a transfer hands the bytes to the new stream.
    const moved = structuredClone(stream, { transfer: [stream as never] });
    expect(stream.locked).toBe(true);
    const bytes: number[] = [];
    for await (const chunk of moved) bytes.push(...chunk);
    expect(Buffer.from(bytes)).toEqual(pattern(10));
    for (const { stream: other } of streams.slice(1)) await other.cancel();
  });

  it("is made without the platform's generic property copy (Node 20's makeTransferable reads `constructor`; a body stream's construction never does)", async () => {
    const descriptor = Object.getOwnPropertyDescriptor(BodyStream.prototype, 'constructor')!;
    let reads = 0;
    Object.defineProperty(BodyStream.prototype, 'constructor', {
      get: () => {
        reads += 1;
        return BodyStream;
      },
      configurable: true,
    });
    let made: Awaited<ReturnType<typeof wire>>;
    try {
      made = await wire(pattern(10));
    } finally {
      Object.defineProperty(BodyStream.prototype, 'constructor', descriptor);
    }
    expect(reads).toBe(0);
    // And it is the platform's stream all the same: read through a platform reader, then transferred.
    const { stream } = made;
    const reader = stream.getReader();
    expect(Buffer.from((await reader.read()).value!)).toEqual(pattern(10));
    reader.releaseLock();
    const moved = structuredClone(stream, { transfer: [stream as never] });
    expect((await moved.getReader().read()).done).toBe(true);
  });
});

describe('the light BYOB reader under random reads of every shape', () => {
  type Step = { kind: 'light' | 'light-release' | 'default' | 'default-release'; type: 'u8' | 'u16' | 'dv'; size: number; min: boolean };
  const step = fc.record<Step>({
    kind: fc.constantFrom('light', 'light-release', 'default', 'default-release'),
    type: fc.constantFrom('u8', 'u16', 'dv'),
    size: fc.integer({ min: 1, max: 700 }),
    min: fc.boolean(),
  });
  const make = (type: Step['type'], size: number): ArrayBufferView =>
    type === 'u16' ? new Uint16Array(size) : type === 'dv' ? new DataView(new ArrayBuffer(size)) : new Uint8Array(size);

  it('every byte once and in order, or a prefix and the platform error for an element the body cuts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3000 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 900 }),
        fc.array(step, { minLength: 1, maxLength: 8 }),
        async (length, chunked, cut, steps) => {
          const body = pattern(length);
          const { stream, done } = await wire(body, { chunked, cut, slow: cut % 2 === 0 });
          const parts: Buffer[] = [];
          let failure: unknown;
          let ended = false;
          for (let i = 0; !ended && failure === undefined && i < 10_000; i++) {
            const { kind, type, size, min } = steps[i % steps.length]!;
            try {
              if (kind.startsWith('default')) {
                const reader = stream.getReader();
                const r = await reader.read();
                if (r.done) ended = true;
                else parts.push(Buffer.from(r.value));
                if (kind === 'default-release' && !ended) {
                  const lost = reader.read();
                  reader.releaseLock();
                  // Unless a chunk was there at once: a read settled before the release keeps it.
                  const kept = await lost.catch(() => undefined);
                  if (kept?.value !== undefined) parts.push(Buffer.from(kept.value));
                  if (kept?.done === true) ended = true;
                } else {
                  reader.releaseLock();
                }
              } else {
                const reader: ReadableStreamBYOBReader = stream.getReader({ mode: 'byob' });
                const platform = (reader as unknown) instanceof ReadableStreamBYOBReader;
                const view = make(type, size);
                const elements = view.byteLength / ((view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1);
                const r = await reader.read(view, min ? { min: elements } : undefined);
                if (r.value !== undefined) parts.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength));
                if (r.done) ended = true;
                // Releases in flight on the light reader only (Node 20's own BYOB reader hangs after one).
                if (kind === 'light-release' && !ended && !platform) {
                  const lost = reader.read(make(type, size), min ? { min: elements } : undefined);
                  reader.releaseLock();
                  // Unless its bytes were there at once: a read settled before the release keeps them.
                  const kept = await lost.catch(() => undefined);
                  if (kept?.value !== undefined) parts.push(Buffer.from(kept.value.buffer, kept.value.byteOffset, kept.value.byteLength));
                  if (kept?.done === true) ended = true;
                } else {
                  reader.releaseLock();
                }
              }
            } catch (error) {
              failure = error;
            }
          }
          const got = Buffer.concat(parts);
          if (failure === undefined) {
            expect(ended).toBe(true);
            expect(got.equals(body)).toBe(true);
            expect(done.calls).toEqual([{ error: undefined, cancelled: undefined }]);
          } else {
            // Only a wide read that takes the rest of the body and finds it odd fails (its bytes
            // with it), as the platform's does.
            expect(failure).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_STATE' });
            expect(got.equals(body.subarray(0, got.length))).toBe(true);
            expect((body.length - got.length) % 2).toBe(1);
            expect(done.calls).toHaveLength(1);
          }
        },
      ),
      {
        numRuns: 150,
        endOnFailure: true,
        // Found by a CI run (it hung): a default read released with its pull in flight, then a
        // BYOB read while that pull finds the end of the chunked body (the platform's BYOB read
        // waited forever for a respond(0) made to the request the pull began with, none).
        examples: [[2638, true, 4, [{ kind: 'default-release', type: 'dv', size: 256, min: false }, { kind: 'light-release', type: 'u8', size: 111, min: false }, { kind: 'light', type: 'u16', size: 484, min: false }, { kind: 'light', type: 'u16', size: 183, min: false }]]],
      },
    );
  }, 60_000);
});

describe('the light BYOB reader over a socket', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.shutdown({ timeout: 1000 });
    server = undefined;
  });

  it('a handler that releases its BYOB reader with a socket read in flight, then reads the rest with text(), loses nothing; bodyUsed says true', async () => {
    const body = pattern(200_000);
    const seen: { used: boolean; ok: boolean; length: number }[] = [];
    server = await serve({}, async (request) => {
      const reader = request.body!.getReader({ mode: 'byob' });
      const first = await reader.read(new Uint8Array(10_000));
      const head = Buffer.from(first.value!);
      const inFlight = reader.read(new Uint8Array(10_000)); // the client sends the rest later
      reader.releaseLock();
      await inFlight.catch(() => undefined);
      const used = request.bodyUsed;
      const rest = Buffer.from(await new Response(request.body).arrayBuffer());
      const all = Buffer.concat([head, rest]);
      seen.push({ used, ok: all.equals(body), length: all.length });
      return new Response(String(all.length));
    });
    const socket = await open(server.addr.port);
    socket.write(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body.subarray(0, 10_000)]));
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write(body.subarray(10_000));
    const text = await readUntil(socket, () => false, 5000);
    expect(statuses(text)).toEqual([200]);
    expect(text.endsWith(String(body.length))).toBe(true);
    expect(seen).toEqual([{ used: true, ok: true, length: body.length }]);
    socket.destroy();
  });

  it('pipelined keep-alive requests, Content-Length and chunked, in random pieces: random light reads, min reads and releases in flight, then the rest through new Response(body), lose nothing', async () => {
    const sha = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');
    type Plan = { release: boolean; size: number; min: boolean }[];
    let plan: Plan = [];
    let wide = false;
    server = await serve({}, async (request) => {
      const parts: Buffer[] = [];
      let ended = request.body === null; // Content-Length: 0
      for (const { release, size, min } of ended ? [] : plan) {
        const reader = request.body!.getReader({ mode: 'byob' });
        const view = (): Uint8Array | Uint16Array => (wide ? new Uint16Array(size) : new Uint8Array(size));
        const first = view();
        const r = await reader.read(first, min ? { min: first.length } : undefined);
        if (r.value !== undefined) parts.push(Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength));
        if (r.done) ended = true;
        if (release && !ended) {
          const second = view();
          const racing = reader.read(second, min ? { min: second.length } : undefined);
          reader.releaseLock();
          // A read whose bytes were there at once (buffered, or a socket read that completed in
          // read()) has resolved with them, as the platform's does with queued bytes: they are
          // this reader's. One still in flight is rejected and its bytes go to the next reader.
          const late = await racing.catch(() => undefined);
          if (late?.value !== undefined) parts.push(Buffer.from(late.value.buffer, late.value.byteOffset, late.value.byteLength));
          if (late?.done === true) ended = true;
        } else {
          reader.releaseLock();
        }
        if (ended) break;
      }
      if (!ended) parts.push(Buffer.from(await new Response(request.body).arrayBuffer()));
      const all = Buffer.concat(parts);
      return new Response(`<${all.length} ${sha(all)}>`);
    });
    const port = server.addr.port;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ release: fc.boolean(), size: fc.integer({ min: 1, max: 3000 }), min: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.boolean()), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 5000 }),
        async (steps, wideViews, bodies, piece) => {
          plan = steps;
          wide = wideViews;
          const expected: string[] = [];
          const wire: Buffer[] = [];
          bodies.forEach(([length, chunked], i) => {
            const body = pattern(length - (length % 2) + i * 2).subarray(i * 2); // even (Uint16Array views), a different start each
            expected.push(`<${body.length} ${sha(body)}>`);
            const head = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`;
            wire.push(Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\n${head}\r\n\r\n`));
            if (!chunked) wire.push(body);
            else if (body.length > 0) wire.push(Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n'));
            else wire.push(Buffer.from('0\r\n\r\n'));
          });
          const { text, answers } = await sendForAnswers(port, Buffer.concat(wire), piece, expected.length);
          expect(statuses(text)).toEqual(expected.map(() => 200));
          expect(answers).toEqual(expected);
        },
      ),
      { numRuns: 25, endOnFailure: true },
    );
  }, 60_000);
});

describe('the light BYOB reader of an HttpClient response', () => {
  it('a platform BYOB read of Uint16Array whose response body ends inside an element closes the connection (it was held forever)', async () => {
    let closed = 0;
    let sendBody: () => void = () => undefined;
    let sendRest: () => void = () => undefined;
    const server = createServer((req, res) => {
      res.setHeader('content-length', 5);
      res.flushHeaders();
      // The body once the client has its Response (streamed, not read with the head), its rest
      // once the client has read 'ab' (not on a timer: under load the two pieces coalesced).
      sendBody = () => res.write('ab');
      sendRest = () => res.end('cde');
    });
    server.on('connection', (socket) => socket.on('close', () => closed++));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await using client = new HttpClient();
      const response = await client.fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      sendBody();
      const first = response.body!.getReader();
      expect((await first.read()).value).toHaveLength(2); // a platform read: a BYOB reader now is the platform's
      first.releaseLock();
      sendRest();
      const reader = response.body!.getReader({ mode: 'byob' });
      expect((await reader.read(new Uint16Array(4))).value).toHaveLength(1); // 'cd'
      await expect(reader.read(new Uint16Array(4))).rejects.toMatchObject({ name: 'TypeError' }); // 'e' alone
      for (const deadline = Date.now() + 2000; closed === 0 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(closed).toBe(1);
      expect(client.idleConnections).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('random light, min and released reads, then a default reader: every byte once, and the one connection is reused', async () => {
    let connections = 0;
    let sendBody: () => void = () => undefined;
    const server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const body = pattern(Number(url.searchParams.get('n')));
      if (url.searchParams.get('chunked') !== '1') res.setHeader('content-length', body.length);
      const piece = Number(url.searchParams.get('piece'));
      let at = 0;
      const step = (): void => {
        if (at >= body.length) return void res.end();
        res.write(body.subarray(at, at + piece));
        at += piece;
        setImmediate(step);
      };
      res.flushHeaders();
      // The body only once the client has its Response: a streamed one (a BodyStream), never a
      // body read with the head (a fixed delay lost that race on a loaded machine).
      sendBody = step;
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await using client = new HttpClient();
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 40_000 }),
          fc.boolean(),
          fc.integer({ min: 1, max: 9000 }),
          fc.array(fc.record({ release: fc.boolean(), size: fc.integer({ min: 1, max: 5000 }), min: fc.boolean() }), { minLength: 1, maxLength: 5 }),
          async (length, chunked, piece, plan) => {
            const response = await client.fetch(`${base}/?n=${length}&chunked=${chunked ? 1 : 0}&piece=${piece}`);
            sendBody();
            expect(response.body).toBeInstanceOf(BodyStream);
            const parts: Buffer[] = [];
            let ended = false;
            for (const { release, size, min } of plan) {
              const reader = response.body!.getReader({ mode: 'byob' });
              const r = await reader.read(new Uint8Array(size), min ? { min: size } : undefined);
              if (r.value !== undefined) parts.push(Buffer.from(r.value));
              if (r.done) ended = true;
              if (release && !ended) {
                const lost = reader.read(new Uint8Array(size), min ? { min: size } : undefined);
                reader.releaseLock();
                // Rejected by the release (its bytes go to the next reader), unless its bytes
                // were there at once: a read settled before the release keeps them (as the
                // platform's reader with queued bytes).
                const kept = await lost.catch(() => undefined);
                if (kept?.value !== undefined) parts.push(Buffer.from(kept.value));
                if (kept?.done === true) ended = true;
              } else {
                reader.releaseLock();
              }
              if (ended) break;
            }
            if (!ended) {
              const rest = response.body!.getReader();
              for (let r = await rest.read(); !r.done; r = await rest.read()) parts.push(Buffer.from(r.value));
            }
            expect(Buffer.concat(parts).equals(pattern(length))).toBe(true);
            expect(client.idleConnections).toBe(1);
          },
        ),
        { numRuns: 25, endOnFailure: true },
      );
      expect(connections).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
