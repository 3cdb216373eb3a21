// Node defines `globalThis.Response` as an accessor that loads the Fetch implementation (undici:
// ~2 MB of heap on Node 20, with tls, crypto, http2 and zlib) on first read. @rt/http leaves it
// lazy: a server that answers with FastResponse never loads it, and the first read of the global
// (by anyone) still makes FastResponse a Response. Jest's own process read the global long ago, so
// each case runs in a fresh process on the built package (test/fixtures/lazy-response.mjs).
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const fixture = join(__dirname, 'fixtures', 'lazy-response.mjs');

function run(scenario: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [fixture, scenario], { timeout: 20_000 }, (error, stdout, stderr) =>
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
