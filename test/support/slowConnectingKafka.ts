import type { Kafka } from 'kafkajs';

/**
 * A Kafka client for unit tests whose consumer connects only when `release()` is called, recording
 * what is asked of it (admin calls prefixed `admin`): a stop that comes while a consumer connects can
 * be played in order. Its `run` joins the group at once.
 */
export function slowConnectingKafka(): { kafka: Kafka; calls: string[]; release: () => void } {
  const calls: string[] = [];
  let release: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (release = resolve));
  const admin = {
    connect: async () => void calls.push('admin connect'),
    disconnect: async () => void calls.push('admin disconnect'),
  };
  const handlers = new Map<string, () => void>();
  const consumer = {
    events: { GROUP_JOIN: 'group.join' },
    on: (event: string, handler: () => void) => void handlers.set(event, handler),
    connect: async () => {
      calls.push('connect');
      await connected;
      calls.push('connected');
    },
    subscribe: async () => void calls.push('subscribe'),
    run: async () => {
      calls.push('run');
      handlers.get('group.join')?.(); // joined at once
    },
    seek: () => void calls.push('seek'),
    disconnect: async () => void calls.push('disconnect'),
  };
  const kafka = { admin: () => admin, consumer: () => consumer } as unknown as Kafka;
  return { kafka, calls, release: () => release() };
}
