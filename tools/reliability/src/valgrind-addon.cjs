// Exercises the addon's entry points (valid and hostile calls) for valgrind memcheck and
// AddressSanitizer (src/asan.mjs). RT_MIO_NATIVE_DIR names another build to load.
const path = require('node:path');
const fs = require('node:fs');
// Without it, the file the package itself loads first: the prebuild shipped for this platform
// when there is one, else the source build (packages/mio-native/src/loader.ts's order; the loader
// is bundled into the package's entry, so its `loadedFrom` has no file of its own to require).
function packageAddon() {
  const pkg = path.join(__dirname, '..', '..', '..', 'packages', 'mio-native');
  const prebuild = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.glibc.node');
  return fs.existsSync(prebuild) ? prebuild : path.join(pkg, 'native', 'build', 'Release', 'mio_native.node');
}
const b = require(process.env.RT_MIO_NATIVE_DIR
  ? path.join(process.env.RT_MIO_NATIVE_DIR, 'build', 'Release', 'mio_native.node')
  : packageAddon());
const pair = new Int32Array(2);
let thrown = 0, calls = 0;
const tryCall = (f) => { calls++; try { f(); } catch { thrown++; } };
const bufs = [Buffer.alloc(0), Buffer.alloc(1), Buffer.alloc(64), new Uint8Array(new ArrayBuffer(32), 8, 8), new Uint16Array(3), new DataView(new ArrayBuffer(8))];
const nums = [0, 1, -1, 7, 63, 64, 65, 2 ** 31 - 1, -(2 ** 31), NaN, Infinity, 1.5, 2 ** 32];
for (let round = 0; round < 20; round++) {
  b.socketpair(1, 1, 0, pair);
  const [a, c] = pair;
  for (const buf of bufs) for (const o of nums) for (const l of nums) {
    tryCall(() => b.write(a, buf, o, l));
    tryCall(() => b.read(c, buf, o, l));
    tryCall(() => b.recvFrom(c, buf, o, l, 0, Buffer.alloc(16)));
    tryCall(() => b.sendTo(a, buf, o, l, 0, Buffer.alloc(16), l));
  }
  for (const buf of bufs) {
    // The whole-view form (fd, buffer): offset and length left out, or only the offset.
    tryCall(() => b.write(a, buf));
    tryCall(() => b.read(c, buf));
    for (const o of nums) tryCall(() => b.read(c, buf, o));
    tryCall(() => b.read(c, 'not a buffer'));
    tryCall(() => b.write(a));
    // The io slots (readWhole/writeWhole): hostile fd values in the slot (never 0-2 or another open
    // fd of the process), every view kind.
    if (b.io) {
      const slotFd = new Float64Array(b.io, 0, 1);
      for (const fd of [a, c, -1, 2 ** 31 - 1, -(2 ** 31), NaN, Infinity, -Infinity, 1.5, -0.5, 2 ** 32, 2 ** 32 + a]) {
        slotFd[0] = fd;
        tryCall(() => b.writeWhole(buf));
        slotFd[0] = fd === a ? c : fd;
        tryCall(() => b.readWhole(buf));
      }
      // Each call consumes the slot's fd (NaN after it): store one before each.
      slotFd[0] = c;
      tryCall(() => b.readWhole('not a buffer'));
      slotFd[0] = a;
      tryCall(() => b.writeWhole());
      tryCall(() => b.writeWhole(buf)); // no store: the NaN the last call left
    }
    tryCall(() => b.readv(c, [buf, buf]));
    tryCall(() => b.writev(a, [buf, buf, buf]));
    tryCall(() => b.getsockname(a, buf));
    tryCall(() => b.getpeername(a, buf));
    tryCall(() => b.getsockopt(a, 1, 7, buf));
    for (const l of nums) tryCall(() => b.setsockopt(a, 1, 7, buf, l));
    for (const n of nums) tryCall(() => b.recvMultiple(c, buf, n, n, new Int32Array(4), null));
    for (const n of nums) tryCall(() => b.sendMultiple(a, buf, Int32Array.from([0, n, n, 0]), 2, null, null));
  }
  const out = new Int32Array(4);
  tryCall(() => b.accept(a, out, 4));
  tryCall(() => b.accept(-1, out, 99));
  b.close(a); b.close(c);
  tryCall(() => b.read(a, Buffer.alloc(4), 0, 4));
}
// accept with peer addresses, on a real listener with connections pending: the address
// slots are written, so a write past `addresses` or `lengths` shows here.
{
  const sin = Buffer.alloc(16);
  sin.writeUInt16LE(2, 0); // AF_INET, port 0, 127.0.0.1
  sin[4] = 127; sin[7] = 1;
  const listener = b.socket(2, 1, 0);
  b.bind(listener, sin, 16);
  b.listen(listener, 64);
  const name = Buffer.alloc(128);
  b.getsockname(listener, name);
  const clients = [];
  const connectOne = () => {
    const fd = b.socket(2, 1, 0);
    b.connect(fd, name, 16);
    clients.push(fd);
  };
  for (let i = 0; i < 24; i++) connectOne();
  const addressBufs = [null, undefined, Buffer.alloc(0), Buffer.alloc(127), Buffer.alloc(128), Buffer.alloc(256), Buffer.alloc(3 * 128 + 1), new Uint16Array(128), 'x', {}];
  const lengthArrays = [null, undefined, new Int32Array(0), new Int32Array(1), new Int32Array(2), new Int32Array(3), new Uint32Array(2), new Float64Array(2), []];
  const accepted = [];
  for (const outLength of [0, 1, 2, 3]) {
    const out = new Int32Array(outLength);
    for (const addresses of addressBufs) for (const lengths of lengthArrays) for (const max of [0, 1, 2, 3, -1, 99, NaN]) {
      tryCall(() => {
        const n = b.accept(listener, out, max, addresses, lengths);
        for (let i = 0; i < n; i++) accepted.push(out[i]);
        if (n > 0 && clients.length < 64) connectOne();
      });
    }
  }
  for (const fd of [listener, clients[0], -1, NaN, 2 ** 31]) {
    for (const info of [new Int32Array(2), new Int32Array(1), new Int32Array(0), new Uint32Array(2), new Float64Array(2), Buffer.alloc(8), null, 'x']) tryCall(() => b.listenQueue(fd, info));
  }
  for (const fd of [...accepted, ...clients, listener]) b.close(fd);
}
const events = new Uint32Array(64);
const poll = b.pollCreate(events, () => {}, {});
b.socketpair(1, 1, 0, pair);
b.pollCtl(poll, 1, pair[0], 7, 0x80000001 | 0);
b.write(pair[1], Buffer.from('x'), 0, 1);
tryCall(() => b.pollWait(poll, 0));
for (const t of nums) tryCall(() => b.pollCtl(poll, 3, pair[0], t, 1));
b.pollClose(poll);
b.close(pair[0]); b.close(pair[1]);
const efd = b.eventfd(); b.eventfdWrite(efd); b.eventfdRead(efd); b.close(efd);
console.log(JSON.stringify({ calls, thrown }));
