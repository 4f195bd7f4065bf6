import type { Command } from 'commander';
import { LogTail } from './LogTail';
import { parsePositiveInteger, resolveBrokers, withDeploymentOptions } from './cliOptions';
import { ensureKafkaReachable } from './reachability';
import { onStopSignal } from './stopSignals';

/** Options of `spacelog tail`, as commander hands them over. */
interface TailCommandOptions {
  readonly prefix: string;
  readonly type?: string;
  readonly fromBeginning?: boolean;
  readonly brokers?: string[];
  readonly max?: number;
}

/**
 * Registers `spacelog tail <space>`: prints the committed mutations of every partition log of a
 * space as JSON lines, `{partition, offset, op, type, id, version, leaseExpiresAt, timestamp,
 * origin, state}`, until Ctrl-C, SIGTERM or `--max` records.
 */
export function registerTailCommand(program: Command): void {
  const command = program
    .command('tail')
    .description(
      'print the mutations of a space as JSON lines, from the end of its partition logs (or the start)',
    )
    .argument('<space>', 'space name, e.g. orders')
    .option('--type <type>', 'print only mutations of this entry type, e.g. Order')
    .option('--from-beginning', 'read every partition log from its start')
    .option('--max <n>', 'exit after printing n mutations', parsePositiveInteger);
  withDeploymentOptions(command).action(async (space: string, options: TailCommandOptions) => {
    const brokers = resolveBrokers(options.brokers);
    await ensureKafkaReachable(brokers);
    const tail = new LogTail({
      brokers,
      prefix: options.prefix,
      space,
      fromBeginning: options.fromBeginning === true,
      ...(options.type === undefined ? {} : { type: options.type }),
      ...(options.max === undefined ? {} : { max: options.max }),
    });
    const removeHandlers = onStopSignal(() => tail.stop());
    try {
      await tail.run();
    } finally {
      removeHandlers();
    }
  });
}
