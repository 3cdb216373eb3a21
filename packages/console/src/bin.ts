#!/usr/bin/env node
// rt-console [--json] [--listen HOST:PORT] ADDR: see ../README.md.
import { ConsoleClient } from './client.js';
import { serveWebUi } from './web.js';

const usage = 'usage: rt-console [--json] [--listen 127.0.0.1:6670] HOST:PORT';

async function run(argv: string[]): Promise<number> {
  let json = false;
  let listen: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--listen') listen = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      return 0;
    } else rest.push(arg);
  }
  if (rest.length !== 1 || (listen === undefined && argv.includes('--listen'))) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const target = rest[0]!;
  if (json) {
    const client = await ConsoleClient.connect(target);
    try {
      process.stdout.write(`${JSON.stringify(await client.snapshot(), null, 2)}\n`);
    } finally {
      client.close();
    }
    return 0;
  }
  const ui = await serveWebUi(target, listen === undefined ? {} : { addr: listen });
  process.stdout.write(`rt-console: ${ui.url} (program at ${target})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  ui.close();
  return 0;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rt-console: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
