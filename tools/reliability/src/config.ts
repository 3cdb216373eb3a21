import { readdirSync } from 'node:fs';

// The two forms of the suite. The short form runs in CI (`pnpm test`, a few minutes on two
// cores); the long form (`RT_RELIABILITY_LONG=1`, `pnpm --filter @rt-internal/reliability
// long`) runs the same tests with larger counts and a 30-minute soak.

/** Whether the long form was asked for. */
export const LONG = process.env['RT_RELIABILITY_LONG'] === '1';

/** `short` in CI, `long` on demand; `RT_RELIABILITY_SCALE` multiplies either (e.g. 0.1 to try a change quickly). */
export function scaled(short: number, long: number): number {
  const factor = Number(process.env['RT_RELIABILITY_SCALE'] ?? '1');
  return Math.max(1, Math.round((LONG ? long : short) * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}

/** Open file descriptors of this process. */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}
