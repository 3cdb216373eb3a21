// Review rv32 of pass eu29: the native stream's `writeAll` makes its first write itself and hands
// every case but a complete write (EAGAIN, an error, a short write) to `#writeAllRest`, which
// clears the readiness the write ran under and then refunds or goes on as before. Each of those
// cases, as seen from outside: the budget spent, the bytes the peer gets, the error, the abort.
import { createHash } from 'node:crypto';
import { sys } from '@rt/mio-native';
import { Cancelled, JoinError, coop, spawn } from '@rt/scheduler';
import { settle, track } from '@rt/scheduler/testing';
import { TcpStream, netDriver } from '@rt/net';
import { readAll, tcpPair } from './support/drivers.js';

/** Tokio's per-task budget (rt's coop: operations per task and turn). */
const BUDGET = 128;
const EAGAIN = -11;
const MiB = 1024 * 1024;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** More than loopback's send and receive buffers take at once: the first write is short. */
function bigBuffer(): Buffer {
  const big = Buffer.allocUnsafe(32 * MiB);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
  return big;
}

/** Counts the operations left in the current task's budget this turn (spends them all). */
function budgetLeft(): number {
  let left = 0;
  while (coop() === undefined) left++;
  return left;
}

const describeNative = netDriver() === 'native' ? describe : describe.skip;

describeNative('NativeStream.writeAll paths (review rv32 of pass eu29)', () => {
  it('a first write that is short spends one budget operation, parks the rest, and every byte arrives in order', async () => {
    const [client, server, listener] = await tcpPair('native');
    const big = bigBuffer();
    const result = await spawn(async () => {
      await new Promise((resolve) => setImmediate(resolve)); // a turn of its own: a full budget
      const writing = track(client.writeAll(big));
      const left = budgetLeft(); // the short write spent one; the loop's EAGAIN refunded its own
      await settle();
      const pending = writing.isPending();
      const got = await readAll(server, big.length);
      await writing.promise;
      return { left, pending, length: got.length, same: sha256(got) === sha256(big) };
    });
    expect(result).toEqual({ left: BUDGET - 1, pending: true, length: big.length, same: true });
    client.close();
    server.close();
    listener.close();
  });

  it('a first write that finds the socket full under kept readiness (EAGAIN from the syscall) parks without spending budget and completes once the peer reads', async () => {
    const [peer, own, listener] = await tcpPair('native');
    const fd = own.intoRawFd();
    const stream = TcpStream.fromRawFd(fd);
    await stream.writable(); // the readiness is cached now
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const tail = text('tail');
    const written: Uint8Array[] = [];
    const result = await spawn(async () => {
      // The kernel may free room between the fill and the writeAll (loopback moves the send queue
      // to the peer's receive buffer): until the writeAll finds the socket full, fill again.
      for (let attempt = 0; attempt < 20; attempt++) {
        await new Promise((resolve) => setImmediate(resolve)); // a turn of its own: a full budget
        // Fill the socket behind the stream's back: its cached readiness still says writable.
        for (let n = sys.write(fd, chunk); n !== EAGAIN; n = sys.write(fd, chunk)) {
          expect(n).toBeGreaterThan(0);
          written.push(chunk.subarray(0, n));
        }
        const writing = track(stream.writeAll(tail));
        written.push(tail);
        const left = budgetLeft();
        await settle();
        if (!writing.isPending()) continue; // it found room after all
        // The peer drains: the writable edge wakes the parked write (the wait was re-armed).
        const expected = Buffer.concat(written);
        const got = await readAll(peer, expected.length);
        await writing.promise;
        return { left, same: got.length === expected.length && sha256(got) === sha256(expected) };
      }
      return 'the socket never stayed full';
    });
    expect(result).toEqual({ left: BUDGET, same: true });
    stream.close();
    peer.close();
    listener.close();
  });

  // A first write to a reset peer: tcp-stream.test.ts, 'fails a writeAll after a peer reset'.

  it('aborted after a short first write: rejects with Cancelled, the peer gets a prefix of the buffer, then the next write', async () => {
    const [client, server, listener] = await tcpPair('native');
    const big = bigBuffer();
    let parked = false;
    const task = spawn(async () => {
      const writing = client.writeAll(big);
      parked = true;
      await writing;
    });
    while (!parked) await new Promise((resolve) => setImmediate(resolve));
    await settle();
    task.abort();
    const joined = await task.then(() => undefined, (e: unknown) => e);
    expect(joined).toBeInstanceOf(JoinError);
    expect((joined as JoinError).isCancelled()).toBe(true);
    expect((joined as JoinError).cause).toBeInstanceOf(Cancelled);
    const [got] = await Promise.all([
      readAll(server),
      (async () => {
        await client.writeAll(text('END'));
        await client.shutdown();
      })(),
    ]);
    const prefix = got.length - 3;
    expect(prefix).toBeGreaterThan(0);
    expect(prefix).toBeLessThan(big.length);
    expect(sha256(got.subarray(0, prefix))).toBe(sha256(big.subarray(0, prefix)));
    expect(got.subarray(prefix).toString()).toBe('END');
    client.close();
    server.close();
    listener.close();
  });
});
