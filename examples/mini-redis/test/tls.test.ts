// mini-redis over TLS (--tls-cert/--tls-key/--tls-ca-cert) against the real `redis-cli --tls`
// and `redis-benchmark --tls` (Debian's redis-tools), with certificates made at test time
// by the openssl CLI (the helper of @rt/tls's own tests).
import { execFile, spawn } from 'node:child_process';
import { makeCerts, type Certs } from '../../../packages/tls/test/support/certs.js';
import { parseArguments } from '../src/cli.js';
import { Server } from '../src/server.js';

let certs: Certs;
beforeAll(async () => {
  certs = await makeCerts();
}, 30_000);
afterAll(() => certs.remove());

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function withServer(options: Parameters<typeof Server.bind>[0], body: (port: number) => Promise<void>): Promise<void> {
  const server = await Server.bind({ port: 0, ...options });
  const serving = server.run();
  try {
    await body(server.port);
  } finally {
    await server.shutdown();
    await serving;
  }
}

const tlsCli = (port: number, ...args: string[]): string[] => ['--tls', '--cacert', certs.caPath, '--sni', 'localhost', '-h', '127.0.0.1', '-p', String(port), ...args];

describe('mini-redis over TLS', () => {
  it('parses --tls-cert, --tls-key and --tls-ca-cert, and refuses half a configuration', () => {
    const options = parseArguments(['--port', '0', '--tls-cert', certs.server.certPath, '--tls-key', certs.server.keyPath, '--tls-ca-cert', certs.caPath]);
    expect(options.tls?.cert.equals(certs.server.cert)).toBe(true);
    expect(options.tls?.key.equals(certs.server.key)).toBe(true);
    expect(options.tls?.ca?.equals(certs.ca)).toBe(true);
    expect(() => parseArguments(['--tls-cert', certs.server.certPath])).toThrow(/needs both --tls-cert and --tls-key/);
    expect(() => parseArguments(['--tls-cert', '/no/such/file', '--tls-key', certs.server.keyPath])).toThrow(/cannot read/);
  });

  it('answers redis-cli --tls and redis-benchmark --tls', async () => {
    await withServer({ tls: { cert: certs.server.cert, key: certs.server.key } }, async (port) => {
      expect((await run('redis-cli', tlsCli(port, 'PING'))).stdout).toBe('PONG\n');
      expect((await run('redis-cli', tlsCli(port, 'SET', 'k', 'over tls'))).stdout).toBe('OK\n');
      expect((await run('redis-cli', tlsCli(port, 'GET', 'k'))).stdout).toBe('over tls\n');
      // Plain TCP to a TLS port fails (no reply), it does not hang.
      expect((await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'PING'])).stdout).not.toBe('PONG\n');
      const bench = await run('redis-benchmark', ['--tls', '--cacert', certs.caPath, '--sni', 'localhost', '-p', String(port), '-t', 'set,get', '-n', '2000', '-c', '4', '-P', '8', '-q', '--csv']);
      expect(bench.stdout).toMatch(/"SET","[0-9.]+"/);
      expect(bench.stdout).toMatch(/"GET","[0-9.]+"/);
    });
  }, 60_000);

  it('delivers pub/sub messages over TLS (a read stays in flight while messages arrive)', async () => {
    await withServer({ tls: { cert: certs.server.cert, key: certs.server.key } }, async (port) => {
      const subscriber = spawn('redis-cli', tlsCli(port, 'SUBSCRIBE', 'news'), { stdio: ['ignore', 'pipe', 'pipe'] });
      let seen = '';
      subscriber.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
      try {
        const until = async (text: string): Promise<void> => {
          for (let i = 0; i < 500 && !seen.includes(text); i++) await new Promise((resolve) => setTimeout(resolve, 10));
          expect(seen).toContain(text);
        };
        await until('news');
        for (const message of ['one', 'two']) {
          expect((await run('redis-cli', tlsCli(port, 'PUBLISH', 'news', message))).stdout).toBe('1\n');
          await until(message);
        }
      } finally {
        subscriber.kill();
      }
    });
  }, 30_000);

  it('with --tls-ca-cert requires a client certificate signed by that CA', async () => {
    await withServer({ tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca } }, async (port) => {
      const without = await run('redis-cli', tlsCli(port, 'PING'));
      expect(without.stdout).not.toBe('PONG\n');
      const withCert = await run('redis-cli', tlsCli(port, '--cert', certs.client.certPath, '--key', certs.client.keyPath, 'PING'));
      expect(withCert.stdout).toBe('PONG\n');
    });
  }, 30_000);
});
