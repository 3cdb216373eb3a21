// Usage:
//   node dist/main.js server [host:port] [--max-connections N] [--idle-timeout MS]
//                                                  echo server (default 127.0.0.1:7007)
//   node dist/main.js client [host:port] [text]   send text and print the echo
import { netDriver } from '@rt/net';
import { echoOnce } from './client.js';
import { startEchoServer } from './server.js';

async function main(argv: string[]): Promise<void> {
  const flags = new Map<string, number>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--max-connections' || arg === '--idle-timeout') flags.set(arg, Number(argv[++i]));
    else positional.push(arg);
  }
  const [mode = 'server', addr = '127.0.0.1:7007', ...words] = positional;
  if (mode === 'server') {
    const maxConnections = flags.get('--max-connections');
    const idleTimeout = flags.get('--idle-timeout');
    const server = await startEchoServer(addr, {
      ...(maxConnections === undefined ? {} : { maxConnections }),
      ...(idleTimeout === undefined ? {} : { idleTimeout }),
    });
    const { ip, port } = server.localAddr;
    console.log(`echo server listening on ${server.localAddr.toString()} (net driver: ${netDriver()}); try: nc ${ip} ${port}`);
    const stop = (): void => {
      void server.close().then(() => console.log(`served ${server.served} connections`));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } else if (mode === 'client') {
    const text = words.length > 0 ? words.join(' ') : 'hello from the rt echo client';
    const reply = await echoOnce(addr, new TextEncoder().encode(text), { signal: AbortSignal.timeout(10_000) });
    console.log(new TextDecoder().decode(reply));
  } else {
    console.error('usage: main.js server [host:port] | client [host:port] [text]');
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
