// The addon's exports object must reach the hot paths with fast properties: N-API hands it
// over in dictionary mode, where V8's optimising compiler turns every `binding.read` /
// `binding.write` into a generic property look-up (~190 instructions per call, measured under
// callgrind with benchmarks/echo-cost.mjs). binding.ts copies it; this guards the copy.
import { setFlagsFromString } from 'node:v8';
import { available, sys } from '@rt/mio-native';
import { binding } from '../src/internal/binding.js';
import { socketPair } from './helpers.js';

setFlagsFromString('--allow-natives-syntax');
// Compiled after the flag is set, so the natives syntax parses.
const hasFastProperties = new Function('object', 'return %HasFastProperties(object);') as (object: object) => boolean;

const describeNative = available ? describe : describe.skip;

describeNative('the native binding', () => {
  it('has fast properties, every export of the addon, and working functions', () => {
    expect(binding).not.toBeNull();
    const copy = binding!;
    expect(hasFastProperties(copy)).toBe(true);
    // What the copy must hold: every function the syscall wrappers and the poll call.
    for (const name of ['read', 'write', 'writev', 'readv', 'recvFrom', 'sendTo', 'accept', 'close', 'pollCreate', 'pollWait', 'pollCtl', 'pollRef']) {
      expect(typeof (copy as unknown as Record<string, unknown>)[name]).toBe('function');
    }
    expect(typeof copy.backend).toBe('string');
    // A call through the copy (the functions do not depend on their receiver).
    const [a, b] = socketPair();
    try {
      expect(sys.write(a, Buffer.from('ping'))).toBe(4);
      const got = Buffer.alloc(8);
      expect(sys.read(b, got)).toBe(4);
      expect(got.subarray(0, 4).toString()).toBe('ping');
    } finally {
      sys.close(a);
      sys.close(b);
    }
  });
});
