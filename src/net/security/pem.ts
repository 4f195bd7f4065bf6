import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from '../../errors';

/**
 * A key, certificate or CA bundle: PEM text (it starts with `-----BEGIN`), a Buffer of PEM, or the
 * path of a PEM file (relative paths against the current folder; a unit config file's are made
 * relative to the file).
 */
export type PemSource = string | Buffer;

/** Reads a PEM source once at start; a missing file is refused with its path and which setting. @internal */
export function readPem(source: PemSource, setting: string, baseDir = process.cwd()): Buffer {
  if (Buffer.isBuffer(source)) return source;
  if (typeof source !== 'string' || source.length === 0) {
    throw new InvalidArgumentError(`${setting} must be PEM text or a file path`);
  }
  if (source.trimStart().startsWith('-----BEGIN')) return Buffer.from(source, 'utf8');
  const path = isAbsolute(source) ? source : resolve(baseDir, source);
  try {
    return readFileSync(path);
  } catch (error) {
    // The path is named, never the content (it may be a key).
    throw new InvalidArgumentError(
      `${setting}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      {
        cause: error,
      },
    );
  }
}
