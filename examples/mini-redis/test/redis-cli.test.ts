// End to end against clients nobody here wrote: Debian's `redis-cli` and `redis-benchmark`
// (package redis-tools, installed by .ci/run from .ci/apt-packages) drive a mini-redis
// server running in this process on a free port.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Server } from '../src/server.js';

function requireTool(name: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`${name} is not installed: this test drives mini-redis with the real Redis clients. Install Debian's redis-tools (apt-get install -y redis-tools; .ci/run does it from .ci/apt-packages).`);
  }
}

let server: Server;
let serving: Promise<void>;

beforeAll(async () => {
  requireTool('redis-cli');
  requireTool('redis-benchmark');
  requireTool('stdbuf');
  server = await Server.bind({ port: 0 });
  serving = server.run();
});

afterAll(async () => {
  if (server === undefined) return;
  await server.shutdown();
  await serving;
});

/** Runs redis-cli (asynchronously: the server runs in this process) and returns its stdout. */
function cli(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(server.port), ...args], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Collects a child's stdout; `waitFor(text)` resolves with everything printed once `text` was. */
function collect(child: ChildProcess): { waitFor: (text: string) => Promise<string> } {
  let seen = '';
  let exited: number | null | undefined;
  const waiting: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    for (const wake of waiting.splice(0)) wake();
  });
  child.once('exit', (code) => {
    exited = code;
    for (const wake of waiting.splice(0)) wake();
  });
  const waitFor = async (text: string): Promise<string> => {
    while (!seen.includes(text)) {
      if (exited !== undefined) throw new Error(`redis-cli exited (${exited}) before printing ${JSON.stringify(text)}; it printed ${JSON.stringify(seen)}`);
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    return seen;
  };
  return { waitFor };
}

describe('mini-redis with redis-cli', () => {
  it('answers PING, ECHO, SET, GET, DEL and EXISTS', async () => {
    expect(await cli('PING')).toBe('PONG\n');
    expect(await cli('ECHO', 'hello world')).toBe('hello world\n');
    expect(await cli('SET', 'greeting', 'hello')).toBe('OK\n');
    expect(await cli('GET', 'greeting')).toBe('hello\n');
    expect(await cli('EXISTS', 'greeting', 'nothing')).toBe('1\n');
    expect(await cli('DEL', 'greeting')).toBe('1\n');
    expect(await cli('GET', 'greeting')).toBe('\n');
  });

  it('honours SET options and reports TTLs', async () => {
    expect(await cli('SET', 'session', 'x', 'EX', '100')).toBe('OK\n');
    expect(await cli('TTL', 'session')).toBe('100\n');
    expect(await cli('SET', 'session', 'y', 'NX')).toBe('\n');
    expect(await cli('SET', 'session', 'z', 'XX', 'PX', '50000')).toBe('OK\n');
    expect(Number(await cli('PTTL', 'session'))).toBeGreaterThan(40_000);
    expect(await cli('EXPIRE', 'session', '7')).toBe('1\n');
    expect(await cli('TTL', 'session')).toBe('7\n');
    expect(await cli('TTL', 'nothing')).toBe('-2\n');
  });

  it('counts with INCR and reports errors the way Redis does', async () => {
    expect(await cli('SET', 'counter', '41')).toBe('OK\n');
    expect(await cli('INCR', 'counter')).toBe('42\n');
    expect(await cli('SET', 'word', 'abc')).toBe('OK\n');
    expect(await cli('INCR', 'word')).toMatch(/^ERR value is not an integer or out of range\n/);
    expect(await cli('NOSUCHCOMMAND')).toMatch(/^ERR unknown command 'NOSUCHCOMMAND'/);
  });

  it('executes a pipelined batch (redis-cli --pipe) and answers every command', async () => {
    const commands = Array.from({ length: 1000 }, (_, i) => `SET pipe:${i} ${i}\r\n`).join('');
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile('redis-cli', ['-p', String(server.port), '--pipe'], { timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
      child.stdin!.end(commands);
    });
    expect(output).toMatch(/errors: 0, replies: 1000/);
    expect(await cli('GET', 'pipe:999')).toBe('999\n');
  });

  it('delivers PUBLISH to a redis-cli SUBSCRIBE', async () => {
    // stdbuf: redis-cli does not flush a piped stdout after each message.
    const subscriber = spawn('stdbuf', ['-oL', 'redis-cli', '-p', String(server.port), 'SUBSCRIBE', 'news', 'sport'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collect(subscriber);
    try {
      await output.waitFor('sport\n2\n');
      expect(await cli('PUBLISH', 'news', 'extra extra')).toBe('1\n');
      expect(await cli('PUBLISH', 'weather', 'rain')).toBe('0\n');
      const printed = await output.waitFor('extra extra\n');
      expect(printed).toContain('message\nnews\nextra extra\n');
    } finally {
      subscriber.kill();
    }
  });

  it('serves redis-benchmark with and without pipelining, with no errors', async () => {
    for (const pipeline of ['1', '16']) {
      const output = await new Promise<string>((resolve, reject) => {
        execFile('redis-benchmark', ['-p', String(server.port), '-t', 'set,get', '-n', '2000', '-c', '10', '-P', pipeline, '-q', '--csv'], { timeout: 60_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
      });
      expect(output).toMatch(/"SET","[0-9.]+"/);
      expect(output).toMatch(/"GET","[0-9.]+"/);
    }
    expect(await cli('DBSIZE')).toMatch(/^[0-9]+\n$/);
  });
});
