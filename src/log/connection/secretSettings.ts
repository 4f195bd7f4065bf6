import { readFileSync } from 'node:fs';
import { ConnectionConfigError } from '../../errors/connection';

/**
 * Reading and hiding the secret parts of connection settings (Kafka and PostgreSQL alike).
 * @internal
 */

const PEM_START = '-----BEGIN';

/** True for PEM text (as opposed to the path of a PEM file). */
export function isPem(value: string): boolean {
  return value.includes(PEM_START);
}

/**
 * PEM text as given, or the content of the PEM file a path names. A file that cannot be read or
 * holds no PEM block is refused, naming the setting and the path (never the content).
 */
export function readPem(value: string, setting: string): string {
  if (isPem(value)) return value;
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    throw new ConnectionConfigError(
      `${setting}: cannot read ${value}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      setting,
      { cause: error },
    );
  }
  if (!isPem(text)) {
    throw new ConnectionConfigError(`${setting}: ${value} holds no PEM block (${PEM_START} ...)`, setting);
  }
  return text;
}

/**
 * The secret a file holds (a password, a token), without one trailing newline (as `echo` writes it).
 * An unreadable or empty file is refused, naming the setting and path.
 */
export function readSecretFile(path: string, setting: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConnectionConfigError(
      `${setting}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      setting,
      { cause: error },
    );
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw new ConnectionConfigError(`${setting}: ${path} is empty`, setting);
  return secret;
}

/**
 * Sets `key` on `target` as a non-enumerable property (node-postgres does the same with its
 * password): `console.log`, `util.inspect` and `JSON.stringify` of a resolved config then never show
 * it, while code that asks for it by name still gets it.
 */
export function defineSecret<T extends object>(target: T, key: string, value: string): T {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: false });
  return target;
}

/** `text` with every occurrence of each secret (of 4 characters or more) replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    // Very short secrets would blank out ordinary words; they are refused as passwords anyway by any broker policy.
    if (secret === undefined || secret.length < 4) continue;
    result = result.split(secret).join('***');
  }
  return result;
}

/** True when a `host:port` (or bare host) names this machine: credentials to it never cross a network. */
export function isLoopback(hostPort: string): boolean {
  const bracketed = /^\[([^\]]+)\]/.exec(hostPort);
  const colons = hostPort.split(':').length - 1;
  // `[::1]:9092`, `host:9092`, or a bare host (IPv6 without brackets has several colons).
  const host = bracketed?.[1] ?? (colons === 1 ? hostPort.slice(0, hostPort.indexOf(':')) : hostPort);
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Parses `true` / `false` (also `1` / `0`, `yes` / `no`) from an environment variable. */
export function parseBooleanSetting(value: string, setting: string): boolean {
  const text = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  throw new ConnectionConfigError(`${setting} must be true or false, got '${value}'`, setting);
}
