// Soak: mini-redis and the echo server on one runtime under a bounded, steady load from a
// load generator in another process (src/soak-load.mjs), sampled once a second: RSS, JS heap,
// open fds, alive tasks, pending timers, reactor registrations. The run fails if any of them
// grows over the second half (src/series.ts says how), and writes the series as CSV and SVG
// into results/ (results/long/ for the long form, whose files RELIABILITY.md links to).
// CI: 5 s of warm-up, then 25 s sampled. Long form: 30 s of warm-up, then 30 minutes (RT_RELIABILITY_SOAK_SECONDS overrides either).
import { spawn as spawnProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TcpListener } from '@rt/net';
import { sleep } from '@rt/time';
import { startEchoServer } from '../../../examples/echo/src/server.js';
import { Server } from '../../../examples/mini-redis/src/server.js';
import { eventually } from '../src/clients.js';
import { LONG, openFdCount } from '../src/config.js';
import { sample } from '../src/sample.js';
import type { Sample } from '../src/sample.js';
import { judge, toCsv, toSvg } from '../src/series.js';

// A full collection before each sample: the heap series is then live memory, not the garbage
// V8 has not yet collected (without it, heapUsed and RSS climbed for the whole 25 s whenever no
// major GC fell inside the window: a verdict on GC timing, not on leaks).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

const SECONDS = Number(process.env['RT_RELIABILITY_SOAK_SECONDS'] ?? (LONG ? 30 * 60 : 25));
const CONNECTIONS = LONG ? 32 : 16;
const WARM_UP = LONG ? 30 : 5;

interface Totals {
  redis: number;
  echo: number;
  reconnects: number;
  errors: number;
  stopped?: boolean;
}

// The runtime's reactor (an epoll fd) and timer wheel live as long as the runtime: create
// them before the fd baseline.
beforeAll(async () => {
  (await TcpListener.bind('127.0.0.1:0')).close();
  await sleep(1);
});

describe('soak', () => {
  it(`holds mini-redis and echo under steady load for ${SECONDS} s with flat memory, fds, tasks and timers`, async () => {
    const fdsBefore = openFdCount();
    const redis = await Server.bind({ port: 0 });
    const serving = redis.run();
    const echo = await startEchoServer('127.0.0.1:0');
    const load = spawnProcess(process.execPath, [join(__dirname, '..', 'src', 'soak-load.mjs'), String(redis.port), String(echo.localAddr.port), String(CONNECTIONS)], { stdio: ['pipe', 'pipe', 'inherit'] });
    // Whatever fails below, the servers close and the load generator dies, so jest can exit.
    const cleanup = async (): Promise<void> => {
      if (load.exitCode === null) load.kill();
      await redis.shutdown();
      await serving;
      await echo.close();
    };
    try {
      let totals: Totals = { redis: 0, echo: 0, reconnects: 0, errors: 0 };
      createInterface({ input: load.stdout! }).on('line', (line) => (totals = JSON.parse(line) as Totals));
      const exited = new Promise<number | null>((resolve) => load.on('exit', resolve));

      // Warm-up, not sampled: connections open, JIT and heap settle.
      await new Promise((resolve) => setTimeout(resolve, WARM_UP * 1000));
      const t0 = performance.now();
      const samples: Sample[] = [];
      const throughput: Record<string, number>[] = [];
      let previous = { ...totals };
      for (let second = 1; second <= SECONDS; second++) {
        // Sample on the second, measured from the start (no drift).
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + second * 1000 - performance.now())));
        collect();
        samples.push(sample(t0));
        throughput.push({ redisOps: totals.redis - previous.redis, echoOps: totals.echo - previous.echo, reconnects: totals.reconnects - previous.reconnects });
        previous = { ...totals };
      }
      load.stdin!.write('stop\n');
      expect(await exited).toBe(0);

      const verdicts = judge(samples);
      const directory = join(__dirname, '..', 'results', LONG ? 'long' : 'short');
      mkdirSync(directory, { recursive: true });
      writeFileSync(join(directory, 'soak.csv'), toCsv(samples, throughput));
      const opsPerSecond = Math.round((totals.redis + totals.echo) / SECONDS);
      writeFileSync(join(directory, 'soak.svg'), toSvg(samples, verdicts, `rt soak: mini-redis + echo, ${CONNECTIONS}+${CONNECTIONS} connections, ${SECONDS} s, ~${opsPerSecond} ops/s`));
      const summary = {
        seconds: SECONDS,
        connections: CONNECTIONS * 2,
        redisCommands: totals.redis,
        echoRoundTrips: totals.echo,
        reconnects: totals.reconnects,
        clientErrors: totals.errors,
        verdicts: verdicts.map((v) => ({ series: v.key, first: +v.first.toFixed(2), last: +v.last.toFixed(2), slopePerMinute: +v.slopePerMinute.toFixed(3), allowed: +v.allowancePerMinute.toFixed(2), tau: +v.tau.toFixed(2), grows: v.grows })),
      };
      writeFileSync(join(directory, 'soak-summary.json'), JSON.stringify(summary, null, 2) + '\n');
      process.stdout.write(`soak summary: ${JSON.stringify(summary)}\n`);

      expect(totals.errors).toBe(0);
      expect(totals.redis).toBeGreaterThan(0);
      expect(totals.echo).toBeGreaterThan(0);
      expect(verdicts.filter((v) => v.grows)).toEqual([]);

    } finally {
      await cleanup();
    }
    await eventually(() => openFdCount() <= fdsBefore, 'fds back to the baseline after the soak');
  }, (WARM_UP + SECONDS + 60) * 1000);
});
