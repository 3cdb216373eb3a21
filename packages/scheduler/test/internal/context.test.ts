import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import {
  BUDGET,
  EMPTY_BUDGET,
  alsRunsOnFrames,
  asyncContextFrames,
  capturesFrames,
  refillBudget,
  returnBudget,
  spendBudget,
  usesTaskFrames,
} from "../../src/internal/context.js";

const major = Number(process.versions.node.split(".")[0]);

describe("asyncContextFrames (which context storage the scheduler picks)", () => {
  it("uses AsyncContextFrame on Node 24 and later unless --no-async-context-frame is given", () => {
    expect(asyncContextFrames(24, [])).toBe(true);
    expect(asyncContextFrames(26, ["--enable-source-maps"])).toBe(true);
    expect(asyncContextFrames(24, ["--no-async-context-frame"])).toBe(false);
  });

  it("uses it on Node 22 only with --experimental-async-context-frame (from argv or NODE_OPTIONS)", () => {
    expect(asyncContextFrames(22, [])).toBe(false);
    expect(asyncContextFrames(22, ["--experimental-async-context-frame"])).toBe(
      true
    );
    expect(
      asyncContextFrames(22, [
        "",
        "--max-old-space-size=512",
        "--experimental-async-context-frame",
      ])
    ).toBe(true);
  });

  it("never on Node 20, which has no AsyncContextFrame", () => {
    expect(asyncContextFrames(20, [])).toBe(false);
    expect(asyncContextFrames(20, ["--experimental-async-context-frame"])).toBe(
      false
    );
  });
});

describe("alsRunsOnFrames (AsyncContextFrame found by trying it, for a flag no argv shows)", () => {
  it("agrees with the version and flags of this process", () => {
    const flags = [
      ...process.execArgv,
      ...(process.env["NODE_OPTIONS"] ?? "").split(/\s+/),
    ];
    expect(alsRunsOnFrames()).toBe(asyncContextFrames(major, flags));
  });

  // A Node callback scheduled from a task runs inside it only where the task's frame is an
  // AsyncLocalStorage (on the promise hooks it does not: the scheduler README's one visible
  // difference), so the child shows which storage the scheduler picked.
  const script = `
    import { Builder, spawn, tryCurrentTask } from ${JSON.stringify(
      pathToFileURL(join(__dirname, "..", "..", "dist", "index.js")).href
    )};
    const runtime = Builder.currentThread().build();
    const inside = await runtime.run(() => spawn(() => new Promise((resolve) => setTimeout(() => resolve(tryCurrentTask() !== undefined), 1))));
    await runtime.shutdown();
    console.log(JSON.stringify({ inside }));
  `;
  const run = async (args: string[]): Promise<boolean> => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...args, "--input-type=module", "-e", script],
      { timeout: 15_000 }
    );
    return (JSON.parse(stdout) as { inside: boolean }).inside;
  };

  if (major === 22) {
    it("on Node 22, picks AsyncLocalStorage when a config file turns AsyncContextFrame on", async () => {
      const dir = mkdtempSync(join(tmpdir(), "rt-frames-"));
      try {
        const config = join(dir, "node.config.json");
        writeFileSync(
          config,
          JSON.stringify({
            nodeOptions: { "experimental-async-context-frame": true },
          })
        );
        expect(
          await run([`--experimental-config-file=${config}`, "--no-warnings"])
        ).toBe(true);
        expect(await run(["--no-warnings"])).toBe(false);
        // An async hook that tracks promises from the start (an APM's, OpenTelemetry's
        // AsyncHooksContextManager) does not hide the config file's frames.
        const hook = join(dir, "hook.cjs");
        writeFileSync(hook, 'require("node:async_hooks").createHook({ init() {} }).enable();');
        expect(
          await run([`--experimental-config-file=${config}`, "--no-warnings", "--require", hook])
        ).toBe(true);
        expect(await run(["--no-warnings", "--require", hook])).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  } else {
    it(`on Node ${major}, picks the storage its version gives (a timer callback is in the task: ${
      major >= 24
    })`, async () => {
      expect(await run([])).toBe(major >= 24);
    });
  }
});

describe("capturing the spawner's async context", () => {
  it("reads Node's AsyncContextFrame directly wherever AsyncLocalStorage runs on it (Node 24 and later)", () => {
    // If a Node version stops exposing the frame this way, spawns fall back to an AsyncResource
    // each (correct, ~20 ns and an object more per spawn): this test says so.
    if (major >= 24 && !process.execArgv.includes("--no-async-context-frame"))
      expect(capturesFrames).toBe(true);
    if (major < 22) expect(capturesFrames).toBe(false);
    // A task spawned where only rt's store is set gets rt's small frame object (see TaskFrame).
    if (
      major >= 24 &&
      !process.execArgv.includes("--no-async-context-frame") &&
      process.env["RT_CONTEXT"] === undefined
    ) {
      expect(usesTaskFrames()).toBe(true);
    }
    if (major < 22) expect(usesTaskFrames()).toBe(false);
  });
});

describe("the cooperative budget (one small integer: the turn it was filled in, and what is left)", () => {
  it("gives BUDGET operations per turn, refills on wake within the turn, and afresh in the next turn", async () => {
    const budget = { budget: EMPTY_BUDGET };
    let spent = 0;
    while (spendBudget(budget)) spent++;
    expect(spent).toBe(BUDGET);
    expect(spendBudget(budget)).toBe(false);
    expect(
      Number.isInteger(budget.budget) &&
        budget.budget >= 0 &&
        budget.budget < 2 ** 31
    ).toBe(true);
    refillBudget(budget);
    spent = 0;
    while (spendBudget(budget)) spent++;
    expect(spent).toBe(BUDGET);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(spendBudget(budget)).toBe(true);
    // A woken task that never spent (never filled) still gets a full budget.
    const fresh = { budget: EMPTY_BUDGET };
    refillBudget(fresh);
    spent = 0;
    while (spendBudget(fresh)) spent++;
    expect(spent).toBe(BUDGET);
  });

  it("returnBudget gives back one spent operation of this turn, never past BUDGET, and nothing to a budget of another turn", async () => {
    const budget = { budget: EMPTY_BUDGET };
    returnBudget(budget); // never filled: nothing to give back
    expect(budget.budget).toBe(EMPTY_BUDGET);
    expect(spendBudget(budget)).toBe(true);
    returnBudget(budget);
    returnBudget(budget); // already full: stays BUDGET
    let spent = 0;
    while (spendBudget(budget)) spent++;
    expect(spent).toBe(BUDGET);
    returnBudget(budget);
    expect(spendBudget(budget)).toBe(true);
    expect(spendBudget(budget)).toBe(false);
    const before = budget.budget;
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    returnBudget(budget); // filled in an earlier turn: unchanged (the next spend refills it)
    expect(budget.budget).toBe(before);
  });
});
