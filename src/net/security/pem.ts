import { readPemText } from '../../config/settingFiles';
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
  // The path is named, never the content (it may be a key).
  const text = readPemText(
    source,
    setting,
    (message, cause) => new InvalidArgumentError(message, cause === undefined ? {} : { cause }),
    baseDir,
  );
  return Buffer.from(text, 'utf8');
}
