import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Snapshot } from '@rt/console';
import { bin, run, startProgram } from './support.js';

describe('rt-console --json', () => {
  it('prints one snapshot of a program with named, blocked and parked tasks', async () => {
    await using program = await startProgram();
    const { code, stdout, stderr } = await run(process.execPath, [bin, '--json', program.addr]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const snapshot = JSON.parse(stdout) as Snapshot;
    expect(snapshot).toMatchObject({ version: 1, runtime: 'fixture', pid: program.child.pid, instrumented: true });
    const byName = new Map(snapshot.tasks.map((t) => [t.name, t]));
    for (const task of snapshot.tasks) {
      expect(Object.keys(task)).toEqual(expect.arrayContaining(['id', 'name', 'state', 'busyMs', 'polls', 'wakes', 'waitingOn', 'location']));
    }
    expect(byName.get('parked-on-lock')).toMatchObject({ state: 'waiting', waitingOn: ['Mutex.lock'], wakes: 0 });
    expect(byName.get('sleeper')).toMatchObject({ state: 'waiting', waitingOn: ['time.sleep'] });
    const blocker = byName.get('blocker')!;
    expect(blocker.busyMs).toBeGreaterThanOrEqual(79);
    expect(blocker.maxPollMs).toBeGreaterThanOrEqual(79);
    expect(blocker.location).toMatch(/program\.mjs:\d+:\d+$/);
    expect(snapshot.warnings).toEqual([expect.objectContaining({ kind: 'blocking', id: blocker.id, name: 'blocker', location: blocker.location })]);
    expect(snapshot.resources).toEqual(expect.arrayContaining([{ label: 'Mutex.lock', waiters: [byName.get('parked-on-lock')!.id] }]));
  });

  it('fails with a message and exit code 1 when nothing listens, 2 on bad usage', async () => {
    const refused = await run(process.execPath, [bin, '--json', '127.0.0.1:1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^rt-console: .*ECONNREFUSED/);
    const usage = await run(process.execPath, [bin]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^usage: rt-console/);
  });
});

describe('rt-console web page (headless Chromium)', () => {
  it('shows the named, blocked and parked tasks and the warning', async () => {
    await using program = await startProgram();
    const ui = spawn(process.execPath, [bin, '--listen', '127.0.0.1:0', program.addr]);
    const exited = new Promise<void>((resolve) => ui.once('exit', () => resolve()));
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`rt-console did not start: ${out}`)), 10_000);
        ui.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const match = /(http:\/\/\S+)/.exec(out);
          if (match !== null) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      const page = await browser.newPage({ viewport: { width: 1400, height: 620 } });
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      const rows = await page.$$eval('#tasks tbody tr', (trs) =>
        trs.map((tr) => ({ name: tr.children[1]!.textContent, state: tr.getAttribute('data-state'), waiting: tr.children[8]!.textContent, blocked: tr.classList.contains('blocked') })),
      );
      expect(rows).toEqual(
        expect.arrayContaining([
          { name: 'parked-on-lock', state: 'waiting', waiting: 'Mutex.lock', blocked: false },
          { name: 'blocker', state: 'waiting', waiting: 'time.sleep', blocked: true },
          { name: 'sleeper', state: 'waiting', waiting: 'time.sleep', blocked: false },
          { name: 'main', state: 'idle', waiting: '', blocked: false },
        ]),
      );
      expect(await page.textContent('#warnings')).toMatch(/task \d+ "blocker" blocked the event loop for \d+\.\d ms/);
      // The instrumented runtime's histograms: three rows, the poll one with the 80 ms block as its max.
      const histograms = await page.$$eval('#histograms tbody tr', (trs) =>
        trs.map((tr) => ({ name: tr.getAttribute('data-histogram'), count: Number(tr.children[1]!.textContent), max: Number(tr.children[5]!.textContent), bars: tr.querySelectorAll('.bar').length })),
      );
      expect(histograms.map((x) => x.name)).toEqual(['poll', 'schedule delay', 'event-loop delay']);
      expect(histograms[0]!.count).toBeGreaterThan(0);
      expect(histograms[0]!.max).toBeGreaterThanOrEqual(79);
      expect(histograms.every((x) => x.bars === 3)).toBe(true);
      // Sorting: a click on "busy" sorts ascending, a second click descending (the blocker first).
      await page.click('th[data-key="busyMs"]');
      await page.click('th[data-key="busyMs"]');
      expect(await page.textContent('#tasks tbody tr:first-child td:nth-child(2)')).toBe('blocker');
      // The README's screenshot: refreshed with RT_UPDATE_SCREENSHOT=1, else taken to a temp file.
      const path = process.env['RT_UPDATE_SCREENSHOT'] === '1' ? join(__dirname, '..', 'docs', 'rt-console.png') : join(tmpdir(), `rt-console-${process.pid}.png`);
      await page.screenshot({ path });
      expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
      if (path.startsWith(tmpdir())) rmSync(path);
    } finally {
      await browser.close();
      ui.kill('SIGTERM');
      await exited;
    }
  });
});
