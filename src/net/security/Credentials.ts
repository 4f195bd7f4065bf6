import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { AuthenticationBusyError, InvalidArgumentError } from '../../errors';

/** One user's stored password: an scrypt hash with its own salt and parameters (never the password). */
export interface StoredPassword {
  readonly algorithm: 'scrypt';
  /** CPU / memory cost (a power of two). */
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keyLength: number;
  /** Base64. */
  readonly salt: string;
  /** Base64. */
  readonly hash: string;
}

/** A credentials file (`spacelog users add`): `{ "version": 1, "users": { "alice": StoredPassword } }`. */
export interface CredentialsFileContent {
  readonly version: 1;
  readonly users: Readonly<Record<string, StoredPassword>>;
}

/** scrypt parameters of new hashes: N = 2^15 (about 32 MiB and tens of ms per check), r 8, p 1. */
export const DEFAULT_SCRYPT = { N: 32768, r: 8, p: 1, keyLength: 32, saltBytes: 16 } as const;
/** Longest user name and password accepted (longer is refused before any hashing). */
export const MAX_USERNAME_LENGTH = 256;
export const MAX_PASSWORD_LENGTH = 1024;

/** Hashes a password with a fresh random salt (`spacelog users add`). */
export async function hashPassword(password: string): Promise<StoredPassword> {
  checkPassword(password);
  const { N, r, p, keyLength, saltBytes } = DEFAULT_SCRYPT;
  const salt = randomBytes(saltBytes);
  const hash = await scryptAsync(password, salt, keyLength, { N, r, p });
  return {
    algorithm: 'scrypt',
    N,
    r,
    p,
    keyLength,
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
  };
}

/**
 * Password checks that may hash at once, process-wide. Each takes about 32 MiB and tens of ms on one
 * of libuv's four pool threads, which file and DNS work share: a crowd of AUTH requests waits its turn
 * here instead of filling the pool (and the memory) at once.
 */
const CONCURRENT_CHECKS = 2;
/**
 * Checks that may wait for a slot, process-wide: past it an AUTH is refused at once with the retriable
 * AuthenticationBusyError instead of queueing without bound (memory, and minutes of wait).
 */
export const MAX_WAITING_CHECKS = 128;
let checking = 0;
const waitingChecks: (() => void)[] = [];

/**
 * True when `password` hashes to `stored` (compared in constant time). A check whose `signal` aborts
 * while it waits for its turn (its connection closed) leaves the queue and hashes nothing; it rejects
 * with the signal's reason.
 */
export async function verifyPassword(
  password: string,
  stored: StoredPassword,
  signal?: AbortSignal,
): Promise<boolean> {
  signal?.throwIfAborted();
  // A slot is taken here, or handed over by the check that ends (so none can slip in between).
  if (checking < CONCURRENT_CHECKS) checking++;
  else await waitForSlot(signal);
  try {
    const expected = Buffer.from(stored.hash, 'base64');
    const actual = await scryptAsync(password, Buffer.from(stored.salt, 'base64'), stored.keyLength, {
      N: stored.N,
      r: stored.r,
      p: stored.p,
    });
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  } finally {
    const next = waitingChecks.shift();
    if (next !== undefined) next();
    else checking--;
  }
}

function waitForSlot(signal: AbortSignal | undefined): Promise<void> {
  if (waitingChecks.length >= MAX_WAITING_CHECKS) throw new AuthenticationBusyError(waitingChecks.length);
  return new Promise<void>((resolve, reject) => {
    const turn = (): void => {
      signal?.removeEventListener('abort', leave);
      resolve();
    };
    const leave = (): void => {
      const at = waitingChecks.indexOf(turn);
      if (at >= 0) waitingChecks.splice(at, 1);
      reject(signal?.reason);
    };
    waitingChecks.push(turn);
    signal?.addEventListener('abort', leave, { once: true });
  });
}

/** Password checks hashing now and waiting for their turn (for tests). @internal */
export function passwordChecksInProgress(): { readonly hashing: number; readonly waiting: number } {
  return { hashing: checking, waiting: waitingChecks.length };
}

/**
 * The users of a credentials file, checked at load (a malformed entry is refused at start, not at
 * the first login). `verify` takes as long for an unknown user as for a known one, so a caller cannot
 * learn which names exist from the time it takes.
 */
export class CredentialsStore {
  private readonly users: ReadonlyMap<string, StoredPassword>;
  /** Hashed against when the user is unknown, to spend the same time. */
  private readonly decoy: StoredPassword;

  constructor(content: CredentialsFileContent, source = 'credentials') {
    this.users = new Map(Object.entries(checkContent(content, source).users));
    this.decoy = {
      algorithm: 'scrypt',
      ...DEFAULT_SCRYPT,
      salt: randomBytes(DEFAULT_SCRYPT.saltBytes).toString('base64'),
      hash: randomBytes(DEFAULT_SCRYPT.keyLength).toString('base64'),
    };
  }

  /** Reads a credentials file (JSON). */
  static fromFile(path: string): CredentialsStore {
    return new CredentialsStore(readCredentialsFile(path), path);
  }

  /** True when the user exists and the password is theirs. */
  async verify(username: string, password: string, signal?: AbortSignal): Promise<boolean> {
    if (username.length > MAX_USERNAME_LENGTH || password.length > MAX_PASSWORD_LENGTH) return false;
    const stored = this.users.get(username);
    const ok = await verifyPassword(password, stored ?? this.decoy, signal);
    return stored !== undefined && ok;
  }

  get size(): number {
    return this.users.size;
  }
}

/** Reads and checks a credentials file; a missing file is an empty one only when `missingIsEmpty`. */
export function readCredentialsFile(path: string, missingIsEmpty = false): CredentialsFileContent {
  if (missingIsEmpty && !existsSync(path)) return { version: 1, users: {} };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidArgumentError(`cannot read credentials file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return checkContent(raw as CredentialsFileContent, path);
}

/** Writes a credentials file atomically, readable by its owner only (mode 0600). */
export function writeCredentialsFile(path: string, content: CredentialsFileContent): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  renameSync(temporary, path);
}

/** Adds or replaces a user (a new salt every time). */
export async function addUser(
  content: CredentialsFileContent,
  username: string,
  password: string,
): Promise<CredentialsFileContent> {
  checkUsername(username);
  return { version: 1, users: { ...content.users, [username]: await hashPassword(password) } };
}

function checkContent(content: CredentialsFileContent, source: string): CredentialsFileContent {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(`${source}: ${why}`);
  };
  if (content === null || typeof content !== 'object' || content.version !== 1) {
    fail('expected { "version": 1, "users": { ... } }');
  }
  if (content.users === null || typeof content.users !== 'object' || Array.isArray(content.users)) {
    fail('users must be an object');
  }
  for (const [name, stored] of Object.entries(content.users)) {
    const s = stored as Partial<StoredPassword> | null;
    const numbers = s && [s.N, s.r, s.p, s.keyLength].every((v) => Number.isInteger(v) && (v as number) > 0);
    if (
      !s ||
      s.algorithm !== 'scrypt' ||
      !numbers ||
      typeof s.salt !== 'string' ||
      typeof s.hash !== 'string'
    ) {
      fail(`user '${name}' has no valid scrypt entry`);
    }
  }
  return content;
}

function checkUsername(username: string): void {
  if (typeof username !== 'string' || !/^[\w.@-]{1,256}$/u.test(username)) {
    throw new InvalidArgumentError('a user name is 1 to 256 letters, digits, ".", "@", "_" or "-"');
  }
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidArgumentError(`a password is 1 to ${MAX_PASSWORD_LENGTH} characters`);
  }
}

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  // maxmem must cover 128 * N * r bytes (with room), or Node refuses stored parameters it made itself.
  const maxmem = 256 * (options.N ?? 16384) * (options.r ?? 8) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
