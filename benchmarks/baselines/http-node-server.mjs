// Baseline for http.bench.mjs: http-hello's answer on Node's `http` module — `GET`/`HEAD`
// of any target gets `200 Hello, World!` (text/plain, Content-Length, Date; keep-alive),
// exactly the bytes http-hello on rt sends, so wrk measures only the server stack.
//
// Usage: node benchmarks/baselines/http-node-server.mjs [port]   (prints "listening on <port>")
import http from 'node:http';

const hello = Buffer.from('Hello, World!');
const server = http.createServer((request, response) => {
  if (request.method === 'GET' || request.method === 'HEAD') {
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': hello.length });
    response.end(request.method === 'HEAD' ? undefined : hello);
  } else {
    response.writeHead(405, { 'Content-Type': 'text/plain', 'Content-Length': 19, Allow: 'GET, HEAD' });
    response.end('Method Not Allowed\n');
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
