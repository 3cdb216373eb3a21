// Baseline for redis.bench.mjs: the same mini-redis server written on Node's `net`.
//
// It reuses mini-redis's own RESP parser, reply encoder, command table and keyspace (built
// into examples/mini-redis/dist), so the only difference from mini-redis on rt is the I/O
// layer: `net`'s 'data' events and `socket.write` instead of rt's pull-based TcpStream.
// Pipelining works the same way: every complete command of a chunk is executed and the
// replies go out in one write. Pub/sub is not part of the benchmark and is refused here.
//
// Usage: node benchmarks/baselines/redis-net-server.mjs [port]   (prints "listening on <port>")
import net from 'node:net';
import { setInterval } from 'node:timers';
import { performance } from 'node:perf_hooks';
import { execute, Next } from '../../examples/mini-redis/dist/commands.js';
import { Db } from '../../examples/mini-redis/dist/db.js';
import { ReplyWriter } from '../../examples/mini-redis/dist/reply-writer.js';
import { ProtocolError, RespParser } from '../../examples/mini-redis/dist/resp-parser.js';

const db = new Db(() => performance.now());
const pubSub = { publish: () => 0 };
setInterval(() => {
  for (let round = 0; round < 16 && db.sweep(20) >= 5; round++);
}, 100).unref();

const server = net.createServer({ noDelay: true }, (socket) => {
  const parser = new RespParser();
  const out = new ReplyWriter();
  const context = {
    db,
    pubSub,
    subscriptions: undefined,
    openSubscriptions: () => {
      throw new Error('pub/sub is not implemented by the net baseline');
    },
  };
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    parser.push(chunk);
    for (;;) {
      let argc;
      try {
        argc = parser.next();
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        out.error(`ERR ${error.message}`);
        socket.end(Buffer.from(out.view()));
        return;
      }
      if (argc < 0) break;
      if (argc === 0) continue;
      if (execute(parser, argc, context, out) === Next.Close) {
        socket.end(Buffer.from(out.view()));
        return;
      }
    }
    if (out.length > 0) {
      socket.write(Buffer.from(out.view()));
      out.clear();
    }
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
