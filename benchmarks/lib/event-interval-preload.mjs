// `RT_EVENT_INTERVAL=N node --import ./benchmarks/lib/event-interval-preload.mjs server.mjs`: every
// runtime the process builds (`main()` included, which has no option for it) gets
// `Builder.eventInterval(N)`, the run queue's task starts per event-loop turn (default 61). For
// http-latency.bench's `--rt-event-interval`: at 64 connections a turn can start more request
// tasks than 61, and the rest wait for the next macrotask and are joined.
import { Builder } from '../../packages/scheduler/dist/index.js';

const ticks = Number(process.env['RT_EVENT_INTERVAL']);
const build = Builder.prototype.build;
Builder.prototype.build = function () {
  this.eventInterval(ticks);
  return build.call(this);
};
