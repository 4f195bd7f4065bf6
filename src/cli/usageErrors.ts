import { Command, CommanderError } from 'commander';

/** Exit code of a command line the CLI could not make sense of (as with BSD `sysexits`' usage and bash builtins). */
export const USAGE_EXIT_CODE = 2;

/** Exit code of a command that was understood but failed while it ran. */
export const FAILURE_EXIT_CODE = 1;

/** Code of the usage errors the commands raise themselves ({@link usageError}). */
export const SPACELOG_USAGE_CODE = 'spacelog.usage';

/**
 * commander's error codes for a command line it refused: an unknown command or option, a missing
 * argument or option value, a value its parser rejected, extra arguments, conflicting options.
 */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'commander.unknownCommand',
  'commander.unknownOption',
  'commander.missingArgument',
  'commander.optionMissingArgument',
  'commander.missingMandatoryOptionValue',
  'commander.invalidArgument',
  'commander.excessArguments',
  'commander.conflictingOption',
  SPACELOG_USAGE_CODE,
]);

/**
 * The exit code for a commander exit: 0 for `--help` and `--version`, 2 for a usage error and for
 * a command group run without its subcommand (`spacelog stack`, whose help it prints), else
 * commander's own code.
 */
export function exitCodeOf(error: CommanderError): number {
  if (USAGE_CODES.has(error.code)) return USAGE_EXIT_CODE;
  // `spacelog` or `spacelog cluster` alone: commander prints the help as an error (exit code 1).
  if (error.code === 'commander.help' && error.exitCode !== 0) return USAGE_EXIT_CODE;
  return error.exitCode;
}

/** `spacelog cluster status`: the full name of a command, as a user types it. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/** The line printed under a usage error: where to read the usage of that command. */
export function usageHint(command: Command): string {
  return `run '${commandPath(command)} --help' for usage`;
}

/**
 * commander's error text (`error: unknown command 'tial'`, then `(Did you mean tail?)` on a line of
 * its own) as the CLI prints it: `spacelog: unknown command 'tial' (Did you mean tail?)`, one line.
 */
export function formatErrorLine(text: string): string {
  const line = text
    .trim()
    .replace(/^error: /, '')
    .replace(/\s*\n\s*/g, ' ');
  return `spacelog: ${line}\n`;
}

/**
 * Makes every command of the tree answer a usage error with one line naming the problem and one
 * line of hint (its own `--help`), instead of the whole help, and throw a `CommanderError` instead
 * of exiting (the caller maps it with {@link exitCodeOf}). Call it once every command is registered:
 * the hint names each command.
 */
export function configureUsageErrors(program: Command, writeErr: (text: string) => void): void {
  for (const command of commandTree(program)) {
    command
      .exitOverride()
      .configureOutput({ writeErr, outputError: (text, write) => write(formatErrorLine(text)) })
      // A string instead of `true`: commander prints it under the error in place of the help.
      .showHelpAfterError(usageHint(command));
  }
}

/**
 * Refuses a command line that commander accepted but the command cannot run (an option required
 * only with some action): printed and mapped to exit code 2 like commander's own usage errors.
 */
export function usageError(command: Command, message: string): never {
  command.error(message, { exitCode: USAGE_EXIT_CODE, code: SPACELOG_USAGE_CODE });
  // command.error throws under exitOverride; this line is for a command built without it.
  throw new CommanderError(USAGE_EXIT_CODE, SPACELOG_USAGE_CODE, message);
}

function commandTree(command: Command): Command[] {
  return [command, ...command.commands.flatMap((child) => commandTree(child))];
}
