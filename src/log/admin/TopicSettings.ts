import { rejectUnknownKeys } from '../../config/optionKeys';
import { InvalidArgumentError, TopicConfigError } from '../../errors';

/**
 * The Kafka topic settings Spacelog owns for its partition topics and its schema topic. Every one is
 * set when a topic is created and checked on every start (see `checkTopicSettings`). Why each:
 * docs/operations.md, "Topic configuration".
 */
export interface TopicSettings {
  /** `delete.retention.ms`: how long a TAKE / EXPIRE tombstone stays readable after compaction. */
  readonly deleteRetentionMs?: number;
  /** `segment.ms`: the active segment (never compacted) rolls at least this often. */
  readonly segmentMs?: number;
  /** `segment.bytes`: ... or once it holds this many bytes. */
  readonly segmentBytes?: number;
  /** `min.cleanable.dirty.ratio`: the cleaner runs once this share of the log is superseded records. */
  readonly minCleanableDirtyRatio?: number;
  /** `min.compaction.lag.ms`: a record stays uncompacted at least this long. */
  readonly minCompactionLagMs?: number;
  /** `max.message.bytes`: the largest record batch the topic takes; bounds the largest entry. */
  readonly maxMessageBytes?: number;
}

/** Every setting resolved, with `min.insync.replicas`. @internal */
export interface ResolvedTopicSettings extends Required<TopicSettings> {
  readonly minInsyncReplicas: number;
}

/** Seven days: a reader (mirror, backup, consumer) may be stopped this long and still see every TAKE. */
export const DEFAULT_DELETE_RETENTION_MS = 7 * 24 * 3600_000;
/** One hour: the uncompacted tail a warm-up reads is at most an hour of changes... */
export const DEFAULT_SEGMENT_MS = 3600_000;
/** ... or 16 MiB, whichever first: with four partitions, about 250k small entries of uncompacted tail at most (Kafka's defaults, 7 days and 1 GiB, make warm-ups read history). */
export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
/** Compact once a tenth of the log is superseded: a warm-up reads at most ~1.1 x the live entries + the tail. */
export const DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.1;
export const DEFAULT_MIN_COMPACTION_LAG_MS = 0;
/** Kafka's own default (1 MiB + 12 bytes of batch overhead); the engine's record limit derives from it. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Kafka config names of the settings above (every one, and nothing else), in the order they are reported. */
const CONFIG_NAMES = {
  deleteRetentionMs: 'delete.retention.ms',
  segmentMs: 'segment.ms',
  segmentBytes: 'segment.bytes',
  minCleanableDirtyRatio: 'min.cleanable.dirty.ratio',
  minCompactionLagMs: 'min.compaction.lag.ms',
  maxMessageBytes: 'max.message.bytes',
} as const satisfies { readonly [K in keyof TopicSettings]-?: string };
/** The keys `TopicSettings` takes: those of CONFIG_NAMES. */
const SETTING_KEYS: ReadonlySet<string> = new Set(Object.keys(CONFIG_NAMES));

/** Every config name a check reads. @internal */
export const CHECKED_CONFIGS: readonly string[] = [
  'cleanup.policy',
  'min.insync.replicas',
  'unclean.leader.election.enable',
  ...Object.values(CONFIG_NAMES),
];

/** Applies the defaults and refuses values Kafka would refuse or that make no sense. @internal */
export function resolveTopicSettings(
  settings: TopicSettings,
  minInsyncReplicas: number,
): ResolvedTopicSettings {
  const resolved: ResolvedTopicSettings = {
    deleteRetentionMs: settings.deleteRetentionMs ?? DEFAULT_DELETE_RETENTION_MS,
    segmentMs: settings.segmentMs ?? DEFAULT_SEGMENT_MS,
    segmentBytes: settings.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
    minCleanableDirtyRatio: settings.minCleanableDirtyRatio ?? DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
    minCompactionLagMs: settings.minCompactionLagMs ?? DEFAULT_MIN_COMPACTION_LAG_MS,
    maxMessageBytes: settings.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    minInsyncReplicas,
  };
  // Not `key in CONFIG_NAMES`, which takes toString, constructor and __proto__ for settings.
  rejectUnknownKeys(
    settings,
    SETTING_KEYS,
    (key) => new InvalidArgumentError(`unknown topic setting '${key}'`),
  );
  const integer = (key: keyof typeof CONFIG_NAMES, min: number): void => {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`topic setting ${key} must be an integer >= ${min}, got ${value}`);
    }
  };
  integer('deleteRetentionMs', 0);
  integer('segmentMs', 1);
  integer('segmentBytes', 14); // Kafka's own minimum
  integer('minCompactionLagMs', 0);
  integer('maxMessageBytes', 1024);
  const ratio = resolved.minCleanableDirtyRatio;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new InvalidArgumentError(`topic setting minCleanableDirtyRatio must be in [0, 1], got ${ratio}`);
  }
  return resolved;
}

/** The config entries a new topic is created with. @internal */
export function topicConfigEntries(settings: ResolvedTopicSettings): { name: string; value: string }[] {
  return [
    { name: 'cleanup.policy', value: 'compact' },
    { name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) },
    { name: 'unclean.leader.election.enable', value: 'false' },
    ...Object.entries(CONFIG_NAMES).map(([key, name]) => ({
      name,
      value: String(settings[key as keyof typeof CONFIG_NAMES]),
    })),
  ];
}

/** A setting of an existing topic that differs from Spacelog's without putting data at risk. */
export interface TopicDrift {
  readonly topic: string;
  readonly setting: string;
  readonly actual: string | undefined;
  readonly wanted: string;
  /** The command that sets it as Spacelog would. */
  readonly fix: string;
}

/**
 * Compares an existing topic's configs with the settings. What would lose data or refuse what the engine
 * accepts is a TopicConfigError naming the setting and the command that fixes it (thrown for the first):
 * a cleanup policy other than `compact` (deletion drops live entries), a lower `min.insync.replicas`
 * (acks=all then means fewer copies), unclean leader election (an out-of-sync leader drops acknowledged
 * records), a smaller `max.message.bytes` (the broker refuses entries the engine accepted). Everything
 * else that differs is drift, returned for the caller to log. @internal
 */
export function checkTopicSettings(
  topic: string,
  actual: ReadonlyMap<string, string | undefined>,
  wanted: ResolvedTopicSettings,
  context: { space?: string } = {},
  /** False for the schema and units topics: their records are not entries, a smaller limit is drift. */
  holdsEntries = true,
): TopicDrift[] {
  const fix = (setting: string, value: string): string =>
    `kafka-configs.sh --bootstrap-server <broker> --alter --entity-type topics --entity-name ${topic} ` +
    `--add-config ${setting}=${value}`;
  const refuse = (setting: string, value: string, why: string): never => {
    throw new TopicConfigError(
      `topic '${topic}' has ${setting}=${String(actual.get(setting))}; Spacelog needs ${setting}=${value} (${why}). ` +
        `Fix: ${fix(setting, value)}`,
      topic,
      context,
    );
  };
  if (actual.get('cleanup.policy') !== 'compact') {
    refuse('cleanup.policy', 'compact', 'deleting old records would lose live entries');
  }
  const minIsr = Number(actual.get('min.insync.replicas'));
  if (!(minIsr >= wanted.minInsyncReplicas)) {
    refuse(
      'min.insync.replicas',
      String(wanted.minInsyncReplicas),
      'fewer in-sync copies than configured: an acknowledged write could be lost with one broker',
    );
  }
  if (actual.get('unclean.leader.election.enable') === 'true') {
    refuse(
      'unclean.leader.election.enable',
      'false',
      'an out-of-sync leader would drop acknowledged records',
    );
  }
  const maxMessage = Number(actual.get('max.message.bytes'));
  if (holdsEntries && !(maxMessage >= wanted.maxMessageBytes)) {
    refuse(
      'max.message.bytes',
      String(wanted.maxMessageBytes),
      'the broker would refuse entries the engine accepts and fail whole batches',
    );
  }
  const drift: TopicDrift[] = [];
  const note = (setting: string, value: string): void => {
    const have = actual.get(setting);
    if (have !== value && !(have !== undefined && Number(have) === Number(value))) {
      drift.push({ topic, setting, actual: have, wanted: value, fix: fix(setting, value) });
    }
  };
  if (minIsr !== wanted.minInsyncReplicas) note('min.insync.replicas', String(wanted.minInsyncReplicas));
  for (const [key, name] of Object.entries(CONFIG_NAMES)) {
    note(name, String(wanted[key as keyof typeof CONFIG_NAMES]));
  }
  return drift;
}
