// Random churn against a reactor's token table, shared by token-table.test.ts (pass ec26: growth)
// and token-table-shrink.test.ts (pass fx27: growth, shrinking and the counter's wrap).
import { Interest, Ready } from '@rt/reactor';
import type { FakeBackend, Reactor, Registration } from '@rt/reactor';

/** What {@link tokenChurn} leaves: the live registrations by fd, the dead tokens, and every check that failed. */
export interface Churn {
  readonly live: Map<number, Registration>;
  readonly dead: number[];
  readonly wrong: string[];
}

/**
 * `steps` random steps on `reactor` (driven by `backend`), each one of: register one of fds
 * 0..299 (with probability `registerShare(step)`, and always when none is live), deregister a
 * live one, push a dead (stale) token, or push a live one; after each step, checks that no live
 * registration saw a stale token, that a live token reached its registration alone, and the
 * metrics, plus `check(step)` of the caller. Failed checks are collected, not asserted one by one
 * (thousands of checks).
 */
export function tokenChurn(
  backend: FakeBackend,
  reactor: Reactor,
  next: () => number,
  steps: number,
  registerShare: (step: number) => number,
  check: (step: number, live: Map<number, Registration>) => string | null = () => null,
): Churn {
  const live = new Map<number, Registration>(); // fd → registration
  const dead: number[] = [];
  const wrong: string[] = [];
  let stale = 0;
  for (let step = 0; step < steps; step++) {
    const op = next();
    if (op < registerShare(step) || live.size === 0) {
      // Fds 0..299: up to 300 live registrations, so the table grows several times.
      const fd = Math.floor(next() * 300);
      if (!live.has(fd)) live.set(fd, reactor.register(fd, Interest.READABLE));
    } else if (op < 0.6) {
      const fds = [...live.keys()];
      const fd = fds[Math.floor(next() * fds.length)]!;
      const registration = live.get(fd)!;
      dead.push(registration.token);
      registration.deregister();
      live.delete(fd);
    } else if (op < 0.8 && dead.length > 0) {
      // A stale token: no live registration may see it.
      const token = dead[Math.floor(next() * dead.length)]!;
      backend.pushToken(token, Ready.READABLE);
      backend.flush();
      stale++;
      for (const [fd, registration] of live) {
        if (registration.tryReadiness(Interest.READABLE) !== null) wrong.push(`step ${step}: stale token ${token} reached fd ${fd} (token ${registration.token})`);
      }
    } else {
      // A live token: its registration alone sees it.
      const fds = [...live.keys()];
      const target = live.get(fds[Math.floor(next() * fds.length)]!)!;
      backend.pushToken(target.token, Ready.READABLE);
      backend.flush();
      for (const [fd, registration] of live) {
        const event = registration.tryReadiness(Interest.READABLE);
        if (registration === target) {
          if (event === null) wrong.push(`step ${step}: token ${target.token} did not reach fd ${fd}`);
          else registration.clearReadiness(event);
        } else if (event !== null) {
          wrong.push(`step ${step}: token ${target.token} reached fd ${fd} (token ${registration.token})`);
        }
      }
    }
    const metrics = reactor.metrics();
    if (metrics.registered !== live.size || metrics.staleEvents !== stale) wrong.push(`step ${step}: metrics ${JSON.stringify(metrics)}`);
    const problem = check(step, live);
    if (problem !== null) wrong.push(`step ${step}: ${problem}`);
  }
  return { live, dead, wrong };
}
