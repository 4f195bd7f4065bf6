import { Command } from 'commander';
import { addUser, readCredentialsFile, writeCredentialsFile } from '../net/security/Credentials';

/** Options of `spacelog users add`, as commander hands them over. */
interface UsersAddOptions {
  readonly file: string;
  readonly passwordEnv?: string;
}

/** Where the password comes from when neither --password-env nor a terminal gives it. */
export const DEFAULT_PASSWORD_ENV = 'SPACELOG_PASSWORD';

/**
 * Registers `spacelog users add <name> --file users.json`: adds (or replaces) a user of a wire
 * credentials file with a salted scrypt hash. The password never comes from argv (it would show in
 * `ps` and shell history): from the environment variable `--password-env` names (default
 * SPACELOG_PASSWORD), else from stdin (typed at a terminal without echo, or piped: its first line).
 */
export function registerUsersCommand(program: Command): void {
  const users = program
    .command('users')
    .description('manage the users of a wire credentials file (docs/security.md)');
  users
    .command('add')
    .description('add or replace a user (password from $SPACELOG_PASSWORD or stdin, never argv)')
    .argument('<name>', 'user name')
    .requiredOption('--file <path>', 'credentials file (created with mode 0600 if missing)')
    .option(
      '--password-env <VAR>',
      `environment variable holding the password (default ${DEFAULT_PASSWORD_ENV})`,
    )
    .action(async (name: string, options: UsersAddOptions) => {
      const password = await passwordFrom(options.passwordEnv ?? DEFAULT_PASSWORD_ENV);
      const content = await addUser(readCredentialsFile(options.file, true), name, password);
      writeCredentialsFile(options.file, content);
      process.stdout.write(`user '${name}' saved in ${options.file}\n`);
    });
}

/** The password: from the environment variable if set, else the first line of stdin. */
async function passwordFrom(variable: string): Promise<string> {
  const fromEnv = process.env[variable];
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('password: ');
    stdin.setRawMode(true);
  }
  try {
    return await firstLine(stdin, stdin.isTTY === true);
  } finally {
    if (stdin.isTTY) {
      stdin.setRawMode(false);
      process.stderr.write('\n');
    }
    stdin.pause();
  }
}

/** Reads up to the first newline (or end of input); at a terminal, without echo (raw mode). */
function firstLine(stream: NodeJS.ReadStream, raw: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (): void => {
      stream.off('data', onData);
      stream.off('end', done);
      resolve(text);
    };
    const onData = (chunk: Buffer): void => {
      const part = chunk.toString('utf8');
      if (raw && part.includes('\u0003')) {
        stream.off('data', onData);
        reject(new Error('cancelled'));
        return;
      }
      const end = part.search(/[\r\n]/u);
      if (end < 0) {
        text += part;
        return;
      }
      text += part.slice(0, end);
      done();
    };
    stream.on('data', onData);
    stream.once('end', done);
  });
}
