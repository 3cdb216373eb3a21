import { RtError } from '@rt/scheduler';
import {
  AcquireError,
  Closed,
  GuardReleased,
  Lagged,
  RecvError,
  SendError,
  SendTimeoutError,
  SetError,
  TryRecvError,
  TrySendError,
} from '@rt/sync';

describe('errors', () => {
  it('are RtErrors with a name and a stable code', () => {
    const cases: [RtError, string, string][] = [
      [new SendError(1), 'SendError', 'ERR_RT_CHANNEL_CLOSED'],
      [new TrySendError('Full', 1), 'TrySendError', 'ERR_RT_CHANNEL_FULL'],
      [new TrySendError('Closed', 1), 'TrySendError', 'ERR_RT_CHANNEL_CLOSED'],
      [new SendTimeoutError('Timeout', 1), 'SendTimeoutError', 'ERR_RT_TIMEOUT'],
      [new SendTimeoutError('Closed', 1), 'SendTimeoutError', 'ERR_RT_CHANNEL_CLOSED'],
      [new RecvError(), 'RecvError', 'ERR_RT_CHANNEL_CLOSED'],
      [new TryRecvError('Empty'), 'TryRecvError', 'ERR_RT_CHANNEL_EMPTY'],
      [new TryRecvError('Disconnected'), 'TryRecvError', 'ERR_RT_CHANNEL_CLOSED'],
      [new Lagged(3), 'Lagged', 'ERR_RT_LAGGED'],
      [new AcquireError(), 'AcquireError', 'ERR_RT_SEMAPHORE_CLOSED'],
      [new Closed(), 'Closed', 'ERR_RT_CLOSED'],
      [new GuardReleased(), 'GuardReleased', 'ERR_RT_GUARD_RELEASED'],
      [new SetError('AlreadyInitialized', 1), 'SetError', 'ERR_RT_ALREADY_INITIALIZED'],
      [new SetError('Initializing', 1), 'SetError', 'ERR_RT_INITIALIZING'],
    ];
    for (const [error, name, code] of cases) {
      expect(error).toBeInstanceOf(RtError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      expect(error.message).not.toBe('');
    }
  });

  it('hand back the value that was not sent or stored', () => {
    const value = { id: 1 };
    expect(new SendError(value).value).toBe(value);
    expect(new TrySendError('Full', value).value).toBe(value);
    expect(new SendTimeoutError('Timeout', value).value).toBe(value);
    expect(new SetError('AlreadyInitialized', value).value).toBe(value);
    expect(new Lagged(7).skipped).toBe(7);
  });
});
