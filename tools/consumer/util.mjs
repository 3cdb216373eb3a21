// A user who installed only @rt/util: codecs over an in-memory pipe, a CancellationToken and
// a TaskTracker, and internals are sealed.
import assert from 'node:assert/strict';
import { duplex } from '@rt/io';
import { CancellationToken, FramedRead, FramedWrite, LengthDelimitedCodec, TaskTracker } from '@rt/util';

const [a, b] = duplex(256);
const out = new FramedWrite(a, new LengthDelimitedCodec());
await out.send(new TextEncoder().encode('frame one'));
await out.close();
const frames = [];
for await (const frame of new FramedRead(b, new LengthDelimitedCodec())) frames.push(new TextDecoder().decode(frame));
assert.deepEqual(frames, ['frame one']);

const shutdown = new CancellationToken();
const tracker = new TaskTracker();
tracker.spawn(async () => {
  await shutdown.childToken().cancelled();
});
shutdown.cancel();
tracker.close();
await tracker.wait();
assert.equal(tracker.len, 0);

await assert.rejects(import('@rt/util/internal/validate.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log('util.mjs ok');
