import { Command, CommanderError } from 'commander';
import { isSpacelogError } from '../errors/SpacelogError';
import { isStackError } from '../errors/stack';
import { registerAclCommand } from './aclCommand';
import { registerDemoCommand } from './demoCommand';
import { registerClusterCommand } from './clusterCommand';
import { parseLogFormat, setCliLogFormat } from './cliLogging';
import { registerConsoleCommand } from './consoleCommand';
import { registerMigrateCommand } from './migrateCommand';
import { registerMirrorCommand } from './mirrorCommand';
import { registerPuCommand } from './puCommand';
import { registerStackCommand } from './stackCommand';
import { registerTailCommand } from './tailCommand';
import { registerTypesCommand } from './typesCommand';
import { registerUsersCommand } from './usersCommand';
import { registerVerifyCommand } from './verifyCommand';
import { packageVersion } from './packageVersion';
import { connectionFailureLine } from './reachability';
import { configureUsageErrors, exitCodeOf, FAILURE_EXIT_CODE } from './usageErrors';

/**
 * Builds the `spacelog` command. Each subcommand lives in its own module and registers itself here;
 * add a new one with one `register...(program)` line.
 */
export function buildProgram(
  writeErr: (text: string) => void = (text) => process.stderr.write(text),
): Command {
  const program = new Command('spacelog')
    .description('Spacelog: a space-based data grid whose system of record is a Kafka log')
    .version(packageVersion(), '-V, --version', 'print the version of spacelog')
    .option(
      '--log-format <format>',
      'logs of long-running commands (pu start, mirror run) on stderr: human (default) or json',
      parseLogFormat,
    )
    .hook('preAction', () => {
      const { logFormat } = program.opts<{ logFormat?: 'human' | 'json' }>();
      if (logFormat !== undefined) setCliLogFormat(logFormat);
    });
  registerStackCommand(program);
  registerTailCommand(program);
  registerDemoCommand(program);
  registerMirrorCommand(program);
  registerMigrateCommand(program);
  registerPuCommand(program);
  registerClusterCommand(program);
  registerUsersCommand(program);
  registerAclCommand(program);
  registerVerifyCommand(program);
  registerConsoleCommand(program);
  registerTypesCommand(program);
  // After the subcommands: the hint under a usage error names the command it is about.
  configureUsageErrors(program, writeErr);
  return program;
}

/**
 * Runs the CLI. Failures are printed and set the exit code: 2 for a command line it could not make
 * sense of (one line naming the problem, one line of hint), 1 for a command that failed while it ran
 * (one line; a stack only for a failure nobody expected).
 */
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
  if (error instanceof CommanderError) return exitCodeOf(error); // commander has printed it already
  if (isStackError(error)) {
    process.stderr.write(`spacelog: ${error.message}\n`);
    if (error.logTail.length > 0) {
      process.stderr.write(
        `--- last lines${error.logFile === undefined ? '' : ` of ${error.logFile}`} ---\n`,
      );
      process.stderr.write(`${error.logTail.join('\n')}\n`);
    }
    return FAILURE_EXIT_CODE;
  }
  // A broker or database that went away mid-command: which one, not kafkajs's stack.
  const connection = connectionFailureLine(error);
  if (connection !== undefined) {
    process.stderr.write(`spacelog: ${connection}\n`);
    return FAILURE_EXIT_CODE;
  }
  if (isSpacelogError(error)) {
    process.stderr.write(`spacelog: ${error.message}\n`);
    return FAILURE_EXIT_CODE;
  }
  process.stderr.write(
    `spacelog: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return FAILURE_EXIT_CODE;
}
