import type { Command } from 'commander';
import { RemoteSpace } from '../client/RemoteSpace';
import { readClusterStatus } from '../cluster/ClusterStatus';
import { DEFAULT_MIRROR_SCHEMA } from '../mirror/MirrorConfig';
import { openDatabase } from '../mirror/openMirrorDatabase';
import { describeDifference } from '../verify/VerifyDifference';
import { differencesOf, verifySpace, type VerifyProgress, type VerifyReport } from '../verify/verifySpace';
import {
  parseBrokers,
  parsePositiveInteger,
  resolveBrokers,
  resolveDatabaseArgument,
  withDeploymentOptions,
} from './cliOptions';
import { ensureDatabaseReachable, ensureKafkaReachable } from './reachability';
import { FAILURE_EXIT_CODE, usageError } from './usageErrors';
import {
  clientSecurityOf,
  withClientSecurityOptions,
  type ClientSecurityFlags,
} from './clientSecurityOptions';

/** Options of `spacelog verify`, as commander hands them over. */
interface VerifyCommandOptions extends ClientSecurityFlags {
  readonly space: string;
  readonly prefix: string;
  readonly brokers?: string[];
  /** Endpoints of the grid, or false for `--no-grid`; undefined: the space's units, if any. */
  readonly grid?: string[] | false;
  /** `--mirror` alone: true (the database of SPACELOG_DATABASE_URL). */
  readonly mirror?: string | true;
  readonly pgSchema: string;
  readonly schemas?: string;
  readonly maxDifferences?: number;
  readonly concurrency?: number;
  readonly json?: boolean;
}

/**
 * Registers `spacelog verify --space S`: folds every partition log and compares it with the live grid
 * (through the wire protocol) and the mirror's tables, partition by partition; prints each difference
 * by type and id and a summary, progress on stderr; exit code 1 on any difference.
 */
export function registerVerifyCommand(program: Command): void {
  const verify = program
    .command('verify')
    .description('check that the grid and the mirror equal the fold of the partition logs (exit 1 if not)')
    .requiredOption('--space <name>', 'space name, e.g. orders')
    .option(
      '--grid <endpoints>',
      "grid servers host:port,... to read the grid from (default: the space's running units)",
      parseBrokers,
    )
    .option('--no-grid', 'do not compare the grid')
    .option(
      '--mirror [database]',
      'compare the mirror too: PostgreSQL URL without a password (default: SPACELOG_DATABASE_URL)',
    )
    .option('--pg-schema <name>', 'PostgreSQL schema of the mirror', DEFAULT_MIRROR_SCHEMA)
    .option('--schemas <dir>', "folder of the .avsc entry types (default: the grid's)")
    .option('--max-differences <n>', 'most differences listed per partition', parsePositiveInteger)
    .option(
      '--concurrency <n>',
      'partitions verified at once (memory grows with it; default 2)',
      parsePositiveInteger,
    )
    .option('--json', 'print the report as one JSON object');
  withClientSecurityOptions(withDeploymentOptions(verify)).action(
    async (options: VerifyCommandOptions, command: Command) => {
      const security = clientSecurityOf(command, options);
      const database =
        options.mirror === undefined
          ? undefined
          : resolveDatabaseArgument(command, options.mirror === true ? undefined : options.mirror);
      const brokers = resolveBrokers(options.brokers);
      await ensureKafkaReachable(brokers);
      const endpoints =
        options.grid === false ? undefined : (options.grid ?? (await unitEndpoints(brokers, options)));
      if (options.grid === undefined && endpoints === undefined) {
        process.stderr.write(
          `grid: no unit of space '${options.space}' is running; not compared (give --grid)\n`,
        );
      }
      if (endpoints === undefined && database === undefined) {
        usageError(command, 'nothing to compare the log with: give --grid <endpoints> or --mirror');
      }
      if (endpoints === undefined && options.schemas === undefined) {
        usageError(command, '--schemas <dir> is required without a grid to read the types from');
      }
      if (database !== undefined) await ensureDatabaseReachable(database);
      const grid =
        endpoints === undefined
          ? undefined
          : await RemoteSpace.connect({ bootstrap: endpoints, space: options.space, ...security });
      const knex = database === undefined ? undefined : openDatabase(database, { max: 2 });
      try {
        const report = await verifySpace({
          space: options.space,
          prefix: options.prefix,
          kafka: { brokers },
          ...(options.schemas === undefined ? {} : { types: options.schemas }),
          ...(grid === undefined ? {} : { grid }),
          ...(knex === undefined ? {} : { mirror: { knex, schema: options.pgSchema } }),
          ...(options.maxDifferences === undefined ? {} : { maxDifferences: options.maxDifferences }),
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
          onProgress: (event) => process.stderr.write(progressLine(event)),
        });
        process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatVerifyReport(report));
        if (!report.ok) process.exitCode = FAILURE_EXIT_CODE;
      } finally {
        await grid?.close();
        await knex?.destroy();
      }
    },
  );
}

/** The endpoints of the space's running units, or undefined when none runs. */
async function unitEndpoints(
  brokers: readonly string[],
  options: VerifyCommandOptions,
): Promise<string[] | undefined> {
  const view = await readClusterStatus({ brokers, prefix: options.prefix, space: options.space });
  const endpoints = Object.values(view.units).map((u) => u.endpoint);
  return endpoints.length === 0 ? undefined : endpoints;
}

/** One stderr line per partition step. @internal */
export function progressLine(event: VerifyProgress): string {
  const again = event.attempt > 1 ? ` (attempt ${event.attempt})` : '';
  if (event.kind === 'reading') return `partition ${event.partition}: reading${again}\n`;
  const { positions, verdict } = event;
  const at = [
    positions.grid ? `grid at offsets ${positions.grid.from}..${positions.grid.to}` : '',
    positions.mirror !== undefined ? `mirror at offset ${positions.mirror}` : '',
  ].filter((s) => s.length > 0);
  const found = Object.entries(verdict.counts)
    .map(
      ([source, c]) =>
        `${source} ${c.compared} compared, ${c.missing + c.extra + c.version + c.content} differ`,
    )
    .join('; ');
  const retry = event.retrying ? '; the log moved during the read: reading again' : '';
  return `partition ${event.partition}: ${verdict.records} records folded${at.length ? `, ${at.join(', ')}` : ''}: ${found || 'log only'}${retry}${again}\n`;
}

/** The report for a human: each difference, then a summary. @internal */
export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = [];
  for (const p of report.partitions) {
    if (p.mirrorProblem !== undefined)
      lines.push(`mirror: partition ${p.partition} not compared: ${p.mirrorProblem}`);
    for (const d of p.differences) lines.push(describeDifference(d));
    const listed = p.differences.length + (p.mirrorProblem === undefined ? 0 : 1);
    if (differencesOf(p) > listed)
      lines.push(`... and ${differencesOf(p) - listed} more in partition ${p.partition}`);
  }
  const compared =
    report.sources.length === 0 ? 'the log alone' : `the log with the ${report.sources.join(' and the ')}`;
  lines.push(
    report.ok
      ? `verify ${report.space}: OK, ${compared} agree over ${report.partitions.length} partitions (${report.records} records folded, ${report.seconds.toFixed(1)} s)`
      : `verify ${report.space}: ${report.differenceCount} difference(s) comparing ${compared} over ${report.partitions.length} partitions (${report.seconds.toFixed(1)} s)`,
  );
  return `${lines.join('\n')}\n`;
}
