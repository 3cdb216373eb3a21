import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeUnavailableError } from '@rt/mio-native';
import { nodeCommand } from './helpers.js';

const packageDir = join(__dirname, '..');
const built = existsSync(join(packageDir, 'dist', 'index.js'));

describe('NativeUnavailableError', () => {
  it('carries a stable code and the loader error as its cause', () => {
    const cause = new Error('No native build was found');
    const error = new NativeUnavailableError(cause);
    expect(error).toMatchObject({ code: 'ERR_RT_NATIVE_UNAVAILABLE', name: 'NativeUnavailableError', cause });
    expect(error.message).toContain('No native build was found');
  });

  (built ? it : it.skip)('is what a package without its compiled addon throws, while importing it still works', () => {
    // A copy of the built package with no prebuilds/ and no build/ directory: what a user
    // gets on a platform without a prebuild where the addon could not compile.
    const dir = mkdtempSync(join(tmpdir(), 'rt-mio-unavailable-'));
    try {
      cpSync(join(packageDir, 'dist'), join(dir, 'dist'), { recursive: true });
      cpSync(join(packageDir, 'package.json'), join(dir, 'package.json'));
      symlinkSync(join(packageDir, 'node_modules'), join(dir, 'node_modules'));
      const script = `
        const m = await import(${JSON.stringify(join(dir, 'dist', 'index.js'))});
        const out = { available: m.available, backend: m.backend, hasLoadError: m.loadError instanceof Error, constants: Object.keys(m.constants).length };
        try { new m.Poll(() => {}); } catch (error) { out.poll = error.code; }
        try { m.sys.socket(2, 1); } catch (error) { out.sys = error.code; }
        try { new m.Waker(); } catch (error) { out.waker = error.code; }
        out.address = m.encodeSocketAddress({ family: 'IPv4', address: '127.0.0.1', port: 1 }, Buffer.alloc(128));
        console.log(JSON.stringify(out));`;
      const env = { ...process.env };
      delete env['RT_MIO_NATIVE_DIR']; // (set by the AddressSanitizer run to load its build)
      const [command, args] = nodeCommand(['--input-type=module', '-e', script]);
      const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, env });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({
        available: false,
        backend: null,
        hasLoadError: true,
        constants: 0,
        poll: 'ERR_RT_NATIVE_UNAVAILABLE',
        sys: 'ERR_RT_NATIVE_UNAVAILABLE',
        waker: 'ERR_RT_NATIVE_UNAVAILABLE',
        address: 16,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
