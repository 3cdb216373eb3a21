// Compiled with `tsc --noEmit` against the installed declarations of @rt/full.
import { multiThread, select, spawn, sync, time, runtime } from '@rt/full';
import { Semaphore } from '@rt/full/sync';
import { LengthDelimitedCodec, TaskTracker } from '@rt/full/util';
import { TlsConnector, type TlsStream } from '@rt/full/tls';
import { compose, concurrencyLimit, serve, timeout, type Handler, type HttpServer } from '@rt/full/http';

export async function usesTypes(): Promise<number> {
  const [tx, rx] = sync.mpsc.channel<number>(4);
  const handle = spawn(async () => {
    await tx.send(1);
    return 'done' as const;
  });
  const out = await select({
    msg: (signal: AbortSignal) => rx.recv({ signal }),
    tick: (signal: AbortSignal) => time.sleep(10, { signal }),
  });
  const value: number | undefined = out.branch === 'msg' ? out.value : 0;
  const done: 'done' = await handle;
  const semaphore = new Semaphore(2);
  const tracker = new TaskTracker();
  const tracked: Promise<number> = tracker.track(Promise.resolve(1));
  const codec: LengthDelimitedCodec = new LengthDelimitedCodec({ lengthFieldLength: 2, littleEndian: true });
  void codec.maxFrameLength;
  await tracked;
  const rtBuilder: runtime.Builder = runtime.Builder.currentThread();
  void rtBuilder;
  const multi: runtime.MultiThreadRuntime = runtime.Builder.multiThread().workerThreads(2).onWorkerCrash('replace').build();
  await multi.shutdown();
  // The cross-thread primitives are `multiThread.shared.*`, types included.
  const [stx, srx]: [multiThread.shared.mpsc.Sender<number>, multiThread.shared.mpsc.Receiver<number>] = multiThread.shared.mpsc.channel<number>(1);
  const slots: multiThread.shared.Semaphore = new multiThread.shared.Semaphore(1);
  stx.close();
  srx.close();
  slots.close();
  void done;
  const connect: (name: string, stream: Parameters<TlsConnector['connect']>[1]) => Promise<TlsStream> = (name, stream) => new TlsConnector().connect(name, stream);
  void connect;
  return (value ?? 0) + semaphore.availablePermits;
}

export async function usesHttp(): Promise<number> {
  const handler: Handler = async (request, ctx) => new Response(`${request.method} ${ctx.remoteAddr.toString()}`);
  const server: HttpServer = await serve({ port: 0 }, compose(timeout(1000), concurrencyLimit(8))(handler));
  await server.shutdown({ timeout: 100 });
  return server.addr.port;
}
