import { readFileSync } from 'node:fs';
import path from 'node:path';
import { closedPort, runCli, type CliExit } from './cliProcess';

/** Generous: the CLI answers in under a second here, but this machine is shared and loaded. */
const UNREACHABLE_BOUND_MS = 8_000;

const { version } = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
  version: string;
};

async function timed(args: string[]): Promise<CliExit & { ms: number }> {
  const started = performance.now();
  const exit = await runCli(args, {}, 30_000);
  return { ...exit, ms: performance.now() - started };
}

function stderrLines(exit: CliExit): string[] {
  return exit.stderr.split('\n').filter((line) => line !== '');
}

describe('spacelog command-line habits', () => {
  it.each([['--version'], ['-V']])('%s prints the package version and exits 0', async (flag) => {
    const exit = await runCli([flag]);
    expect(exit).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('an unknown option exits 2 with one line naming it and one line of hint, not the help', async () => {
    const exit = await runCli(['tail', 'orders', '--follow']);
    expect(exit.code).toBe(2);
    expect(exit.stdout).toBe('');
    expect(stderrLines(exit)).toEqual([
      "spacelog: unknown option '--follow'",
      "run 'spacelog tail --help' for usage",
    ]);
  });

  it('stack up refuses the old --brokers <count> (exit 2) and lists --broker-count', async () => {
    const port = await closedPort();
    // Brokers and database of the environment win over the launcher: even a refusal that failed
    // could not start or stop anything of the shared stack.
    const env = {
      SPACELOG_KAFKA_BROKERS: `127.0.0.1:${port}`,
      SPACELOG_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
    };
    const refused = await runCli(['stack', 'up', '--brokers', '3'], env);
    expect(refused.code).toBe(2);
    expect(stderrLines(refused)).toEqual([
      'spacelog: stack up takes --broker-count <n> (was --brokers <count>); --brokers is a host list in the other commands',
      "run 'spacelog stack up --help' for usage",
    ]);
    const help = await runCli(['stack', 'up', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--broker-count <n>\s+number of Kafka brokers/);
    expect(help.stdout).not.toContain('--brokers');
  });

  describe('a broker or database that is down: one line naming the endpoint, in seconds, exit 1', () => {
    let port: number;
    beforeAll(async () => {
      port = await closedPort();
    });

    it.each([
      ['tail', ['tail', 'orders']],
      ['cluster status', ['cluster', 'status', 'orders']],
      ['mirror status', ['mirror', 'status', '--space', 'orders']],
    ])('Kafka down: %s', async (_name, args) => {
      const exit = await timed([...args, '--brokers', `127.0.0.1:${port}`]);
      expect(exit.code).toBe(1);
      expect(stderrLines(exit)).toEqual([
        `spacelog: cannot reach Kafka at 127.0.0.1:${port} (ECONNREFUSED): start it with 'spacelog stack up' or pass --brokers`,
      ]);
      expect(exit.ms).toBeLessThan(UNREACHABLE_BOUND_MS);
    });

    it.each([
      ['migrate', ['migrate']],
      ['mirror dead-letters', ['mirror', 'dead-letters', '--space', 'orders']],
    ])('PostgreSQL down: %s', async (_name, args) => {
      const exit = await timed([...args, '--database', `postgres://spacelog@127.0.0.1:${port}/app`]);
      expect(exit.code).toBe(1);
      expect(stderrLines(exit)).toEqual([
        `spacelog: cannot reach PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED): start it with 'spacelog stack up' or pass --database`,
      ]);
      expect(exit.ms).toBeLessThan(UNREACHABLE_BOUND_MS);
    });

    it('refuses a password in --database (argv is visible to ps) as a usage error, without printing it', async () => {
      const exit = await timed(['migrate', '--database', `postgres://spacelog:s3cret@127.0.0.1:${port}/app`]);
      expect(exit.code).toBe(2);
      expect(exit.stderr).not.toContain('s3cret');
      expect(exit.stderr).toMatch(/password/);
    });
  });
});
