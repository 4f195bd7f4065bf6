import type { Command } from 'commander';
import { DEFAULT_MIRROR_SCHEMA } from '../mirror/MirrorConfig';
import { openDatabase } from '../mirror/openMirrorDatabase';
import { createConsoleHandler } from '../console/ConsoleHandler';
import { DEFAULT_CONSOLE_HOST, DEFAULT_CONSOLE_PORT, startConsoleServer } from '../console/ConsoleServer';
import { SpaceConsoleSource } from '../cluster/SpaceConsoleSource';
import {
  parseBrokers,
  parseWholeNumber,
  resolveBrokers,
  resolveDatabaseArgument,
  withDeploymentOptions,
} from './cliOptions';
import {
  clientSecurityOf,
  withClientSecurityOptions,
  type ClientSecurityFlags,
} from './clientSecurityOptions';
import { ensureDatabaseReachable, ensureKafkaReachable } from './reachability';
import { onStopSignal } from './stopSignals';

/** Options of `spacelog console`, as commander hands them over. */
interface ConsoleCommandOptions extends ClientSecurityFlags {
  readonly space: string;
  readonly prefix: string;
  readonly brokers?: string[];
  readonly grid?: string[];
  /** `--mirror` alone: true (the database of SPACELOG_DATABASE_URL). */
  readonly mirror?: string | true;
  readonly pgSchema: string;
  readonly host: string;
  readonly insecure?: boolean;
  readonly port: number;
}

/**
 * Registers `spacelog console --space S`: the web console of a space (units, partition grid, mirror
 * lag and dead letters, live tail, entries per type, read-only query box) on its own HTTP server,
 * 127.0.0.1 by default; prints its URL and serves until Ctrl-C or SIGTERM.
 */
export function registerConsoleCommand(program: Command): void {
  const command = program
    .command('console')
    .description("serve a space's web console: units, partitions, mirror, live tail, read-only queries")
    .requiredOption('--space <name>', 'space name, e.g. orders')
    .option(
      '--grid <endpoints>',
      "grid servers host:port,... for counts and queries (default: the space's running units)",
      parseBrokers,
    )
    .option(
      '--mirror [database]',
      "show the mirror's lag and dead letters: PostgreSQL URL without a password (default: SPACELOG_DATABASE_URL)",
    )
    .option('--pg-schema <name>', 'PostgreSQL schema of the mirror', DEFAULT_MIRROR_SCHEMA)
    .option('--host <host>', 'interface to listen on', DEFAULT_CONSOLE_HOST)
    .option(
      '--insecure',
      'allow a --host other machines reach (the console has no TLS and asks no credentials)',
    )
    .option(
      '--port <n>',
      `port to listen on (0: any free port)`,
      (v) => parseWholeNumber(v, 0),
      DEFAULT_CONSOLE_PORT,
    );
  withClientSecurityOptions(withDeploymentOptions(command)).action(
    async (options: ConsoleCommandOptions, cmd: Command) => {
      const security = clientSecurityOf(cmd, options);
      const database =
        options.mirror === undefined
          ? undefined
          : resolveDatabaseArgument(cmd, options.mirror === true ? undefined : options.mirror);
      const brokers = resolveBrokers(options.brokers);
      await ensureKafkaReachable(brokers);
      if (database !== undefined) await ensureDatabaseReachable(database);
      const knex = database === undefined ? undefined : openDatabase(database, { max: 2 });
      const source = new SpaceConsoleSource({
        space: options.space,
        prefix: options.prefix,
        kafka: { brokers },
        ...(options.grid === undefined ? {} : { bootstrap: options.grid }),
        ...security,
        ...(knex === undefined ? {} : { mirror: { knex, schema: options.pgSchema } }),
        onWarning: (line) => process.stderr.write(`${line}\n`),
      });
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const removeHandlers = onStopSignal(() => stop());
      try {
        const server = await startConsoleServer({
          handler: createConsoleHandler({ source }),
          host: options.host,
          port: options.port,
          insecure: options.insecure === true,
        });
        process.stdout.write(`console of space ${options.space} at ${server.url}\n`);
        await stopped;
        await server.close();
      } finally {
        removeHandlers();
        await source.close();
        await knex?.destroy();
      }
    },
  );
}
