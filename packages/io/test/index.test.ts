// The examples of src/index.ts and README.md, run as written.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';
import { BufReader, duplex, readU32, toNodeReadable, writeAll, writeU32 } from '@rt/io';

describe('@rt/io', () => {
  it('reads the lines a duplex peer wrote, as the package guide shows', async () => {
    const [client, server] = duplex(64 * 1024);
    await writeAll(client, new TextEncoder().encode('hello\nworld\n'));
    await client.shutdown();
    const lines: string[] = [];
    for await (const line of new BufReader(server, { maxLineLength: 1024 }).lines()) lines.push(line);
    expect(lines).toEqual(['hello', 'world']);
  });

  it('runs typed values and a Node pipeline over an rt stream, as the README shows', async () => {
    const [a, b] = duplex(1024);
    await writeU32(a, 0xdeadbeef);
    expect(await readU32(b)).toBe(3735928559);
    await writeAll(a, new TextEncoder().encode('compress me'));
    await a.shutdown();
    const gzipped: Buffer[] = [];
    await pipeline(
      toNodeReadable(b),
      createGzip(),
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          gzipped.push(chunk);
          done();
        },
      }),
    );
    expect(gunzipSync(Buffer.concat(gzipped)).toString()).toBe('compress me');
  });
});
