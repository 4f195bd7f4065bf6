import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { SchemaLoader } from '../schema/SchemaLoader';
import { generateTypeScript } from '../schema/typescript/generateTypeScript';

/** Options of `spacelog types`, as commander hands them over. */
interface TypesCommandOptions {
  readonly schemas: string;
  readonly out?: string;
}

/**
 * Registers `spacelog types --schemas <dir> [--out <file>]`: TypeScript interfaces of a folder's
 * entry types (docs/typed-entries.md), printed or written to a file. The schemas are loaded as a
 * space loads them, so a schema the space would refuse is refused here too.
 */
export function registerTypesCommand(program: Command): void {
  program
    .command('types')
    .description('generate TypeScript interfaces of the entry types in a folder of .avsc files')
    .requiredOption('--schemas <dir>', 'folder of the .avsc entry types')
    .option('--out <file>', 'write the module to this file instead of printing it')
    .action((options: TypesCommandOptions) => {
      const registry = SchemaLoader.loadFolder(options.schemas);
      const source = generateTypeScript(registry, { source: toPosix(options.schemas) });
      if (options.out === undefined) {
        process.stdout.write(source);
        return;
      }
      fs.mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
      fs.writeFileSync(options.out, source);
      process.stdout.write(`wrote ${registry.size} entry types to ${options.out}\n`);
    });
}

/** The folder as the header names it: the same on every machine the command runs on. */
function toPosix(folder: string): string {
  return folder.split(path.sep).join('/').replace(/\/+$/, '');
}
