import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/**
 * Reading the files settings name (PEM certificates and keys, password and token files) the same way
 * for every component. Each component refuses a bad file with its own error class: `fail` builds it
 * from a message that names the setting and the path, never the content.
 * @internal
 */
export type SettingFailure = (message: string, cause?: unknown) => Error;

const PEM_START = '-----BEGIN';

/** True for PEM text (as opposed to the path of a PEM file). */
export function isPem(value: string): boolean {
  return value.includes(PEM_START);
}

/**
 * PEM text as given, or the content of the PEM file a path names (relative paths against `baseDir`,
 * default the current folder). A file that cannot be read or holds no PEM block is refused.
 */
export function readPemText(value: string, setting: string, fail: SettingFailure, baseDir?: string): string {
  if (isPem(value)) return value;
  const path = baseDir === undefined || isAbsolute(value) ? value : resolve(baseDir, value);
  const text = readSettingFile(path, setting, fail);
  if (!isPem(text)) throw fail(`${setting}: ${path} holds no PEM block (${PEM_START} ...)`);
  return text;
}

/**
 * The secret a file holds (a password, a token), without one trailing newline (as `echo` writes it).
 * An unreadable or empty file is refused.
 */
export function readSecretFile(path: string, setting: string, fail: SettingFailure): string {
  const secret = readSettingFile(path, setting, fail).replace(/\r?\n$/, '');
  if (secret.length === 0) throw fail(`${setting}: ${path} is empty`);
  return secret;
}

function readSettingFile(path: string, setting: string, fail: SettingFailure): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw fail(
      `${setting}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      error,
    );
  }
}
