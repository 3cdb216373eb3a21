// Instruction counts under callgrind, shared by the benchmark scripts that count instructions
// (ping-pong-callgrind, spawn-callgrind, handle-shapes): V8 runs with --single-threaded
// --predictable-gc-schedule, so GC and compilation land the same way from run to run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { have } from './proc.mjs';

/** Throws unless valgrind is installed (`who` names the caller in the message). */
export function requireValgrind(who) {
  if (!have('valgrind')) throw new Error(`${who}: valgrind is not installed (apt-get install valgrind)`);
}

/** Instructions `node script ...args` executes under callgrind, with `env` added to the environment. */
export function callgrindInstructions(node, script, args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rt-callgrind-'));
  try {
    const out = join(dir, 'callgrind.out');
    const child = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, node, '--single-threaded', '--predictable-gc-schedule', script, ...args], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`${args.join(' ')} under callgrind exited ${child.status}: ${child.stderr.slice(-2000)}`);
    const summary = /^summary: (\d+)/m.exec(readFileSync(out, 'utf8'));
    if (summary === null) throw new Error(`${args.join(' ')}: no summary line in the callgrind output`);
    return Number(summary[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
