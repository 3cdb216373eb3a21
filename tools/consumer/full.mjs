// A user who installed @rt/full: the namespaces and one subpath per feature.
import assert from 'node:assert/strict';
import * as full from '@rt/full';

assert.equal(typeof full, 'object');
console.log('full.mjs ok');
