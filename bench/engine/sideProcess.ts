/**
 * A side of the engine benchmark, run as a child process of bench/engine.ts:
 * `node --expose-gc sideProcess.js <map|indexed-map|engine> <resident> <ops> <newOrders>`. It loads its data, says
 * so with its heap per entry, then runs each case it is asked for (after a full collection) and
 * answers its timing.
 */
import { percentile, progress } from '../report';
import { engineSide } from './engineSide';
import { indexedMapSide } from './indexedMapSide';
import { mapSide } from './mapSide';
import {
  collectGarbage,
  randomIds,
  type CaseMeasurement,
  type CaseRequest,
  type Side,
  type SideReady,
} from './sides';

async function measure(side: Side, request: CaseRequest): Promise<CaseMeasurement> {
  const run = side.cases[request.name];
  if (!run) throw new Error(`no case '${request.name}' on this side`);
  // A full collection first, so no case pays for the garbage of the one before.
  collectGarbage();
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const outcome = await run(request.round);
  const wallSeconds = Number(process.hrtime.bigint() - wall) / 1e9;
  const used = process.cpuUsage(cpu);
  const latencies = outcome.latencies;
  return {
    ops: outcome.ops,
    wallSeconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    ...(latencies ? { p50_ms: percentile(latencies, 50), p99_ms: percentile(latencies, 99) } : {}),
    ...(outcome.extra ? { extra: outcome.extra } : {}),
  };
}

async function main(): Promise<void> {
  const [which, resident, ops, newOrders] = process.argv.slice(2);
  const send = (message: SideReady | CaseMeasurement | { error: string }): void => {
    process.send?.(message);
  };
  progress(`${which} side: loading ${resident} orders`);
  const keys = randomIds(Number(resident), Number(ops));
  const spec = { resident: Number(resident), ...keys, newOrders: Number(newOrders) };
  const side =
    which === 'map'
      ? await mapSide(spec)
      : which === 'indexed-map'
        ? await indexedMapSide(spec)
        : await engineSide(spec);
  send({ ready: true, heapBytesPerEntry: side.heapBytesPerEntry });
  process.on('message', (request: CaseRequest | 'exit') => {
    if (request === 'exit') process.exit(0);
    measure(side, request).then(send, (error: unknown) =>
      send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
