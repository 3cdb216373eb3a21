// An echo client: sends a message, reads back exactly as many bytes, checks them.
import { readExact } from '@rt/io';
import { TcpStream } from '@rt/net';
import type { ToSocketAddrs } from '@rt/net';
import type { WaitOptions } from '@rt/scheduler';

/** Sends `message` to the echo server at `addr` and resolves with what came back. */
export async function echoOnce(addr: ToSocketAddrs, message: Uint8Array, options?: WaitOptions): Promise<Uint8Array> {
  await using stream = await TcpStream.connect(addr, options);
  stream.setNoDelay(true);
  const [reader, writer] = stream.split();
  const reply = new Uint8Array(message.length);
  // Write and read at the same time: a large message would otherwise fill both directions.
  await Promise.all([writer.writeAll(message, options).then(() => writer.shutdown(options)), readExact(reader, reply, options)]);
  return reply;
}

/** Sends `count` messages of `size` bytes over one connection, one at a time (ping-pong). */
export async function pingPong(addr: ToSocketAddrs, count: number, size: number): Promise<number> {
  await using stream = await TcpStream.connect(addr);
  stream.setNoDelay(true);
  const out = new Uint8Array(size).fill(0x61);
  const back = new Uint8Array(size);
  for (let i = 0; i < count; i++) {
    await stream.writeAll(out);
    await readExact(stream, back);
  }
  return count;
}
