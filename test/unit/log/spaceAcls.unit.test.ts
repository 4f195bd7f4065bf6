import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { InvalidArgumentError } from '../../../src/errors';
import { notifyGroupId, notifyTransactionalId } from '../../../src/log/admin/topicNames';
import {
  kafkaAclsCommands,
  kafkajsAclEntries,
  shellQuote,
  spaceAcls,
  type SpaceAcl,
} from '../../../src/log/admin/spaceAcls';
import {
  partitionTopic,
  schemaTopicName,
  transactionalIdOf,
  unitsGroupId,
  unitsTopicName,
} from '../../../src/log/admin/topicNames';

/** True when an ACL of `principal` allows `operation` on `name` (Kafka's LITERAL / PREFIXED matching). */
function allows(
  acls: readonly SpaceAcl[],
  principal: string,
  resourceType: SpaceAcl['resourceType'],
  name: string,
  operation: SpaceAcl['operations'][number],
): boolean {
  return acls.some(
    (acl) =>
      acl.principal === principal &&
      acl.resourceType === resourceType &&
      acl.operations.includes(operation) &&
      (acl.patternType === 'LITERAL' ? acl.resourceName === name : name.startsWith(acl.resourceName)),
  );
}

const UNIT = 'User:orders-unit';
const MIRROR = 'User:orders-mirror';

describe('spaceAcls', () => {
  const prefixed = spaceAcls({ prefix: 'p', space: 'orders', principal: UNIT, mirrorPrincipal: MIRROR });
  const literal = spaceAcls({
    prefix: 'p',
    space: 'orders',
    principal: UNIT,
    mirrorPrincipal: MIRROR,
    partitions: 3,
  });

  it.each([
    ['prefixed', prefixed],
    ['literal', literal],
  ])('lets the unit principal do every Kafka operation of the space (%s)', (_kind, acls) => {
    for (const k of [0, 1, 2]) {
      for (const op of ['Read', 'Write', 'Create', 'Describe', 'DescribeConfigs'] as const) {
        expect(allows(acls, UNIT, 'Topic', partitionTopic('p', 'orders', k), op)).toBe(true);
      }
      expect(allows(acls, UNIT, 'TransactionalId', transactionalIdOf('p', 'orders', k), 'Write')).toBe(true);
      expect(allows(acls, UNIT, 'TransactionalId', transactionalIdOf('p', 'orders', k), 'Describe')).toBe(
        true,
      );
      expect(
        allows(acls, UNIT, 'TransactionalId', notifyTransactionalId('p', 'orders', 'totals', k), 'Write'),
      ).toBe(true);
      expect(
        allows(acls, UNIT, 'Group', `spacelog-scan-${partitionTopic('p', 'orders', k)}-uuid`, 'Read'),
      ).toBe(true);
    }
    expect(allows(acls, UNIT, 'Topic', unitsTopicName('p', 'orders'), 'Read')).toBe(true);
    expect(allows(acls, UNIT, 'Topic', unitsTopicName('p', 'orders'), 'Create')).toBe(true);
    expect(allows(acls, UNIT, 'Topic', schemaTopicName('p'), 'Write')).toBe(true);
    expect(allows(acls, UNIT, 'Group', unitsGroupId('p', 'orders'), 'Read')).toBe(true);
    expect(allows(acls, UNIT, 'Group', notifyGroupId('p', 'orders', 'totals'), 'Read')).toBe(true);
    expect(allows(acls, UNIT, 'Group', `spacelog-scan-${schemaTopicName('p')}-uuid`, 'Read')).toBe(true);
  });

  it.each([
    ['prefixed', prefixed],
    ['literal', literal],
  ])('keeps the mirror principal read-only, on its own group (%s)', (_kind, acls) => {
    expect(allows(acls, MIRROR, 'Topic', partitionTopic('p', 'orders', 2), 'Read')).toBe(true);
    expect(allows(acls, MIRROR, 'Topic', partitionTopic('p', 'orders', 2), 'Write')).toBe(false);
    expect(allows(acls, MIRROR, 'Topic', schemaTopicName('p'), 'Read')).toBe(true);
    expect(allows(acls, MIRROR, 'Topic', schemaTopicName('p'), 'Write')).toBe(false);
    expect(allows(acls, MIRROR, 'Group', 'p.orders.mirror', 'Read')).toBe(true);
    expect(allows(acls, MIRROR, 'Group', unitsGroupId('p', 'orders'), 'Read')).toBe(false);
    expect(allows(acls, MIRROR, 'TransactionalId', transactionalIdOf('p', 'orders', 0), 'Write')).toBe(false);
  });

  it('grants nothing on another space, another prefix, or to another principal', () => {
    for (const acls of [prefixed, literal]) {
      expect(allows(acls, UNIT, 'Topic', partitionTopic('p', 'orders2', 0), 'Read')).toBe(false);
      expect(allows(acls, UNIT, 'Topic', partitionTopic('q', 'orders', 0), 'Read')).toBe(false);
      expect(allows(acls, UNIT, 'TransactionalId', transactionalIdOf('p', 'payments', 0), 'Write')).toBe(
        false,
      );
      expect(allows(acls, UNIT, 'Group', unitsGroupId('p', 'payments'), 'Read')).toBe(false);
      expect(allows(acls, 'User:intruder', 'Topic', partitionTopic('p', 'orders', 0), 'Read')).toBe(false);
    }
  });

  it('names each partition exactly when the partition count is given', () => {
    expect(allows(literal, UNIT, 'Topic', partitionTopic('p', 'orders', 3), 'Read')).toBe(false);
    expect(allows(literal, UNIT, 'TransactionalId', transactionalIdOf('p', 'orders', 3), 'Write')).toBe(
      false,
    );
    expect(literal.filter((acl) => acl.patternType === 'PREFIXED' && acl.resourceType === 'Topic')).toEqual(
      [],
    );
  });

  it('uses a custom mirror group, and leaves the mirror out when no mirror principal is given', () => {
    const custom = spaceAcls({
      prefix: 'p',
      space: 'orders',
      principal: UNIT,
      mirrorPrincipal: MIRROR,
      mirrorGroupId: 'm1',
    });
    expect(allows(custom, MIRROR, 'Group', 'm1', 'Read')).toBe(true);
    const unitOnly = spaceAcls({ prefix: 'p', space: 'orders', principal: UNIT });
    expect(unitOnly.every((acl) => acl.principal === UNIT)).toBe(true);
  });

  it('refuses a bad principal, space, prefix or partition count', () => {
    expect(() => spaceAcls({ prefix: 'p', space: 'orders', principal: 'orders-unit' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => spaceAcls({ prefix: 'p', space: 'a.b', principal: UNIT })).toThrow(InvalidArgumentError);
    expect(() => spaceAcls({ prefix: '.p', space: 'orders', principal: UNIT })).toThrow(InvalidArgumentError);
    expect(() => spaceAcls({ prefix: 'p', space: 'orders', principal: UNIT, partitions: 0 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => spaceAcls({ prefix: 'p', space: 'orders', principal: UNIT, mirrorPrincipal: 'x' })).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('kafkaAclsCommands', () => {
  it('prints one kafka-acls.sh --add per rule, with the pattern type and every operation', () => {
    const acls = spaceAcls({ prefix: 'p', space: 'orders', principal: UNIT });
    const lines = kafkaAclsCommands(acls, {
      bootstrapServer: '127.0.0.1:9292',
      commandConfig: '/s/admin.properties',
    });
    expect(lines).toHaveLength(acls.length);
    expect(lines[0]).toBe(
      'kafka-acls.sh --bootstrap-server 127.0.0.1:9292 --command-config /s/admin.properties --add ' +
        '--allow-principal User:orders-unit --operation Read --operation Write --operation Create ' +
        '--operation Describe --operation DescribeConfigs --topic p.orders. --resource-pattern-type prefixed',
    );
    expect(
      lines.some((line) =>
        line.includes('--transactional-id spacelog.p.orders. --resource-pattern-type prefixed'),
      ),
    ).toBe(true);
    expect(
      lines.some((line) => line.includes('--group spacelog.p.orders.units --resource-pattern-type literal')),
    ).toBe(true);
  });

  it('quotes what a shell would split', () => {
    expect(shellQuote('User:CN=unit a')).toBe(`'User:CN=unit a'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('p.orders.')).toBe('p.orders.');
  });
});

describe('kafkajsAclEntries', () => {
  it('makes one ALLOW binding per operation, for any host', () => {
    const acls = spaceAcls({ prefix: 'p', space: 'orders', principal: UNIT });
    const entries = kafkajsAclEntries(acls);
    expect(entries).toHaveLength(acls.reduce((n, acl) => n + acl.operations.length, 0));
    expect(entries).toContainEqual({
      resourceType: AclResourceTypes.TRANSACTIONAL_ID,
      resourceName: 'spacelog.p.orders.',
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: UNIT,
      host: '*',
      operation: AclOperationTypes.WRITE,
      permissionType: AclPermissionTypes.ALLOW,
    });
  });
});
