// The command line of mini-redis: its arguments, and `serve`, the body of its `main()`.
import { readFileSync } from 'node:fs';
import { netDriver } from '@rt/net';
import { Server, type ServerOptions } from './server.js';

/** The usage line printed by `--help` and with argument errors. */
export const usage = 'usage: mini-redis [--port <port, default 6379>] [--host <address, default 127.0.0.1>] [--max-connections <n>] [--max-bulk-length <bytes, default 512 MiB>] [--tls-cert <pem file> --tls-key <pem file> [--tls-ca-cert <pem file>]]';

/** Parses the command line; throws a TypeError naming the bad argument. */
export function parseArguments(argv: readonly string[]): ServerOptions & { help?: boolean } {
  const options: { host?: string; port?: number; maxConnections?: number; limits?: { maxBulkLength: number }; help?: boolean; tls?: { cert: Buffer; key: Buffer; ca?: Buffer } } = {};
  const tlsFiles: { cert?: string; key?: string; ca?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--') continue; // what `pnpm start -- --port 6380` may pass through
    if (argument === '--help' || argument === '-h') {
      options.help = true;
      continue;
    }
    const [flag, inline] = argument.startsWith('--') && argument.includes('=') ? argument.split('=', 2) as [string, string] : [argument, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new TypeError(`mini-redis: ${flag} needs a value\n${usage}`);
    switch (flag) {
      case '--port':
      case '-p':
        options.port = integer(flag, value);
        break;
      case '--host':
        options.host = value;
        break;
      case '--max-connections':
        options.maxConnections = integer(flag, value);
        break;
      case '--max-bulk-length':
        options.limits = { maxBulkLength: integer(flag, value) };
        break;
      case '--tls-cert':
        tlsFiles.cert = value;
        break;
      case '--tls-key':
        tlsFiles.key = value;
        break;
      case '--tls-ca-cert':
        tlsFiles.ca = value;
        break;
      default:
        throw new TypeError(`mini-redis: unknown argument ${JSON.stringify(argument)}\n${usage}`);
    }
  }
  if (tlsFiles.cert !== undefined || tlsFiles.key !== undefined || tlsFiles.ca !== undefined) {
    if (tlsFiles.cert === undefined || tlsFiles.key === undefined) throw new TypeError(`mini-redis: TLS needs both --tls-cert and --tls-key\n${usage}`);
    options.tls = { cert: pem('--tls-cert', tlsFiles.cert), key: pem('--tls-key', tlsFiles.key), ...(tlsFiles.ca === undefined ? {} : { ca: pem('--tls-ca-cert', tlsFiles.ca) }) };
  }
  return options;
}

function pem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TypeError(`mini-redis: ${flag}: cannot read ${JSON.stringify(path)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function integer(flag: string, value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new TypeError(`mini-redis: ${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}


/**
 * Binds a server, prints where it listens, serves until the calling task is aborted (by
 * `main()` on SIGINT/SIGTERM) or the server is shut down, then shuts down gracefully.
 * `onListening` receives the server once it is bound (tests).
 */
export async function serve(options: ServerOptions, print: (line: string) => void, onListening?: (server: Server) => void): Promise<void> {
  const server = await Server.bind(options);
  print(`mini-redis listening on ${server.localAddr().toString()}${options.tls === undefined ? '' : ' (TLS)'} (net driver: ${netDriver()})`);
  onListening?.(server);
  try {
    await server.run();
  } finally {
    print(`mini-redis: shutting down (${server.connections} connection(s) open)`);
    await server.shutdown();
    print('mini-redis: stopped');
  }
}
