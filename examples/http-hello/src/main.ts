// `node dist/main.js [--port 8080] [--host 127.0.0.1]` (`pnpm --filter ./examples/http-hello
// start -- --port 8080`): http-hello under `main()` from @rt/macros (SIGINT/SIGTERM shut it
// down gracefully; a second signal exits at once).
import { main } from '@rt/macros';
import { netDriver } from '@rt/net';
import { HttpServer } from './server.js';

const usage = 'usage: http-hello [--port <port, default 8080>] [--host <address, default 127.0.0.1>]';

function parseArguments(argv: readonly string[]): { host?: string; port?: number } {
  const options: { host?: string; port?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--') continue;
    const value = argv[++i];
    if (value === undefined) throw new TypeError(`http-hello: ${flag} needs a value\n${usage}`);
    if (flag === '--port' || flag === '-p') {
      if (!/^[0-9]+$/.test(value)) throw new TypeError(`http-hello: --port must be a non-negative integer, got ${JSON.stringify(value)}`);
      options.port = Number(value);
    } else if (flag === '--host') options.host = value;
    else throw new TypeError(`http-hello: unknown argument ${JSON.stringify(flag)}\n${usage}`);
  }
  return options;
}

let options: { host?: string; port?: number } | undefined;
try {
  options = parseArguments(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
}
if (options !== undefined) void main(async () => {
  const server = await HttpServer.bind(options);
  console.log(`http-hello listening on http://${server.localAddr().toString()} (net driver: ${netDriver()})`);
  try {
    await server.run();
  } finally {
    await server.shutdown();
    console.log('http-hello: stopped');
  }
}, { name: 'http-hello' });
