import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { UnitConfigError } from '../errors';
import { kafkaPathsRelativeTo } from '../log/connection/kafkaPathsRelativeTo';
import type { UnitOptions } from './UnitConfig';
import { securityPathsRelativeTo } from './UnitSecurity';

/** A unit configuration read from a file, with the folder its relative paths are relative to. */
export interface UnitConfigFile {
  readonly options: UnitOptions;
  readonly baseDir: string;
}

/**
 * Reads a processing unit configuration: a `.json` file holding the UnitOptions object, or a
 * `.js` / `.cjs` module exporting it (`module.exports = {...}`, for computed values). `schemas`,
 * `services` and the `security` block's paths are relative to the file. A missing or malformed file is refused with its path.
 */
export function readUnitConfigFile(path: string): UnitConfigFile {
  const file = resolve(path);
  const baseDir = dirname(file);
  let raw: unknown;
  try {
    if (extname(file) === '.json') raw = JSON.parse(readFileSync(file, 'utf8'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a config module is loaded synchronously, like a JSON file
    else if (['.js', '.cjs'].includes(extname(file))) raw = require(file) as unknown;
    else throw new Error('expected a .json, .js or .cjs file');
  } catch (error) {
    throw new UnitConfigError(`cannot read unit config ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const options = (raw as { default?: unknown }).default ?? raw;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new UnitConfigError(`unit config ${file} must hold an object`);
  }
  const record = options as Record<string, unknown>;
  const relative = (value: unknown): unknown =>
    typeof value === 'string' && !isAbsolute(value) ? resolve(baseDir, value) : value;
  return {
    options: {
      ...record,
      schemas: relative(record.schemas),
      services: relative(record.services),
      ...(record.kafka === undefined ? {} : { kafka: kafkaPathsRelativeTo(record.kafka, baseDir) }),
      ...(record.security !== undefined
        ? { security: securityPathsRelativeTo(record.security, baseDir) }
        : {}),
    } as UnitOptions,
    baseDir,
  };
}
