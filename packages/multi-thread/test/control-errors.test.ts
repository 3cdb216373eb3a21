import { NetError } from '@rt/net';
import { reviveError, serializeError } from '../src/internal/control.js';

describe('errors crossing threads', () => {
  it("keep Node's OS error fields and Tokio's kind through a structured clone", () => {
    const original = new NetError(-111, 'connect', undefined, { address: '127.0.0.1', port: 1 });
    const revived = reviveError(structuredClone(serializeError(original))) as Error & Record<string, unknown>;
    expect(revived).toMatchObject({ name: 'NetError', message: original.message, code: 'ECONNREFUSED', errno: -111, syscall: 'connect', kind: 'ConnectionRefused', address: '127.0.0.1', port: 1 });
    const withPath = Object.assign(new Error('ENOENT: open'), { code: 'ENOENT', errno: -2, syscall: 'open', path: '/x' });
    expect(reviveError(structuredClone(serializeError(withPath)))).toMatchObject({ code: 'ENOENT', errno: -2, path: '/x' });
  });
});
