import { describeDifference } from '../../src/verify/VerifyDifference';
import { verifySpace, type VerifyOptions, type VerifyReport } from '../../src/verify/verifySpace';
import type { TestCluster } from './clusterTestKit';

/** What a suite expects of a verification beyond "nothing differs". */
export interface VerifiedExpectations {
  /**
   * Entries each source must have compared, at least, over every partition (default 1): a check that
   * compared nothing (a grid with no entries, a mirror of an empty schema) proves nothing.
   */
  readonly minCompared?: number;
}

/** The space, prefix and brokers of a test cluster, for `verifySpace`. */
export function clusterVerifyTarget(cluster: TestCluster): Pick<VerifyOptions, 'space' | 'prefix' | 'kafka'> {
  return { space: cluster.space, prefix: cluster.kit.prefix, kafka: { brokers: cluster.kit.brokers } };
}

/**
 * `spacelog verify` at a fault suite's end: folds every partition log and compares it, entry by entry
 * (version, lease, state), with the live grid and/or the mirror given in `options`. Fails the test with
 * every difference listed as a line (`mirror: content Order/o-17 in partition 2 (log v3, mirror v3,
 * field total)`), and when a source compared fewer than `minCompared` entries. Returns the report.
 */
export async function expectVerified(
  options: VerifyOptions,
  expectations: VerifiedExpectations = {},
): Promise<VerifyReport> {
  const report = await verifySpace({ ...options, maxDifferences: options.maxDifferences ?? 20 });
  const differences = [
    ...report.partitions.flatMap((p) =>
      p.mirrorProblem === undefined
        ? []
        : [`mirror: partition ${p.partition} not compared: ${p.mirrorProblem}`],
    ),
    ...report.partitions.flatMap((p) => [
      ...p.differences.map(describeDifference),
      ...(p.truncated ? [`partition ${p.partition}: more differences than listed`] : []),
    ]),
  ];
  const compared = Object.fromEntries(
    report.sources.map((source) => [
      source,
      report.partitions.reduce((n, p) => n + (p.counts[source]?.compared ?? 0), 0),
    ]),
  );
  const minCompared = expectations.minCompared ?? 1;
  const tooFew = Object.entries(compared).filter(([, n]) => n < minCompared);
  process.stdout.write(
    `[verify] space ${report.space}: ${report.differenceCount} difference(s), ${report.records} log records folded, ` +
      `entries compared ${JSON.stringify(compared)}, ${report.seconds.toFixed(1)} s\n` +
      differences.map((d) => `  ${d}\n`).join(''),
  );
  // The differences first: on a failure jest prints them, not just `false`.
  expect({ space: report.space, differences }).toEqual({ space: report.space, differences: [] });
  expect(report.ok).toBe(true);
  expect(report.sources.length).toBeGreaterThan(0);
  expect({ compared, tooFew: tooFew.map(([source]) => source) }).toEqual({ compared, tooFew: [] });
  return report;
}
