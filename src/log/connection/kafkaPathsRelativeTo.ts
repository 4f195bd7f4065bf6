import { isAbsolute, resolve } from 'node:path';
import { isPem } from '../../config/settingFiles';

/**
 * `kafka` settings read from a config file, with the files they name (TLS PEM files, password and
 * token files) made relative to the file's folder, as `schemas` is. PEM text, absolute paths and
 * anything not shaped as expected are left as they are (the option check reports the latter).
 */
export function kafkaPathsRelativeTo(kafka: unknown, baseDir: string): unknown {
  if (!isRecord(kafka)) return kafka;
  const relative = (value: unknown): unknown =>
    typeof value === 'string' && !isPem(value) && !isAbsolute(value) ? resolve(baseDir, value) : value;
  const { ssl, sasl } = kafka;
  return {
    ...kafka,
    ...(isRecord(ssl)
      ? {
          ssl: {
            ...ssl,
            ...(ssl.ca === undefined
              ? {}
              : { ca: Array.isArray(ssl.ca) ? ssl.ca.map(relative) : relative(ssl.ca) }),
            ...(ssl.cert === undefined ? {} : { cert: relative(ssl.cert) }),
            ...(ssl.key === undefined ? {} : { key: relative(ssl.key) }),
          },
        }
      : {}),
    ...(isRecord(sasl)
      ? {
          sasl: {
            ...sasl,
            ...(sasl.passwordFile === undefined ? {} : { passwordFile: relative(sasl.passwordFile) }),
            ...(sasl.tokenFile === undefined ? {} : { tokenFile: relative(sasl.tokenFile) }),
          },
        }
      : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
