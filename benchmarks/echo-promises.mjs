#!/usr/bin/env node
// Promises made and reactions run per echoed message, for each rung of the echo ladder (the
// servers of echo-callgrind.mjs): the server runs with a preload that counts V8's promise hook
// events (benchmarks/lib/promise-count-preload.mjs), benchmarks/c/echo-count-client.c sends
// WARMUP messages, the counters are zeroed (SIGUSR2), MESSAGES more are sent and the counters
// read (SIGUSR2 again). The preload's hook makes every `await` make its throwaway promise, as
// rt's own promise hooks do in a task on Node 20/22, so every rung is counted in that state.
//
//   node benchmarks/echo-promises.mjs [--servers=rt,rt-await,rt-await-task,rt-plain,rt-stream]
//        [--connections=64] [--bytes=64] [--warmup=20000] [--messages=40000] [--node=/path/to/node]
//
// Prints, per rung: promises made (`init`), of which with a parent (an `await`'s throwaway or a
// `then`'s result), reactions run (`before`) per message.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildC } from './lib/loadgen.mjs';
import { echoServer, printedPort } from './lib/echo-servers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const servers = arg('servers', 'rt,rt-await,rt-await-task,rt-plain,rt-stream').split(',');
const connections = arg('connections', '64');
const bytes = arg('bytes', '64');
const warmup = arg('warmup', '20000');
const messages = Number(arg('messages', '40000'));
const node = arg('node', process.execPath);
const client = buildC('echo-count-client');

async function count(server) {
  const spec = echoServer(server);
  if (spec === undefined) throw new Error(`echo-promises: unknown server ${server}`);
  const child = spawn(node, ['--import', join(here, 'lib', 'promise-count-preload.mjs'), ...spec.args], { stdio: ['ignore', 'pipe', 'pipe'], env: spec.env });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    const port = await printedPort(child, () => stderr);
    const c = spawn(client, [String(port), connections, String(messages), bytes, warmup], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    const line = (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => pattern.test(out) && (c.stdout.off('data', onData), resolve());
        const onData = (chunk) => {
          out += chunk;
          check();
        };
        c.stdout.on('data', onData);
        c.once('exit', (code) => reject(new Error(`client exited ${code}`)));
        check();
      });
    const counts = async () => {
      const before = stderr.length;
      child.kill('SIGUSR2');
      while (!/COUNTS \{.*\}\n/.test(stderr.slice(before))) await sleep(20);
      return JSON.parse(/COUNTS (\{.*\})/.exec(stderr.slice(before))[1]);
    };
    await line(/warm\n/);
    await counts(); // zeroes
    c.stdin.write('go\n');
    await line(/\}\n/);
    const counted = await counts();
    c.stdin.end('done\n');
    return counted;
  } finally {
    child.kill('SIGTERM');
  }
}

console.log(`promise hook events per message (${messages} messages of ${bytes} B over ${connections} connections, after ${warmup}; ${node === process.execPath ? `node ${process.version}` : node})`);
console.log(`${'server'.padEnd(16)}${'promises'.padStart(10)}${'with parent'.padStart(13)}${'reactions'.padStart(11)}`);
for (const server of servers) {
  const c = await count(server);
  const per = (n) => (n / messages).toFixed(3);
  console.log(`${server.padEnd(16)}${per(c.init).padStart(10)}${per(c.chained).padStart(13)}${per(c.before).padStart(11)}`);
}
