import type { Command } from 'commander';
import { ProcessingUnit } from '../cluster/ProcessingUnit';
import type { ReplicaChange } from '../cluster/UnitConfig';
import { readUnitConfigFile } from '../cluster/UnitConfigFile';
import { brokersFromEnv } from '../cluster/GridConfig';
import { cliLogger } from './cliLogging';
import { parseBrokers, parseWholeNumber } from './cliOptions';
import { ensureKafkaReachable } from './reachability';
import { onStopSignal } from './stopSignals';

/** Options of `spacelog pu start`, as commander hands them over. */
interface PuStartOptions {
  readonly config: string;
  readonly port?: number;
  readonly unit?: string;
  readonly brokers?: string[];
}

/**
 * Registers `spacelog pu start --config <file>`: runs one processing unit of a space's cluster
 * until SIGINT / SIGTERM, then hands its partitions over and exits. Prints one line per event:
 * `serving <endpoint>` once it is a member, then each replica change (`partition 3 primary: primary`).
 */
export function registerPuCommand(program: Command): void {
  const pu = program.command('pu').description('run processing units (the cluster of a space)');
  pu.command('start')
    .description(
      'start a processing unit from a config file (.json or .js); see docs/operations.md for its keys',
    )
    .requiredOption('--config <file>', 'unit configuration file')
    .option('--port <port>', 'port to serve clients on (overrides the file; 0 = any)', (v) =>
      parseWholeNumber(v, 0),
    )
    .option('--unit <name>', 'unit name in the cluster (overrides the file)')
    .option('--brokers <list>', 'Kafka brokers host:port,... (overrides the file)', parseBrokers)
    .action(async (options: PuStartOptions) => {
      const file = readUnitConfigFile(options.config);
      await ensureKafkaReachable(options.brokers ?? file.options.kafka?.brokers ?? brokersFromEnv());
      const say = (line: string): void => void process.stdout.write(`${line}\n`);
      const unit = await ProcessingUnit.start(
        {
          ...file.options,
          ...(options.port !== undefined ? { port: options.port } : {}),
          ...(options.unit !== undefined ? { unit: options.unit } : {}),
          ...(options.brokers !== undefined
            ? { kafka: { ...file.options.kafka, brokers: options.brokers } }
            : {}),
          onReplicaChange: (change) => say(describeChange(change)),
          logger: cliLogger(),
        },
        file.baseDir,
      );
      say(`unit ${unit.name} serving ${unit.endpoint} (space '${file.options.space}', pid ${process.pid})`);
      await new Promise<void>((resolve) => {
        const remove = onStopSignal((signal) => {
          say(`${signal}: handing partitions over`);
          void unit.close().finally(() => {
            remove();
            say(`unit ${unit.name} stopped`);
            resolve();
          });
        });
      });
    });
}

/** One line per replica change. @internal */
export function describeChange(change: ReplicaChange): string {
  const reason = change.reason ? ` (${change.reason})` : '';
  return `partition ${change.partition} ${change.kind}: ${change.role}${reason}`;
}
