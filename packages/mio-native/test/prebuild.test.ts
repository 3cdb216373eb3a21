// The prebuilt binaries that ship in the tarball (scripts/prebuild.mjs): what `pnpm build`
// made, what BUILD-INFO.json records about them, and that this process loads its own.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addonKind, addonPath, available, loadError } from '@rt/mio-native';

const packageDir = join(__dirname, '..');
const infoFile = join(packageDir, 'prebuilds', 'BUILD-INFO.json');
const built = existsSync(infoFile);
const ELF_MACHINE = { 'linux-x64': 62, 'linux-arm64': 183 } as const; // EM_X86_64, EM_AARCH64

interface BuildInfo {
  sources: { file: string; sha256: string }[];
  napiVersion: number;
  cflags: string[];
  binaries: Record<string, { file: string; compiler: string; bytes: number; sha256: string; minimumGlibc: string }>;
}

describe('prebuilt addon', () => {
  it('loads on Linux in CI: the native tests can never vanish because the addon is missing', () => {
    if (process.platform === 'linux' && process.env['CI']) {
      expect(loadError).toBeNull();
      expect(available).toBe(true);
    } else {
      // Off CI (or off Linux) `available` may be false; its reason is then given.
      expect(available || loadError instanceof Error).toBe(true);
    }
  });

  // (Under the AddressSanitizer run, RT_MIO_NATIVE_DIR loads its instrumented build instead.)
  (built && process.env['RT_MIO_NATIVE_DIR'] === undefined ? it : it.skip)('is what this process loaded on linux-x64/arm64 glibc, not a build from source', () => {
    expect(available).toBe(true);
    expect(addonKind).toBe('prebuild');
    expect(addonPath).toBe(join(packageDir, 'prebuilds', `linux-${process.arch}`, 'node.napi.glibc.node'));
  });

  (built ? describe : describe.skip)('BUILD-INFO.json', () => {
    const info = built ? (JSON.parse(readFileSync(infoFile, 'utf8')) as BuildInfo) : undefined;

    it('records the sources it was built from (the C files of this checkout)', () => {
      const digest = (file: string): string => createHash('sha256').update(readFileSync(join(packageDir, 'native', file))).digest('hex');
      expect(info!.sources).toEqual(['mio.c', 'tls.c'].map((file) => ({ file: `native/${file}`, sha256: digest(file) })));
    });

    it('pins the N-API version that native/binding.gyp (the source build) uses too', () => {
      const gyp = readFileSync(join(packageDir, 'native', 'binding.gyp'), 'utf8');
      expect(gyp).toContain(`NAPI_VERSION=${info!.napiVersion}`);
      expect(info!.cflags).toContain(`-DNAPI_VERSION=${info!.napiVersion}`);
      // No absolute path of the build machine in what ships.
      expect(info!.cflags.join(' ')).not.toContain(packageDir);
    });

    it.each(Object.keys(ELF_MACHINE) as (keyof typeof ELF_MACHINE)[])('%s: its sha256 and size match, it is a stripped ELF for that CPU', (target) => {
      const entry = info!.binaries[target];
      expect(entry).toBeDefined();
      const bytes = readFileSync(join(packageDir, entry!.file));
      expect(bytes.length).toBe(entry!.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry!.sha256);
      expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // \x7fELF
      expect(bytes.readUInt16LE(18)).toBe(ELF_MACHINE[target]);
      // Stripped: no static symbol table section (its name would be in .shstrtab).
      expect(bytes.includes('.symtab')).toBe(false);
      expect(entry!.compiler).toMatch(/gcc/);
      expect(entry!.minimumGlibc).toMatch(/^2\.\d+$/);
    });
  });
});
