import diagnostics_channel from 'node:diagnostics_channel';
import { Builder } from '@rt/scheduler';
import { ConnectError, TcpListener, TcpStream } from '@rt/net';
import { drivers } from './support/drivers.js';

type Event = [string, Record<string, unknown>];

function trace(name: string): { events: Event[] } & Disposable {
  const events: Event[] = [];
  const channel = diagnostics_channel.tracingChannel(name);
  const handlers = Object.fromEntries(
    (['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const).map((event) => [event, (context: unknown) => events.push([event, context as Record<string, unknown>])]),
  ) as unknown as diagnostics_channel.TracingChannelSubscribers<object>;
  channel.subscribe(handlers);
  return { events, [Symbol.dispose]: () => channel.unsubscribe(handlers) };
}

describe.each(drivers)('rt:net tracing channels (%s driver)', (driver) => {
  it('traces accept and connect with the task id and name', async () => {
    const runtime = Builder.currentThread().enableAll().build();
    try {
      using accepts = trace('rt:net:accept');
      using connects = trace('rt:net:connect');
      await using listener = await TcpListener.bind('127.0.0.1:0', { driver });
      const port = listener.localAddr().port;
      const server = runtime.spawn(async () => (await listener.accept()).close(), { name: 'acceptor' });
      const client = runtime.spawn(async () => (await TcpStream.connect(`127.0.0.1:${port}`, { driver })).close(), { name: 'dialer' });
      await Promise.all([server, client]);
      expect(accepts.events.map(([event]) => event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(accepts.events[0]![1]).toMatchObject({ id: server.id, name: 'acceptor', local: `127.0.0.1:${port}` });
      expect(accepts.events[3]![1]['result']).toBeInstanceOf(TcpStream);
      expect(connects.events.map(([event]) => event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(connects.events[0]![1]).toMatchObject({ id: client.id, name: 'dialer', host: '127.0.0.1', port });
    } finally {
      await runtime.shutdown();
    }
  });

  it('publishes the error of a refused connect', async () => {
    using connects = trace('rt:net:connect');
    const listener = await TcpListener.bind('127.0.0.1:0', { driver });
    const port = listener.localAddr().port;
    listener.close();
    await expect(TcpStream.connect(`127.0.0.1:${port}`, { driver })).rejects.toThrow(ConnectError);
    expect(connects.events.map(([event]) => event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(connects.events[2]![1]).toMatchObject({ id: undefined, name: undefined, host: '127.0.0.1', port });
  });
});
