import { Cancelled, JoinError, RtError, RuntimeShutdown, isCancelled } from '@rt/scheduler';

describe('RtError', () => {
  it('carries a stable code and is an Error', () => {
    const error = new RtError('ERR_RT_TEST', 'message', { cause: 1 });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ERR_RT_TEST');
    expect(error.message).toBe('message');
    expect(error.cause).toBe(1);
    expect(error.name).toBe('RtError');
  });
});

describe('Cancelled', () => {
  it('has the name Cancelled, the code ERR_RT_CANCELLED and the abort reason as cause', () => {
    const reason = new Error('why');
    const error = new Cancelled(undefined, { cause: reason });
    expect(error).toBeInstanceOf(RtError);
    expect(error.name).toBe('Cancelled');
    expect(error.code).toBe('ERR_RT_CANCELLED');
    expect(error.cause).toBe(reason);
    expect(error.message).toMatch(/cancelled/);
  });
});

describe('RuntimeShutdown', () => {
  it('has the name RuntimeShutdown and the code ERR_RT_SHUTDOWN', () => {
    const error = new RuntimeShutdown();
    expect(error.name).toBe('RuntimeShutdown');
    expect(error.code).toBe('ERR_RT_SHUTDOWN');
  });
});

describe('isCancelled', () => {
  it('is true for Cancelled and for any error with code ERR_RT_CANCELLED', () => {
    expect(isCancelled(new Cancelled())).toBe(true);
    expect(isCancelled(Object.assign(new Error('x'), { code: 'ERR_RT_CANCELLED' }))).toBe(true);
  });

  it('is false for other values, including a JoinError of a cancelled task', () => {
    expect(isCancelled(new Error('x'))).toBe(false);
    expect(isCancelled(undefined)).toBe(false);
    expect(isCancelled('ERR_RT_CANCELLED')).toBe(false);
    expect(isCancelled(new JoinError('cancelled', 1, undefined))).toBe(false);
  });
});

describe('JoinError', () => {
  it('tells a cancelled task from a panicked one', () => {
    const cancelled = new JoinError('cancelled', 3, undefined, 'worker');
    expect(cancelled.isCancelled()).toBe(true);
    expect(cancelled.isPanic()).toBe(false);
    expect(cancelled.code).toBe('ERR_RT_TASK_CANCELLED');
    expect(cancelled.message).toContain('task 3 (worker)');
    const cause = new Error('boom');
    const panic = new JoinError('panic', 4, cause);
    expect(panic.isPanic()).toBe(true);
    expect(panic.cause).toBe(cause);
    expect(panic.code).toBe('ERR_RT_TASK_PANICKED');
    expect(panic.message).toContain('boom');
    expect(panic.name).toBe('JoinError');
  });
});
