/**
 * A crash-test child: runs a MirrorProjector (compiled, as in production) and reports every applied
 * batch as a JSON message. The parent kills it with SIGKILL mid-load.
 * argv: prefix space schema; SPACELOG_DATABASE_URL and SPACELOG_KAFKA_BROKERS from the environment.
 */
import path from 'node:path';
import { MirrorProjector } from '../../../../src/mirror/MirrorProjector';
import { sendToParent } from '../../../support/childSide';

const [prefix = '', space = '', schema = ''] = process.argv.slice(2);
const schemas = path.resolve(__dirname, '../../../../../schemas/examples');

async function main(): Promise<void> {
  const projector = new MirrorProjector({
    space,
    schemas,
    database: process.env.SPACELOG_DATABASE_URL ?? '',
    schema,
    prefix,
    sessionTimeoutMs: 6_000, // the next child gets the partitions soon after a kill
    maxBatchBytes: 16 * 1024, // small batches: many transactions to be killed in the middle of
    onProgress: (p) => sendToParent({ progress: true, ...p }),
    onError: (error) => sendToParent({ error: `${error.name}: ${error.message}` }),
  });
  await projector.start();
  sendToParent({ ready: true });
}

main().catch((error: unknown) => {
  sendToParent({ error: String(error) });
  process.exit(1);
});
