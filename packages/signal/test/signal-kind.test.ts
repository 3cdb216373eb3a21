import { RtError } from '@rt/scheduler';
import { Signal, signal, signalName, UnknownSignalKind } from '@rt/signal';
import type { SignalKind } from '@rt/signal';

describe('SignalKind', () => {
  it('names the Unix signal of each kind', () => {
    const kinds: Record<SignalKind, string> = {
      interrupt: 'SIGINT',
      terminate: 'SIGTERM',
      hangup: 'SIGHUP',
      quit: 'SIGQUIT',
      user1: 'SIGUSR1',
      user2: 'SIGUSR2',
      windowChange: 'SIGWINCH',
      child: 'SIGCHLD',
    };
    for (const [kind, name] of Object.entries(kinds)) expect(signalName(kind as SignalKind)).toBe(name);
  });

  it('rejects an unknown kind with UnknownSignalKind, naming the value and the known kinds', () => {
    const error = (() => {
      try {
        signal('bogus' as SignalKind);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnknownSignalKind);
    expect(error).toBeInstanceOf(RtError);
    expect(error).toMatchObject({ code: 'ERR_RT_UNKNOWN_SIGNAL_KIND', kind: 'bogus', name: 'UnknownSignalKind' });
    expect((error as Error).message).toMatch(/'bogus'.*'interrupt'.*'child'/);
  });

  it('suggests the kind when given a Unix name', () => {
    expect(() => signal('SIGTERM' as SignalKind)).toThrow(/did you mean 'terminate'/);
    expect(() => new Signal('winch' as SignalKind)).toThrow(/did you mean 'windowChange'/);
    expect(() => signal('Hangup' as SignalKind)).toThrow(/did you mean 'hangup'/);
  });

  it('explains that SIGKILL and SIGSTOP cannot be caught', () => {
    expect(() => signal('SIGKILL' as SignalKind)).toThrow(/SIGKILL cannot be caught/);
    expect(() => signal('stop' as SignalKind)).toThrow(/SIGSTOP cannot be caught/);
  });

  it('rejects values that are not strings, and inherited property names', () => {
    for (const bad of [undefined, null, 2, Symbol('x'), {}, 'toString', '__proto__']) {
      expect(() => signal(bad as SignalKind)).toThrow(UnknownSignalKind);
    }
    expect(() => signalName(15 as unknown as SignalKind)).toThrow(/unknown signal kind 15/);
  });

  it('adds no process listener when the kind is rejected', () => {
    const before = process.eventNames().length;
    expect(() => signal('nope' as SignalKind)).toThrow(UnknownSignalKind);
    expect(process.eventNames().length).toBe(before);
  });
});
