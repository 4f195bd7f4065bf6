import {
  CorruptLogError,
  FencedError,
  IllegalReplicaTransitionError,
  MirrorPoisonRecordError,
} from '../../../src/errors';
import { MirrorLogging } from '../../../src/mirror/MirrorLogging';
import { ReplicaLogging } from '../../../src/ops/logging/ReplicaLogging';
import { CapturingLogger } from '../../support/capturingLogger';

describe('mirror records', () => {
  test('an outage is logged once when it begins and once when it ends, however many calls retry', () => {
    const log = new CapturingLogger();
    const mirror = new MirrorLogging(log);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const a = mirror.databaseCall();
    const b = mirror.databaseCall();
    a.failed(refused);
    b.failed(refused);
    a.failed(refused);
    a.done(true);
    // b still fails: the outage goes on.
    expect(log.find({ event: 'mirror-recovered' })).toEqual([]);
    b.failed(refused);
    b.done(true);
    expect(log.find({ event: 'mirror-outage' })).toEqual([
      {
        level: 'warn',
        msg: expect.any(String),
        fields: { event: 'mirror-outage', err: refused, code: 'ECONNREFUSED' },
      },
    ]);
    const recovered = log.find({ event: 'mirror-recovered' });
    expect(recovered).toHaveLength(1);
    expect(recovered[0]?.fields).toMatchObject({ failedAttempts: 4, durationMs: expect.any(Number) });
    // A call that never failed logs nothing; a new outage is a new record.
    const c = mirror.databaseCall();
    c.done(true);
    const d = mirror.databaseCall();
    d.failed(refused);
    d.done(false);
    expect(log.find({ event: 'mirror-outage' })).toHaveLength(2);
    expect(log.find({ event: 'mirror-recovered' })).toHaveLength(1);
  });

  test('each dead letter once with partition, offset and code; a poison stop as an error', () => {
    const log = new CapturingLogger();
    const mirror = new MirrorLogging(log.child({ space: 'orders' }));
    mirror.deadLettered([
      {
        partition: 2,
        offset: 41,
        key: null,
        op: 'WRITE',
        code: 'UNMAPPABLE',
        message: 'too big',
        value: null,
      },
    ]);
    mirror.stopped(new MirrorPoisonRecordError('bad record', { space: 'orders', partition: 1, offset: '7' }));
    expect(
      log.records.map((r) => [r.level, r.fields.event, r.fields.partition, r.fields.offset, r.fields.code]),
    ).toEqual([
      ['warn', 'poison-record', 2, 41, 'UNMAPPABLE'],
      ['error', 'poison-record', undefined, 7, 'MIRROR_POISON_RECORD'],
    ]);
    expect(log.records.every((r) => r.fields.space === 'orders')).toBe(true);
  });
});

describe('replica records', () => {
  test('one record per transition: warm-up start and end, fenced, rebuild, corrupt log, closed', () => {
    const log = new CapturingLogger();
    const replica = new ReplicaLogging(log.child({ space: 's', unit: 'u1', partition: 3 }), 'primary');
    const facts = (): { entries: number; offset: number } => ({ entries: 12, offset: 40 });
    replica.transition('warming', undefined, facts);
    replica.transition('primary', undefined, facts);
    replica.transition('failed', new FencedError('x'), facts);
    replica.transition('fenced', new FencedError('gone'), facts);
    replica.transition(
      'corrupt',
      new CorruptLogError('version went backwards', 'Order/o-1', { offset: '17' }),
      facts,
    );
    replica.transition('closed', undefined, facts);
    expect(log.records.map((r) => [r.level, r.fields.event, r.fields.role])).toEqual([
      ['info', 'warmup-start', 'warming'],
      ['info', 'warmup-end', 'primary'],
      ['warn', 'rebuild', 'failed'],
      ['warn', 'fenced', 'fenced'],
      ['error', 'corrupt-log', 'corrupt'],
      ['info', 'role-change', 'closed'],
    ]);
    expect(log.records[1]?.fields).toMatchObject({
      space: 's',
      unit: 'u1',
      partition: 3,
      entries: 12,
      offset: 40,
    });
    expect(log.records[4]?.fields).toMatchObject({ offset: 17, code: 'CORRUPT_LOG' });
  });

  test('a refused move is an error record naming the replica, both states and the code', () => {
    const log = new CapturingLogger();
    const replica = new ReplicaLogging(log.child({ space: 's', partition: 2 }), 'backup');
    replica.refused(
      new IllegalReplicaTransitionError({
        replica: 'backup',
        from: 'closed',
        to: 'backup',
        space: 's',
        partition: 2,
      }),
    );
    expect(log.records.map((r) => [r.level, r.fields.event])).toEqual([['error', 'illegal-transition']]);
    expect(log.records[0]?.fields).toMatchObject({
      partition: 2,
      replica: 'backup',
      from: 'closed',
      to: 'backup',
      code: 'ILLEGAL_REPLICA_TRANSITION',
    });
  });

  test('without a logger nothing is asked of the replica', () => {
    const replica = new ReplicaLogging(undefined, 'backup');
    expect(() =>
      replica.transition('backup', undefined, () => {
        throw new Error('facts read');
      }),
    ).not.toThrow();
  });
});
