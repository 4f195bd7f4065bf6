import type { Knex } from 'knex';
import { readPartitionSnapshot } from '../events/readPartitionSnapshot';
import type { Space } from '../api/Space';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { InvalidArgumentError, MirrorPoisonRecordError } from '../errors';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import { fetchLogEndOffsets } from '../log/read/logEndOffsets';
import { LogReader } from '../log/read/LogReader';
import { MutationCodec } from '../log/codec/MutationCodec';
import { SchemaTopic } from '../log/read/SchemaTopic';
import { TopicAdmin } from '../log/admin/TopicAdmin';
import { partitionTopic } from '../log/admin/topicNames';
import { WriterSchemas } from '../log/codec/WriterSchemas';
import { DEFAULT_MIRROR_SCHEMA } from '../mirror/MirrorConfig';
import { readMirrorSnapshot } from '../mirror/readMirrorSnapshot';
import { SchemaLoader } from '../schema/SchemaLoader';
import type { TypeRegistry } from '../schema/TypeRegistry';
import {
  DEFAULT_MAX_DIFFERENCES,
  entryKey,
  PartitionVerifier,
  type HeldEntry,
  type PartitionVerdict,
  type SourceSnapshot,
} from './PartitionVerifier';
import type { VerifySource } from './VerifyDifference';

/** What `verifySpace` compares, and how. */
export interface VerifyOptions {
  readonly space: string;
  /** Topic prefix of the deployment; default `spacelog`. */
  readonly prefix?: string;
  /** How to reach Kafka (brokers, TLS, SASL); the environment fills what is not given. */
  readonly kafka?: KafkaClientOptions;
  /** The entry types: a registry or a folder of `.avsc` files; default the grid's (`grid.types`). */
  readonly types?: TypeRegistry | string;
  /**
   * The live grid, e.g. a `RemoteSpace` (through the wire protocol) or a grid's own `space`; its
   * partitions are read with `readPartitionSnapshot`. Omitted: the grid is not compared.
   */
  readonly grid?: Pick<Space, 'execute' | 'partitions'> & { readonly types?: TypeRegistry };
  /** The mirror's database and PostgreSQL schema (default `spacelog`). Omitted: the mirror is not compared. */
  readonly mirror?: { readonly knex: Knex; readonly schema?: string };
  /** Partition count; default the grid's, else the space's topics. */
  readonly partitions?: number;
  /** Reads of a partition whose grid differed while the log moved during the read; default 3. */
  readonly attempts?: number;
  /** Most differences listed per partition (the counts are complete); default 100. */
  readonly maxDifferences?: number;
  /**
   * Partitions verified at once; default 2. Memory grows with it (each holds one partition's fold and
   * sources); time falls while the machine has cores to spare (the fold, the grid's pages and the
   * mirror's rows of one partition are read one after the other).
   */
  readonly concurrency?: number;
  /** Fetch the log in a worker thread while this one folds (as a warm-up does); default true. */
  readonly fetchInWorker?: boolean;
  /** Told of each partition's read and result (`spacelog verify` prints them on stderr). */
  readonly onProgress?: (event: VerifyProgress) => void;
}

/** A step of a verification, for progress lines. */
export type VerifyProgress =
  | { readonly kind: 'reading'; readonly partition: number; readonly attempt: number }
  | {
      readonly kind: 'compared';
      readonly partition: number;
      readonly attempt: number;
      readonly positions: PartitionPositions;
      readonly verdict: PartitionVerdict;
      /** Whether the partition is read again (its grid differed while the log moved). */
      readonly retrying: boolean;
    };

/** The log positions a partition was compared at. */
export interface PartitionPositions {
  /** The grid's window: log end before its read, and once everything it showed was appended. */
  readonly grid?: { readonly from: number; readonly to: number };
  /** The mirror's applied offset (its rows are the fold of the log below it). */
  readonly mirror?: number;
}

/** The result of one partition: its last attempt's verdict and positions. */
export interface PartitionReport extends PartitionVerdict {
  readonly attempts: number;
  readonly positions: PartitionPositions;
  /** A reason the mirror could not be compared (dead letters), counted as a difference. */
  readonly mirrorProblem?: string;
}

/** What `verifySpace` found. */
export interface VerifyReport {
  readonly space: string;
  readonly sources: readonly VerifySource[];
  readonly partitions: readonly PartitionReport[];
  /** Differences over every partition and source (problems included). */
  readonly differenceCount: number;
  /** Entries the log's fold holds over every partition (at the highest position compared). */
  readonly records: number;
  readonly seconds: number;
  /** True when nothing differs. */
  readonly ok: boolean;
}

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_CONCURRENCY = 2;

/**
 * Checks docs/design.md laws 1 and 5 on a running deployment: folds every partition log with the restore fold and
 * compares it, entry by entry (version, lease and state), with the live grid and with the mirror's
 * tables, `concurrency` partitions at a time (memory: one partition's fold and its sources' entries each).
 *
 * Under load the sources are compared at a log position. The mirror's rows and its applied offset
 * are read in one transaction, so they are the fold below that offset exactly. The grid is read first
 * (one partition snapshot at its primary, answered once the log holds everything it shows), between
 * two reads of the log end: every entry it shows is the fold at some offset in that window. The log is
 * then folded up to the higher of the positions, each source compared when the fold reaches its
 * position; an entry the log changed inside the grid's window must equal one of the states it passed
 * through there. A partition whose grid still differs while the log moved during its read (a rebuild
 * or a failover under way) is read again, up to `attempts` times.
 */
export async function verifySpace(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const types = typesOf(options);
  const { kafka, connection } = openKafka(options.kafka, {
    clientId: KAFKA_CLIENT_IDS.verify(options.space),
  });
  const topics = new TopicAdmin({ kafka, prefix, onDrift: () => undefined });
  try {
    const partitions =
      options.partitions ?? options.grid?.partitions ?? (await topics.describeSpace(options.space));
    if (partitions === undefined) {
      throw new InvalidArgumentError(`space '${options.space}' has no topics under prefix '${prefix}'`, {
        space: options.space,
      });
    }
    const schemaTopic = new SchemaTopic({ kafka, topics });
    const codec = new MutationCodec({
      types: [...types],
      writerSchemas: await schemaTopic.load(new WriterSchemas()),
    });
    const sources: VerifySource[] = [
      ...(options.grid ? (['grid'] as const) : []),
      ...(options.mirror ? (['mirror'] as const) : []),
    ];
    const verifyPartition = async (k: number): Promise<PartitionReport> => {
      const topic = partitionTopic(prefix, options.space, k);
      const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
      for (let attempt = 1; ; attempt++) {
        options.onProgress?.({ kind: 'reading', partition: k, attempt });
        const read = await readSources(options, types, k, () => fetchLogEndOffsets(kafka, topic));
        const verifier = new PartitionVerifier(
          types,
          k,
          read.sources,
          options.maxDifferences ?? DEFAULT_MAX_DIFFERENCES,
        );
        // Without a source, the fold alone is checked (a corrupt log throws), up to the log end now.
        const upTo =
          read.sources.length > 0 ? verifier.needsUpTo : (await fetchLogEndOffsets(kafka, topic)).high;
        if (upTo > 0) {
          const reader = new LogReader({
            kafka,
            prefix,
            space: options.space,
            partition: k,
            codec,
            schemaTopic,
            toOffset: upTo,
            ...(options.fetchInWorker === false ? {} : { fetchInWorker: connection }),
            onMutation: (mutation, offset) => verifier.apply(mutation, offset, topic),
          });
          try {
            await reader.readToEnd();
          } finally {
            await reader.stop();
          }
        }
        const verdict = verifier.finish();
        const grid = verdict.counts.grid;
        const gridDiffers = grid !== undefined && grid.missing + grid.extra + grid.version + grid.content > 0;
        const moved = read.positions.grid !== undefined && read.positions.grid.to > read.positions.grid.from;
        const retrying = gridDiffers && moved && attempt < attempts;
        options.onProgress?.({
          kind: 'compared',
          partition: k,
          attempt,
          positions: read.positions,
          verdict,
          retrying,
        });
        if (retrying) continue;
        return {
          ...verdict,
          attempts: attempt,
          positions: read.positions,
          ...(read.mirrorProblem === undefined ? {} : { mirrorProblem: read.mirrorProblem }),
        };
      }
    };
    const reports: PartitionReport[] = new Array<PartitionReport>(partitions);
    let next = 0;
    const verifyNext = async (): Promise<void> => {
      while (next < partitions) {
        const k = next++;
        reports[k] = await verifyPartition(k);
      }
    };
    const asked = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(asked) || asked < 1) {
      throw new InvalidArgumentError(`concurrency must be a whole number from 1, got ${String(asked)}`);
    }
    const concurrency = Math.min(partitions, asked);
    await Promise.all(Array.from({ length: concurrency }, verifyNext));
    // Every partition has its report (a hole would be a partition nobody compared, never an OK).
    for (let k = 0; k < partitions; k++) {
      if (reports[k] === undefined) throw new Error(`verify: partition ${k} was not compared`);
    }
    const differenceCount = reports.reduce((n, r) => n + differencesOf(r), 0);
    return {
      space: options.space,
      sources,
      partitions: reports,
      differenceCount,
      records: reports.reduce((n, r) => n + r.records, 0),
      seconds: (Date.now() - started) / 1000,
      ok: differenceCount === 0,
    };
  } finally {
    await topics.close().catch(() => undefined);
  }
}

/** Differences of a partition's report: every source's counts, and a mirror it could not compare. */
export function differencesOf(report: PartitionReport): number {
  let n = report.mirrorProblem === undefined ? 0 : 1;
  for (const c of Object.values(report.counts)) n += c.missing + c.extra + c.version + c.content;
  return n;
}

interface SourcesRead {
  readonly sources: SourceSnapshot[];
  readonly positions: PartitionPositions;
  readonly mirrorProblem?: string;
}

/** Reads partition k of the grid (between two reads of the log end) and of the mirror. */
async function readSources(
  options: VerifyOptions,
  types: TypeRegistry,
  k: number,
  logEnd: () => Promise<{ high: number }>,
): Promise<SourcesRead> {
  // The two reads are independent (each source is compared at its own position): run them together.
  const [grid, mirror] = await Promise.all([
    options.grid ? readGrid(options.grid, k, logEnd) : undefined,
    options.mirror ? readMirror(options.space, options.mirror, types, k) : undefined,
  ]);
  const sources: SourceSnapshot[] = [];
  let positions: PartitionPositions = {};
  if (grid !== undefined) {
    sources.push(grid);
    positions = { grid: { from: grid.from, to: grid.to } };
  }
  if (mirror === undefined) return { sources, positions };
  if (typeof mirror === 'string') return { sources, positions, mirrorProblem: mirror };
  sources.push(mirror);
  return { sources, positions: { ...positions, mirror: mirror.to } };
}

/** The grid's snapshot of partition k, between two reads of the log end. */
async function readGrid(
  grid: NonNullable<VerifyOptions['grid']>,
  k: number,
  logEnd: () => Promise<{ high: number }>,
): Promise<SourceSnapshot> {
  const from = (await logEnd()).high;
  const { rows } = await readPartitionSnapshot(grid, k);
  const to = Math.max(from, (await logEnd()).high);
  const entries = new Map<string, HeldEntry>();
  for (const [type, id, version, leaseExpiresAt, entry] of rows) {
    entries.set(entryKey(type, id), { type, id, version, leaseExpiresAt, entry });
  }
  return { source: 'grid', entries, from, to };
}

/** The mirror's rows of partition k at its applied offset, or why they cannot be compared (dead letters). */
async function readMirror(
  space: string,
  mirror: NonNullable<VerifyOptions['mirror']>,
  types: TypeRegistry,
  k: number,
): Promise<SourceSnapshot | string> {
  try {
    const snapshot = await readMirrorSnapshot(
      { knex: mirror.knex, schema: mirror.schema ?? DEFAULT_MIRROR_SCHEMA, space, types },
      k,
    );
    const entries = new Map<string, HeldEntry>();
    for (const e of snapshot.entries) entries.set(entryKey(e.type, e.id), e);
    return { source: 'mirror', entries, from: snapshot.nextOffset, to: snapshot.nextOffset };
  } catch (error) {
    if (!(error instanceof MirrorPoisonRecordError)) throw error;
    return error.message;
  }
}

function typesOf(options: VerifyOptions): TypeRegistry {
  const types = options.types ?? options.grid?.types;
  if (types === undefined) {
    throw new InvalidArgumentError('verify needs the entry types: `types`, or a grid that has them');
  }
  return typeof types === 'string' ? SchemaLoader.loadFolder(types) : types;
}
