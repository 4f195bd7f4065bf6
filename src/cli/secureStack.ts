import { ServiceStatus, Stack } from '../../docker/launcher';

/**
 * `spacelog stack up|down|status --secure`: the secured Kafka (SASL_SSL, SCRAM-SHA-512, ACLs
 * enforced) on 127.0.0.1:9292 and up, in its own folder, beside the plain stack. What it prints names
 * files, never a secret.
 */

/** Help text of the `--secure` flags. */
export const SECURE_STACK_HELP =
  'the secured stack instead: SASL_SSL (SCRAM-SHA-512 over TLS) with ACLs enforced, on 127.0.0.1:9292, ' +
  'beside the plain one (Kafka only)';
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
}

/** Stops the secure Kafka this launcher started; the plain stack is left alone. */
export async function downSecureStack(say: (line: string) => void): Promise<void> {
  const stopped = await new Stack({ secure: true }, say).downKafka();
  say(stopped ? 'secure kafka stopped' : 'secure kafka: nothing of ours was running');
}

/** Reports the secure Kafka; exit code 1 when it is down. */
export async function secureStackStatus(
  json: boolean,
  say: (line: string) => void,
  printService: (name: string, status: ServiceStatus) => void,
): Promise<void> {
  const kafka = (await new Stack({ secure: true }, say).status()).kafka;
  if (json) say(JSON.stringify({ kafka }, null, 2));
  else printService('kafka', kafka);
  if (!kafka.up) process.exitCode = 1;
}

/** Commander collector of a repeatable option. */
export function collectValues(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
