// The workloads of observability.bench.mjs and observability-off.bench.mjs, run in a child
// process: `workloads[name](runtime, scheduler, n, sync, net)` with the modules of
// @rt/scheduler, @rt/sync and @rt/net passed in (observability-off loads them from a copy).
//
//   spawn  spawn + join of n trivial tasks inside a task
//   mpsc   an @rt/sync mpsc ping-pong between two tasks (capacity 1: every message parks and wakes)
//   echo   a 64-byte TCP echo over loopback (@rt/net, one connection, n round trips in sequence)
export const workloads = {
  async spawn(runtime, { spawn }, n) {
    await runtime.run(async () => {
      const handles = new Array(n);
      for (let i = 0; i < n; i++) handles[i] = spawn(async () => i);
      for (let i = 0; i < n; i++) await handles[i];
    });
  },
  async mpsc(runtime, { spawn }, n, { mpsc }) {
    await runtime.run(async () => {
      const [tx, rx] = mpsc.channel(1);
      const consumer = spawn(async () => {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += await rx.recv();
        return sum;
      });
      for (let i = 0; i < n; i++) await tx.send(1);
      await consumer;
    });
  },
  async echo(runtime, { spawn }, n, _sync, { TcpListener, TcpStream }) {
    await runtime.run(async () => {
      const listener = await TcpListener.bind('127.0.0.1:0');
      const server = spawn(async () => {
        const stream = await listener.accept();
        const buffer = Buffer.alloc(64);
        for (;;) {
          const got = await stream.read(buffer);
          if (got === 0) break;
          await stream.writeAll(buffer.subarray(0, got));
        }
        stream.close();
      });
      const client = await TcpStream.connect(listener.localAddr());
      const message = Buffer.alloc(64, 7);
      const reply = Buffer.alloc(64);
      for (let i = 0; i < n; i++) {
        await client.writeAll(message);
        let got = 0;
        while (got < 64) got += await client.read(reply.subarray(got));
      }
      client.close();
      await server;
      listener.close();
    });
  },
};

/** Subscribes a counter to every rt:task:* channel and the rt:net:accept/connect tracing channels. */
export function subscribeEverything(diagnostics_channel) {
  let count = 0;
  const count1 = () => void count++;
  for (const name of ['rt:task:spawn', 'rt:task:finish', 'rt:task:park', 'rt:task:wake']) diagnostics_channel.subscribe(name, count1);
  for (const name of ['rt:net:accept', 'rt:net:connect']) {
    diagnostics_channel.tracingChannel(name).subscribe({ start: count1, end: count1, asyncStart: count1, asyncEnd: count1, error: count1 });
  }
}
