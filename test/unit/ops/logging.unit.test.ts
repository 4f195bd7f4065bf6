import { logLevel } from 'kafkajs';
import { FencedError } from '../../../src/errors';
import { kafkaConfigOf } from '../../../src/log/connection/KafkaConnection';
import {
  bridgedLevelOf,
  createLogger,
  errorFields,
  humanLine,
  kafkaLogCreator,
  kafkaLogLevelFor,
  logLevelFromEnv,
  reportListenerError,
} from '../../../src/ops/logging';
import { CapturingLogger } from '../../support/capturingLogger';

/** A pino logger writing into an array of parsed records. */
function collected(level: 'trace' | 'info' | 'warn' = 'trace'): {
  lines: Record<string, unknown>[];
  logger: ReturnType<typeof createLogger>;
} {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    level,
    base: {},
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { lines, logger };
}

describe('kafkajs log bridge', () => {
  test('kafkajs levels map one level down: ERROR and WARN to warn, INFO to debug, DEBUG to trace', () => {
    expect(bridgedLevelOf(logLevel.ERROR)).toBe('warn');
    expect(bridgedLevelOf(logLevel.WARN)).toBe('warn');
    expect(bridgedLevelOf(logLevel.INFO)).toBe('debug');
    expect(bridgedLevelOf(logLevel.DEBUG)).toBe('trace');
    expect(bridgedLevelOf(logLevel.NOTHING)).toBeUndefined();
  });

  test('records reach the logger with component, namespace and extra fields, not kafkajs timestamp', () => {
    const capture = new CapturingLogger();
    const log = kafkaLogCreator(capture.child({ space: 'orders' }))(logLevel.DEBUG);
    log({
      namespace: 'Consumer',
      level: logLevel.INFO,
      label: 'INFO',
      log: {
        timestamp: '2026-01-01T00:00:00Z',
        message: 'Consumer has joined the group',
        logger: 'kafkajs',
        groupId: 'g1',
      },
    });
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: 'x', message: 'Connection error: ECONNREFUSED', broker: 'b:9092' },
    });
    expect(capture.records).toEqual([
      {
        level: 'debug',
        msg: 'Consumer has joined the group',
        fields: { space: 'orders', component: 'kafkajs', namespace: 'Consumer', groupId: 'g1' },
      },
      {
        level: 'warn',
        msg: 'Connection error: ECONNREFUSED',
        fields: { space: 'orders', component: 'kafkajs', namespace: 'Connection', broker: 'b:9092' },
      },
    ]);
  });

  test('routine kafkajs records (one request answered with an error, its retry, start-up notices) are debug', () => {
    const capture = new CapturingLogger();
    const log = kafkaLogCreator(capture)(logLevel.DEBUG);
    const entry = (namespace: string, level: logLevel, message: string) => ({
      namespace,
      level,
      label: 'x',
      log: { timestamp: 'x', message, logger: 'kafkajs' },
    });
    log(entry('Connection', logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)'));
    log(entry('Producer', logLevel.WARN, 'Failed to send messages: CONCURRENT_TRANSACTIONS'));
    log(entry('', logLevel.WARN, 'KafkaJS v2.0.0 switched default partitioner. To retain ...'));
    log(entry('Producer', logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS'));
    log(entry('Runner', logLevel.ERROR, 'The group is rebalancing, re-joining'));
    log(entry('Connection', logLevel.ERROR, 'Connection error: ECONNREFUSED'));
    expect(capture.records.map((r) => r.level)).toEqual([
      'debug',
      'debug',
      'debug',
      'debug',
      'debug',
      'warn',
    ]);
  });

  test("kafkajs produces only what the logger's level writes", () => {
    const at = (level: string | undefined): logLevel =>
      kafkaLogLevelFor({ ...new CapturingLogger(), level } as unknown as CapturingLogger);
    expect(at('trace')).toBe(logLevel.DEBUG);
    expect(at('debug')).toBe(logLevel.INFO);
    expect(at('info')).toBe(logLevel.WARN);
    expect(at('warn')).toBe(logLevel.WARN);
    expect(at(undefined)).toBe(logLevel.WARN);
    expect(at('error')).toBe(logLevel.NOTHING);
    expect(at('silent')).toBe(logLevel.NOTHING);
  });

  test("a connection's logger is kafkajs's logCreator; without one kafkajs logs nothing", () => {
    const bare = kafkaConfigOf({ brokers: ['b:9092'], clientId: 'c' });
    expect(bare.logLevel).toBe(logLevel.NOTHING);
    expect(bare.logCreator).toBeUndefined();
    const capture = new CapturingLogger();
    const config = kafkaConfigOf({ brokers: ['b:9092'], clientId: 'c', logger: capture });
    expect(config.logLevel).toBe(logLevel.DEBUG);
    config.logCreator!(logLevel.DEBUG)({
      namespace: 'Producer',
      level: logLevel.WARN,
      label: 'WARN',
      log: { timestamp: 't', message: 'm' },
    });
    expect(capture.records).toEqual([
      { level: 'warn', msg: 'm', fields: { component: 'kafkajs', namespace: 'Producer' } },
    ]);
  });
});

describe('the default logger (pino)', () => {
  test('JSON lines with the level by name, ISO time, child bindings and the error with its code', () => {
    const { lines, logger } = collected('info');
    const unit = logger.child({ space: 'orders', unit: 'u1' }).child({ partition: 3 });
    const fenced = new FencedError('partition 3 was fenced', { space: 'orders', partition: 3 });
    unit.warn({ event: 'fenced', ...errorFields(fenced) }, 'fenced');
    unit.debug({ event: 'below the level' }, 'dropped');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 'warn',
      space: 'orders',
      unit: 'u1',
      partition: 3,
      event: 'fenced',
      code: fenced.code,
      msg: 'fenced',
      err: { type: 'FencedError', message: 'partition 3 was fenced', code: fenced.code },
    });
    expect(typeof line!.time).toBe('string');
    expect(new Date(line!.time as string).getTime()).toBeGreaterThan(0);
  });

  test('SPACELOG_LOG_LEVEL sets the level; a bad value is refused', () => {
    expect(logLevelFromEnv('warn', {})).toBe('warn');
    expect(logLevelFromEnv('warn', { SPACELOG_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFromEnv('info', { SPACELOG_LOG_LEVEL: 'silent' })).toBe('silent');
    expect(() => logLevelFromEnv('info', { SPACELOG_LOG_LEVEL: 'loud' })).toThrow(/SPACELOG_LOG_LEVEL/);
  });

  test('the human format prints time, level, message, fields and the error', () => {
    const out: string[] = [];
    const logger = createLogger({
      level: 'info',
      base: {},
      format: 'human',
      destination: { write: (l) => out.push(l) },
    });
    logger
      .child({ space: 'orders' })
      .warn(
        { event: 'fenced', partition: 2, note: 'two words', ...errorFields(new FencedError('gone')) },
        'partition 2 fenced',
      );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} {2}WARN {3}partition 2 fenced {2}space=orders event=fenced partition=2 note="two words" code=\S+ {2}FencedError: gone\n$/,
    );
    expect(humanLine('not json')).toBe('not json');
    // What a peer sent cannot start a line of its own.
    const forged = humanLine(
      JSON.stringify({
        level: 'warn',
        msg: "authentication of 'x\n12:00:00.000  INFO   placement 9' failed",
      }),
    );
    expect(forged).not.toContain('\n');
    expect(forged).toContain("'x\\n12:00:00.000");
  });
});

describe('listener errors', () => {
  test('logged once as an error with the context, then handed to onListenerError', () => {
    const capture = new CapturingLogger();
    const seen: unknown[] = [];
    const report = reportListenerError(capture, (error, context) => seen.push([error, context]));
    const boom = new Error('boom');
    report(boom, { source: 'subscription', space: 'orders', partition: 1, type: 'Order' });
    expect(capture.records).toEqual([
      {
        level: 'error',
        msg: 'a subscription listener threw',
        fields: {
          event: 'listener-error',
          source: 'subscription',
          partition: 1,
          type: 'Order',
          err: boom,
        },
      },
    ]);
    expect(seen).toEqual([[boom, { source: 'subscription', space: 'orders', partition: 1, type: 'Order' }]]);
  });

  test('a handler that throws is logged, not propagated', () => {
    const capture = new CapturingLogger();
    const report = reportListenerError(capture, () => {
      throw new Error('handler broke');
    });
    expect(() => report(new Error('boom'), { source: 'partition-event', partition: 0 })).not.toThrow();
    expect(capture.find({ event: 'listener-error' })).toHaveLength(2);
    expect(capture.records[1]?.fields.handler).toBe('onListenerError');
  });
});
