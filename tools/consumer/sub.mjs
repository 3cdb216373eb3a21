// A user who installed only @rt/sync: ESM import, real use, and internals are sealed.
import assert from 'node:assert/strict';
import { Mutex, mpsc, Semaphore } from '@rt/sync';

const [tx, rx] = mpsc.channel(2);
await tx.send('hello');
assert.equal(await rx.recv(), 'hello');

const mutex = new Mutex(0);
await Promise.all([1, 2, 3].map(async (n) => {
  const guard = await mutex.lock();
  guard.value += n;
  guard.release();
}));
assert.equal(mutex.tryLock().value, 6);

const semaphore = new Semaphore(1);
const permit = await semaphore.acquire();
assert.equal(semaphore.availablePermits, 0);
permit.release();
assert.equal(semaphore.availablePermits, 1);

await assert.rejects(import('@rt/sync/internal/anything'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log('sub.mjs ok');
