// Baseline for http.bench.mjs: the routes of http-rt-server.mjs on Node's `http` module, with
// a plain handler writing the same bytes (`nodeListener` of http-routes.mjs: `writeHead` +
// `end`; Node adds `Connection: keep-alive` and `Keep-Alive: timeout=…` that the rt server
// does not send).
//
// Usage: node benchmarks/baselines/http-node-server.mjs [port]   (prints "listening on <port>")
import http from 'node:http';
import { nodeListener } from './http-routes.mjs';

const server = http.createServer(nodeListener());
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
