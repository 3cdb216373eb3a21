import { Command, SpawnError } from '@rt/process';
import type { Child } from '@rt/process';
import { readToString, writeAll } from '@rt/io';

describe('README examples', () => {
  it('collects output', async () => {
    const output = await new Command('sh').args(['-c', 'echo out; echo err >&2; exit 3']).output();
    expect(output.status.code).toBe(3);
    expect(output.stdout.toString()).toBe('out\n');
    expect(output.stderr.toString()).toBe('err\n');
  });

  it('talks to a child through its pipes', async () => {
    const child = new Command('sort').stdin('piped').stdout('piped').spawn();
    await writeAll(child.stdin!, Buffer.from('b\na\n'));
    await child.stdin!.shutdown();
    expect(await readToString(child.stdout!)).toBe('a\nb\n');
    expect((await child.wait()).success).toBe(true);
  });

  it('kills at the end of a scope', async () => {
    let child: Child | undefined;
    {
      await using server = new Command('sleep').arg('60').killOnDispose(true).spawn();
      child = server;
    }
    expect(child.tryWait()?.signal).toBe('SIGKILL');
  });

  it('reports a missing program as a SpawnError', () => {
    let errno: string | undefined;
    try {
      new Command('no-such-program').spawn();
    } catch (error) {
      if (error instanceof SpawnError) errno = error.code;
    }
    expect(errno).toBe('ENOENT');
  });

  it('gives up waiting, then kills', async () => {
    const slow = new Command('sleep').arg('60').spawn();
    let status;
    try {
      await slow.wait({ signal: AbortSignal.abort() });
    } catch {
      status = await slow.kill();
    }
    expect(status?.signal).toBe('SIGKILL');
  });
});
