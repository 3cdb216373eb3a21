import { stderr, stdin, stdout } from '@rt/io';

describe('stdin, stdout, stderr', () => {
  it('return one shared reader or writer per process stream', () => {
    expect(stdin()).toBe(stdin());
    expect(stdin().stream).toBe(process.stdin);
    expect(stdout()).toBe(stdout());
    expect(stdout().stream).toBe(process.stdout);
    expect(stderr()).toBe(stderr());
    expect(stderr().stream).toBe(process.stderr);
  });

  it('never end the process streams on shutdown', async () => {
    expect(await stderr().write(new Uint8Array(0))).toBe(0);
    await stderr().shutdown();
    expect(process.stderr.writableEnded).toBe(false);
  });
});
