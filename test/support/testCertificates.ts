import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throw-away PKI made with `openssl` (paths, and the PEM text of each). */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signed everything below. */
  readonly caCert: string;
  /** Server certificate with SAN DNS:localhost, IP:127.0.0.1 (CN `spacelog-server`). */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificates by CN (signed by the same CA, extendedKeyUsage clientAuth). */
  readonly clients: Readonly<Record<string, { readonly cert: string; readonly key: string }>>;
  /** A second CA and a client certificate it signed (CN `mallory`): not trusted by the server. */
  readonly foreign: { readonly caCert: string; readonly cert: string; readonly key: string };
  /** Reads a PEM file's text. */
  pem(path: string): string;
  /** Removes the folder. */
  remove(): void;
}

/** True when the `openssl` command is there (the security tests need it). */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Generates a CA, a server certificate for 127.0.0.1 / localhost, one client certificate per name in
 * `clients` (its CN is the name), and a foreign CA with a client certificate, into a fresh temp
 * folder. EC P-256 keys: fast to make.
 */
export function makeTestCertificates(clients: readonly string[] = ['alice']): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'spacelog-certs-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const key = (name: string): string => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path(`${name}.key`));
    // PKCS#8, which every Node version reads.
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', path(`${name}.key`), '-out', path(`${name}.pk8.key`));
    return path(`${name}.pk8.key`);
  };
  const ca = (name: string): string => {
    const caKey = key(name);
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      caKey,
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-out',
      path(`${name}.crt`),
    );
    return path(`${name}.crt`);
  };
  const sign = (
    name: string,
    cn: string,
    caName: string,
    extensions: string,
  ): { cert: string; key: string } => {
    const leafKey = key(name);
    openssl('req', '-new', '-key', leafKey, '-subj', `/CN=${cn}`, '-out', path(`${name}.csr`));
    writeFileSync(path(`${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      path(`${name}.csr`),
      '-CA',
      path(`${caName}.crt`),
      '-CAkey',
      path(`${caName}.pk8.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      path(`${name}.ext`),
      '-out',
      path(`${name}.crt`),
    );
    return { cert: path(`${name}.crt`), key: leafKey };
  };
  const caCert = ca('ca');
  const server = sign(
    'server',
    'spacelog-server',
    'ca',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n',
  );
  const clientCerts: Record<string, { cert: string; key: string }> = {};
  for (const name of clients) {
    clientCerts[name] = sign(
      `client-${name}`,
      name,
      'ca',
      'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n',
    );
  }
  const foreignCa = ca('foreign-ca');
  const foreign = sign(
    'foreign',
    'mallory',
    'foreign-ca',
    'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n',
  );
  return {
    dir,
    caCert,
    serverCert: server.cert,
    serverKey: server.key,
    clients: clientCerts,
    foreign: { caCert: foreignCa, ...foreign },
    pem: (file) => readFileSync(file, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
