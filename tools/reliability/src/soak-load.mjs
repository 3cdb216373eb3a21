// The soak's load generator, in its own process so that it does not count in the server's
// samples: a fixed number of connections to mini-redis (pipelined SET with expiry, GET, DEL
// over a bounded key space) and to the echo server (1 KiB ping-pong), each a closed loop
// (one batch in flight), reconnecting every `churn` batches so accept and close are soaked
// too. Prints {redis, echo, reconnects, errors} once a second; exits on "stop" from stdin.
// argv: redisPort, echoPort, connections.
import net from 'node:net';
import { createInterface } from 'node:readline';

const [redisPort, echoPort, connections] = process.argv.slice(2).map(Number);
const churn = 200;
const totals = { redis: 0, echo: 0, reconnects: 0, errors: 0 };
let stopping = false;

function command(...args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Runs `batches` request/response rounds on one connection, then closes it and starts over. */
function loop(port, makeBatch, expectBytes, counter) {
  if (stopping) return;
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let rounds = 0;
  let pending = 0;
  let batch = null;
  const send = () => {
    batch = makeBatch();
    pending = expectBytes(batch);
    socket.write(batch.bytes);
  };
  socket.on('connect', send);
  socket.on('data', (chunk) => {
    pending -= chunk.length;
    if (pending > 0) return;
    totals[counter] += batch.count;
    if (stopping) return void socket.end();
    if (++rounds >= churn) {
      totals.reconnects++;
      socket.end();
      return;
    }
    send();
  });
  socket.on('error', () => totals.errors++);
  socket.on('close', () => setImmediate(() => loop(port, makeBatch, expectBytes, counter)));
}

let n = 0;
// Replies are fixed-size so the client can count bytes: SET → +OK\r\n (5), GET of a
// 16-byte value → $16\r\n…\r\n (23) or $-1\r\n (5) once expired: the GET is of a key that
// never expires, DEL of a key that may not exist answers :0 or :1 (4).
const value = 'v'.repeat(16);
const redisBatch = () => {
  const k = n++ % 10_000;
  return { count: 4, bytes: command('SET', `e${k}`, value, 'PX', String(1 + (k % 50))) + command('SET', `k${k % 1000}`, value) + command('GET', `k${k % 1000}`) + command('DEL', `d${k}`) };
};
const redisExpect = () => 5 + 5 + 23 + 4;
const echoPayload = Buffer.alloc(1024, 0x65);
const echoBatch = () => ({ count: 1, bytes: echoPayload });
const echoExpect = () => echoPayload.length;

for (let i = 0; i < connections; i++) {
  loop(redisPort, redisBatch, redisExpect, 'redis');
  loop(echoPort, echoBatch, echoExpect, 'echo');
}
const timer = setInterval(() => process.stdout.write(JSON.stringify(totals) + '\n'), 1000);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'stop') return;
  stopping = true;
  clearInterval(timer);
  setTimeout(() => {
    process.stdout.write(JSON.stringify({ ...totals, stopped: true }) + '\n');
    process.exit(0);
  }, 200);
});
