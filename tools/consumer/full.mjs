// A user who installed @rt/full: the namespaces, the entry points and the feature subpaths.
import assert from 'node:assert/strict';
import { spawn, select, sync, time, runtime, task } from '@rt/full';
import { Mutex } from '@rt/full/sync';
import { sleep } from '@rt/full/time';
import * as net from '@rt/full/net';
import { serve, HttpClient } from '@rt/full/http';
import { http } from '@rt/full';
import * as io from '@rt/full/io';
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
assert.equal(http.serve, serve);
{
  const server = await serve({ port: 0 }, async (request) => Response.json({ path: new URL(request.url).pathname, body: await request.text() }));
  const client = new HttpClient();
  try {
    const reply = await client.fetch(`http://${server.addr.toString()}/consumer`, { method: 'POST', body: 'hi' });
    assert.deepEqual(await reply.json(), { path: '/consumer', body: 'hi' });
    const viaNode = await fetch(`http://${server.addr.toString()}/node`);
    assert.equal((await viaNode.json()).path, '/node');
  } finally {
    await client.close();
    await server.shutdown({ timeout: 1000 });
  }
}
const hangups = signal('hangup');
hangups.close();

await assert.rejects(import('@rt/full/internal/x'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log('full.mjs ok');
