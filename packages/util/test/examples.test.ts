// The examples of README.md, run as written (inside a function, on port 0).
import { duplex } from '@rt/io';
import { TcpListener, TcpStream } from '@rt/net';
import { spawn } from '@rt/scheduler';
import { CancellationToken, DelayQueue, Framed, JoinMap, LengthDelimitedCodec, LinesCodec, StreamMap, TaskTracker } from '@rt/util';

describe('README examples', () => {
  it('graceful shutdown: a client mid-pipeline loses no acknowledged write', async () => {
    // --- README: Graceful shutdown ---
    const store = new Map<string, string>();

    function execute(command: string): string {
      const [verb, key = '', value = ''] = command.split(' ');
      if (verb === 'SET') {
        store.set(key, value);
        return 'OK';
      }
      if (verb === 'GET') return store.get(key) ?? '(nil)';
      return `ERR unknown command ${verb}`;
    }

    async function serve(listener: TcpListener, shutdown: CancellationToken): Promise<void> {
      const tracker = new TaskTracker();
      for (;;) {
        const socket = await shutdown.runUntilCancelled((signal) => listener.accept({ signal }));
        if (socket === undefined) break; // shutting down: accept no more connections
        const connection = shutdown.childToken();
        tracker.spawn(async () => {
          await using _socket = socket;
          using _guard = connection.dropGuard(); // leaves the root token's tree when done
          const framed = new Framed(socket, new LinesCodec({ maxLength: 1024 }));
          for (;;) {
            const command = await connection.runUntilCancelled((signal) => framed.next({ signal }));
            if (command === undefined) break; // the peer closed, or we are shutting down
            await framed.send(execute(command));
          }
          await framed.close();
        });
      }
      listener.close(); // refuse new connections while the others finish
      tracker.close();
      await tracker.wait({ signal: AbortSignal.timeout(10_000) });
    }
    // --- end of the README example ---

    await using listener = await TcpListener.bind('127.0.0.1:0');
    const shutdown = new CancellationToken();
    const serving = spawn(() => serve(listener, shutdown));

    await using socket = await TcpStream.connect(listener.localAddr(), { signal: AbortSignal.timeout(5_000) });
    const [replies, commands] = new Framed(socket, new LinesCodec()).split();
    const total = 200_000; // far more than the server runs before the shutdown reaches it
    const pipelining = spawn(async () => {
      try {
        for (let i = 0; i < total; i++) {
          await commands.feed(`SET k${i} v${i}`);
          if (i % 64 === 63) await commands.flush();
        }
        await commands.flush();
      } catch {
        // the server went away mid-pipeline: expected
      }
    });
    let acknowledged = 0;
    try {
      for await (const reply of replies) {
        expect(reply).toBe('OK');
        acknowledged++;
        if (acknowledged === 20) shutdown.cancel();
      }
    } catch (error) {
      expect((error as { code?: string }).code).toMatch(/ECONNRESET|EPIPE/);
    }
    await serving;
    await pipelining;
    expect(acknowledged).toBeGreaterThanOrEqual(20);
    for (let i = 0; i < acknowledged; i++) expect(store.get(`k${i}`)).toBe(`v${i}`);
    expect(store.size).toBeGreaterThanOrEqual(acknowledged);
    expect(store.size).toBeLessThan(total);
  }, 20_000);

  it('the framing example runs as written', async () => {
    const [client, server] = duplex(64 * 1024);
    const framed = new Framed(client, new LengthDelimitedCodec());
    await framed.send(new TextEncoder().encode('hello'));
    const incoming = new Framed(server, new LengthDelimitedCodec());
    const frame = await incoming.next();
    expect(new TextDecoder().decode(frame)).toBe('hello');
  });

  it('the time-and-streams example runs as written', async () => {
    const sessions = new DelayQueue<string>();
    const key = sessions.insert('session-1', 30_000);
    sessions.reset(key, 60_000);
    expect(sessions.len).toBe(1);
    sessions.clear();
    const merged = new StreamMap<string, string>();
    expect(merged.isEmpty()).toBe(true);
    await using jobs = new JoinMap<string, number>();
    jobs.spawn('answer', async () => 42);
    const done = await jobs.joinNext();
    expect(done).toEqual({ key: 'answer', ok: true, value: 42 });
  });
});
