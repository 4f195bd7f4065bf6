import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import { findExecutable, runCommand } from './processes';
import { STACK_HOST } from './StackOptions';

/** The user a secure private PostgreSQL lets in (its superuser), with a password. */
export const SECURE_POSTGRES_USER = 'postgres';
/** How long the self-signed certificate stays valid (private instances live for one test run). */
const CERTIFICATE_DAYS = 30;

/** Where a secure instance keeps its key material: in its data folder, PostgreSQL's own convention. */
export interface SecurePostgresLayout {
  /** The server's self-signed certificate (SAN 127.0.0.1, localhost): what a client trusts as its CA. */
  readonly certFile: string;
  /** The server's private key, mode 0600 (PostgreSQL refuses a key others can read). */
  readonly keyFile: string;
  /** The password of {@link SECURE_POSTGRES_USER} alone, mode 0600 (for `passwordFile`). */
  readonly passwordFile: string;
}

/** The file layout of a secure instance whose data folder is `dataDir`. */
export function securePostgresLayout(dataDir: string): SecurePostgresLayout {
  return {
    certFile: path.join(dataDir, 'server.crt'),
    keyFile: path.join(dataDir, 'server.key'),
    passwordFile: path.join(dataDir, `${SECURE_POSTGRES_USER}.password`),
  };
}

/** A fresh random password (hex: no character a URL, a conf file or a shell would treat specially). */
export function newPostgresPassword(): string {
  return randomBytes(24).toString('hex');
}

/**
 * Makes the server's self-signed certificate and key (openssl, EC P-256) in the data folder, and
 * writes the password file; key and password mode 0600, owned by `owner` (the postgres user when we
 * run as root). No secret is put on a command line.
 */
export async function createSecurePostgresMaterial(
  layout: SecurePostgresLayout,
  password: string,
  owner: { uid: number; gid: number } | undefined,
): Promise<void> {
  const openssl = findExecutable('openssl');
  if (openssl === undefined) {
    throw new StackError(
      'TLS_FAILED',
      'openssl is needed to make the certificate of a secure PostgreSQL (on Debian/Ubuntu: apt-get install openssl)',
    );
  }
  const result = await runCommand(openssl, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', layout.keyFile, '-out', layout.certFile, '-days', String(CERTIFICATE_DAYS),
    '-subj', '/CN=localhost', '-addext', `subjectAltName=IP:${STACK_HOST},DNS:localhost`,
  ]); // prettier-ignore
  if (result.code !== 0) {
    throw new StackError('TLS_FAILED', 'openssl could not make the PostgreSQL certificate', {
      logTail: result.stderr.trim().split('\n').slice(-10),
    });
  }
  writeFileSync(layout.passwordFile, `${password}\n`, { mode: 0o600 });
  chmodSync(layout.keyFile, 0o600);
  if (owner !== undefined) {
    for (const file of [layout.certFile, layout.keyFile, layout.passwordFile]) {
      chownSync(file, owner.uid, owner.gid);
    }
  }
}

/** postgresql.conf lines of a secure instance: TLS on with its certificate, SCRAM hashes. */
export function securePostgresSettings(layout: SecurePostgresLayout): readonly string[] {
  return [
    'ssl = on',
    `ssl_cert_file = '${layout.certFile}'`,
    `ssl_key_file = '${layout.keyFile}'`,
    "ssl_min_protocol_version = 'TLSv1.2'",
    "password_encryption = 'scram-sha-256'",
  ];
}

/**
 * pg_hba.conf of a secure instance: TLS and a SCRAM password on loopback, and nothing else (a
 * connection without TLS is refused before any password is asked; there is no Unix socket).
 */
export const SECURE_PG_HBA = [
  '# Spacelog launcher: TLS and a SCRAM password on every connection, nothing else',
  '# TYPE     DATABASE USER ADDRESS         METHOD',
  `hostssl    all      all  ${STACK_HOST}/32    scram-sha-256`,
  'hostnossl  all      all  all             reject',
  '',
].join('\n');

/** Port of the secured stack's PostgreSQL (beside the plain stack's 5432 and the private test range). */
export const SECURE_STACK_POSTGRES_PORT = 5532;

/**
 * Data folder of the secured stack's PostgreSQL: in the stack's folder, or, when we are root (the
 * server then runs as `postgres`, who cannot enter root's home), in the temporary folder.
 */
export function secureStackPostgresDir(stateDir: string, tmpDir: string, isRoot: boolean): string {
  return isRoot
    ? path.join(tmpDir, 'spacelog-secure-postgres', 'data')
    : path.join(stateDir, 'postgres', 'data');
}
