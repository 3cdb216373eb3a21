// Preloaded (`node --expose-gc -r`) by http-upload-heap.mjs into a server: on SIGUSR2 it makes
// two full GCs, prints one line `heap-probe {json}` with V8's space sizes (old generation = old +
// code + large-object spaces, the size V8 compares with its 8 MiB marking threshold) and, when
// RT_HEAP_SNAPSHOT_DIR is set, writes a heap snapshot there (numbered per signal).
'use strict';
const v8 = require('node:v8');
const path = require('node:path');
let count = 0;
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  const old = (spaces.old_space ?? 0) + (spaces.code_space ?? 0) + (spaces.large_object_space ?? 0) + (spaces.code_large_object_space ?? 0) + (spaces.trusted_space ?? 0) + (spaces.trusted_large_object_space ?? 0);
  const dir = process.env['RT_HEAP_SNAPSHOT_DIR'];
  let file = null;
  if (dir) file = v8.writeHeapSnapshot(path.join(dir, `heap-${process.pid}-${count}.heapsnapshot`));
  count += 1;
  process.stdout.write(`heap-probe ${JSON.stringify({ old, spaces, file })}\n`);
});
