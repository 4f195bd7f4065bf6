import { SchemaIncompatibleError } from '../../../src/errors';
import { SchemaTopic, TopicAdmin, WriterSchemas, schemaFingerprint } from '../../../src/log';
import { deletePrefix, orderSchemaWith, orderType, testKafka, uniquePrefix } from './logTestKit';

jest.setTimeout(60_000);

const ORDER_V2 = orderSchemaWith({ name: 'note', type: 'string', default: '' });
const ORDER_BAD = orderSchemaWith({ name: 'customer', type: 'string' });

describe('SchemaTopic', () => {
  const kafka = testKafka();
  const prefix = uniquePrefix();
  const topics = new TopicAdmin({ kafka, prefix });
  const schemaTopic = new SchemaTopic({ kafka, topics });

  afterAll(async () => {
    await deletePrefix(kafka, prefix);
    await topics.close();
  });

  it('registers schemas once and lets any reader load every writer version', async () => {
    const v1 = orderType();
    const v2 = orderType(ORDER_V2);
    await schemaTopic.register([v1]);
    await schemaTopic.register([v1]);
    await schemaTopic.register([v2]);

    const loaded = await new SchemaTopic({ kafka, topics }).load(new WriterSchemas());
    expect(loaded.versions('Order').map((w) => w.fingerprint)).toEqual([
      schemaFingerprint(v1.avroType),
      schemaFingerprint(v2.avroType),
    ]);
  });

  it('refuses a schema that cannot read older data, naming type and field, and registers nothing', async () => {
    const attempt = schemaTopic.register([orderType(ORDER_BAD)]);
    await expect(attempt).rejects.toThrow(SchemaIncompatibleError);
    const error = (await attempt.catch((e: unknown) => e)) as SchemaIncompatibleError;
    expect(error.type).toBe('Order');
    expect(error.field).toBe('customer');
    expect(error.message).toContain("'customer'");

    const loaded = await schemaTopic.load();
    expect(loaded.versions('Order')).toHaveLength(2);
  });
});
