// The echo servers of the server-alone tools (echo-callgrind.mjs, echo-promises.mjs, echo-bytes.mjs): the node
// arguments and environment of each rung. See echo-callgrind.mjs's header for what each one is.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_ENV } from './proc.mjs';

const benchmarks = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `{ args, env }` to start echo server `server` with node (args after node's own flags), or undefined for an unknown name. */
export function echoServer(server) {
  const args = {
    'rt-stream': [join(benchmarks, 'net.bench.mjs'), '--serve', 'native'],
    'rt-plain': [join(benchmarks, 'net.bench.mjs'), '--serve', 'native-plain'],
    'rt-fallback': [join(benchmarks, 'net.bench.mjs'), '--serve', 'fallback'],
    'rt-await-task': [join(benchmarks, 'echo-rt-server.mjs')],
    'rt-await': [join(benchmarks, 'echo-rt-server.mjs')],
    rt: [join(benchmarks, 'echo-rt-server.mjs')],
    'minimal-stream': ['--input-type=module', '--eval', `(await import(${JSON.stringify(join(benchmarks, 'echo-ladder-servers.mjs'))})).serveMinimalStream();`],
    net: [join(benchmarks, 'echo-net-server.mjs')],
  }[server];
  if (args === undefined) return undefined;
  const env = {
    ...process.env,
    ...SERVER_ENV,
    ...(server.startsWith('rt-await') ? { RT_ECHO_AWAIT_EACH: '1' } : {}),
    ...(server === 'rt-await-task' ? { RT_ECHO_IN_TASK: '1' } : {}),
  };
  return { args, env };
}

/** Resolves with the port a server prints on its first line of stdout (then lets stdout flow). */
export function printedPort(child, stderrText) {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const m = /^(\d+)\s*$/m.exec(text);
      if (m !== null) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderrText().slice(-2000)}`)));
  });
}
