import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Command, SpawnError, ProcessError, Stdio } from '@rt/process';
import { Cancelled } from '@rt/scheduler';
import { childrenOf } from './support/proc.js';

const drivers = ['native', 'node'] as const;

describe.each(drivers)('Command (%s pipes)', (driver) => {
  beforeAll(() => {
    if (driver === 'node') process.env['RT_PROCESS_PIPES'] = 'node';
  });
  afterAll(() => {
    delete process.env['RT_PROCESS_PIPES'];
  });

  it('uses the driver it was asked for', () => {
    const child = new Command('true').stdout('piped').spawn();
    expect(child.stdout!.driver).toBe(driver);
    child.stdout!.close();
    return child.wait();
  });

  it('reports exit codes and success', async () => {
    expect((await new Command('true').status()).success).toBe(true);
    const status = await new Command('sh').args(['-c', 'exit 3']).status();
    expect(status.success).toBe(false);
    expect(status.code).toBe(3);
    expect(status.signal).toBeNull();
  });

  it('reports the signal that terminated the child', async () => {
    const status = await new Command('sh').args(['-c', 'kill -TERM $$']).status();
    expect(status.code).toBeNull();
    expect(status.signal).toBe('SIGTERM');
    expect(status.success).toBe(false);
  });

  it('collects stdout and stderr separately with output()', async () => {
    const output = await new Command('sh').args(['-c', 'echo out; echo err >&2; exit 4']).output();
    expect(output.status.code).toBe(4);
    expect(output.stdout.toString()).toBe('out\n');
    expect(output.stderr.toString()).toBe('err\n');
  });

  it('passes arguments verbatim', async () => {
    const args = ['a b', '', '$HOME', "it's", 'ünïcødé', '*'];
    const output = await new Command('printf').arg('%s\\n').args(args).output();
    expect(output.stdout.toString()).toBe(args.map((a) => `${a}\n`).join(''));
  });

  it('does not deadlock when the child fills stderr and stdout', async () => {
    // The child writes 4 MiB to stderr before it writes anything to stdout: a parent
    // reading stdout first would wait forever.
    const script = 'head -c 4194304 /dev/urandom > "$T"; cat "$T" >&2; cat "$T"; sha256sum < "$T" >&2';
    const dir = mkdtempSync(join(tmpdir(), 'rt-process-'));
    try {
      const output = await new Command('sh').args(['-c', script]).env('T', join(dir, 'data')).output();
      expect(output.status.success).toBe(true);
      expect(output.stdout.length).toBe(4194304);
      const digest = createHash('sha256').update(output.stdout).digest('hex');
      expect(output.stderr.length).toBe(4194304 + 68);
      expect(output.stderr.subarray(0, 4194304).equals(output.stdout)).toBe(true);
      expect(output.stderr.subarray(4194304).toString()).toBe(`${digest}  -\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives output() empty buffers for streams that are not piped', async () => {
    const output = await new Command('sh').args(['-c', 'echo out; echo err >&2']).stdout(Stdio.null()).stderr('null').output();
    expect(output.stdout.length).toBe(0);
    expect(output.stderr.length).toBe(0);
  });

  it('gives output() /dev/null as stdin by default', async () => {
    const output = await new Command('cat').output();
    expect(output.status.success).toBe(true);
    expect(output.stdout.length).toBe(0);
  });

  it('sets, removes and clears environment variables', async () => {
    process.env['RT_PROCESS_INHERITED'] = 'yes';
    try {
      const show = 'echo "${RT_A-unset} ${RT_B-unset} ${RT_PROCESS_INHERITED-unset}"';
      expect((await new Command('sh').args(['-c', show]).env('RT_A', 'a').output()).stdout.toString()).toBe('a unset yes\n');
      expect((await new Command('sh').args(['-c', show]).envs({ RT_A: '1', RT_B: '2' }).output()).stdout.toString()).toBe('1 2 yes\n');
      expect((await new Command('sh').args(['-c', show]).envs([['RT_B', 'b']]).envRemove('RT_PROCESS_INHERITED').output()).stdout.toString()).toBe('unset b unset\n');
      const cleared = await new Command('/usr/bin/env').envClear().env('RT_A', 'only').output();
      expect(cleared.stdout.toString()).toBe('RT_A=only\n');
    } finally {
      delete process.env['RT_PROCESS_INHERITED'];
    }
  });

  it('runs the child in currentDir', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rt-process-')));
    try {
      expect((await new Command('pwd').currentDir(dir).output()).stdout.toString()).toBe(`${dir}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts the child in a new process group with processGroup(0)', async () => {
    const child = new Command('sh').args(['-c', 'ps -o pgid= -p $$']).processGroup(0).stdout('piped').spawn();
    const output = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(256);
      const step = (): void => {
        child.stdout!.read(buf).then((n) => {
          if (n === 0) resolve(Buffer.concat(chunks).toString());
          else {
            chunks.push(Buffer.from(buf.subarray(0, n)));
            step();
          }
        }, reject);
      };
      step();
    });
    await child.wait();
    expect(Number(output.trim())).toBe(child.id);
  });

  it('throws a SpawnError with ENOENT for a missing program', async () => {
    let caught: unknown;
    try {
      new Command('rt-no-such-program').spawn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpawnError);
    expect(caught).toBeInstanceOf(ProcessError);
    expect(caught).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'spawn', kind: 'NotFound', path: 'rt-no-such-program', program: 'rt-no-such-program' });
    await expect(new Command('/nonexistent/bin/x').output()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(new Command('true').currentDir('/nonexistent-rt-dir').status()).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('throws a SpawnError with EACCES for a file that is not executable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-process-'));
    try {
      const file = join(dir, 'script.sh');
      writeFileSync(file, '#!/bin/sh\necho hi\n');
      chmodSync(file, 0o644);
      // Even root needs some x bit to execute a file, so 0644 fails for every user.
      expect(() => new Command(file).stdout('piped').spawn()).toThrow(expect.objectContaining({ code: 'EACCES', kind: 'PermissionDenied' }) as Error);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the child as another user and group when privileged, else fails with EPERM', async () => {
    const command = new Command('id').args(['-u', '-g']).uid(65534).gid(65534);
    if (process.getuid?.() === 0) {
      expect((await new Command('sh').args(['-c', 'id -u; id -g']).uid(65534).gid(65534).output()).stdout.toString()).toBe('65534\n65534\n');
    } else {
      expect(() => command.spawn()).toThrow(expect.objectContaining({ code: 'EPERM' }) as Error);
    }
  });

  it.each(['output', 'status'] as const)('kills the child when %s() is aborted with killOnDispose', async (method) => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-process-'));
    try {
      const pidFile = join(dir, 'pid');
      const command = new Command('sh').args(['-c', `echo $$ > ${pidFile}.tmp && mv ${pidFile}.tmp ${pidFile} && exec sleep 30`]).killOnDispose(true);
      const controller = new AbortController();
      const running = command[method]({ signal: controller.signal });
      let pid = 0;
      for (let i = 0; i < 1000 && pid === 0; i++) {
        try {
          pid = Number(readFileSync(pidFile, 'utf8'));
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      expect(pid).toBeGreaterThan(0);
      controller.abort();
      await expect(running).rejects.toBeInstanceOf(Cancelled);
      // SIGKILL was sent: the child goes away (reaped by Node; bounded poll, no hook).
      let gone = false;
      for (let i = 0; i < 1000 && !gone; i++) {
        gone = !childrenOf(process.pid).some(([p]) => p === pid);
        if (!gone) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(gone).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('can be spawned more than once', async () => {
    const command = new Command('echo').arg('again');
    const [a, b] = await Promise.all([command.output(), command.output()]);
    expect(a.stdout.toString()).toBe('again\n');
    expect(b.stdout.toString()).toBe('again\n');
  });
});

describe('Command', () => {
  it('rejects bad input at once, naming the value', () => {
    expect(() => new Command('')).toThrow(TypeError);
    expect(() => new Command(42 as unknown as string)).toThrow('got 42');
    expect(() => new Command('x').arg(1 as unknown as string)).toThrow(TypeError);
    expect(() => new Command('x').arg('a\0b')).toThrow('NUL');
    expect(() => new Command('x').args('ab' as unknown as string[])).toThrow(TypeError);
    expect(() => new Command('x').args([1 as unknown as string])).toThrow('args[0]');
    expect(() => new Command('x').env('A=B', 'c')).toThrow(TypeError);
    expect(() => new Command('x').env('', 'c')).toThrow(TypeError);
    expect(() => new Command('x').envs(5 as unknown as Record<string, string>)).toThrow(TypeError);
    expect(() => new Command('x').stdout('pipe' as 'piped')).toThrow('"pipe"');
    expect(() => new Command('x').uid(-1)).toThrow(RangeError);
    expect(() => new Command('x').gid(1.5)).toThrow(RangeError);
    expect(() => new Command('x').processGroup(7)).toThrow(RangeError);
    expect(() => new Command('x').killOnDispose('yes' as unknown as boolean)).toThrow(TypeError);
  });

  it('returns itself from every setter', () => {
    const command = new Command('x');
    expect(command.arg('a').args(['b']).env('A', 'b').envs({}).envRemove('B').envClear().currentDir('/').stdin('null').stdout('piped').stderr('inherit').killOnDispose(true)).toBe(command);
    expect(command.program).toBe('x');
  });
});
