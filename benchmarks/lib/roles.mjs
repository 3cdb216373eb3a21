// Server roles in child processes (the multi-thread benchmarks): the benchmark re-executes its
// own file with a role in the environment; the child serves and answers `stats` lines on stdin
// with one JSON line ({ accepted: connections per worker, pids: processes to sum CPU over }).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpuSeconds, freePort, sleep, waitForPort } from './proc.mjs';

/** In the child: answers each `stats` line on stdin with one JSON line of `await stats()`. */
export function answerStats(stats) {
  createInterface({ input: process.stdin }).on('line', async (line) => {
    if (line.trim() === 'stats') process.stdout.write(`${JSON.stringify(await stats())}\n`);
  });
}

/** In a cluster primary: the `accepted` count of each cluster worker (see countAccepted). */
export function acceptedByWorkers(children) {
  return Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          child.once('message', (m) => resolve(m.accepted));
          child.send('stats');
        }),
    ),
  );
}

/** In a cluster worker: answers the primary's 'stats' messages; call the result per accepted connection. */
export function countAccepted() {
  let accepted = 0;
  process.on('message', (m) => m === 'stats' && process.send({ accepted }));
  return () => accepted++;
}

/**
 * Starts `script` in a child process with `env` (plus `portVar`: a free port) and waits until
 * the port accepts connections and 300 ms more (cluster: for every worker to listen).
 * Returns { server, child, port, stats } where stats() asks the child for its stats.
 */
export async function startRole(server, script, env, portVar) {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, [portVar]: String(port) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const pending = [];
  lines.on('line', (line) => {
    if (line.startsWith('{')) pending.shift()?.(JSON.parse(line));
  });
  const stats = () =>
    new Promise((resolve) => {
      pending.push(resolve);
      child.stdin.write('stats\n');
    });
  if (!(await waitForPort(port, child, 202))) throw new Error(`${server.name} did not start`);
  await sleep(300);
  return { server, child, port, stats };
}

/** CPU seconds so far of all `pids` together (a process that is gone counts 0). */
export const cpuOf = (pids) => pids.reduce((sum, pid) => sum + cpuSeconds(pid, 0), 0);
