// AddressSanitizer run of @rt/mio-native: builds an instrumented copy of the addon in a
// temp directory and runs, against it, (1) the entry-point exerciser of valgrind-addon.cjs
// and (2) the addon's own test suite (with its TLS entry points, native/tls.c), the
// hostile-input fuzz of tools/reliability and @rt/tls's suites (real peers and bad input on
// the native TLS engine).
// Any out-of-bounds read or write, use after free or double free in the C code aborts the
// run with ASan's report.
//
//   pnpm --filter @rt-internal/reliability asan        (about a minute on 2 cores)
//
// Node itself is not instrumented, so libasan is preloaded (LD_PRELOAD) and leak detection
// is off (V8 keeps memory until exit on purpose).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const addonPackage = join(root, 'packages', 'mio-native');

function libasan() {
  for (const cc of [process.env.CC, 'gcc', 'cc'].filter(Boolean)) {
    try {
      const file = execFileSync(cc, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
      if (file.startsWith('/') && existsSync(file)) return file;
    } catch {
      // try the next compiler
    }
  }
  return undefined;
}

const preload = libasan();
if (preload === undefined) {
  // In CI this is a failure, never a silent pass: .ci/apt-packages installs libasan8.
  console.log(`asan: ${process.env.CI ? 'FAILED' : 'skipped'} — no libasan.so next to the C compiler (apt-get install libasan8)`);
  process.exit(process.env.CI ? 1 : 0);
}

const work = mkdtempSync(join(tmpdir(), 'rt-asan-'));
let failed = false;
try {
  // native/ holds binding.gyp and mio.c: node-gyp builds it in place, into work/build/Release.
  cpSync(join(addonPackage, 'native'), work, { recursive: true });
  rmSync(join(work, 'build'), { recursive: true, force: true });
  const nodeGyp = createRequire(join(addonPackage, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  const flags = '-fsanitize=address -fno-omit-frame-pointer -g -O1';
  console.log(`asan: building the addon with ${flags} in ${work}`);
  // Build against the headers of the running Node when it has them (as the npmrc of a
  // machine with a packaged Node says with `nodedir`), so nothing is downloaded.
  const nodedir = process.env.npm_config_nodedir ?? dirname(dirname(process.execPath));
  const gypArgs = existsSync(join(nodedir, 'include', 'node', 'node_api.h')) ? ['rebuild', `--nodedir=${nodedir}`] : ['rebuild'];
  execFileSync(process.execPath, [nodeGyp, ...gypArgs], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CFLAGS: flags, CXXFLAGS: flags, LDFLAGS: '-fsanitize=address' },
  });

  // Proof that the instrumentation is in: the addon calls into the ASan runtime.
  const built = readFileSync(join(work, 'build', 'Release', 'mio_native.node'));
  if (!built.includes('__asan_report')) throw new Error('asan: the addon was built without AddressSanitizer (CFLAGS ignored?)');

  const env = {
    ...process.env,
    RT_MIO_NATIVE_DIR: work,
    LD_PRELOAD: preload,
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1:print_summary=1',
  };
  const steps = [
    ['entry-point exerciser', process.execPath, [join(here, 'valgrind-addon.cjs')]],
    [
      'mio-native tests, the hostile-input fuzz and the TLS suites',
      process.execPath,
      [
        join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--config',
        join(root, 'jest.config.cts'),
        '--runInBand',
        join(root, 'packages', 'mio-native', 'test'),
        join(root, 'tools', 'reliability', 'test', 'mio-native-hostile-input.test.ts'),
        join(root, 'packages', 'tls', 'test'),
      ],
    ],
  ];
  for (const [what, command, args] of steps) {
    console.log(`asan: ${what}`);
    const run = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
    if (run.status !== 0) {
      console.log(`asan: ${what} FAILED (exit ${run.status ?? run.signal})`);
      failed = true;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(failed ? 'asan: FAILED' : 'asan: clean — no report from AddressSanitizer');
process.exitCode = failed ? 1 : 0;
