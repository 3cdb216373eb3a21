// A CommonJS user of @rt/sync: Node >= 20.19 loads the ESM package through require(esm).
const assert = require('node:assert/strict');
const { mpsc } = require('@rt/sync');

const [tx, rx] = mpsc.unboundedChannel();
tx.send(1);
rx.recv().then((value) => {
  assert.equal(value, 1);
  console.log('sub.cjs ok');
});
