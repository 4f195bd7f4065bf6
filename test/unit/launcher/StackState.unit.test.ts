import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KafkaRecord, StackState } from '../../../docker/launcher/StackState';

const kafka: KafkaRecord = {
  clusterId: 'abc',
  version: '3.9.1',
  startedAt: '2025-01-01T00:00:00.000Z',
  brokers: [
    {
      nodeId: 1,
      pid: 42,
      port: 9092,
      controllerPort: 9192,
      configFile: '/x/server.properties',
      logFile: '/x/k.log',
    },
  ],
};

describe('StackState', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'spacelog-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is empty before anything is recorded', () => {
    expect(new StackState(path.join(dir, 'stack')).read()).toEqual({});
  });

  it('records what was started and forgets it again, removing the file when nothing is left', () => {
    const state = new StackState(path.join(dir, 'stack'));
    state.update((data) => (data.kafka = kafka));
    expect(new StackState(path.join(dir, 'stack')).read()).toEqual({ kafka });
    state.update((data) => delete data.kafka);
    expect(existsSync(state.file)).toBe(false);
    expect(state.read()).toEqual({});
  });

  it('treats a corrupt file as empty rather than failing', () => {
    const state = new StackState(dir);
    writeFileSync(state.file, '{ not json');
    expect(state.read()).toEqual({});
  });
});
