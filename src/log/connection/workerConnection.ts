import type { OauthBearerToken } from './KafkaClientOptions';
import type { KafkaConnection, KafkaSasl, KafkaTls } from './KafkaConnection';
import { defineSecret } from './secretSettings';

/**
 * A {@link KafkaConnection} as plain data, for a worker thread's `workerData` (structured clone
 * copies neither functions nor the non-enumerable secrets). An OAUTHBEARER token callback cannot
 * cross: the worker asks this thread for each token instead (`tokenFromParent`), so a warm-up
 * still fetches in a worker on such a cluster, and the callback keeps running where it was given.
 * @internal
 */
export interface WorkerKafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: {
    readonly ca?: readonly string[];
    readonly cert?: string;
    readonly key?: string;
    readonly rejectUnauthorized: boolean;
  };
  readonly sasl?:
    | {
        readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
        readonly username: string;
        readonly password: string;
      }
    | { readonly mechanism: 'oauthbearer'; readonly tokenFile: string }
    | { readonly mechanism: 'oauthbearer'; readonly tokenFromParent: true };
}

/** The plain-data copy of a connection, secrets included (they stay inside this process). @internal */
export function toWorkerConnection(connection: KafkaConnection): WorkerKafkaConnection {
  const { ssl, sasl } = connection;
  return {
    brokers: [...connection.brokers],
    clientId: connection.clientId,
    ...(ssl === undefined
      ? {}
      : {
          ssl: {
            rejectUnauthorized: ssl.rejectUnauthorized,
            ...(ssl.ca === undefined ? {} : { ca: [...ssl.ca] }),
            ...(ssl.cert === undefined ? {} : { cert: ssl.cert }),
            ...(ssl.key === undefined ? {} : { key: ssl.key }),
          },
        }),
    ...(sasl === undefined ? {} : { sasl: workerSaslOf(sasl) }),
  };
}

function workerSaslOf(sasl: KafkaSasl): NonNullable<WorkerKafkaConnection['sasl']> {
  if ('password' in sasl) {
    return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
  }
  if ('tokenFile' in sasl) return { mechanism: 'oauthbearer', tokenFile: sasl.tokenFile };
  return { mechanism: 'oauthbearer', tokenFromParent: true };
}

/**
 * The connection again, in the worker: secrets hidden as they were, and a token callback that asks
 * the parent thread (`askParent`) when the parent holds the callback. @internal
 */
export function fromWorkerConnection(
  data: WorkerKafkaConnection,
  askParent: () => Promise<OauthBearerToken>,
): KafkaConnection {
  const { ssl, sasl } = data;
  let tls: KafkaTls | undefined;
  if (ssl !== undefined) {
    const { key, ...rest } = ssl;
    tls = key === undefined ? rest : defineSecret({ ...rest }, 'key', key);
  }
  let resolved: KafkaSasl | undefined;
  if (sasl !== undefined) {
    if ('password' in sasl) {
      resolved = defineSecret(
        { mechanism: sasl.mechanism, username: sasl.username },
        'password',
        sasl.password,
      ) as KafkaSasl;
    } else if ('tokenFile' in sasl) {
      resolved = { mechanism: 'oauthbearer', tokenFile: sasl.tokenFile };
    } else {
      resolved = { mechanism: 'oauthbearer', oauthBearerProvider: askParent };
    }
  }
  return {
    brokers: [...data.brokers],
    clientId: data.clientId,
    ...(tls === undefined ? {} : { ssl: tls }),
    ...(resolved === undefined ? {} : { sasl: resolved }),
  };
}
