import type { Kafka } from 'kafkajs';
import type { SpacelogLogger } from '../../ops/logging/SpacelogLogger';
import type { KafkaClientOptions } from './KafkaClientOptions';
import { createKafka, type KafkaConnection, type KafkaTuning } from './KafkaConnection';
import { resolveKafkaConnection, type KafkaResolveContext } from './resolveKafkaConnection';

/**
 * How long a kafkajs client waits and how often it retries, by what it serves:
 * - `service`: kafkajs's defaults (1 s to connect, 30 s a request, 5 retries over ~11 s): grids,
 *   units, the mirror, the decoder and verify ride out a broker restart;
 * - `command`: the CLI's one-shot clients fail in seconds when a broker goes away mid-command (its
 *   start is probed before, within the same 2 s: `ensureKafkaReachable`);
 * - `console`: a page waits on these calls, so a broker that is down is shown, not retried for long.
 */
export const KAFKA_TUNINGS = {
  service: {},
  command: { connectionTimeout: 2_000, retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 } },
  console: { connectionTimeout: 3_000, retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 } },
} as const satisfies Record<string, Omit<KafkaTuning, 'clientId'>>;

export type KafkaTuningName = keyof typeof KAFKA_TUNINGS;

/**
 * The client id each component names itself by to the brokers (their logs, quotas and ACLs see it).
 * A `kafka.clientId` option beats these wherever options are taken.
 */
export const KAFKA_CLIENT_IDS = {
  /** A grid's or processing unit's clients of one space (a warm-up's worker keeps its connection's). */
  space: (space: string): string => `spacelog-${space}`,
  /** A space's mirror projector. */
  mirror: (space: string): string => `spacelog-mirror-${space}`,
  /** `spacelog verify` of a space. */
  verify: (space: string): string => `spacelog-verify-${space}`,
  /** The standalone `MutationDecoder` (the console's and `spacelog tail`'s too). */
  decoder: 'spacelog-decoder',
  /** The web console's data source. */
  console: 'spacelog-console',
  /** `spacelog tail`. */
  tail: 'spacelog-tail',
  /** `spacelog mirror status`. */
  mirrorStatus: 'spacelog-mirror-status',
  /** `spacelog cluster status`. */
  status: 'spacelog-status',
  /** `spacelog acl --apply`. */
  acl: 'spacelog-acl',
  /** `spacelog demo`. */
  demo: 'spacelog-demo',
} as const;

/** Who a client is and how it behaves, on top of where Kafka is. */
export interface KafkaUse {
  /** The client id (see {@link KAFKA_CLIENT_IDS}). */
  readonly clientId: string;
  /** Default `service` (kafkajs's defaults). */
  readonly tuning?: KafkaTuningName;
  /** Where kafkajs's own records go (see `createKafka`); absent: kafkajs logs nothing. */
  readonly logger?: SpacelogLogger;
}

/** A {@link KafkaUse} that resolves its options: where they sit and what else they may hold. */
export interface KafkaOpenUse extends KafkaUse, Pick<KafkaResolveContext, 'path' | 'extraKeys' | 'env'> {}

/** A kafkajs client and the connection it was built from (to hand to other clients, never to resolve again). */
export interface OpenedKafka {
  readonly kafka: Kafka;
  readonly connection: KafkaConnection;
}

/**
 * Resolves and checks a component's `kafka` options once, exactly as `resolveKafkaConnection` does
 * (a `kafka.clientId` beats `use.clientId`; a bad setting is a ConnectionConfigError naming it), and
 * builds its kafkajs client. The connection comes back with the logger, for the clients the
 * component builds on it later ({@link kafkaOn}).
 * @internal
 */
export function openKafka(options: KafkaClientOptions | undefined, use: KafkaOpenUse): OpenedKafka {
  const resolved = resolveKafkaConnection(options, {
    clientId: use.clientId,
    ...(use.path === undefined ? {} : { path: use.path }),
    ...(use.extraKeys === undefined ? {} : { extraKeys: use.extraKeys }),
    ...(use.env === undefined ? {} : { env: use.env }),
  });
  return clientOf(use.logger === undefined ? resolved : { ...resolved, logger: use.logger }, use);
}

/**
 * A kafkajs client on a connection resolved already (a grid's, a command's, a worker's copy), not
 * resolved again: its brokers, TLS and SASL as they are, under `use.clientId`, with `use.logger`
 * (default: the connection's).
 * @internal
 */
export function kafkaOn(connection: KafkaConnection, use: KafkaUse): OpenedKafka {
  return clientOf(
    {
      ...connection,
      clientId: use.clientId,
      ...(use.logger === undefined ? {} : { logger: use.logger }),
    },
    use,
  );
}

function clientOf(connection: KafkaConnection, use: KafkaUse): OpenedKafka {
  return { kafka: createKafka(connection, KAFKA_TUNINGS[use.tuning ?? 'service']), connection };
}
