// `node dist/demo.js` (`pnpm --filter ./examples/mini-redis demo`): starts mini-redis on a
// free port in this process, drives it briefly with the rt client (and with the real
// `redis-cli` when it is installed), prints what happened, and shuts it down.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { main } from '@rt/macros';
import { Client } from './client.js';
import { Server } from './server.js';

/** Runs the demo, printing each step with `print`. */
export async function demo(print: (line: string) => void): Promise<void> {
  const server = await Server.bind({ port: 0 });
  const serving = server.run();
  print(`mini-redis listening on ${server.localAddr().toString()}`);
  const client = await Client.connect(server.localAddr());
  const subscriber = await Client.connect(server.localAddr());
  try {
    const show = async (...args: string[]): Promise<void> => {
      print(`> ${args.join(' ')}\n${JSON.stringify(await client.command(...args))}`);
    };
    await show('PING');
    await show('SET', 'greeting', 'hello from rt');
    await show('GET', 'greeting');
    await show('INCR', 'visits');
    await show('SET', 'session', 'abc', 'EX', '60');
    await show('TTL', 'session');
    const replies = await client.pipeline(Array.from({ length: 100 }, (_, i) => ['SET', `key:${i}`, String(i)]));
    print(`> 100 SETs in one pipelined write\n${replies.length} replies, all ${JSON.stringify(replies[0])}`);
    print(`> SUBSCRIBE news (second connection)\n${JSON.stringify(await subscriber.command('SUBSCRIBE', 'news'))}`);
    await show('PUBLISH', 'news', 'rt runs mini-redis');
    print(`subscriber received ${JSON.stringify(await subscriber.nextMessage())}`);
    try {
      // Asynchronously: the server runs in this process and must keep serving meanwhile.
      const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(server.port), 'GET', 'greeting'], { encoding: 'utf8', timeout: 5000 });
      print(`$ redis-cli -p ${server.port} GET greeting\n${stdout.trim()}`);
    } catch {
      print('(redis-cli is not installed, or could not run: skipped)');
    }
  } finally {
    client.close();
    subscriber.close();
    await server.shutdown();
    await serving;
    print('mini-redis shut down');
  }
}

if (process.argv[1] !== undefined && /demo\.(js|ts)$/.test(process.argv[1])) {
  void main(() => demo((line) => console.log(line)), { name: 'mini-redis demo' });
}
