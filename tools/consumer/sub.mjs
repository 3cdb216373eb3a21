// A user who installed only @rt/sync: ESM import, and internals are sealed.
import assert from 'node:assert/strict';
import * as sync from '@rt/sync';

assert.equal(typeof sync, 'object');
await assert.rejects(import('@rt/sync/internal/anything'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
console.log('sub.mjs ok');
