import type { RemoteSpace } from '../../../src/client/RemoteSpace';
import { FRAME_KIND, type WireOp } from '../../../src/net/protocol';
import { WIRE_OPS } from '../../../src/net/protocolSchemas';
import { encodeFrame, FrameDecoder, SERVER_RECEIVES } from '../../../src/net/FrameCodec';
import { toWireJson } from '../../../src/net/wireJson';
import { RawWireClient, waitUntil } from '../../support/rawWireClient';
import type { SeededRandom } from '../../support/seededRandom';

/**
 * The hostile clients of `hostileClient.fault.test.ts`. Each attack returns what it sent and what came
 * back; `bad` lists every bad input that got neither a typed error (any code but INTERNAL) nor a close,
 * or that got an INTERNAL error (a bug, not a refusal).
 */
export interface AttackReport {
  readonly name: string;
  /** Bad inputs sent. */
  inputs: number;
  /** Of them, answered with a typed error. */
  typed: number;
  /** Of them, answered by a close (with a typed goodbye, or none). */
  closed: number;
  /** What went wrong, one line each (must stay empty). */
  readonly bad: string[];
  /** Figures worth printing (durations, counts). */
  readonly notes: Record<string, number | string>;
}

const report = (name: string): AttackReport => ({ name, inputs: 0, typed: 0, closed: 0, bad: [], notes: {} });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every raw connection an attack opened, so the test can cut the ones left open. */
export const openedClients = new Set<RawWireClient>();

async function open(endpoint: string): Promise<RawWireClient> {
  const client = await RawWireClient.open(endpoint);
  openedClients.add(client);
  void client.closed.then(() => openedClients.delete(client));
  return client;
}

const OPS: readonly WireOp[] = WIRE_OPS;
/** Args no Spacelog client sends; none of them selects anything (a valid CLEAR would wipe the load). */
const MALFORMED_ARGS: readonly string[] = [
  '{"selector":',
  '[]',
  '42',
  '"x"',
  '{"selector":{"id":{"$bytes":5}}}',
  '{"selector":{"query":"((("}}',
  '{"selector":{"template":[]}}',
  '{"selector":{"query":7}}',
  '{"changes":7,"selector":{"id":[]}}',
  '{"selector":{"id":{"$bigint":"12x"}}}',
  '{"subscription":"s","selector":{"nothing":1}}',
  '{"selector":{"query":"status = ?","params":5}}',
];

function randomBytes(random: SeededRandom, n: number): Buffer {
  const bytes = Buffer.alloc(n);
  for (let i = 0; i < n; i++) bytes[i] = random.between(0, 256);
  return bytes;
}

/** A frame of random bytes (well framed or not), or a request envelope with malformed args or entry. */
function randomFrame(random: SeededRandom, i: number): Buffer {
  switch (i % 4) {
    case 0: {
      // Well framed, random kind, random body.
      const body = randomBytes(random, random.between(0, 2048));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length + 1, 0);
      frame.writeUInt8(random.between(0, 256), 4);
      body.copy(frame, 5);
      return frame;
    }
    case 1: {
      // A request or cancel kind with a random body: Avro decoding of garbage.
      const body = randomBytes(random, random.between(1, 512));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length + 1, 0);
      frame.writeUInt8(random.next() < 0.8 ? FRAME_KIND.request : FRAME_KIND.cancel, 4);
      body.copy(frame, 5);
      return frame;
    }
    case 2: {
      // A length prefix over the limit, or zero.
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(random.next() < 0.5 ? 0 : 16 * 1024 * 1024 + random.between(1, 1 << 30), 0);
      return frame;
    }
    default: {
      // A well-formed request whose args or entry bytes are wrong.
      const args =
        random.next() < 0.5
          ? Buffer.from(MALFORMED_ARGS[random.between(0, MALFORMED_ARGS.length)]!)
          : randomBytes(random, random.between(1, 64));
      return encodeFrame(FRAME_KIND.request, {
        id: random.between(1, 1000),
        partition: random.between(-3, 5),
        op: OPS[random.between(0, OPS.length)]!,
        type: ['Order', 'Nope', ''][random.between(0, 3)]!,
        args,
        entry: random.next() < 0.5 ? null : randomBytes(random, random.between(0, 64)),
        deadline: random.between(-1000, 1000),
      });
    }
  }
}

/**
 * Whether random bytes happen to make a well-formed cancel (say, a body that is one Avro varint): the
 * cancel of an id this connection never used, which the protocol answers with silence (a cancel gets
 * no answer of its own; the request it names does). Not a bad input, so not counted as one.
 */
function isWellFormedCancel(frame: Buffer): boolean {
  try {
    const frames = new FrameDecoder(undefined, SERVER_RECEIVES).push(frame);
    return frames.length === 1 && frames[0]!.kind === FRAME_KIND.cancel;
  } catch {
    return false;
  }
}

/** `count` connections, each sending one random or malformed frame. */
export async function randomFrames(
  endpoint: string,
  random: SeededRandom,
  count: number,
): Promise<AttackReport> {
  const r = report('random frames');
  for (let batch = 0; batch < count; batch += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, count - batch) }, async (_, j) => {
        const client = await open(endpoint);
        const frame = randomFrame(random, batch + j);
        const cancel = isWellFormedCancel(frame);
        if (!cancel) r.inputs++;
        client.write(frame);
        const answered = (): boolean =>
          client.isClosed || client.frames.some((f) => f.kind === FRAME_KIND.response);
        await waitUntil(answered, 5000, 'an answer or a close').catch(() => undefined);
        if (client.undecodable !== undefined)
          r.bad.push(`server sent an undecodable frame: ${client.undecodable}`);
        const errors = client.errors();
        const internal = errors.filter((e) => e.code === 'INTERNAL');
        if (internal.length > 0) r.bad.push(`INTERNAL for a random frame: ${internal[0]!.message}`);
        else if (cancel) r.notes.wellFormedCancels = Number(r.notes.wellFormedCancels ?? 0) + 1;
        else if (client.isClosed) r.closed++;
        else if (client.frames.some((f) => f.kind === FRAME_KIND.response)) r.typed++;
        else r.bad.push(`frame ${batch + j}: neither an answer nor a close in 5 s`);
        client.destroy();
      }),
    );
  }
  return r;
}

/**
 * Slowloris: `count` connections announce a 16 MiB frame and drip it one byte every `everyMs`; the
 * server must close each with a partial-frame timeout. One more announces 16 MiB + 1 (refused at once).
 */
export async function drips(
  endpoint: string,
  count: number,
  everyMs: number,
  giveUpMs: number,
): Promise<AttackReport> {
  const r = report('1-byte drips of a 16 MiB frame');
  const dripOne = async (): Promise<void> => {
    const client = await open(endpoint);
    r.inputs++;
    const header = Buffer.alloc(5);
    header.writeUInt32BE(16 * 1024 * 1024, 0);
    header.writeUInt8(FRAME_KIND.request, 4);
    const started = Date.now();
    for (let i = 0; !client.isClosed && Date.now() - started < giveUpMs; i++) {
      client.write(i < 5 ? header.subarray(i, i + 1) : Buffer.from([0x61]));
      await sleep(everyMs);
    }
    const goodbye = client.goodbye();
    if (!client.isClosed) r.bad.push(`a drip was not closed in ${giveUpMs} ms`);
    else if (goodbye !== undefined && goodbye.code !== 'CONNECTION_TIMEOUT') {
      r.bad.push(`a drip was closed with ${goodbye.code}, not CONNECTION_TIMEOUT`);
    } else {
      r.closed++;
      r.notes.closedAfterMs = Math.max(Number(r.notes.closedAfterMs ?? 0), Date.now() - started);
    }
    client.destroy();
  };
  const oversize = async (): Promise<void> => {
    const client = await open(endpoint);
    r.inputs++;
    const header = Buffer.alloc(5);
    header.writeUInt32BE(16 * 1024 * 1024 + 1, 0);
    client.write(header);
    await client.closed;
    if (client.goodbye()?.code === 'FRAME_TOO_LARGE') r.closed++;
    else r.bad.push(`a 16 MiB + 1 frame got ${client.goodbye()?.code ?? 'no goodbye'}`);
  };
  await Promise.all([...Array.from({ length: count }, dripOne), oversize()]);
  return r;
}

/**
 * `count` blocking takes that never end (infinite timeout), then every id sent again: each reuse gets a
 * ProtocolError under its id while the take it names goes on; a tenth are cancelled, the rest are left
 * to the server when the connection is dropped.
 */
export async function reusedIds(endpoint: string, count: number): Promise<AttackReport> {
  const r = report('reused ids with infinite timeouts');
  const client = await open(endpoint);
  const forever = toWireJson({
    selector: { id: 'never-written' },
    options: { timeout: Infinity, routing: 'c-never-written' },
  });
  for (let id = 1; id <= count; id++) client.send({ id, op: 'TAKE', args: forever });
  await sleep(500);
  const early = [...Array(count).keys()].filter((i) => client.answers(i + 1).length > 0);
  if (early.length > 0) {
    r.bad.push(
      `${early.length} infinite takes answered at once: ${JSON.stringify(client.answers(early[0]! + 1))}`,
    );
  }
  for (let id = 1; id <= count; id++) client.send({ id, op: 'TAKE', args: forever });
  r.inputs += count;
  await waitUntil(() => client.frames.length >= count, 20_000, 'answers to reused ids').catch(
    () => undefined,
  );
  for (let id = 1; id <= count; id++) {
    const answer = client.answers(id)[0];
    if (answer?.code === 'PROTOCOL') r.typed++;
    else r.bad.push(`reused id ${id} got ${answer === undefined ? 'no answer' : JSON.stringify(answer)}`);
  }
  const cancelled = Math.floor(count / 10);
  for (let id = 1; id <= cancelled; id++) client.write(encodeFrame(FRAME_KIND.cancel, { id }));
  await waitUntil(() => client.frames.length >= count + cancelled, 10_000, 'cancels').catch(() => undefined);
  for (let id = 1; id <= cancelled; id++) {
    if (client.answers(id)[1]?.code !== 'OPERATION_ABORTED') r.bad.push(`cancelled take ${id} not aborted`);
  }
  r.notes.leftRunning = count - cancelled;
  client.destroy();
  return r;
}

/** READs whose args hold a `$bigint` of `digits` digits (the frame stays under 16 MiB). */
export async function bigInts(endpoint: string, count: number, digits: number): Promise<AttackReport> {
  const r = report(`$bigint of ${digits} digits`);
  const client = await open(endpoint);
  const args = Buffer.from(`{"selector":{"id":{"$bigint":"${'9'.repeat(digits)}"}}}`);
  let slowest = 0;
  for (let id = 1; id <= count; id++) {
    const started = Date.now();
    client.send({ id, op: 'READ', args });
    r.inputs++;
    const answer = await client.answer(id, 1, 30_000).catch(() => undefined);
    slowest = Math.max(slowest, Date.now() - started);
    if (answer?.code === 'PROTOCOL') r.typed++;
    else r.bad.push(`a huge $bigint got ${JSON.stringify(answer)}`);
  }
  r.notes.slowestAnswerMs = slowest;
  client.destroy();
  return r;
}

/**
 * The LIKE pattern that backtracked for seconds against entries of 90 `a`s (they must be written
 * beforehand), and queries nested `depth` parentheses deep: the first must answer nothing, quickly;
 * the second a QuerySyntaxError.
 */
export async function hostileQueries(
  endpoint: string,
  attacker: RemoteSpace,
  rounds: number,
  depth: number,
): Promise<AttackReport> {
  const r = report('ReDoS LIKE and deep nesting');
  const client = await open(endpoint);
  const redos = toWireJson({ selector: { query: "note LIKE '%a%a%a%a%a%a_b'" } });
  const deep = toWireJson({
    selector: { query: `${'('.repeat(depth)}status = 'NEW'${')'.repeat(depth)}` },
  });
  let slowestLike = 0;
  for (let i = 0; i < rounds; i++) {
    const started = Date.now();
    client.send({ id: 2 * i + 1, op: 'READ_MULTIPLE', args: redos });
    const like = await client.answer(2 * i + 1, 1, 30_000).catch(() => 'none' as const);
    slowestLike = Math.max(slowestLike, Date.now() - started);
    if (like !== null) r.bad.push(`the LIKE query got ${JSON.stringify(like)}`);
    const matched = client.frames.find((f) => f.kind === FRAME_KIND.response && f.body.id === 2 * i + 1);
    if (matched?.kind === FRAME_KIND.response && matched.body.entries.length > 0) {
      r.bad.push(`the LIKE query matched ${matched.body.entries.length} entries`);
    }
    client.send({ id: 2 * i + 2, op: 'READ_MULTIPLE', args: deep });
    r.inputs++;
    const nested = await client.answer(2 * i + 2, 1, 30_000).catch(() => undefined);
    if (nested?.code === 'QUERY_SYNTAX') r.typed++;
    else r.bad.push(`${depth}-deep parentheses got ${JSON.stringify(nested)}`);
  }
  // The same through the client library, fanned out to every partition.
  const viaClient = await attacker
    .readMultiple('Order', { query: `${'('.repeat(depth)}total > 0${')'.repeat(depth)}` })
    .then(
      () => 'answered',
      (error: Error) => error.name,
    );
  r.inputs++;
  if (viaClient === 'QuerySyntaxError') r.typed++;
  else r.bad.push(`a ${depth}-deep query through RemoteSpace got ${viaClient}`);
  const started = Date.now();
  const found = await attacker.readMultiple('Order', { query: "note LIKE '%a%a%a%a%a%a_b'" });
  slowestLike = Math.max(slowestLike, Date.now() - started);
  if (found.length > 0) r.bad.push(`the LIKE query through RemoteSpace matched ${found.length}`);
  r.notes.slowestLikeMs = slowestLike;
  client.destroy();
  return r;
}

/** `count` connections opened and dropped, in batches: some at once, some mid-frame, some reset. */
export async function churn(endpoint: string, count: number): Promise<AttackReport> {
  const r = report('connections opened and dropped');
  const half = encodeFrame(FRAME_KIND.request, {
    id: 1,
    partition: -1,
    op: 'PING',
    type: '',
    args: Buffer.alloc(0),
    entry: null,
    deadline: 0,
  }).subarray(0, 7);
  let refused = 0;
  for (let batch = 0; batch < count; batch += 100) {
    const opened = await Promise.allSettled(
      Array.from({ length: Math.min(100, count - batch) }, () => RawWireClient.open(endpoint)),
    );
    opened.forEach((o, j) => {
      r.inputs++;
      if (o.status === 'rejected') {
        refused++;
        r.closed++;
        return;
      }
      r.closed++;
      const client = o.value;
      if (j % 3 === 1) client.write(half);
      if (j % 3 === 2) client.socket.resetAndDestroy();
      else client.destroy();
    });
  }
  r.notes.refused = refused;
  // The server still takes connections and answers them.
  const after = await open(endpoint);
  after.send({ id: 1, op: 'PING' });
  const ping = await after.answer(1, 1, 10_000).catch(() => 'none');
  if (ping !== null) r.bad.push(`a PING after the churn got ${JSON.stringify(ping)}`);
  after.destroy();
  return r;
}

/**
 * A subscriber to every Order event that never reads. While it sits, `flood()` runs (the writes); then
 * it reads what it was sent: its subscription must have been ended (End frame, SUBSCRIPTION_OVERFLOW)
 * or the connection closed, never buffered without bound.
 */
export async function silentSubscriber(endpoint: string, flood: () => Promise<void>): Promise<AttackReport> {
  const r = report('a subscriber that never reads');
  const client = await open(endpoint);
  client.send({ id: 7, op: 'SUBSCRIBE', args: toWireJson({ selector: { template: {} } }) });
  const subscribed = await client.answer(7, 1, 10_000).catch(() => 'none');
  if (subscribed !== null) r.bad.push(`SUBSCRIBE got ${JSON.stringify(subscribed)}`);
  client.socket.pause();
  r.inputs++;
  await flood();
  client.socket.resume();
  const ended = (): boolean => client.isClosed || client.frames.some((f) => f.kind === FRAME_KIND.end);
  await waitUntil(ended, 30_000, 'the End frame').catch(() => undefined);
  const end = client.frames.find((f) => f.kind === FRAME_KIND.end);
  const events = client.frames.filter((f) => f.kind === FRAME_KIND.event).length;
  r.notes.eventsBeforeEnd = events;
  if (end?.kind === FRAME_KIND.end && end.body.error.code === 'SUBSCRIPTION_OVERFLOW') r.typed++;
  else if (client.isClosed) r.closed++;
  else r.bad.push(`the silent subscriber was neither ended nor closed (${events} events)`);
  client.destroy();
  return r;
}
