import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
} from 'kafkajs';
import { InvalidArgumentError } from '../../errors';
import { notifyGroupId } from './topicNames';
import {
  checkPrefix,
  checkSpaceName,
  partitionTopic,
  schemaTopicName,
  transactionalIdOf,
  unitsGroupId,
  unitsTopicName,
} from './topicNames';

/** The Kafka resource kinds a space's ACLs name (the names `kafka-acls.sh` takes). */
export type SpaceAclResourceType = 'Topic' | 'Group' | 'TransactionalId';
/** LITERAL: exactly this name; PREFIXED: every name that starts with it. */
export type SpaceAclPatternType = 'LITERAL' | 'PREFIXED';
/** The operations a space's principals are allowed (Kafka's names). */
export type SpaceAclOperation = 'Read' | 'Write' | 'Create' | 'Describe' | 'DescribeConfigs';

/** One ALLOW rule: `principal` may do `operations` on the resources the pattern matches. */
export interface SpaceAcl {
  /** `User:<name>` as Kafka's authorizer sees it (the SASL user name, or a certificate's DN). */
  readonly principal: string;
  readonly resourceType: SpaceAclResourceType;
  readonly resourceName: string;
  readonly patternType: SpaceAclPatternType;
  readonly operations: readonly SpaceAclOperation[];
  /** What in Spacelog needs it, for the printed script and the docs. */
  readonly reason: string;
}

/** Whose ACLs to compute, for which space. */
export interface SpaceAclOptions {
  readonly prefix: string;
  readonly space: string;
  /** The principal of the space's processing units and grids (`User:orders-unit`). */
  readonly principal: string;
  /** The principal of the space's PostgreSQL mirror, when it runs as its own user. */
  readonly mirrorPrincipal?: string;
  /** The mirror's consumer group when not the default `<prefix>.<space>.mirror`. */
  readonly mirrorGroupId?: string;
  /**
   * The space's partition count: ACLs then name each partition topic and `transactional.id`
   * exactly. Without it they are PREFIXED (`<prefix>.<space>.`), which also covers a space of the
   * same name under a longer prefix (`<prefix>.<space>` as prefix and any space): keep prefixes
   * apart, or give the count.
   */
  readonly partitions?: number;
}

const UNIT_TOPIC_OPERATIONS: readonly SpaceAclOperation[] = [
  'Read',
  'Write',
  'Create',
  'Describe',
  'DescribeConfigs',
];
const MIRROR_TOPIC_OPERATIONS: readonly SpaceAclOperation[] = ['Read', 'Describe', 'DescribeConfigs'];
const GROUP_OPERATIONS: readonly SpaceAclOperation[] = ['Read', 'Describe'];
const TRANSACTIONAL_OPERATIONS: readonly SpaceAclOperation[] = ['Write', 'Describe'];
/** `Type:name`, as Kafka's principals are written. */
const PRINCIPAL = /^[A-Za-z][A-Za-z0-9_-]*:\S+$/;

/**
 * The ACLs a space needs, and no more: everything the grid, its processing units (membership,
 * partition primaries, notify containers) and its mirror do in Kafka, by the names of
 * `topicNames.ts`. Everything else stays denied under `allow.everyone.if.no.acl.found=false`, so
 * another principal cannot fence a primary (InitProducerId on its `transactional.id`), join the
 * units' group, or read or write the partition topics.
 *
 * Topic and `transactional.id` ACLs of one space are PREFIXED unless `partitions` is given; the
 * schema topic is shared by every space of the prefix.
 */
export function spaceAcls(options: SpaceAclOptions): SpaceAcl[] {
  const { prefix, space, principal } = options;
  checkPrefix(prefix);
  checkSpaceName(space);
  checkPrincipal(principal);
  if (options.mirrorPrincipal !== undefined) checkPrincipal(options.mirrorPrincipal);
  const partitions = options.partitions;
  if (partitions !== undefined && !(Number.isInteger(partitions) && partitions >= 1)) {
    throw new InvalidArgumentError(`partitions must be a positive integer, got ${partitions}`, { space });
  }
  const acls: SpaceAcl[] = [];
  const allow = (
    who: string,
    resourceType: SpaceAclResourceType,
    patternType: SpaceAclPatternType,
    resourceName: string,
    operations: readonly SpaceAclOperation[],
    reason: string,
  ): void => {
    acls.push({ principal: who, resourceType, resourceName, patternType, operations, reason });
  };
  const spaceHead = `${prefix}.${space}.`;
  const scanGroups = `spacelog-scan-${spaceHead}`;
  const schemaScanGroups = `spacelog-scan-${schemaTopicName(prefix)}-`;

  // The units and grids of the space.
  if (partitions === undefined) {
    allow(
      principal,
      'Topic',
      'PREFIXED',
      spaceHead,
      UNIT_TOPIC_OPERATIONS,
      'partition topics and the units topic',
    );
  } else {
    for (let k = 0; k < partitions; k += 1) {
      allow(
        principal,
        'Topic',
        'LITERAL',
        partitionTopic(prefix, space, k),
        UNIT_TOPIC_OPERATIONS,
        `partition ${k}`,
      );
    }
    allow(
      principal,
      'Topic',
      'LITERAL',
      unitsTopicName(prefix, space),
      UNIT_TOPIC_OPERATIONS,
      'units topic (membership)',
    );
  }
  allow(
    principal,
    'Topic',
    'LITERAL',
    schemaTopicName(prefix),
    UNIT_TOPIC_OPERATIONS,
    'schema topic (registers writer schemas)',
  );
  allow(
    principal,
    'Group',
    'LITERAL',
    unitsGroupId(prefix, space),
    GROUP_OPERATIONS,
    "units' consumer group",
  );
  allow(
    principal,
    'Group',
    'PREFIXED',
    `${notifyGroupId(prefix, space, '')}`,
    GROUP_OPERATIONS,
    'notify containers\u2019 positions',
  );
  allow(
    principal,
    'Group',
    'PREFIXED',
    scanGroups,
    GROUP_OPERATIONS,
    'partition log reads (warm-up, backups)',
  );
  allow(principal, 'Group', 'PREFIXED', schemaScanGroups, GROUP_OPERATIONS, 'schema topic reads');
  if (partitions === undefined) {
    allow(
      principal,
      'TransactionalId',
      'PREFIXED',
      `spacelog.${spaceHead}`,
      TRANSACTIONAL_OPERATIONS,
      'partition writers and notify position stores',
    );
  } else {
    for (let k = 0; k < partitions; k += 1) {
      allow(
        principal,
        'TransactionalId',
        'LITERAL',
        transactionalIdOf(prefix, space, k),
        TRANSACTIONAL_OPERATIONS,
        `writer of partition ${k}`,
      );
    }
    allow(
      principal,
      'TransactionalId',
      'PREFIXED',
      notifyGroupId(prefix, space, ''),
      TRANSACTIONAL_OPERATIONS,
      'notify position stores',
    );
  }

  // The mirror reads the log and the schemas, and commits nothing it needs (offsets live in PostgreSQL).
  const mirror = options.mirrorPrincipal;
  if (mirror !== undefined) {
    if (partitions === undefined) {
      allow(mirror, 'Topic', 'PREFIXED', spaceHead, MIRROR_TOPIC_OPERATIONS, 'partition topics (read only)');
    } else {
      for (let k = 0; k < partitions; k += 1) {
        allow(
          mirror,
          'Topic',
          'LITERAL',
          partitionTopic(prefix, space, k),
          MIRROR_TOPIC_OPERATIONS,
          `partition ${k} (read only)`,
        );
      }
    }
    allow(
      mirror,
      'Topic',
      'LITERAL',
      schemaTopicName(prefix),
      MIRROR_TOPIC_OPERATIONS,
      'schema topic (read only)',
    );
    allow(
      mirror,
      'Group',
      'LITERAL',
      options.mirrorGroupId ?? `${spaceHead}mirror`,
      GROUP_OPERATIONS,
      "mirror's consumer group",
    );
    allow(mirror, 'Group', 'PREFIXED', scanGroups, GROUP_OPERATIONS, 'partition log reads (status, folds)');
    allow(mirror, 'Group', 'PREFIXED', schemaScanGroups, GROUP_OPERATIONS, 'schema topic reads');
  }
  return acls;
}

/** Where `kafka-acls.sh` connects and how it logs in. */
export interface KafkaAclsScriptOptions {
  readonly bootstrapServer: string;
  /** A client properties file with an admin's SASL/TLS settings (`--command-config`). */
  readonly commandConfig?: string;
}

/** One `kafka-acls.sh --add` command per ACL, ready to paste into a shell. */
export function kafkaAclsCommands(acls: readonly SpaceAcl[], options: KafkaAclsScriptOptions): string[] {
  const connection = [
    `--bootstrap-server ${shellQuote(options.bootstrapServer)}`,
    ...(options.commandConfig === undefined ? [] : [`--command-config ${shellQuote(options.commandConfig)}`]),
  ].join(' ');
  return acls.map((acl) => {
    const resource =
      acl.resourceType === 'Topic'
        ? '--topic'
        : acl.resourceType === 'Group'
          ? '--group'
          : '--transactional-id';
    return [
      `kafka-acls.sh ${connection} --add --allow-principal ${shellQuote(acl.principal)}`,
      ...acl.operations.map((operation) => `--operation ${operation}`),
      `${resource} ${shellQuote(acl.resourceName)} --resource-pattern-type ${acl.patternType.toLowerCase()}`,
    ].join(' ');
  });
}

/** The same ACLs as kafkajs `admin.createAcls({ acl })` entries: one per operation, any host. */
export function kafkajsAclEntries(acls: readonly SpaceAcl[]): AclEntry[] {
  return acls.flatMap((acl) =>
    acl.operations.map((operation) => ({
      resourceType: RESOURCE_TYPES[acl.resourceType],
      resourceName: acl.resourceName,
      resourcePatternType: PATTERN_TYPES[acl.patternType],
      principal: acl.principal,
      host: '*',
      operation: OPERATIONS[operation],
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

const RESOURCE_TYPES: Readonly<Record<SpaceAclResourceType, AclResourceTypes>> = {
  Topic: AclResourceTypes.TOPIC,
  Group: AclResourceTypes.GROUP,
  TransactionalId: AclResourceTypes.TRANSACTIONAL_ID,
};
const PATTERN_TYPES: Readonly<Record<SpaceAclPatternType, ResourcePatternTypes>> = {
  LITERAL: ResourcePatternTypes.LITERAL,
  PREFIXED: ResourcePatternTypes.PREFIXED,
};
const OPERATIONS: Readonly<Record<SpaceAclOperation, AclOperationTypes>> = {
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Describe: AclOperationTypes.DESCRIBE,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
};

/** Quotes a word for a POSIX shell when it holds anything but safe characters. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_.,:/@=+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function checkPrincipal(principal: string): void {
  if (!PRINCIPAL.test(principal)) {
    throw new InvalidArgumentError(
      `principal '${principal}' must be written Type:name, e.g. User:orders-unit`,
    );
  }
}
