import { spawn as spawnProcess } from 'node:child_process';
import { once } from 'node:events';
import { BufReader, fromNodeReadable, fromNodeWritable, readToString, stderr, stdin, stdout, writeAll } from '@rt/io';

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

describe('process pipes (what stdin() and stdout() wrap)', () => {
  it('read a child process stdout line by line and write to its stdin', async () => {
    // The child echoes its stdin back in upper case.
    const child = spawnProcess(process.execPath, ['-e', "process.stdin.on('data', (d) => process.stdout.write(String(d).toUpperCase()))"], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const input = fromNodeWritable(child.stdin);
    const output = new BufReader(fromNodeReadable(child.stdout));
    await writeAll(input, new TextEncoder().encode('first\nsecond\n'));
    await input.shutdown(); // ends the child's stdin, so it exits
    const lines: string[] = [];
    for await (const line of output.lines()) lines.push(line);
    expect(lines).toEqual(['FIRST', 'SECOND']);
    await exited;
  });

  it('read everything a child process writes, to end of file', async () => {
    const child = spawnProcess(process.execPath, ['-e', "process.stdout.write('x'.repeat(200000))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const all = await readToString(fromNodeReadable(child.stdout));
    expect(all.length).toBe(200000);
    await exited;
  });
});
