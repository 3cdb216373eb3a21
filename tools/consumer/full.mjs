// A user who installed @rt/full: the namespaces, the entry points and the feature subpaths.
import assert from 'node:assert/strict';
import { spawn, select, sync, time, runtime, task } from '@rt/full';
import { Mutex } from '@rt/full/sync';
import { sleep } from '@rt/full/time';
import * as net from '@rt/full/net';
import * as io from '@rt/full/io';
import * as rt from '@rt/full/rt';
import { Command } from '@rt/full/process';
import { readToString, writeFile } from '@rt/full/fs';
import { signal } from '@rt/full/signal';
import { serveConsole, ConsoleClient } from '@rt/full/console';
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
const hangups = signal('hangup');
hangups.close();

// The console: an instrumented runtime served on loopback, read back through the protocol.
const observed = runtime.Builder.currentThread().enableAll().console({ addr: '127.0.0.1:0' }).build();
const consoleServer = await serveConsole(observed.handle);
const parked = observed.spawn(() => time.sleep(60_000), { name: 'napping' });
await sleep(5);
const client = await ConsoleClient.connect(consoleServer.addr);
const snapshot = await client.snapshot();
client.close();
assert.deepEqual(snapshot.tasks.map((t) => [t.name, t.state, t.waitingOn]), [['napping', 'waiting', ['time.sleep']]]);
parked.abort();
await observed.shutdown();

await assert.rejects(import('@rt/full/internal/x'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log('full.mjs ok');
