import { readFileSync, readdirSync } from 'node:fs';

/** The children of `pid` as /proc shows them: [pid, state letter]. */
export function childrenOf(pid: number): [number, string][] {
  const found: [number, string][] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) found.push([Number(name), fields[0]!]);
  }
  return found;
}

export function zombiesOf(pid: number): number[] {
  return childrenOf(pid).filter(([, state]) => state === 'Z').map(([p]) => p);
}

/** The fds this process has open (for leak checks). */
export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}
