// A user who installed @rt/full: the namespaces, the entry points and the feature subpaths.
import assert from 'node:assert/strict';
import { spawn, select, sync, time, runtime, task } from '@rt/full';
import { Mutex } from '@rt/full/sync';
import { sleep } from '@rt/full/time';
import * as net from '@rt/full/net';
import * as io from '@rt/full/io';
import { CancellationToken, LinesCodec, Framed } from '@rt/full/util';
import * as rt from '@rt/full/rt';
import { Command } from '@rt/full/process';
import { readToString, writeFile } from '@rt/full/fs';
import { signal } from '@rt/full/signal';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

assert.equal(Mutex, sync.Mutex);
assert.equal(sleep, time.sleep);
assert.equal(rt.spawn, spawn);
assert.equal(typeof net, 'object');
assert.equal(typeof io.duplex, 'function');
{
  // @rt/full/util: a Framed line echo over an in-memory pipe, stopped by a CancellationToken.
  const [a, b] = io.duplex(1024);
  const shutdown = new CancellationToken();
  const server = new Framed(b, new LinesCodec({ maxLength: 64 }));
  const serving = spawn(async () => {
    for (;;) {
      const line = await shutdown.runUntilCancelled((signal) => server.next({ signal }));
      if (line === undefined) return;
      await server.send(line.toUpperCase());
    }
  });
  const client = new Framed(a, new LinesCodec());
  await client.send('hello util');
  assert.equal(await client.next(), 'HELLO UTIL');
  shutdown.cancel();
  await serving;
}
assert.equal(typeof runtime.Builder.currentThread, 'function');
assert.equal(typeof task.JoinSet, 'function');

const [tx, rx] = sync.mpsc.channel(1);
spawn(async () => {
  await sleep(1);
  await tx.send('ready');
});
const out = await select({ msg: (signal) => rx.recv({ signal }), late: (signal) => sleep(5000, { signal }) });
assert.deepEqual(out, { branch: 'msg', value: 'ready' });
const out2 = await new Command('echo').arg('from a child').output();
assert.equal(out2.stdout.toString().trim(), 'from a child');
const file = join(tmpdir(), `rt-consumer-${process.pid}.txt`);
await writeFile(file, 'written by @rt/fs');
assert.equal(await readToString(file), 'written by @rt/fs');
const hangups = signal('hangup');
hangups.close();

await assert.rejects(import('@rt/full/internal/x'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log('full.mjs ok');
