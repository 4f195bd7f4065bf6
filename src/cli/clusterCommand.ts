import type { Command } from 'commander';
import { readClusterStatus } from '../cluster/ClusterStatus';
import { type ClusterView } from '../ops/status/ClusterView';
import { resolveBrokers, withDeploymentOptions } from './cliOptions';
import {
  clientSecurityOf,
  withClientSecurityOptions,
  type ClientSecurityFlags,
} from './clientSecurityOptions';
import { ensureKafkaReachable } from './reachability';

interface StatusOptions extends ClientSecurityFlags {
  readonly prefix: string;
  readonly brokers?: string[];
  readonly json?: boolean;
}

/**
 * Registers `spacelog cluster status <space>`: the partition map of a space's cluster (primary,
 * backups, their readiness, lag and entries) from its units' Kafka group and the units themselves.
 */
export function registerClusterCommand(program: Command): void {
  const cluster = program.command('cluster').description("inspect a space's cluster of processing units");
  const status = cluster
    .command('status')
    .description('print the partition map: primary, backups, lag and entries per partition')
    .argument('<space>', 'space name, e.g. orders')
    .option('--json', 'print the whole status as one JSON object');
  withClientSecurityOptions(withDeploymentOptions(status)).action(
    async (space: string, options: StatusOptions) => {
      const security = clientSecurityOf(status, options);
      const brokers = resolveBrokers(options.brokers);
      await ensureKafkaReachable(brokers);
      const view = await readClusterStatus({
        brokers,
        prefix: options.prefix,
        space,
        ...security,
      });
      process.stdout.write(options.json ? `${JSON.stringify(view)}\n` : formatClusterView(space, view));
      if (view.placement === undefined) process.exitCode = 1;
    },
  );
}

/** The status as a table, one partition per line. @internal */
export function formatClusterView(space: string, view: ClusterView): string {
  if (view.placement === undefined) {
    return `space '${space}': no processing unit is running (or the group is rebalancing); start one with: spacelog pu start --config <file>\n`;
  }
  const lines = [
    `space '${space}': placement epoch ${view.placement.epoch}, ${Object.keys(view.units).length} unit(s)`,
  ];
  for (const [unit, info] of Object.entries(view.units)) {
    lines.push(`  unit ${unit} at ${info.endpoint}${info.error ? ` (unreachable: ${info.error})` : ''}`);
  }
  lines.push('partition  primary            entries  backups (role, lag)');
  for (const p of view.partitions) {
    const primary = p.primary === null ? undefined : p.replicas[p.primary];
    const primaryText = `${p.primary ?? '-'}${primary && !primary.ready ? ` (${primary.role} ${Math.round(primary.warmup)}%)` : ''}`;
    const backups = p.backups
      .map((b) => {
        const r = p.replicas[b];
        return r
          ? `${b} (${r.ready ? 'ready' : `${r.role} ${Math.round(r.warmup)}%`}, lag ${r.lag})`
          : `${b} (?)`;
      })
      .join(', ');
    lines.push(
      `${String(p.partition).padEnd(11)}${primaryText.padEnd(19)}${String(primary?.entries ?? '?').padEnd(9)}${backups || '-'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
