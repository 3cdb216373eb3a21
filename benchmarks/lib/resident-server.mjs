// The server process of http-resident.mjs: imports @rt/macros and @rt/http from the worktree
// given (as benchmarks/http-rt-server.mjs does), starts `serve()` on port 0 with a handler that
// answers GET with a FastResponse and POST with the length of `arrayBuffer()`, prints
// "listening on <port>", and on each SIGUSR2 prints one JSON line (stdin is not read: a reader
// would load node:readline and the stream machinery into the heap measured):
//   the heap after four full GCs (heapUsed; V8's old generation = old + code (+ trusted on
//   V8 12+) + large-object spaces, the size V8 compares with its 8 MiB marking threshold) and
//              every script V8 has parsed (url, source length; from the inspector's
//   Debugger.scriptParsed, enabled only after the heap was measured).
// SIGTERM shuts the server down.
// Usage: node --expose-gc benchmarks/lib/resident-server.mjs <root>
const root = process.argv[2];
const { main } = await import(`${root}/packages/macros/dist/index.js`);
const { FastResponse, serve } = await import(`${root}/packages/http/dist/index.js`);

function heap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  // heapUsed before node:v8 is loaded (an rt server on Node 24 does not load it; what loading
  // it allocates lands in the young generation, so the old generation's figure is the same).
  const heapUsed = process.memoryUsage().heapUsed;
  const { getHeapSpaceStatistics } = process.getBuiltinModule('node:v8');
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  // Old, code, trusted (V8 12.x+: bytecode and other trusted objects, Node 24) and their large-object spaces.
  const oldGeneration = ['old_space', 'code_space', 'trusted_space', 'large_object_space', 'code_large_object_space', 'trusted_large_object_space'].reduce((sum, name) => sum + (spaces[name] ?? 0), 0);
  return { heapUsed, oldGeneration, spaces };
}

async function scripts() {
  const { Session } = process.getBuiltinModule('node:inspector');
  const session = new Session();
  session.connect();
  const found = [];
  session.on('Debugger.scriptParsed', ({ params }) => found.push({ url: params.url, length: params.length }));
  await new Promise((resolve, reject) => session.post('Debugger.enable', (error) => (error ? reject(error) : resolve())));
  session.disconnect();
  return found;
}

await main(async () => {
  const text = { 'content-type': 'text/plain' };
  const server = await serve({ port: 0 }, async (request) => {
    if (request.method === 'POST') return new FastResponse(String((await request.arrayBuffer()).byteLength), { headers: text });
    return new FastResponse('Hello, World!', { headers: text });
  });
  console.log(`listening on ${server.addr.port}`);
  process.on('SIGUSR2', () => {
    const measured = heap();
    if (process.env['RT_RESIDENT_SNAPSHOT']) process.getBuiltinModule('node:v8').writeHeapSnapshot(process.env['RT_RESIDENT_SNAPSHOT']);
    scripts().then((found) => console.log(JSON.stringify({ ...measured, scripts: found })));
  });
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await server.shutdown({ timeout: 1000 });
});
