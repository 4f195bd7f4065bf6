import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors';
import { packageRoot } from '../packageRoot';

/**
 * The version of the installed spacelog package (`spacelog --version`), read from its package.json
 * rather than compiled in, so a build never reports a version it was not published as.
 */
export function packageVersion(root: string = packageRoot()): string {
  const manifest = path.join(root, 'package.json');
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
  if (typeof version !== 'string' || version === '') {
    throw new InvalidArgumentError(`${manifest} has no version`);
  }
  return version;
}
