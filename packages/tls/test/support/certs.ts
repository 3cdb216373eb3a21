// Test certificates, made at test time with the openssl CLI in a temp dir (no key is
// committed): a CA, a server certificate for localhost/127.0.0.1, a second one for
// other.test (SNI), an expired one, a client certificate, and a self-signed one no CA
// vouches for.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pair {
  key: Buffer;
  cert: Buffer;
  keyPath: string;
  certPath: string;
}

export interface Certs {
  dir: string;
  ca: Buffer;
  caPath: string;
  server: Pair;
  other: Pair;
  expired: Pair;
  client: Pair;
  selfSigned: Pair;
  remove(): void;
}

const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

let nextSerial = 1;

async function signed(dir: string, name: string, subject: string, ext: string): Promise<Pair> {
  writeFileSync(join(dir, `${name}.ext`), ext);
  await openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  // Its own serial: these run in parallel, and -CAcreateserial's shared ca.srl was seen
  // half-written by a concurrent signing ("Unable to load number from ca.srl").
  const serial = `0x${(Date.now() * 1000 + nextSerial++).toString(16)}`;
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial, '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  return pair(dir, name);
}

function pair(dir: string, name: string): Pair {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), keyPath, certPath };
}

export async function makeCerts(): Promise<Certs> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-tls-certs-'));
  await openssl(dir, [
    'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=rt test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const serverExt = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  const [server, other, client, selfSigned] = await Promise.all([
    signed(dir, 'server', '/CN=localhost', serverExt),
    signed(dir, 'other', '/CN=other.test', 'subjectAltName=DNS:other.test\nextendedKeyUsage=serverAuth\n'),
    signed(dir, 'client', '/CN=rt test client', 'extendedKeyUsage=clientAuth\n'),
    openssl(dir, ['req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']).then(() => pair(dir, 'self')),
  ]);
  // OpenSSL 3.0's `x509 -req` cannot back-date; `openssl ca` can (FIELD-NOTES).
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(join(dir, 'expired.ext'), serverExt);
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'serial = $dir/serial',
      'new_certs_dir = $dir', 'default_md = sha256', 'policy = any', 'copy_extensions = none',
      '[any]', 'commonName = supplied', '',
    ].join('\n'),
  );
  await openssl(dir, ['req', ...ec, '-keyout', 'expired.key', '-out', 'expired.csr', '-subj', '/CN=localhost']);
  await openssl(dir, [
    'ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', 'expired.csr', '-out', 'expired.crt',
    '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', 'expired.ext', '-notext',
  ]);
  const caPath = join(dir, 'ca.crt');
  return {
    dir,
    ca: readFileSync(caPath),
    caPath,
    server,
    other,
    expired: pair(dir, 'expired'),
    client,
    selfSigned,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
