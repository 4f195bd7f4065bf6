import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from './errors';

const PACKAGE_NAME = 'spacelog';

/**
 * The folder of the spacelog package itself (where its package.json is), found by walking up from
 * this module: src when run from source, dist/src when compiled, node_modules/spacelog/... when
 * installed. Never the current directory, so `npx spacelog demo` works from anywhere and the mirror
 * finds the migrations shipped with the package.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && readName(manifest) === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) {
      throw new InvalidArgumentError(`no package.json of '${PACKAGE_NAME}' above ${from}`);
    }
  }
}

function readName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
