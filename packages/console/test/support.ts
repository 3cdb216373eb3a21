import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

/** The fixture program (test/fixtures/program.mjs) running, with its console address. */
export interface Program extends AsyncDisposable {
  readonly addr: string;
  readonly child: ChildProcessWithoutNullStreams;
}

/** Starts a fixture program (default test/fixtures/program.mjs) and waits for its "ready ADDR" line (10 s at most). */
export async function startProgram(file = 'program.mjs'): Promise<Program> {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', file)], { cwd: __dirname });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const addr = await new Promise<string>((resolve, reject) => {
    // 30 s: starting the threaded fixture (two workers) and stopping it costs ~1 s of CPU here
    // (0.72 s user + 0.26 s sys), so ~10 s at CI's load (~20 on 2 cores: a tenth of a core).
    const timer = setTimeout(() => reject(new Error(`fixture program not ready in 30 s: ${out}${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /ready (\S+)\n/.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture program exited (${code}): ${err}`));
    });
  });
  return {
    addr,
    child,
    async [Symbol.asyncDispose]() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to completion, asynchronously (the program it talks to may live in this process). */
export function run(command: string, args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const bin = join(__dirname, '..', 'dist', 'bin.js');

/**
 * `rt-console --listen 127.0.0.1:0 ADDR` running, and a headless Chromium page open on it (once
 * the page has its first snapshot); disposing closes the browser and stops rt-console.
 * Each wait is 30 s: starting Chromium and rendering the first snapshot is a few s of CPU, ~10x
 * that at load ~20 on 2 cores; one that never comes still fails within the case's 60 s.
 */
export async function openConsolePage(addr: string, viewport: { width: number; height: number }): Promise<{ page: Page } & AsyncDisposable> {
  const ui = spawn(process.execPath, [bin, '--listen', '127.0.0.1:0', addr]);
  const exited = new Promise<void>((resolve) => ui.once('exit', () => resolve()));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const dispose = async (): Promise<void> => {
    await browser.close();
    ui.kill('SIGTERM');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`rt-console did not start: ${out}`)), 30_000);
      ui.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /(http:\/\/\S+)/.exec(out);
        if (match !== null) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    const page = await browser.newPage({ viewport });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return { page, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
