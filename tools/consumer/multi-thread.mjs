// A user who installed @rt/full runs the multi-thread runtime: two worker threads share a
// SO_REUSEPORT listener and serve real connections, a job runs on a worker, and shutdown
// leaves nothing behind (the process exits by itself).
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { runtime, task } from '@rt/full';

const free = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const rt = runtime.Builder.multiThread().workerThreads(2).name('consumer').build();
const entry = new URL('./multi-thread-worker.mjs', import.meta.url);
const serving = rt.run(entry, 'serve', [free]);

assert.equal(await rt.spawnOn('any', entry, 'square', [12]), 144);
assert.equal(typeof task.spawnOn, 'function');

const replies = [];
for (let i = 0; i < 40; i++) {
  replies.push(await new Promise((resolve, reject) => {
    // Retries while the workers are still binding.
    const attempt = (left) => {
      const socket = connect(free, '127.0.0.1');
      let text = '';
      socket.on('data', (c) => (text += c));
      socket.on('end', () => resolve(text));
      socket.on('error', (error) => (left > 0 && error.code === 'ECONNREFUSED' ? setTimeout(() => attempt(left - 1), 20) : reject(error)));
    };
    attempt(100);
  }));
}
assert.ok(replies.every((r) => /^worker [01] of 2\n$/.test(r)), replies.join(''));
assert.equal(rt.metrics().workers.length, 2);
await rt.shutdown();
const served = await serving.catch((error) => error);
console.log(`multi-thread.mjs ok (${JSON.stringify(served)})`);
