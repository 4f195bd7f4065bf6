import { readPemText, readSecretFile as readSecret, type SettingFailure } from '../../config/settingFiles';
import { ConnectionConfigError } from '../../errors/connection';

/**
 * Reading and hiding the secret parts of connection settings (Kafka and PostgreSQL alike), refused
 * with a ConnectionConfigError naming the setting.
 * @internal
 */

/** PEM text as given, or the content of the PEM file a path names (see `readPemText`). */
export function readPem(value: string, setting: string): string {
  return readPemText(value, setting, connectionFailure(setting));
}

/** The secret a file holds, without one trailing newline (see `config/settingFiles`). */
export function readSecretFile(path: string, setting: string): string {
  return readSecret(path, setting, connectionFailure(setting));
}

function connectionFailure(setting: string): SettingFailure {
  return (message, cause) =>
    new ConnectionConfigError(message, setting, cause === undefined ? {} : { cause });
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

/** Parses `true` / `false` (also `1` / `0`, `yes` / `no`) from an environment variable. */
export function parseBooleanSetting(value: string, setting: string): boolean {
  const text = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  throw new ConnectionConfigError(`${setting} must be true or false, got '${value}'`, setting);
}
