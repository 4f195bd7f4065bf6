/**
 * The serving side of the remote bench, in its own process (as Redis runs in its own): a local grid,
 * a plain `SpaceServer` over it and, when given TLS files, a second one serving TLS with password
 * authentication over the same grid, so both sides read the same entries from the same engine.
 * Args: prefix [JSON ServerChildSecurity] (file paths only: no secret is ever in argv).
 * IPC: sends { kind: 'ready', endpoint, tlsEndpoint? }; answers { kind: 'cpu' } with its CPU time so
 * far; exits after { kind: 'stop' }.
 */
import { LocalGrid } from '../../src/cluster/LocalGrid';
import { SpaceServer } from '../../src/net/SpaceServer';
import { BROKERS, SCHEMAS } from '../kafkaBench';

/** Where the TLS server's key, certificate, credentials and permissions files are. */
export interface ServerChildSecurity {
  readonly key: string;
  readonly cert: string;
  readonly credentials: string;
  readonly permissions: string;
}

export type ParentMessage = { readonly kind: 'cpu' } | { readonly kind: 'stop' };
export type ChildMessage =
  | { readonly kind: 'ready'; readonly endpoint: string; readonly tlsEndpoint?: string }
  | { readonly kind: 'cpu'; readonly micros: number };

async function serve(prefix: string, security: ServerChildSecurity | undefined): Promise<void> {
  const grid = await LocalGrid.start({
    space: 'orders',
    partitions: 4,
    schemas: SCHEMAS,
    prefix,
    kafka: { brokers: BROKERS },
  });
  const plain = await SpaceServer.listen(grid, { port: 0 });
  const secured =
    security &&
    (await SpaceServer.listen(grid, {
      port: 0,
      security: {
        tls: { key: security.key, cert: security.cert },
        credentials: security.credentials,
        permissions: security.permissions,
      },
    }));
  const send = (message: ChildMessage): void => {
    process.send!(message);
  };
  send({
    kind: 'ready',
    endpoint: plain.endpoint,
    ...(secured ? { tlsEndpoint: secured.endpoint } : {}),
  });
  await new Promise<void>((resolve) => {
    process.on('message', (message: ParentMessage) => {
      if (message.kind === 'stop') resolve();
      else {
        const { user, system } = process.cpuUsage();
        send({ kind: 'cpu', micros: user + system });
      }
    });
  });
  await secured?.close();
  await plain.close();
  await grid.close();
  process.exit(0);
}

const [prefix, securityJson] = process.argv.slice(2);
serve(
  prefix!,
  securityJson === undefined ? undefined : (JSON.parse(securityJson) as ServerChildSecurity),
).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
