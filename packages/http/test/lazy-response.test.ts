// Node defines `globalThis.Response` as an accessor that loads the Fetch implementation (undici:
// ~2 MB of heap on Node 20, with tls, crypto, http2 and zlib) on first read. @rt/http leaves it
// lazy: a server that answers with FastResponse never loads it, and the first read of the global
// (by anyone) still makes FastResponse a Response. Jest's own process read the global long ago, so
// each case runs in a fresh process on the built package (test/fixtures/lazy-response.mjs).
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const fixture = join(__dirname, 'fixtures', 'lazy-response.mjs');
const untouched = join(__dirname, 'fixtures', 'lazy-fetch-global.mjs');

function run(scenario: string, file = fixture): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file, scenario], { timeout: 20_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${scenario}: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Record<string, unknown>),
    );
  });
}

describe('the platform Response stays lazy', () => {
  it('a FastResponse server loads no Fetch implementation; the first read of Response links FastResponse', async () => {
    const seen = await run('serve');
    // Loaded only where Node had loaded it before @rt/http (Node 22 and later do at start).
    expect(seen['undiciAfterImport']).toBe(!seen['lazyAtStart']);
    expect(seen['undiciAfterServe']).toBe(!seen['lazyAtStart']);
    expect(seen['answer']).toBe('hi');
    expect(seen['tag']).toBe('[object Response]');
    expect(seen['instanceOf']).toBe(true);
    expect(seen['linked']).toBe(true);
    expect(seen['globalIsValue']).toBe(true); // the global is a plain value again, as Node leaves it
  }, 30_000);

  it.each(['assign', 'define'])('keeps a Response global another library sets (%s) and still uses the platform one', async (scenario) => {
    const seen = await run(scenario);
    expect(seen).toMatchObject({ globalKept: true, header: '1', text: 'hi', status: 201, linked: true, platformName: 'Response' });
  }, 30_000);

  it.each([
    ['delete', 'absent'],
    ['lock', 'kept'],
  ])('leaves a Response global another library deleted or locked as it is (%s) and still uses the platform one', async (scenario, global) => {
    const seen = await run(scenario);
    expect(seen).toMatchObject({ global, header: '1', text: 'hi', linked: true });
  }, 30_000);

  it('overrideGlobalResponse() before any read: every Response is a FastResponse, restore puts the platform one back', async () => {
    const seen = await run('override');
    expect(seen).toMatchObject({ overridden: true, restored: true, instanceOf: true, platformFromFetchIsResponse: true });
  }, 30_000);
});

// Node 22 and later: the Fetch globals are V8 lazy data properties that any access loads (even
// reading the descriptor, as lazy-response.mjs does first), so these processes touch no Fetch
// global before @rt/http and the server; on Node 20 the same holds through the accessor.
describe('no Fetch global is touched before one is needed', () => {
  it('a FastResponse server (GET, arrayBuffer(), text()) loads no Fetch implementation nor web streams; the first read of Response links FastResponse', async () => {
    const seen = await run('serve', untouched);
    expect(seen).toMatchObject({ undiciAtStart: false, undiciAfterImport: false, undiciAfterServe: false, undiciAfterLookups: false });
    expect(seen['answers']).toEqual(['hi', '5', '5']);
    // Web streams: loaded where Node loads them at start itself, else by the first body stream.
    expect(seen['webStreamsAfterServe']).toBe(seen['webStreamsAtStart']);
    expect(seen['streamed']).toBe('5 true');
    expect(seen).toMatchObject({ tag: '[object Response]', noThen: true, instanceOf: true, linked: true, isPrototypeOf: true });
  }, 30_000);

  it('a FastResponse made before fetch() loaded the platform is an instance of the Response class fetch() returns', async () => {
    const seen = await run('fetch', untouched);
    // Node 20's accessor stand-in links FastResponse on the first read of the global only, which
    // fetch() does not make: there it is an instance once something reads the global.
    const linkedByFetch = Number(process.versions.node.split('.', 1)[0]) >= 22;
    expect(seen).toMatchObject({ undiciAfterImport: false, fetchText: 'hi', instanceOf: linkedByFetch, header: '1', sameAsGlobal: true });
  }, 30_000);

  it('a Response global another library replaces after the import, before rt needs it, is kept and not taken for the platform one', async () => {
    const seen = await run('replaced', untouched);
    expect(seen).toMatchObject({ undiciAfterImport: false, madeIsPlatform: true, text: 'hi', instanceOf: true, globalKept: true });
  }, 30_000);

  it('body streams extend the platform ReadableStream even when another library replaced the global after the import', async () => {
    const seen = await run('streams-replaced', untouched);
    expect(seen).toMatchObject({ undiciAfterImport: false, streamed: '5 true' });
  }, 30_000);

  it('overrideGlobalResponse() as the first access: every Response is a FastResponse, restore puts the platform one back', async () => {
    const seen = await run('override', untouched);
    expect(seen).toMatchObject({ undiciAfterImport: false, overridden: true, restored: true, instanceOf: true });
  }, 30_000);
});
