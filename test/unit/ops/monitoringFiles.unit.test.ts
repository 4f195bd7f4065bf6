import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { METRICS, METRIC_NAMES, type MetricName } from '../../../src/ops/metrics/catalog';

const docker = resolve(__dirname, '../../../docker');
const read = (path: string): string => readFileSync(join(docker, path), 'utf8');

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}

/** The catalog metric a series name of an expression belongs to (a histogram's _bucket, _sum, _count too). */
function metricOf(series: string): MetricName | undefined {
  if (series in METRICS) return series as MetricName;
  const base = series.replace(/_(bucket|sum|count)$/u, '');
  return base in METRICS && METRICS[base as MetricName].type === 'histogram'
    ? (base as MetricName)
    : undefined;
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(read('grafana/spacelog-dashboard.json')) as {
    uid: string;
    panels: readonly Panel[];
    templating: { list: readonly { name: string; query?: unknown }[] };
  };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const series = new Set(exprs.flatMap((e) => e.match(/\bspacelog_[a-z0-9_]+/gu) ?? []));

  it('queries only metrics the registry exposes', () => {
    expect(exprs.length).toBeGreaterThan(20);
    for (const name of series) expect([name, metricOf(name)]).toEqual([name, expect.any(String)]);
    // Histograms are read through their buckets, sums or counts, never by their bare name.
    for (const name of series) {
      if (name in METRICS) expect(METRICS[name as MetricName].type).not.toBe('histogram');
    }
  });

  it('shows every metric of the catalog but the few that serve debugging only', () => {
    const shown = new Set([...series].map(metricOf));
    const notShown = METRIC_NAMES.filter((name) => !shown.has(name));
    expect(notShown.sort()).toEqual(['spacelog_mirror_applied_offset', 'spacelog_mirror_reconciles_total']);
  });

  it('has its variables and a stable uid', () => {
    expect(dashboard.uid).toBe('spacelog-overview');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'space', 'unit']);
    for (const panel of dashboard.panels) expect(panel.title.length).toBeGreaterThan(0);
  });
});

describe('the compose profile monitoring', () => {
  const compose = parse(read('docker-compose.yml')) as {
    services: Record<string, { profiles?: string[]; volumes?: string[]; ports?: string[]; image: string }>;
  };

  it('adds Prometheus and Grafana only under the profile, with files that exist', () => {
    for (const name of ['prometheus', 'grafana']) {
      const service = compose.services[name]!;
      expect(service.profiles).toEqual(['monitoring']);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        expect([volume, existsSync(join(docker, source))]).toEqual([volume, true]);
      }
      for (const port of service.ports ?? []) expect(port.startsWith('127.0.0.1:')).toBe(true);
    }
    // The default services stay without a profile.
    expect(compose.services.kafka?.profiles).toBeUndefined();
    expect(compose.services.postgres?.profiles).toBeUndefined();
  });

  it("Prometheus scrapes /metrics, and Grafana's data source is the one the dashboard names", () => {
    const prometheus = parse(read('prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'spacelog');
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.static_configs[0]?.targets).toContain('host.docker.internal:9464');
    const sources = parse(read('grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; url: string }[];
    };
    expect(sources.datasources[0]).toMatchObject({
      uid: 'spacelog-prometheus',
      url: 'http://prometheus:9090',
    });
    const dashboards = parse(read('grafana/provisioning/dashboards/spacelog.yml')) as {
      providers: { options: { path: string } }[];
    };
    expect(dashboards.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards');
  });
});
