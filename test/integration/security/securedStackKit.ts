import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
} from 'kafkajs';
import { passwordFile, readBrokerSecrets, secureLayout } from '../../../docker/launcher/secureKafka';
import type { PrivateKafkaCluster } from '../../support/privateKafkaCluster';

/**
 * Shared by the secured-stack tests (issue 18 items 5-7): an admin of a private secure Kafka, waiting
 * for ACLs to apply, and the secrets a test must never find in output or argument lists.
 */

/** A connected admin client of a secure private cluster, logged in as its super user. */
export async function secureAdmin(cluster: PrivateKafkaCluster): Promise<Admin> {
  const admin = new Kafka({
    clientId: 'secured-stack-admin',
    brokers: cluster.brokers,
    logLevel: logLevel.NOTHING,
    ...cluster.kafkaSecurity('admin'),
  }).admin();
  await admin.connect();
  return admin;
}

/** Creates `acl` and waits until the authorizer holds every one of them ({@link waitForAcls}). */
export async function grantAcls(admin: Admin, acl: readonly AclEntry[], timeoutMs = 30_000): Promise<void> {
  await admin.createAcls({ acl: [...acl] });
  await waitForAcls(admin, acl, timeoutMs);
}

/**
 * Waits until the authorizer holds every one of `acl`: StandardAuthorizer applies new ACLs once the
 * metadata log carries them, a moment after CreateAcls answers.
 */
export async function waitForAcls(admin: Admin, acl: readonly AclEntry[], timeoutMs = 30_000): Promise<void> {
  const wanted = new Set(acl.map(aclKey));
  const principals = [...new Set(acl.map((entry) => entry.principal))];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = new Set<string>();
    for (const principal of principals) {
      const described = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal,
        host: '*',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      for (const resource of described.resources) {
        for (const entry of resource.acls) held.add(aclKey({ ...resource, ...entry }));
      }
    }
    const missing = [...wanted].filter((key) => !held.has(key));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`ACLs not applied in ${timeoutMs} ms: ${missing.join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function aclKey(entry: {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  operation: number;
}): string {
  return [
    entry.principal,
    entry.resourceType,
    entry.resourceName,
    entry.resourcePatternType,
    entry.operation,
  ].join(' ');
}

/** Every password of a secure private cluster: its brokers' secrets and each SCRAM user's (admin too). */
export function kafkaSecrets(cluster: PrivateKafkaCluster, users: readonly string[]): string[] {
  const layout = secureLayout(cluster.stateDir);
  return [
    ...Object.values(readBrokerSecrets(layout)),
    ...['admin', ...users].map((user) => readFileSync(passwordFile(layout, user), 'utf8').trim()),
  ];
}

/**
 * The text of a PEM private key that must never be printed: each base64 line of its body (the
 * `-----BEGIN ... PRIVATE KEY-----` line alone proves nothing leaked).
 */
export function privateKeyLines(pemFile: string): string[] {
  return readFileSync(pemFile, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
}

/**
 * The names of the secrets found in `text` (`secrets` maps a name to its value). Only names are
 * returned, so a failing assertion does not print the secret it found.
 */
export function leakedSecrets(text: string, secrets: Readonly<Record<string, string>>): string[] {
  return Object.entries(secrets)
    .filter(([, secret]) => secret.length > 0 && text.includes(secret))
    .map(([name]) => name);
}

/** The argument list of a live process (`/proc/<pid>/cmdline`, NUL-separated), as one string. */
export function commandLineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
}

/**
 * The addresses a live process listens on (TCP, IPv4 and IPv6), from its socket descriptors and
 * `/proc/<pid>/net/tcp{,6}`: what it really bound, whatever its configuration says. IPv4 addresses
 * are dotted (`127.0.0.1`, also for a JVM's IPv4-mapped IPv6 socket); IPv6 ones in hex.
 */
export function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // The descriptor closed while we listed them.
    }
  }
  const addresses: string[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (local === undefined || state !== '0A' || inode === undefined || !inodes.has(inode)) continue;
      const [hex, port] = local.split(':') as [string, string];
      addresses.push(`${dottedAddress(hex)}:${parseInt(port, 16)}`);
    }
  }
  return addresses;
}

/** `0100007F` (little-endian IPv4) or an IPv4-mapped IPv6 address as `127.0.0.1`; other IPv6 as hex. */
function dottedAddress(hex: string): string {
  const v4 = hex.length === 8 ? hex : hex.startsWith('0000000000000000FFFF0000') ? hex.slice(24) : undefined;
  if (v4 === undefined) return hex;
  return [6, 4, 2, 0].map((at) => parseInt(v4.slice(at, at + 2), 16)).join('.');
}

/** The PIDs of a private cluster's broker processes, from its state file. */
export function brokerPids(cluster: PrivateKafkaCluster): number[] {
  const state = JSON.parse(readFileSync(`${cluster.stateDir}/state.json`, 'utf8')) as {
    kafka?: { brokers: { pid: number }[] };
  };
  return (state.kafka?.brokers ?? []).map((broker) => broker.pid);
}
