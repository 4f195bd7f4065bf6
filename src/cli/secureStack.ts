import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PostgresInstance,
  resolveStackOptions,
  SECURE_STACK_POSTGRES_PORT,
  secureStackPostgresDir,
  ServiceStatus,
  Stack,
} from '../../docker/launcher';

/**
 * `spacelog stack up|down|status --secure`: the secured Kafka (SASL_SSL, SCRAM-SHA-512, ACLs
 * enforced) on 127.0.0.1:9292 and up, in its own folder, beside the plain stack. What it prints names
 * files, never a secret.
 */

/** Help text of the `--secure` flags. */
export const SECURE_STACK_HELP =
  'the secured stack instead: SASL_SSL (SCRAM-SHA-512 over TLS) with ACLs enforced, on 127.0.0.1:9292, ' +
  'and a PostgreSQL requiring TLS and a password on 127.0.0.1:5532, beside the plain one';
/** Help text of `stack up --user`. */
export const SECURE_USER_HELP =
  'with --secure: a SCRAM user to create besides admin (repeatable; default: spacelog)';

/** Starts (or keeps) the secure Kafka and prints where its CA and credentials are. */
export async function upSecureStack(
  brokers: number,
  users: readonly string[] | undefined,
  say: (line: string) => void,
  kafkaVersion?: string,
): Promise<void> {
  const stack = new Stack(
    {
      brokers,
      secure: true,
      ...(users === undefined ? {} : { scramUsers: users }),
      ...(kafkaVersion === undefined ? {} : { kafkaVersion }),
    },
    say,
  );
  const kafka = await stack.upKafka();
  say(
    `secure kafka ${kafka.startedNow ? 'started' : 'already running'}: ${kafka.brokers.join(',')} (SASL_SSL` +
      `${kafka.version === undefined ? '' : `, Apache Kafka ${kafka.version}`})`,
  );
  for (const logFile of kafka.logFiles) say(`  log: ${logFile}`);
  if (kafka.security !== undefined) {
    say(`  CA certificate: ${kafka.security.caFile}`);
    for (const [user, file] of Object.entries(kafka.security.credentialFiles)) {
      say(`  ${kafka.security.mechanism} credentials of ${user}: ${file}`);
    }
  }
  say('  only admin may do anything until ACLs allow it: spacelog acl --help');
  const postgres = await securePostgres();
  const wasRunning = postgres.running;
  await postgres.start();
  say(
    `secure postgresql ${wasRunning ? 'already running' : 'started'}: ${postgres.url} (TLS and a password required)`,
  );
  say(`  CA certificate: ${postgres.security?.certFile ?? '?'}`);
  say(`  password file: ${postgres.security?.passwordFile ?? '?'} (SPACELOG_DATABASE_PASSWORD_FILE)`);
  say(`  log: ${postgres.logFile}`);
}

/** The data folder of the secured stack's PostgreSQL. */
function securePostgresDir(): string {
  const { stateDir } = resolveStackOptions({ secure: true });
  return secureStackPostgresDir(stateDir, os.tmpdir(), process.getuid?.() === 0);
}

/** The secured stack's PostgreSQL (initdb'd, with its certificate and password, on first use). */
function securePostgres(): Promise<PostgresInstance> {
  const dataDir = securePostgresDir();
  return PostgresInstance.create({ port: SECURE_STACK_POSTGRES_PORT, dataDir, durable: true, secure: true });
}

/** The secured stack's PostgreSQL if it was ever made (status and down create nothing). */
async function existingSecurePostgres(): Promise<PostgresInstance | undefined> {
  return existsSync(path.join(securePostgresDir(), 'PG_VERSION')) ? securePostgres() : undefined;
}

/** Stops the secure Kafka this launcher started; the plain stack is left alone. */
export async function downSecureStack(say: (line: string) => void): Promise<void> {
  const stopped = await new Stack({ secure: true }, say).downKafka();
  say(stopped ? 'secure kafka stopped' : 'secure kafka: nothing of ours was running');
  const postgres = await existingSecurePostgres();
  if (postgres?.running === true) {
    await postgres.stop('fast');
    say('secure postgresql stopped');
  }
}

/** Reports the secure Kafka; exit code 1 when it is down. */
export async function secureStackStatus(
  json: boolean,
  say: (line: string) => void,
  printService: (name: string, status: ServiceStatus) => void,
): Promise<void> {
  const kafka = (await new Stack({ secure: true }, say).status()).kafka;
  const postgres = await existingSecurePostgres();
  const database = {
    up: postgres?.running === true,
    url: `postgresql://postgres@127.0.0.1:${SECURE_STACK_POSTGRES_PORT}/postgres`,
    port: SECURE_STACK_POSTGRES_PORT,
  };
  if (json) say(JSON.stringify({ kafka, postgresql: database }, null, 2));
  else {
    printService('kafka', kafka);
    say(`postgresql ${database.up ? 'up  ' : 'DOWN'} ${database.url}  (TLS and a password required)`);
  }
  if (!kafka.up || !database.up) process.exitCode = 1;
}

/** Commander collector of a repeatable option. */
export function collectValues(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
