// What a user on linux-x64 or linux-arm64 (glibc) gets after installing @rt/net with any
// package manager, with no compiler and with dependency install scripts blocked: the
// prebuilt addon loads, sockets run on the native driver, and an echo round trip works.
// Also run by scripts/arm64.mjs under qemu against the workspace's own build.
//
//   node native.mjs            expects the native driver and no warning
//   node native.mjs fallback   expects the fallback driver (the prebuild was removed)
import assert from 'node:assert/strict';
import { available, addonKind, loadError } from '@rt/mio-native';
import { TcpListener, TcpStream, netDriver } from '@rt/net';

const expectFallback = process.argv[2] === 'fallback';
if (expectFallback) {
  assert.equal(available, false, 'the addon should not load without its prebuild');
} else {
  assert.equal(available, true, `the addon did not load: ${loadError?.message}`);
  assert.equal(addonKind, 'prebuild', 'the addon should come from the prebuilt binary');
}
assert.equal(netDriver(), expectFallback ? 'fallback' : 'native');

// Two listeners and two connections: a warning, if any, must be printed once only.
for (let round = 0; round < 2; round++) {
  const listener = await TcpListener.bind('127.0.0.1:0');
  const server = (async () => {
    const stream = await listener.accept();
    const buf = Buffer.alloc(64);
    let n;
    while ((n = await stream.read(buf)) > 0) await stream.writeAll(buf.subarray(0, n));
    await stream.shutdown();
    stream.close();
  })();
  const client = await TcpStream.connect(listener.localAddr());
  const message = Buffer.from(`round ${round} from ${process.arch}`);
  await client.writeAll(message);
  await client.shutdown();
  const chunks = [];
  const buf = Buffer.alloc(64);
  let n;
  while ((n = await client.read(buf)) > 0) chunks.push(Buffer.from(buf.subarray(0, n)));
  assert.equal(Buffer.concat(chunks).toString(), message.toString());
  client.close();
  await server;
  listener.close();
}
console.log(`native.mjs ok: ${process.arch}, addon ${addonKind ?? 'unavailable'}, driver ${netDriver()}`);
