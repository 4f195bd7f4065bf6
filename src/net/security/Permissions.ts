import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../errors';
import { optionKeys, rejectUnknownKeys } from '../../config/optionKeys';
import { type WireOp } from '../protocol';
import { SERVICE_TASK_PREFIX } from '../../api/Task';

/**
 * The grants of the permissions file: `read`, `write`, `take`, `admin`, `execute` (every task and
 * service), `execute:<task>` (one task), `service:<name>` (one remote service) and `*` (all of them).
 */
export type Grant =
  'read' | 'write' | 'take' | 'admin' | 'execute' | '*' | `execute:${string}` | `service:${string}`;

/**
 * What an op needs: a grant class, or `route` (any grant on the space: a client must DESCRIBE to
 * route whatever it may do) or `none` (an authenticated connection only: PING, AUTH, UNSUBSCRIBE of
 * its own subscription). CHANGE and TAKE_MULTIPLE need `admin` instead when they are broadcast (their
 * selector and routing value name no single partition); EXECUTE needs `execute`, `execute:<task>` /
 * `service:<name>` or `admin`.
 * @internal
 */
export type OpClass = 'read' | 'write' | 'take' | 'admin' | 'execute' | 'route' | 'none';

/** Every wire op's class (a unit test checks every op of WIRE_OPS is here). @internal */
export const OP_CLASSES: Readonly<Record<WireOp, OpClass>> = {
  DESCRIBE: 'route',
  READ: 'read',
  READ_MULTIPLE: 'read',
  COUNT: 'read',
  SUBSCRIBE: 'read',
  WRITE: 'write',
  CHANGE: 'write',
  RENEW: 'write',
  TAKE: 'take',
  TAKE_MULTIPLE: 'take',
  CLEAR: 'admin',
  EXECUTE: 'execute',
  UNSUBSCRIBE: 'none',
  PING: 'none',
  AUTH: 'none',
};

/** Ops whose broadcast form (no single partition named) needs `admin`. @internal */
export const ADMIN_WHEN_BROADCAST: ReadonlySet<WireOp> = new Set<WireOp>(['CHANGE', 'TAKE_MULTIPLE']);

/** The task name of a service call (`ServiceProxy`'s `$service:<name>`). */

/**
 * A permissions file: each principal's grants per space (`"*"` = every space), and optionally what a
 * connection that did not authenticate may do (`anonymous`; absent: such a connection is refused when
 * the server authenticates).
 *
 * ```json
 * { "principals": { "alice": { "orders": ["read", "write"] }, "ops": { "*": ["*"] } },
 *   "anonymous": { "orders": ["read"] } }
 * ```
 */
export interface PermissionsConfig {
  readonly principals: Readonly<Record<string, Readonly<Record<string, readonly Grant[]>>>>;
  readonly anonymous?: Readonly<Record<string, readonly Grant[]>>;
}

const CLASSES = new Set(['read', 'write', 'take', 'admin', 'execute', '*']);
const PERMISSIONS_KEYS = optionKeys<PermissionsConfig>({ principals: true, anonymous: true });

/** A principal's grants on one space, resolved once per connection. @internal */
export class SpaceGrants {
  static readonly ALL = new SpaceGrants(['*']);
  private readonly grants: ReadonlySet<string>;
  private readonly all: boolean;

  constructor(grants: readonly string[]) {
    this.grants = new Set(grants);
    this.all = this.grants.has('*');
  }

  get empty(): boolean {
    return this.grants.size === 0;
  }

  get unrestricted(): boolean {
    return this.all;
  }

  /** The class this principal lacks for the op, or undefined when it may run it. */
  missing(op: WireOp, broadcast: boolean, task: string | undefined): string | undefined {
    if (this.all) return undefined;
    const needed = ADMIN_WHEN_BROADCAST.has(op) && broadcast ? 'admin' : OP_CLASSES[op];
    switch (needed) {
      case 'none':
        return undefined;
      case 'route':
        return this.grants.size > 0 ? undefined : 'read';
      case 'execute': {
        // Spacelog's own tasks (`$snapshot:…` reads whole partitions for verify) are admin's alone;
        // service calls (`$service:…`) are granted like any task.
        if (isInternalTask(task ?? '')) return this.grants.has('admin') ? undefined : 'admin';
        if (this.grants.has('execute') || this.grants.has('admin')) return undefined;
        const specific = executeGrantOf(task ?? '');
        return this.grants.has(specific) ? undefined : specific;
      }
      default:
        return this.grants.has(needed) ? undefined : needed;
    }
  }
}

/** A reserved task of Spacelog itself (`$…`), other than a service call. @internal */
export function isInternalTask(task: string): boolean {
  return task.startsWith('$') && !task.startsWith(SERVICE_TASK_PREFIX);
}

/** `execute:<task>`, or `service:<name>` for a service call. @internal */
export function executeGrantOf(task: string): string {
  return task.startsWith(SERVICE_TASK_PREFIX)
    ? `service:${task.slice(SERVICE_TASK_PREFIX.length)}`
    : `execute:${task}`;
}

/** The permissions of a server: who may do what on which space. @internal */
export class Permissions {
  constructor(private readonly config: PermissionsConfig) {
    checkPermissions(config);
  }

  /** Reads a permissions file (JSON). */
  static fromFile(path: string): Permissions {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new InvalidArgumentError(`cannot read permissions file ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new Permissions(raw as PermissionsConfig);
  }

  /** True when connections that do not authenticate are let in (with the `anonymous` grants). */
  get allowsAnonymous(): boolean {
    return this.config.anonymous !== undefined;
  }

  /** A principal's grants on a space: those for the space and those for `"*"`. */
  grantsOf(principal: string, space: string): SpaceGrants {
    const bySpace = Object.hasOwn(this.config.principals, principal)
      ? this.config.principals[principal]
      : undefined;
    return merged(bySpace, space);
  }

  /** The grants of a connection that did not authenticate. */
  anonymousGrants(space: string): SpaceGrants {
    return merged(this.config.anonymous, space);
  }
}

function merged(bySpace: Readonly<Record<string, readonly Grant[]>> | undefined, space: string): SpaceGrants {
  if (bySpace === undefined) return new SpaceGrants([]);
  const own = Object.hasOwn(bySpace, space) ? bySpace[space] : undefined;
  const any = Object.hasOwn(bySpace, '*') ? bySpace['*'] : undefined;
  return new SpaceGrants([...(own ?? []), ...(any ?? [])]);
}

function checkPermissions(config: PermissionsConfig): void {
  const refusal = (why: string): InvalidArgumentError => new InvalidArgumentError(`permissions: ${why}`);
  const fail = (why: string): never => {
    throw refusal(why);
  };
  if (config === null || typeof config !== 'object') fail('expected { "principals": { ... } }');
  rejectUnknownKeys(config, PERMISSIONS_KEYS, (key) => refusal(`unknown key '${key}'`));
  if (
    config.principals === null ||
    typeof config.principals !== 'object' ||
    Array.isArray(config.principals)
  ) {
    fail('principals must be an object of { principal: { space: [grants] } }');
  }
  const checkSpaces = (who: string, bySpace: unknown): void => {
    if (bySpace === null || typeof bySpace !== 'object' || Array.isArray(bySpace)) {
      fail(`${who} must be an object of { space: [grants] }`);
    }
    for (const [space, grants] of Object.entries(bySpace as Record<string, unknown>)) {
      if (!Array.isArray(grants)) fail(`${who}.${space} must be a list of grants`);
      for (const grant of grants as unknown[]) {
        const ok = typeof grant === 'string' && (CLASSES.has(grant) || /^(execute|service):.+$/u.test(grant));
        if (!ok) {
          fail(
            `${who}.${space}: unknown grant ${JSON.stringify(grant)} (read, write, take, admin, execute, execute:<task>, service:<name>, *)`,
          );
        }
      }
    }
  };
  for (const [principal, bySpace] of Object.entries(config.principals)) checkSpaces(principal, bySpace);
  if (config.anonymous !== undefined) checkSpaces('anonymous', config.anonymous);
}
