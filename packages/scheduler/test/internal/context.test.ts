import { asyncContextFrames } from '../../src/internal/context.js';

describe('asyncContextFrames (which context storage the scheduler picks)', () => {
  it('uses AsyncContextFrame on Node 24 and later unless --no-async-context-frame is given', () => {
    expect(asyncContextFrames(24, [])).toBe(true);
    expect(asyncContextFrames(26, ['--enable-source-maps'])).toBe(true);
    expect(asyncContextFrames(24, ['--no-async-context-frame'])).toBe(false);
  });

  it('uses it on Node 22 only with --experimental-async-context-frame (from argv or NODE_OPTIONS)', () => {
    expect(asyncContextFrames(22, [])).toBe(false);
    expect(asyncContextFrames(22, ['--experimental-async-context-frame'])).toBe(true);
    expect(asyncContextFrames(22, ['', '--max-old-space-size=512', '--experimental-async-context-frame'])).toBe(true);
  });

  it('never on Node 20, which has no AsyncContextFrame', () => {
    expect(asyncContextFrames(20, [])).toBe(false);
    expect(asyncContextFrames(20, ['--experimental-async-context-frame'])).toBe(false);
  });
});
