// Loading @rt/scheduler leaves the async-context frame as it found it. Its probe of Node's frame
// class runs an AsyncLocalStorage, whose `run` on AsyncContextFrame ends by entering the prior
// store (undefined), not the prior frame: without restoring the frame, the rest of the loading
// code (an ES module's top level, where tasks are commonly spawned) ran in a frame holding the
// probe's storage, and every task spawned there started from a copy of that frame (a map read on
// every look at the current task) instead of rt's own TaskFrame.
import { currentContextFrame, frameBeforeLoad } from './fixtures/frame-at-load.js';
import { spawn } from '../src/index.js';
import { usesTaskFrames } from '../src/internal/context.js';

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
