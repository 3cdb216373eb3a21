// Preloaded (`node -r`) by http-upload-gc.bench.mjs --node-retain=MB into node:http's process: keeps
// about RT_RETAIN_MB megabytes of small objects alive for the life of the process, so its V8 old
// generation is as large as a bigger program's, then (run with --expose-gc) makes one full GC, as
// the startup of a larger program does by itself (rt's server's does): V8 then sizes the old
// generation's limit from the heap it found. A diagnostic of V8's GC heuristics, not a baseline.
'use strict';
const megabytes = Number(process.env['RT_RETAIN_MB'] ?? 0);
// ~64 bytes per object with its short string on x64 (no pointer compression in Node's builds).
globalThis.__rtRetainedHeap = Array.from({ length: Math.round((megabytes * 1e6) / 64) }, (_, i) => ({ i, s: `r${i}` }));
if (typeof globalThis.gc === 'function') globalThis.gc();
