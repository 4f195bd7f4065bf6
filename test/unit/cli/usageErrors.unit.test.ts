import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { buildProgram } from '../../../src/cli/main';
import { packageVersion } from '../../../src/cli/packageVersion';
import {
  exitCodeOf,
  formatErrorLine,
  SPACELOG_USAGE_CODE,
  usageHint,
  USAGE_EXIT_CODE,
} from '../../../src/cli/usageErrors';

// The stack must never start from a unit test, even if a refusal below stopped refusing.
jest.mock('../../../docker/launcher', () => ({
  ...jest.requireActual<Record<string, unknown>>('../../../docker/launcher'),
  Stack: jest.fn(() => {
    throw new Error('a unit test tried to start the stack');
  }),
}));

/** Parses a command line with the real program; returns the CommanderError and what went to stderr. */
async function refuse(args: string[]): Promise<{ error: CommanderError; stderr: string }> {
  let stderr = '';
  const program = buildProgram((text) => (stderr += text));
  const error = await program.parseAsync(args, { from: 'user' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CommanderError);
  return { error: error as CommanderError, stderr };
}

describe('usage errors', () => {
  it.each([
    [['tail', 'orders', '--follow'], "spacelog: unknown option '--follow'", 'spacelog tail'],
    [['tail'], "spacelog: missing required argument 'space'", 'spacelog tail'],
    [['nosuch'], "spacelog: unknown command 'nosuch'", 'spacelog'],
    [
      ['tail', 'orders', '--max', '0'],
      "spacelog: option '--max <n>' argument '0' is invalid.",
      'spacelog tail',
    ],
    [['tail', 'orders', 'extra'], 'spacelog: too many arguments', 'spacelog tail'],
    [
      ['cluster', 'status', 'orders', '--bogus'],
      "spacelog: unknown option '--bogus'",
      'spacelog cluster status',
    ],
    [['mirror', 'status'], "spacelog: required option '--space <name>' not specified", 'spacelog mirror'],
    [
      ['mirror', '--space', 'orders'],
      'spacelog: --schemas <dir> is required to run the mirror',
      'spacelog mirror',
    ],
    [
      ['migrate', 'make'],
      'spacelog: migrate make needs --schemas <dir> and --space <name>',
      'spacelog migrate',
    ],
  ])('%j: exit code 2, one line naming the problem and one line of hint', async (args, line, command) => {
    const { error, stderr } = await refuse(args);
    expect(exitCodeOf(error)).toBe(USAGE_EXIT_CODE);
    const lines = stderr.split('\n');
    expect(lines).toHaveLength(3); // two lines, each ended by a newline
    expect(lines[0]).toContain(line);
    expect(lines[1]).toBe(`run '${command} --help' for usage`);
    expect(stderr).not.toContain('Usage:');
  });

  it('keeps a suggestion on the line of the error', async () => {
    const { stderr } = await refuse(['tial']);
    expect(stderr).toBe(
      "spacelog: unknown command 'tial' (Did you mean tail?)\nrun 'spacelog --help' for usage\n",
    );
  });

  it('a command group without its subcommand prints its help and exits 2', async () => {
    const { error, stderr } = await refuse(['cluster']);
    expect(exitCodeOf(error)).toBe(USAGE_EXIT_CODE);
    expect(stderr).toContain('Usage: spacelog cluster');
  });

  it('--help and --version exit 0', () => {
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
    expect(exitCodeOf(new CommanderError(0, 'commander.version', '0.1.0'))).toBe(0);
  });

  it('maps every kind of refused command line to 2 and leaves other exits alone', () => {
    for (const code of ['commander.unknownOption', 'commander.conflictingOption', SPACELOG_USAGE_CODE]) {
      expect(exitCodeOf(new CommanderError(1, code, 'x'))).toBe(2);
    }
    expect(exitCodeOf(new CommanderError(3, 'commander.executeSubCommandAsync', 'x'))).toBe(3);
  });

  it('formats commander text as one spacelog line', () => {
    expect(formatErrorLine("error: unknown option '--x'\n")).toBe("spacelog: unknown option '--x'\n");
    expect(formatErrorLine("error: unknown command 'tial'\n(Did you mean tail?)\n")).toBe(
      "spacelog: unknown command 'tial' (Did you mean tail?)\n",
    );
  });

  it('names the full command in the hint', () => {
    const root = new Command('spacelog');
    const status = root.command('cluster').command('status');
    expect(usageHint(status)).toBe("run 'spacelog cluster status --help' for usage");
  });
});

describe('spacelog stack up --broker-count', () => {
  it('refuses the old --brokers <count> with a hint, before starting anything', async () => {
    const { error, stderr } = await refuse(['stack', 'up', '--brokers', '3']);
    expect(error.code).toBe(SPACELOG_USAGE_CODE);
    expect(exitCodeOf(error)).toBe(2);
    expect(stderr).toContain('stack up takes --broker-count <n>');
  });

  it('refuses a count out of range', async () => {
    for (const count of ['0', '6', 'three']) {
      const { error, stderr } = await refuse(['stack', 'up', '--broker-count', count]);
      expect(exitCodeOf(error)).toBe(2);
      expect(stderr).toContain("option '--broker-count <n>' argument");
    }
  });

  it('lists --broker-count in the help and hides the old flag', () => {
    const up = buildProgram()
      .commands.find((c) => c.name() === 'stack')!
      .commands.find((c) => c.name() === 'up')!;
    const help = up.helpInformation();
    expect(help).toContain('--broker-count <n>');
    expect(help).not.toContain('--brokers');
    expect(up.opts()).toEqual({ brokerCount: 1 });
  });
});

describe('spacelog --version', () => {
  it("is the version in spacelog's package.json", () => {
    const manifest = path.resolve(__dirname, '../../../package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    expect(packageVersion()).toBe(version);
    expect(buildProgram().version()).toBe(version);
  });
});
