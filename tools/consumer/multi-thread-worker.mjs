// The entry every worker of tools/consumer/multi-thread.mjs runs, from the installed @rt/full.
import { SharedListener, currentWorker } from '@rt/full/rt-multi-thread';
import { spawn } from '@rt/full';

export async function serve({ index, signal }, port) {
  const listener = await SharedListener.bind(`127.0.0.1:${port}`, { mode: 'reusePort' });
  signal.addEventListener('abort', () => listener.close(), { once: true });
  let served = 0;
  for await (const stream of listener) {
    served++;
    spawn(async () => {
      try {
        await stream.write(Buffer.from(`worker ${index} of ${currentWorker().count}\n`));
        await stream.shutdown();
      } finally {
        stream.close();
      }
    });
  }
  return served;
}

export function square(_job, n) {
  return n * n;
}
