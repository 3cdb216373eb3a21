// Baseline for http.bench.mjs: the routes of http-rt-server.mjs on Node's `http` module, with
// a plain handler writing the same bytes (`writeHead` + `end`; Node adds `Connection:
// keep-alive` and `Keep-Alive: timeout=…` that the rt server does not send).
//   GET/HEAD /   200 "Hello, World!" (text/plain)
//   GET /json    200 a 4 KiB JSON document (application/json)
//   POST /upload reads the whole body, answers its length
//
// Usage: node benchmarks/baselines/http-node-server.mjs [port]   (prints "listening on <port>")
import http from 'node:http';
import { json } from './http-routes.mjs';

const hello = Buffer.from('Hello, World!');
const jsonBytes = Buffer.from(json);
const server = http.createServer((request, response) => {
  if (request.method === 'POST') {
    let length = 0;
    const chunks = [];
    request.on('data', (chunk) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    request.on('end', () => {
      Buffer.concat(chunks, length); // the whole body in one buffer, as arrayBuffer() gives rt's handler
      const body = String(length);
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
      response.end(body);
    });
  } else if (request.url === '/json') {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': jsonBytes.length });
    response.end(jsonBytes);
  } else {
    response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': hello.length });
    response.end(request.method === 'HEAD' ? undefined : hello);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
