// A CommonJS user of @rt/sync: Node >= 20.19 loads the ESM package through require(esm).
const assert = require('node:assert/strict');
const sync = require('@rt/sync');

assert.equal(typeof sync, 'object');
console.log('sub.cjs ok');
