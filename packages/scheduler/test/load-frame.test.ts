// Loading @rt/scheduler leaves the async-context frame as it found it. Its probe of Node's frame
// class runs an AsyncLocalStorage, whose `run` on AsyncContextFrame ends by entering the prior
// store (undefined), not the prior frame: without restoring the frame, the rest of the loading
// code (an ES module's top level, where tasks are commonly spawned) ran in a frame holding the
// probe's storage, and every task spawned there started from a copy of that frame (a map read on
// every look at the current task) instead of rt's own TaskFrame.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { currentContextFrame, frameBeforeLoad } from './fixtures/frame-at-load.js';
import { spawn } from '../src/index.js';
import { alsRunsOnFrames, usesTaskFrames } from '../src/internal/context.js';

const frameAfterLoad = currentContextFrame();
/** A task spawned while the test file loads (as from a module's top level): its frame, read inside it. */
const frameOfTaskSpawnedAtLoad = spawn(async () => currentContextFrame());

describe('loading the scheduler', () => {
  it('leaves the async-context frame current before it current after it', () => {
    expect(frameAfterLoad).toBe(frameBeforeLoad);
  });

  it('starts a task spawned right after loading in its own TaskFrame where Node has frames (none where it has none)', async () => {
    const frame = (await frameOfTaskSpawnedAtLoad) as object | undefined;
    expect(frame?.constructor.name).toBe(usesTaskFrames() ? 'TaskFrame' : undefined);
  });
});

describe('the load-time probe of AsyncLocalStorage on AsyncContextFrame (alsRunsOnFrames, Node 22)', () => {
  it('leaves the async-context frame current before it current after it', () => {
    const before = currentContextFrame();
    alsRunsOnFrames();
    expect(currentContextFrame()).toBe(before);
  });

  // On Node 22 the probe runs at load when no flag shows the frames (a config file turns them
  // on): a frame it left current made every task spawned at a module's top level start from a
  // copy of it (an empty map) instead of a TaskFrame. Elsewhere the child loads as Node gives.
  const major = Number(process.versions.node.split('.')[0]);
  it(`leaves a task spawned at a module's top level its TaskFrame${major === 22 ? ' when a config file turns AsyncContextFrame on' : ''}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rt-load-frame-'));
    try {
      const args: string[] = [];
      if (major === 22) {
        const config = join(dir, 'node.config.json');
        writeFileSync(config, JSON.stringify({ nodeOptions: { 'experimental-async-context-frame': true } }));
        args.push(`--experimental-config-file=${config}`, '--no-warnings');
      }
      const fixture = join(dir, 'before.mjs');
      writeFileSync(
        fixture,
        `import { AsyncResource } from 'node:async_hooks';
        const key = Object.getOwnPropertySymbols(new AsyncResource('rt:test')).find((symbol) => symbol.description === 'context_frame');
        export const current = () => (key === undefined ? undefined : new AsyncResource('rt:test')[key]);
        export const before = current();`,
      );
      const script = `
        import { current, before } from ${JSON.stringify(pathToFileURL(fixture).href)};
        import { spawn } from ${JSON.stringify(pathToFileURL(join(__dirname, '..', 'dist', 'index.js')).href)};
        import { usesTaskFrames } from ${JSON.stringify(pathToFileURL(join(__dirname, '..', 'dist', 'internal', 'context.js')).href)};
        const after = current();
        const frame = await spawn(async () => current());
        console.log(JSON.stringify({ same: after === before, frame: frame?.constructor.name ?? null, taskFrames: usesTaskFrames() }));
      `;
      const { stdout } = await promisify(execFile)(process.execPath, [...args, '--input-type=module', '-e', script], { timeout: 15_000 });
      const seen = JSON.parse(stdout) as { same: boolean; frame: string | null; taskFrames: boolean };
      expect(seen.same).toBe(true);
      expect(seen.frame).toBe(seen.taskFrames ? 'TaskFrame' : null);
      if (major === 22) expect(seen.taskFrames).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
