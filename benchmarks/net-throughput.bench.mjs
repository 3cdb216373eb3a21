#!/usr/bin/env node
// @rt/net against Node's net/dgram on three loads, each server in its own process, driven
// by a small C client built by this script (its source is below, compiled to
// benchmarks/bin/netbench):
//   bulk    one TCP connection sends N bytes in 256 KiB writes to a server that reads and
//           discards them (rt: TcpStream.read into one 64 KiB buffer; net: 'data' events),
//           until end of stream; reports MiB/s.
//   accept  N short connections, one after another: connect, wait until the server has
//           accepted and closed it (read returns 0); reports connections/s.
//   udp     N UDP request/response round trips of 64 bytes, one in flight; reports msgs/s
//           and p99.
// Servers: `net` (Node net/dgram, the baseline), `native` (@rt/net on the epoll driver),
// `fallback` (@rt/net on its Node driver). Ratio = rate ÷ net's; CPU = server CPU per unit.
//
//   node benchmarks/net-throughput.bench.mjs           full run (1 GiB, 20,000, 100,000; ~40 s)
//   RT_BENCH_QUICK=1 … or --quick                       (256 MiB, 5,000, 20,000; ~12 s)
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const serveIndex = process.argv.indexOf('--serve');

const C_SOURCE = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static struct sockaddr_in addr(int port) {
  struct sockaddr_in a; memset(&a, 0, sizeof a); a.sin_family = AF_INET; a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr); return a;
}
static int cmp(const void* a, const void* b) { double x = *(const double*)a, y = *(const double*)b; return x < y ? -1 : x > y; }

int main(int argc, char** argv) {
  if (argc < 4) { fprintf(stderr, "usage: netbench bulk|accept|udp port n\n"); return 2; }
  const char* mode = argv[1]; int port = atoi(argv[2]); long long n = atoll(argv[3]);
  struct sockaddr_in a = addr(port);
  if (!strcmp(mode, "bulk")) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr*)&a, sizeof a) < 0) { perror("connect"); return 1; }
    static char buf[256 * 1024]; memset(buf, 7, sizeof buf);
    double t0 = now(); long long sent = 0;
    while (sent < n) { ssize_t w = write(fd, buf, (size_t)(n - sent < (long long)sizeof buf ? n - sent : (long long)sizeof buf)); if (w <= 0) { perror("write"); return 1; } sent += w; }
    shutdown(fd, SHUT_WR);
    char c; while (read(fd, &c, 1) > 0) {}
    double s = now() - t0; close(fd);
    printf("{\"units\":%lld,\"seconds\":%.4f,\"p99_us\":0}\n", n, s);
  } else if (!strcmp(mode, "accept")) {
    double t0 = now();
    for (long long i = 0; i < n; i++) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, (struct sockaddr*)&a, sizeof a) < 0) { perror("connect"); return 1; }
      char c; while (read(fd, &c, 1) > 0) {}
      close(fd);
    }
    printf("{\"units\":%lld,\"seconds\":%.4f,\"p99_us\":0}\n", n, now() - t0);
  } else {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    connect(fd, (struct sockaddr*)&a, sizeof a);
    struct timeval tv = { 0, 200000 }; setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char out[64], in[2048]; memset(out, 1, sizeof out);
    double* lat = malloc(sizeof(double) * (size_t)n); long long lost = 0;
    double t0 = now();
    for (long long i = 0; i < n; i++) {
      double s = now();
      send(fd, out, sizeof out, 0);
      if (recv(fd, in, sizeof in, 0) < 0) { lost++; i--; if (lost > 1000) { fprintf(stderr, "too many lost\n"); return 1; } continue; }
      lat[i] = (now() - s) * 1e6;
    }
    double total = now() - t0;
    qsort(lat, (size_t)n, sizeof(double), cmp);
    printf("{\"units\":%lld,\"seconds\":%.4f,\"p99_us\":%.1f,\"lost\":%lld}\n", n, total, lat[(size_t)(n * 0.99)], lost);
  }
  return 0;
}
`;

if (serveIndex >= 0) await serve(process.argv[serveIndex + 1]);
else await bench();

/** Serves sink, accept and UDP echo; prints {"bulk":port,"accept":port,"udp":port}. */
async function serve(kind) {
  if (kind === 'net') {
    const net = await import('node:net');
    const dgram = await import('node:dgram');
    const sink = net.createServer((socket) => {
      socket.on('data', () => {});
      socket.on('end', () => socket.end());
      socket.on('error', () => socket.destroy());
    });
    const acceptor = net.createServer((socket) => socket.destroy());
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
    await Promise.all([
      new Promise((r) => sink.listen(0, '127.0.0.1', r)),
      new Promise((r) => acceptor.listen(0, '127.0.0.1', 1024, r)),
      new Promise((r) => udp.bind(0, '127.0.0.1', r)),
    ]);
    console.log(JSON.stringify({ bulk: sink.address().port, accept: acceptor.address().port, udp: udp.address().port }));
    return;
  }
  const { TcpListener, UdpSocket } = await import('@rt/net');
  const { spawn: spawnTask } = await import('@rt/scheduler');
  const sink = await TcpListener.bind('127.0.0.1:0', { driver: kind });
  const acceptor = await TcpListener.bind('127.0.0.1:0', { driver: kind });
  const udp = await UdpSocket.bind('127.0.0.1:0', { driver: kind });
  console.log(JSON.stringify({ bulk: sink.localAddr().port, accept: acceptor.localAddr().port, udp: udp.localAddr().port }));
  spawnTask(async () => {
    for await (const stream of sink) {
      spawnTask(async () => {
        const buf = Buffer.allocUnsafe(64 * 1024);
        try {
          while ((await stream.read(buf)) !== 0);
          await stream.shutdown();
        } catch {
          // reset
        } finally {
          stream.close();
        }
      });
    }
  });
  spawnTask(async () => {
    for await (const stream of acceptor) stream.close();
  });
  spawnTask(async () => {
    const buf = Buffer.allocUnsafe(2048);
    for (;;) {
      const [n, from] = await udp.recvFrom(buf);
      await udp.sendTo(buf.subarray(0, n), from);
    }
  });
}

async function bench() {
  const quick = process.env['RT_BENCH_QUICK'] === '1' || process.argv.includes('--quick');
  const bin = join(here, 'bin');
  mkdirSync(bin, { recursive: true });
  const source = join(bin, 'netbench.c');
  const tool = join(bin, 'netbench');
  if (!existsSync(tool) || !existsSync(source) || readFileSync(source, 'utf8') !== C_SOURCE) {
    writeFileSync(source, C_SOURCE);
    execFileSync('cc', ['-O2', '-Wall', '-o', tool, source], { stdio: 'inherit' });
  }
  const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const cpuSeconds = (pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  };
  const { available } = await import('@rt/mio-native');
  const servers = ['net', ...(available ? ['native'] : []), 'fallback'];
  const loads = [
    { name: 'bulk', n: quick ? 256 * 1024 * 1024 : 1024 * 1024 * 1024, unit: 'MiB/s', scale: 1 / (1024 * 1024), cpuUnit: 'ms/GiB', cpuScale: 1e3 * 1024 * 1024 * 1024 },
    { name: 'accept', n: quick ? 5000 : 20000, unit: 'conn/s', scale: 1, cpuUnit: 'µs/conn', cpuScale: 1e6 },
    { name: 'udp', n: quick ? 20000 : 100000, unit: 'msgs/s', scale: 1, cpuUnit: 'µs/msg', cpuScale: 1e6 },
  ];

  const running = [];
  for (const name of servers) {
    const child = spawn(process.execPath, [self, '--serve', name], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ports = await new Promise((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n')) resolve(JSON.parse(text));
      });
      child.once('exit', (code) => reject(new Error(`${name} server exited (${code})`)));
    });
    running.push({ name, child, ports });
  }
  const results = new Map();
  try {
    for (const load of loads) {
      for (const { name, child, ports } of running) {
        const before = cpuSeconds(child.pid);
        const r = spawnSync(tool, [load.name, String(ports[load.name]), String(load.n)], { encoding: 'utf8' });
        const cpu = cpuSeconds(child.pid) - before;
        if (r.status !== 0) throw new Error(`netbench ${load.name} failed against ${name}: ${r.stderr}`);
        const out = JSON.parse(r.stdout);
        results.set(`${load.name} ${name}`, { rate: (out.units / out.seconds) * load.scale, cpuPerUnit: (cpu / out.units) * load.cpuScale, p99: out.p99_us });
      }
    }
  } finally {
    for (const { child } of running) child.kill();
  }
  const pad = (s, n) => String(s).padStart(n);
  console.log(`@rt/net vs Node net/dgram${quick ? ' (quick)' : ''}: bulk ${loads[0].n / 1048576} MiB over one connection, ${loads[1].n} short connections, ${loads[2].n} UDP round trips`);
  console.log(`${'load'.padEnd(8)}${'server'.padEnd(10)}${pad('rate', 12)} ${'unit'.padEnd(7)}${pad('server CPU', 12)} ${'per'.padEnd(8)}${pad('p99 µs', 8)}${pad('× net', 8)}`);
  for (const load of loads) {
    const base = results.get(`${load.name} net`);
    for (const name of servers) {
      const r = results.get(`${load.name} ${name}`);
      console.log(
        `${load.name.padEnd(8)}${name.padEnd(10)}${pad(Math.round(r.rate), 12)} ${load.unit.padEnd(7)}${pad(r.cpuPerUnit.toFixed(2), 12)} ${load.cpuUnit.padEnd(8)}` +
          `${pad(load.name === 'udp' ? r.p99.toFixed(1) : '-', 8)}${pad((r.rate / base.rate).toFixed(2), 8)}`,
      );
    }
  }
}
