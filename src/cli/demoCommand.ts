import type { Command } from 'commander';
import { brokersFromEnv } from '../cluster/GridConfig';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { parseBrokers, parsePositiveInteger } from './cliOptions';
import { DEFAULT_DEMO_PARTITIONS, DEFAULT_DEMO_RATE, runDemo } from '../demo/Demo';
import { ensureKafkaReachable } from './reachability';
import { onStopSignal } from './stopSignals';

/** Options of `spacelog demo`, as commander hands them over. */
interface DemoCommandOptions {
  readonly partitions: number;
  readonly rate: number;
  readonly duration?: number;
  readonly prefix: string;
  readonly brokers?: string[];
  readonly mirror: boolean;
  readonly mirrorSchema?: string;
  readonly history?: boolean;
}

/**
 * Registers `spacelog demo` (`npm start`): the local stack, a grid hosting the example `orders`
 * space with its PostgreSQL mirror, a steady load and live figures (mirror lag included), until
 * Ctrl-C (or `--duration` seconds).
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'start the local stack and a grid hosting the example orders space, run a steady load and show live figures',
    )
    .option(
      '--partitions <n>',
      'partitions of the orders space',
      parsePositiveInteger,
      DEFAULT_DEMO_PARTITIONS,
    )
    .option('--rate <ops>', 'target operations per second', parsePositiveInteger, DEFAULT_DEMO_RATE)
    .option(
      '--duration <seconds>',
      'stop after this many seconds (default: run until Ctrl-C)',
      parsePositiveInteger,
    )
    .option('--prefix <prefix>', 'topic prefix', DEFAULT_PREFIX)
    .option(
      '--brokers <list>',
      'use this Kafka (host:port,...) and leave the local stack alone (SPACELOG_KAFKA_BROKERS does the same)',
      parseBrokers,
    )
    .option('--no-mirror', 'do not run the PostgreSQL mirror')
    .option('--mirror-schema <name>', 'PostgreSQL schema of the mirror (default spacelog)')
    .option('--history', 'also keep the append-only orders_history table of every mutation')
    .action(async (options: DemoCommandOptions) => {
      // Given brokers are used as they are (the demo leaves the local stack alone): check them first.
      const given =
        options.brokers ?? (process.env.SPACELOG_KAFKA_BROKERS?.trim() ? brokersFromEnv() : undefined);
      if (given !== undefined) await ensureKafkaReachable(given);
      const stop = new AbortController();
      const removeHandlers = onStopSignal(() => stop.abort());
      try {
        await runDemo({
          partitions: options.partitions,
          rate: options.rate,
          prefix: options.prefix,
          signal: stop.signal,
          ...(options.duration === undefined ? {} : { durationSeconds: options.duration }),
          ...(options.brokers === undefined ? {} : { brokers: options.brokers }),
          mirror: options.mirror,
          ...(options.mirrorSchema === undefined ? {} : { mirrorSchema: options.mirrorSchema }),
          ...(options.history === true ? { history: true } : {}),
        });
      } finally {
        removeHandlers();
      }
    });
}
