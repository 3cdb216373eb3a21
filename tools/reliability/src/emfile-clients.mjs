// A separate process of plain Node clients for the EMFILE test (its fds must not count
// against the server's lowered limit). argv: port, count. Connects `count` clients, each
// sending one byte; prints progress as JSON lines; on "close" from stdin destroys them all,
// then checks that fresh clients are served again and prints the outcome.
import net from 'node:net';
import { createInterface } from 'node:readline';

const [port, count] = process.argv.slice(2).map(Number);
const sockets = [];
let connected = 0;
let echoed = 0;
let failed = 0;
const report = (extra = {}) => process.stdout.write(JSON.stringify({ connected, echoed, failed, ...extra }) + '\n');

for (let i = 0; i < count; i++) {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.once('connect', () => {
    connected++;
    socket.write('x');
  });
  socket.once('data', () => echoed++);
  socket.on('error', () => failed++);
}
const timer = setInterval(report, 100);

function fresh(n) {
  return Promise.all(
    Array.from({ length: n }, () => new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => resolve(false));
      socket.once('connect', () => socket.end('again'));
      let got = '';
      socket.on('data', (d) => (got += d));
      socket.on('close', () => resolve(got === 'again'));
    })),
  );
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line !== 'close') return;
  clearInterval(timer);
  for (const s of sockets) s.destroy();
  const results = await fresh(20);
  report({ recovered: results.filter(Boolean).length });
  process.exit(0);
});
