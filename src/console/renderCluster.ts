import type { ClusterView, PartitionView } from '../ops/status/ClusterView';
import type { ReplicaStatus } from '../ops/status/UnitStatus';
import { html, type Html } from './html';

/** The units table: name, endpoint, placement epoch, primaries and backups held, event-loop lag. */
export function renderUnits(view: ClusterView | undefined, error: string | undefined): Html {
  if (view === undefined) return html`<p class="error">cluster not readable: ${error}</p>`;
  if (view.placement === undefined) {
    return html`<p class="warn" id="no-placement">
      no placement: no processing unit is running, or the group is rebalancing
    </p>`;
  }
  const rows = Object.entries(view.units)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([unit, info]) => {
      const replicas = info.status?.replicas ?? [];
      const primaries = replicas.filter((r) => r.kind === 'primary').map((r) => r.partition);
      const backups = replicas.filter((r) => r.kind === 'backup').map((r) => r.partition);
      const lag = info.status?.eventLoopLag;
      return html`<tr data-unit="${unit}">
        <td>${unit}</td>
        <td class="mono">${info.endpoint}</td>
        <td>
          ${info.error === undefined ? html`<span class="ok">reachable</span>` : html`<span class="bad">unreachable</span> <span class="muted">${info.error}</span>`}
        </td>
        <td class="num">${info.status?.epoch ?? '?'}</td>
        <td>${primaries.join(', ') || '-'}</td>
        <td>${backups.join(', ') || '-'}</td>
        <td class="num">
          ${lag === undefined ? '?' : `${lag.p99Ms.toFixed(1)} / ${lag.maxMs.toFixed(1)} ms`}
        </td>
      </tr>`;
    });
  return html`<p class="muted">
      placement epoch ${view.placement.epoch}, ${Object.keys(view.units).length} unit(s)
    </p>
    <table id="units">
      <thead>
        <tr>
          <th>unit</th>
          <th>endpoint</th>
          <th>state</th>
          <th class="num">epoch</th>
          <th>primary of</th>
          <th>backup of</th>
          <th class="num">event loop p99 / max</th>
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>`;
}

/**
 * The partition grid: per partition its primary (role, readiness, warm-up), its backups (readiness,
 * lag), the log end offset, the largest backup lag and the entries the primary holds.
 */
export function renderPartitions(
  view: ClusterView | undefined,
  logEnds: readonly number[] | undefined,
): Html {
  if (view === undefined || view.placement === undefined) return html``;
  const rows = view.partitions.map((p) => partitionRow(p, logEnds?.[p.partition]));
  return html`<table id="partitions">
    <thead>
      <tr>
        <th class="num">partition</th>
        <th>primary</th>
        <th>primary state</th>
        <th>backups</th>
        <th class="num">log end offset</th>
        <th class="num">backup lag</th>
        <th class="num">entries</th>
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function partitionRow(p: PartitionView, logEnd: number | undefined): Html {
  const primary = p.primary === null ? undefined : p.replicas[p.primary];
  const serving = primary?.ready === true && primary.kind === 'primary';
  const lags = p.backups.map((b) => p.replicas[b]?.lag).filter((l): l is number => l !== undefined);
  const backups = p.backups.map(
    (b) => html`<span class="backup" data-unit="${b}">${b} ${replicaState(p.replicas[b])}</span> `,
  );
  return html`<tr data-partition="${p.partition}" data-primary="${p.primary ?? ''}" data-serving="${serving}">
    <td class="num">${p.partition}</td>
    <td>${p.primary ?? html`<span class="bad">none</span>`}</td>
    <td>${p.primary === null ? '' : replicaState(primary)}</td>
    <td>${backups.length === 0 ? '-' : backups}</td>
    <td class="num">${logEnd ?? '?'}</td>
    <td class="num">${lags.length === 0 ? '-' : Math.max(...lags)}</td>
    <td class="num">${primary?.entries ?? '?'}</td>
  </tr>`;
}

/** `ready`, `warming 40%` or `unreachable`, coloured. */
function replicaState(replica: ReplicaStatus | undefined): Html {
  if (replica === undefined) return html`<span class="bad">(unreachable)</span>`;
  if (replica.ready) {
    const lag = replica.kind === 'backup' ? `, lag ${replica.lag}` : '';
    return html`<span class="ok">(${replica.role}, ready${lag})</span>`;
  }
  return html`<span class="warn">(${replica.role}, warm-up ${Math.round(replica.warmup)}%)</span>`;
}
