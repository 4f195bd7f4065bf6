import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerDemoCommand } from '../../../src/cli/demoCommand';
import { exampleSchemasFolder } from '../../../src/demo/exampleSchemasFolder';
import { registerTailCommand } from '../../../src/cli/tailCommand';
import { packageRoot } from '../../../src/packageRoot';

/** A program with the command registered, throwing instead of exiting, with its error output kept. */
function program(register: (program: Command) => void): { program: Command; errors: string[] } {
  const errors: string[] = [];
  const root = new Command('spacelog');
  register(root);
  for (const command of [root, ...root.commands]) {
    command
      .exitOverride()
      .configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => undefined });
  }
  return { program: root, errors };
}

async function refusal(register: (program: Command) => void, args: string[]): Promise<string> {
  const { program: root, errors } = program(register);
  await expect(root.parseAsync(args, { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
  return errors.join('');
}

describe('spacelog tail arguments', () => {
  it('needs a space', async () => {
    expect(await refusal(registerTailCommand, ['tail'])).toContain("missing required argument 'space'");
  });

  it('refuses a non-positive or non-numeric --max and a bad --brokers before connecting', async () => {
    expect(await refusal(registerTailCommand, ['tail', 'orders', '--max', '0'])).toContain(
      "option '--max <n>' argument '0' is invalid",
    );
    expect(await refusal(registerTailCommand, ['tail', 'orders', '--max', 'all'])).toContain('is invalid');
    expect(await refusal(registerTailCommand, ['tail', 'orders', '--brokers', 'kafka'])).toContain(
      "'kafka' is not host:port",
    );
    expect(await refusal(registerTailCommand, ['tail', 'orders', '--follow'])).toContain(
      "unknown option '--follow'",
    );
  });
});

describe('spacelog demo arguments', () => {
  it('refuses bad --partitions, --rate and --duration', async () => {
    expect(await refusal(registerDemoCommand, ['demo', '--partitions', '0'])).toContain('--partitions');
    expect(await refusal(registerDemoCommand, ['demo', '--rate', '-5'])).toContain('--rate');
    expect(await refusal(registerDemoCommand, ['demo', '--duration', '2.5'])).toContain('--duration');
  });

  it('defaults to 4 partitions, 500 operations/s, the spacelog prefix and the mirror on', () => {
    const { program: root } = program(registerDemoCommand);
    const demo = root.commands.find((c) => c.name() === 'demo')!;
    expect(demo.opts()).toEqual({ partitions: 4, rate: 500, prefix: 'spacelog', mirror: true });
  });
});

describe('packageRoot', () => {
  it('finds the spacelog package from this folder, whatever the current directory', () => {
    const root = path.resolve(__dirname, '../../..');
    expect(packageRoot()).toBe(root);
    expect(packageRoot(path.join(root, 'dist', 'src', 'cli'))).toBe(root);
    expect(exampleSchemasFolder()).toBe(path.join(root, 'schemas', 'examples'));
  });

  it('refuses a folder outside any spacelog package', () => {
    expect(() => packageRoot('/')).toThrow("no package.json of 'spacelog' above /");
  });
});
