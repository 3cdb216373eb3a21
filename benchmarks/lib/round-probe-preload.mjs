// `node --import ./benchmarks/lib/round-probe-preload.mjs server.mjs`: round-probe.mjs's report
// (`PROBE <json>` on stderr at each SIGUSR2) in a server that has none of its own.
import { createRoundProbe, reportOnSignal } from './round-probe.mjs';

reportOnSignal(createRoundProbe());
