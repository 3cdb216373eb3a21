// Preload (node --import) for echo-promises.mjs: counts V8's promise hook events; on SIGUSR2
// prints the counts since the last signal to stderr (one line: COUNTS {...}) and zeroes them.
import { promiseHooks } from 'node:v8';

let init = 0;
let chained = 0;
let before = 0;
promiseHooks.createHook({
  init: (_promise, parent) => {
    init++;
    if (parent !== undefined) chained++;
  },
  before: () => {
    before++;
  },
});
process.on('SIGUSR2', () => {
  process.stderr.write(`COUNTS ${JSON.stringify({ init, chained, before })}\n`);
  init = chained = before = 0;
});
