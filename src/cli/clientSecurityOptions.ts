import type { Command } from 'commander';
import type { ClientCredentials, ClientTlsOptions } from '../net/security/ClientSecurity';
import { DEFAULT_PASSWORD_ENV } from './usersCommand';
import { usageError } from './usageErrors';

/** The options `withClientSecurityOptions` adds, as commander parses them. */
export interface ClientSecurityFlags {
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly user?: string;
  readonly passwordEnv?: string;
}

/**
 * Adds how a CLI command reaches secured units: TLS files and a user whose password comes from an
 * environment variable (never from argv, where `ps` and shell history would keep it).
 */
export function withClientSecurityOptions(command: Command): Command {
  return command
    .option('--tls-ca <file>', "CA of the units' certificates (turns TLS on)")
    .option('--tls-cert <file>', 'client certificate for mutual TLS')
    .option('--tls-key <file>', "the client certificate's key")
    .option('--user <name>', `log in as this user; the password is read from $${DEFAULT_PASSWORD_ENV}`)
    .option(
      '--password-env <VAR>',
      `environment variable holding the password (default ${DEFAULT_PASSWORD_ENV})`,
    );
}

/**
 * The client's `tls` and `credentials` from the flags and the environment (both absent: plain TCP);
 * a user without a password, or without TLS, is a usage error of `command`.
 */
export function clientSecurityOf(
  command: Command,
  flags: ClientSecurityFlags,
  env: NodeJS.ProcessEnv = process.env,
): { tls?: ClientTlsOptions; credentials?: ClientCredentials } {
  const tls: ClientTlsOptions | undefined =
    flags.tlsCa === undefined && flags.tlsCert === undefined
      ? undefined
      : {
          ...(flags.tlsCa !== undefined ? { ca: flags.tlsCa } : {}),
          ...(flags.tlsCert !== undefined ? { cert: flags.tlsCert } : {}),
          ...(flags.tlsKey !== undefined ? { key: flags.tlsKey } : {}),
        };
  if (flags.user === undefined) return tls === undefined ? {} : { tls };
  const variable = flags.passwordEnv ?? DEFAULT_PASSWORD_ENV;
  const password = env[variable];
  if (password === undefined || password === '') {
    usageError(command, `--user ${flags.user} needs the password in $${variable}`);
  }
  if (tls === undefined)
    usageError(command, '--user needs --tls-ca: a password is never sent over plain TCP');
  return { tls, credentials: { username: flags.user, password } };
}
