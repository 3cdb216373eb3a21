// A user who installed @rt/full: the namespaces, the entry points and the feature subpaths.
import assert from 'node:assert/strict';
import { spawn, select, sync, time, runtime, task } from '@rt/full';
import { Mutex } from '@rt/full/sync';
import { sleep } from '@rt/full/time';
import * as net from '@rt/full/net';
import { serve, HttpClient } from '@rt/full/http';
import { http } from '@rt/full';
import * as io from '@rt/full/io';
import { CancellationToken, LinesCodec, Framed } from '@rt/full/util';
import * as rt from '@rt/full/rt';
import { Command } from '@rt/full/process';
import { readToString, writeFile } from '@rt/full/fs';
import { signal } from '@rt/full/signal';
import { TlsAcceptor, TlsConnector, TlsError } from '@rt/full/tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { serveConsole, ConsoleClient } from '@rt/full/console';
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

// @rt/full/tls: a TLS 1.3 handshake and a message over an in-memory duplex, with a
// certificate made by the openssl CLI (no key is shipped).
const certDir = mkdtempSync(join(tmpdir(), 'rt-consumer-tls-'));
try {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { cwd: certDir, stdio: 'ignore' });
  const key = readFileSync(join(certDir, 'k.pem'));
  const cert = readFileSync(join(certDir, 'c.pem'));
  const [clientEnd, serverEnd] = io.duplex(64 * 1024);
  const [client, server] = await Promise.all([
    new TlsConnector({ ca: cert }).connect('localhost', clientEnd),
    new TlsAcceptor({ key, cert }).accept(serverEnd),
  ]);
  assert.equal(client.protocol, 'TLSv1.3');
  await client.writeAll(new TextEncoder().encode('over tls'));
  await client.shutdown();
  assert.equal(await io.readToString(server), 'over tls');
  client.close();
  server.close();
  assert.throws(() => new TlsConnector({ ciphers: 'NO-SUCH-CIPHER' }), (e) => e instanceof TlsError && e.code === 'ERR_RT_TLS_CONFIG');
} finally {
  rmSync(certDir, { recursive: true, force: true });
}
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
