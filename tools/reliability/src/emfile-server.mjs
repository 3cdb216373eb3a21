// The echo server of the EMFILE test, in its own process so that `prlimit --nofile=256`
// starves only the server (a test runner starved of fds cannot even load a module). Runs the
// BUILT packages (`npx tsc -b examples/echo` first). Prints the port, then once per 50 ms a
// JSON line of {fds, acceptErrors, acceptBackoffs, served}; on "close" from stdin closes the
// server and exits with a last line.
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Handle } from '@rt/scheduler';
import { startEchoServer } from '@rt-examples/echo/dist/server.js';

const server = await startEchoServer('127.0.0.1:0');
const counter = (key) => Object.values(Handle.current().metrics().drivers).reduce((sum, d) => sum + (typeof d[key] === 'number' ? d[key] : 0), 0);
/** Open fds, or 256 when even listing them fails with EMFILE (every fd is in use). */
function fds() {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 256;
  }
}
const report = (extra = {}) =>
  process.stdout.write(JSON.stringify({ port: server.localAddr.port, fds: fds(), acceptErrors: counter('acceptErrors'), acceptBackoffs: counter('acceptBackoffs'), served: server.served, ...extra }) + '\n');
report();
const timer = setInterval(report, 50);
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line !== 'close') return;
  clearInterval(timer);
  await server.close();
  report({ closed: true });
  process.exit(0);
});
