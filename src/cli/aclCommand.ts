import type { Command } from 'commander';
import {
  ADMIN_USER,
  clientPropertiesFile,
  credentialsFile,
  DEFAULT_SECURE_BROKER_PORT,
  readScramCredentials,
  resolveStackOptions,
  secureLayout,
} from '../../docker/launcher';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import { kafkaAclsCommands, kafkajsAclEntries, spaceAcls } from '../log/admin/spaceAcls';
import { parseBrokers, parsePositiveInteger } from './cliOptions';

/** Options of `spacelog acl`, as commander hands them over. */
interface AclCommandOptions {
  readonly space: string;
  readonly prefix: string;
  readonly principal: string;
  readonly mirrorPrincipal?: string;
  readonly mirrorGroup?: string;
  readonly partitions?: number;
  readonly brokers?: string[];
  readonly commandConfig?: string;
  readonly apply?: boolean;
  readonly ca?: string;
  readonly credentials?: string;
}

/** The secure stack's bootstrap: where `spacelog acl` points when no `--brokers` is given. */
const SECURE_STACK_BOOTSTRAP = [`127.0.0.1:${DEFAULT_SECURE_BROKER_PORT}`];

/**
 * Registers `spacelog acl`: the Kafka ACLs a space needs (see `spaceAcls`), printed as
 * `kafka-acls.sh` commands, or created with `--apply` through the Kafka admin API as an admin user.
 * Secrets are read from files (`--credentials`), never taken on the command line.
 */
export function registerAclCommand(program: Command): void {
  program
    .command('acl')
    .description(
      "print (or --apply) the Kafka ACLs of a space's principal: its topics, groups and transactional ids, nothing else",
    )
    .requiredOption('--space <name>', 'space name, e.g. orders')
    .requiredOption('--principal <Type:name>', 'principal of its units and grids, e.g. User:orders-unit')
    .option('--prefix <prefix>', 'topic prefix of the deployment', DEFAULT_PREFIX)
    .option('--mirror-principal <Type:name>', "principal of the space's PostgreSQL mirror (read only)")
    .option('--mirror-group <id>', "the mirror's consumer group when not <prefix>.<space>.mirror")
    .option(
      '--partitions <n>',
      'name each partition topic and transactional id exactly (default: PREFIXED <prefix>.<space>.)',
      parsePositiveInteger,
    )
    .option(
      '--brokers <list>',
      `Kafka brokers host:port,... (default: the secure stack, ${SECURE_STACK_BOOTSTRAP.join(',')})`,
      parseBrokers,
    )
    .option(
      '--command-config <file>',
      "kafka-acls.sh client config in the printed commands (default: the secure stack's admin.properties)",
    )
    .option('--apply', 'create the ACLs through the Kafka admin API instead of printing commands')
    .option('--ca <file>', "--apply: CA certificate (PEM) to trust (default: the secure stack's)")
    .option(
      '--credentials <file>',
      "--apply: SCRAM-SHA-512 credentials JSON {username, password} of an admin (default: the secure stack's admin)",
    )
    .action(async (options: AclCommandOptions) => {
      const acls = spaceAcls({
        prefix: options.prefix,
        space: options.space,
        principal: options.principal,
        ...(options.mirrorPrincipal === undefined ? {} : { mirrorPrincipal: options.mirrorPrincipal }),
        ...(options.mirrorGroup === undefined ? {} : { mirrorGroupId: options.mirrorGroup }),
        ...(options.partitions === undefined ? {} : { partitions: options.partitions }),
      });
      const brokers = options.brokers ?? SECURE_STACK_BOOTSTRAP;
      const layout = secureLayout(resolveStackOptions({ secure: true }).stateDir);
      if (options.apply !== true) {
        const commandConfig = options.commandConfig ?? clientPropertiesFile(layout, ADMIN_USER);
        for (const line of kafkaAclsCommands(acls, { bootstrapServer: brokers.join(','), commandConfig })) {
          say(line);
        }
        return;
      }
      const credentials = readScramCredentials(options.credentials ?? credentialsFile(layout, ADMIN_USER));
      // Through the one Kafka factory; `env: {}` because this command's flags say everything (a
      // SPACELOG_KAFKA_* certificate or user meant for the grids must not slip into the admin's login).
      const { kafka } = openKafka(
        {
          brokers,
          ssl: { ca: options.ca ?? layout.caFile },
          sasl: {
            mechanism: 'scram-sha-512',
            username: credentials.username,
            password: credentials.password,
          },
        },
        { clientId: KAFKA_CLIENT_IDS.acl, path: 'acl', env: {} },
      );
      const admin = kafka.admin();
      try {
        await admin.connect();
        const entries = kafkajsAclEntries(acls);
        await admin.createAcls({ acl: entries });
        const principals = [...new Set(acls.map((acl) => acl.principal))].join(', ');
        say(
          `created ${entries.length} ACL bindings (${acls.length} rules) for ${principals} on ${brokers.join(',')}`,
        );
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    });
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
