import * as path from 'node:path';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { gridTestKit } from '../../support';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import { foldLog } from './foldLog';

const SCHEMAS = path.resolve(__dirname, '../../../schemas/examples');

function customer(id: string): Record<string, unknown> {
  return {
    id,
    name: `name ${id}`,
    email: `${id}@example.com`,
    city: 'Oslo',
    tier: 'GOLD',
    createdAt: 1_700_000_000_000,
  };
}

describe('fencing: one writer per partition (docs/design.md law 3)', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const space = 'crm';

  afterAll(() => kit.cleanup());

  it('a new primary fences the old one, which then refuses everything, and the log holds nothing of it afterwards', async () => {
    const roles: string[] = [];
    const old = await LocalGrid.start({
      space,
      partitions: 1,
      schemas: SCHEMAS,
      prefix,
      origin: 'old-primary',
      kafka: { brokers },
      onRoleChange: (_k, role) => roles.push(role),
    });
    await old.space.write('Customer', customer('before'));
    const usurper = await LocalGrid.start({
      space,
      partitions: 1,
      schemas: SCHEMAS,
      prefix,
      origin: 'new-primary',
      kafka: { brokers },
    });
    try {
      expect(await usurper.space.read('Customer', { id: 'before' })).toMatchObject({ id: 'before' });
      await expect(old.space.write('Customer', customer('zombie'))).rejects.toMatchObject({
        name: 'FencedError',
        retriable: false,
      });
      await expect(old.space.read('Customer', { id: 'before' })).rejects.toMatchObject({
        name: 'FencedError',
      });
      expect(roles).toContain('fenced');
      expect(old.status()[0]?.role).toBe('fenced');

      await usurper.space.write('Customer', customer('after'));
      const seen: Mutation[] = [];
      await foldLog({
        brokers,
        prefix,
        space,
        partitions: 1,
        types: SchemaLoader.loadFolder(SCHEMAS),
        onMutation: (_k, m) => seen.push(m),
      });
      expect(seen.map((m) => m.id)).not.toContain('zombie');
      const firstNew = seen.findIndex((m) => m.origin === 'new-primary');
      expect(firstNew).toBeGreaterThanOrEqual(0);
      expect(seen.slice(firstNew).filter((m) => m.origin === 'old-primary')).toEqual([]);
      expect(await usurper.space.read('Customer', { id: 'zombie' })).toBeNull();
    } finally {
      await old.close();
      await usurper.close();
    }
  }, 60_000);
});
