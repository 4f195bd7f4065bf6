import { Command, CommanderError } from 'commander';
import { isSpacelogError } from '../errors/SpacelogError';
import { isStackError } from '../errors/stack';
import { registerDemoCommand } from './demoCommand';
import { registerClusterCommand } from './clusterCommand';
import { registerMigrateCommand } from './migrateCommand';
import { registerMirrorCommand } from './mirrorCommand';
import { registerPuCommand } from './puCommand';
import { registerStackCommand } from './stackCommand';
import { registerTailCommand } from './tailCommand';

/**
 * Builds the `spacelog` command. Each subcommand lives in its own module and registers itself here;
 * add a new one with one `register...(program)` line.
 */
export function buildProgram(): Command {
  const program = new Command('spacelog')
    .description('Spacelog: a space-based data grid whose system of record is a Kafka log')
    .showHelpAfterError()
    // Before the subcommands: commander copies these settings into each subcommand as it is created.
    .exitOverride();
  registerStackCommand(program);
  registerTailCommand(program);
  registerDemoCommand(program);
  registerMirrorCommand(program);
  registerMigrateCommand(program);
  registerPuCommand(program);
  registerClusterCommand(program);
  return program;
}

/** Runs the CLI. Failures are printed (with the log lines that explain them) and set a non-zero exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = buildProgram();
  // `spacelog stack status | head -1`: a reader that goes away is not an error of ours.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    process.exitCode = reportError(error);
  }
}

/** Prints an error for a human and returns the exit code to use. */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode; // commander has printed it already
  if (isStackError(error)) {
    process.stderr.write(`spacelog: ${error.message}\n`);
    if (error.logTail.length > 0) {
      process.stderr.write(
        `--- last lines${error.logFile === undefined ? '' : ` of ${error.logFile}`} ---\n`,
      );
      process.stderr.write(`${error.logTail.join('\n')}\n`);
    }
    return 1;
  }
  if (isSpacelogError(error)) {
    process.stderr.write(`spacelog: ${error.message}\n`);
    return 1;
  }
  process.stderr.write(
    `spacelog: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return 1;
}
