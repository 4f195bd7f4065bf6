import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KafkaConfig } from 'kafkajs';
import { StackError } from '../../src/errors/stack';
import { findExecutable, runCommand } from './processes';

/** The launcher's own SCRAM user: a super user, also used between brokers. */
export const ADMIN_USER = 'admin';
/** The PLAIN user of the controller listener (KRaft cannot use SCRAM there: the controllers hold it). */
export const CONTROLLER_USER = 'controller';
/** The ordinary users a secure stack creates when none are asked for. */
export const DEFAULT_SCRAM_USERS: readonly string[] = ['spacelog'];
/** The only SASL mechanism of the secure stack's client listener. */
export const SCRAM_MECHANISM = 'scram-sha-512';
/** User names the launcher accepts: they go into JAAS lines and file names unquoted. */
const USER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** How long the generated certificates stay valid (a dev stack is restarted long before). */
const CERTIFICATE_DAYS = 825;

/** Where the secure stack keeps its key material, under its state folder. */
export interface SecureLayout {
  /** Certificates and keystores: `tls/`. */
  readonly tlsDir: string;
  /** One file per SCRAM user, mode 0600: `credentials/`. */
  readonly credentialsDir: string;
  /** The CA certificate (PEM): what a client trusts (kafkajs `ssl: { ca }`); the brokers' PEM truststore too. */
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly brokerCertFile: string;
  readonly brokerKeyFile: string;
  /** The brokers' PKCS12 keystore (key and chain), mode 0600. */
  readonly keystoreFile: string;
  /** Passwords only the brokers need (keystore, controller listener), mode 0600. */
  readonly brokerSecretsFile: string;
}

/** One SCRAM user as its credentials file holds it. */
export interface ScramCredentials {
  readonly mechanism: typeof SCRAM_MECHANISM;
  readonly username: string;
  readonly password: string;
}

/** Secrets the brokers' server.properties carry (the file is mode 0600). */
export interface BrokerSecrets {
  readonly storePassword: string;
  readonly controllerPassword: string;
  readonly adminPassword: string;
}

/** What kafkajs needs to reach a secure stack: TLS trusting its CA, SASL/SCRAM-SHA-512. */
export type KafkaClientSecurity = Required<Pick<KafkaConfig, 'ssl' | 'sasl'>>;

/** The file layout of a secure stack whose state folder is `stateDir`. */
export function secureLayout(stateDir: string): SecureLayout {
  const tlsDir = path.join(stateDir, 'tls');
  return {
    tlsDir,
    credentialsDir: path.join(stateDir, 'credentials'),
    caFile: path.join(tlsDir, 'ca.pem'),
    caKeyFile: path.join(tlsDir, 'ca.key'),
    brokerCertFile: path.join(tlsDir, 'broker.pem'),
    brokerKeyFile: path.join(tlsDir, 'broker.key'),
    keystoreFile: path.join(tlsDir, 'broker.keystore.p12'),
    brokerSecretsFile: path.join(tlsDir, 'broker.secrets.json'),
  };
}

/** The credentials file of one SCRAM user. */
export function credentialsFile(layout: SecureLayout, username: string): string {
  return path.join(layout.credentialsDir, `${username}.json`);
}

/** The password alone (for a `sasl.passwordFile` setting), next to its credentials file. */
export function passwordFile(layout: SecureLayout, username: string): string {
  return path.join(layout.credentialsDir, `${username}.password`);
}

/** The Kafka CLI client config (`--command-config`) of one SCRAM user, next to its credentials. */
export function clientPropertiesFile(layout: SecureLayout, username: string): string {
  return path.join(layout.credentialsDir, `${username}.properties`);
}

/** Refuses user names that are reserved or could break a JAAS line or a file name. */
export function checkScramUsers(users: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  for (const user of users) {
    if (!USER_NAME.test(user)) {
      throw new StackError('BAD_CONFIG', `SCRAM user '${user}' must match ${USER_NAME.source}`);
    }
    if (user === ADMIN_USER || user === CONTROLLER_USER) {
      throw new StackError('BAD_CONFIG', `SCRAM user '${user}' is reserved for the launcher`);
    }
    if (seen.has(user)) throw new StackError('BAD_CONFIG', `SCRAM user '${user}' is named twice`);
    seen.add(user);
  }
  return [...users];
}

/**
 * Generates fresh key material for a secure stack: a CA and a broker certificate for 127.0.0.1 and
 * localhost (openssl, EC P-256), the brokers' PKCS12 keystore, and a random password per SCRAM user
 * (the launcher's admin and `users`) written to its own 0600 file. Every earlier file is replaced:
 * each start of the stack is a new cluster whose users are created anew at format time. No secret is
 * ever put on a command line (openssl reads the keystore password from its environment).
 */
export async function createSecureMaterial(
  layout: SecureLayout,
  users: readonly string[],
): Promise<BrokerSecrets> {
  const openssl = findExecutable('openssl');
  if (openssl === undefined) {
    throw new StackError(
      'TLS_FAILED',
      'openssl is needed to make the secure stack certificates (on Debian/Ubuntu: apt-get install openssl)',
    );
  }
  for (const dir of [layout.tlsDir, layout.credentialsDir]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  const secrets: BrokerSecrets = {
    storePassword: newSecret(),
    controllerPassword: newSecret(),
    adminPassword: newSecret(),
  };
  const extFile = path.join(layout.tlsDir, 'broker.ext');
  writeFileSync(
    extFile,
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      '',
    ].join('\n'),
  );
  const csr = path.join(layout.tlsDir, 'broker.csr');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const steps: readonly (readonly string[])[] = [
    [
      'req', '-x509', ...ec, '-keyout', layout.caKeyFile, '-out', layout.caFile,
      '-days', String(CERTIFICATE_DAYS), '-subj', '/CN=Spacelog local stack CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    ['req', ...ec, '-keyout', layout.brokerKeyFile, '-out', csr, '-subj', '/CN=localhost'],
    [
      'x509', '-req', '-in', csr, '-CA', layout.caFile, '-CAkey', layout.caKeyFile, '-CAcreateserial',
      '-out', layout.brokerCertFile, '-days', String(CERTIFICATE_DAYS), '-extfile', extFile,
    ],
    [
      'pkcs12', '-export', '-in', layout.brokerCertFile, '-inkey', layout.brokerKeyFile,
      '-certfile', layout.caFile, '-name', 'broker', '-out', layout.keystoreFile,
      '-passout', 'env:SPACELOG_STORE_PASSWORD',
    ],
  ]; // prettier-ignore
  const env = { ...process.env, SPACELOG_STORE_PASSWORD: secrets.storePassword };
  for (const args of steps) {
    const result = await runCommand(openssl, args, { cwd: layout.tlsDir, env, timeoutMs: 60_000 });
    if (result.code !== 0) {
      throw new StackError(
        'TLS_FAILED',
        `openssl ${args[0] ?? ''} failed (exit code ${String(result.code)})`,
        {
          logTail: (result.stdout + result.stderr).trim().split('\n').slice(-10),
        },
      );
    }
  }
  rmSync(csr, { force: true });
  for (const file of [layout.caKeyFile, layout.brokerKeyFile, layout.keystoreFile]) chmodSync(file, 0o600);
  writeSecretFile(layout.brokerSecretsFile, `${JSON.stringify(secrets, null, 2)}\n`);
  writeCredentials(layout, {
    mechanism: SCRAM_MECHANISM,
    username: ADMIN_USER,
    password: secrets.adminPassword,
  });
  for (const username of users) {
    writeCredentials(layout, { mechanism: SCRAM_MECHANISM, username, password: newSecret() });
  }
  return secrets;
}

/** Reads the brokers' secrets written by {@link createSecureMaterial}. */
export function readBrokerSecrets(layout: SecureLayout): BrokerSecrets {
  return readJson<BrokerSecrets>(layout.brokerSecretsFile);
}

/** Reads one SCRAM user's credentials file. */
export function readScramCredentials(file: string): ScramCredentials {
  const value = readJson<Partial<ScramCredentials>>(file);
  if (
    value.mechanism !== SCRAM_MECHANISM ||
    typeof value.username !== 'string' ||
    typeof value.password !== 'string'
  ) {
    throw new StackError('BAD_CONFIG', `${file} is not a SCRAM credentials file`);
  }
  return { mechanism: SCRAM_MECHANISM, username: value.username, password: value.password };
}

/** The kafkajs `ssl` and `sasl` settings that log in to the secure stack as `username`. */
export function kafkaClientSecurity(
  layout: SecureLayout,
  username: string = ADMIN_USER,
): KafkaClientSecurity {
  const credentials = readScramCredentials(credentialsFile(layout, username));
  return {
    ssl: { ca: [readFileSync(layout.caFile, 'utf8')] },
    sasl: { mechanism: SCRAM_MECHANISM, username: credentials.username, password: credentials.password },
  };
}

/**
 * The lines of a `--add-scram` argument for `kafka-storage format`, one per user (admin included).
 * They go into a Java argument file (mode 0600), never onto the command line.
 */
export function addScramArguments(layout: SecureLayout, users: readonly string[]): string[] {
  return [ADMIN_USER, ...users].flatMap((username) => {
    const { password } = readScramCredentials(credentialsFile(layout, username));
    return ['--add-scram', `'SCRAM-SHA-512=[name=${username},password=${password}]'`];
  });
}

/** Writes a file only its owner can read (created so, never briefly readable by others). */
export function writeSecretFile(file: string, content: string): void {
  rmSync(file, { force: true });
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

function writeCredentials(layout: SecureLayout, credentials: ScramCredentials): void {
  writeSecretFile(credentialsFile(layout, credentials.username), `${JSON.stringify(credentials, null, 2)}\n`);
  // For Spacelog's own `kafka.sasl.passwordFile` (grid options, unit config files).
  writeSecretFile(passwordFile(layout, credentials.username), `${credentials.password}\n`);
  // For Kafka's own tools: kafka-acls.sh / kafka-topics.sh --command-config <this file>.
  writeSecretFile(
    clientPropertiesFile(layout, credentials.username),
    [
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${credentials.username}" password="${credentials.password}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${layout.caFile}`,
      '',
    ].join('\n'),
  );
}

function readJson<T>(file: string): T {
  if (!existsSync(file))
    throw new StackError('BAD_CONFIG', `${file} does not exist: start the secure stack first`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** 32 random bytes as hex: no character a JAAS line, a properties file or `--add-scram` would need quoted. */
function newSecret(): string {
  return randomBytes(32).toString('hex');
}
