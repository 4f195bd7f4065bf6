import type { LogFields, SpacelogLogger } from '../../src/ops/logging';

/** One record a {@link CapturingLogger} received: its level, message and fields (bindings merged in). */
export interface CapturedRecord {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly msg: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * A SpacelogLogger that keeps every record in memory (at every level), children included, so a
 * test asserts what was logged and how often. Shaped like pino, as any user logger would be.
 */
export class CapturingLogger implements SpacelogLogger {
  readonly level = 'trace';

  constructor(
    readonly records: CapturedRecord[] = [],
    private readonly bindings: LogFields = {},
  ) {}

  trace = (fields: LogFields, msg?: string): void => this.push('trace', fields, msg);
  debug = (fields: LogFields, msg?: string): void => this.push('debug', fields, msg);
  info = (fields: LogFields, msg?: string): void => this.push('info', fields, msg);
  warn = (fields: LogFields, msg?: string): void => this.push('warn', fields, msg);
  error = (fields: LogFields, msg?: string): void => this.push('error', fields, msg);
  fatal = (fields: LogFields, msg?: string): void => this.push('fatal', fields, msg);

  child(bindings: LogFields): CapturingLogger {
    return new CapturingLogger(this.records, { ...this.bindings, ...bindings });
  }

  /** Records whose fields include every one of `match`. */
  find(match: LogFields): CapturedRecord[] {
    return this.records.filter((r) => Object.entries(match).every(([k, v]) => r.fields[k] === v));
  }

  private push(level: CapturedRecord['level'], fields: LogFields, msg: string | undefined): void {
    this.records.push({ level, msg, fields: { ...this.bindings, ...fields } });
  }
}
