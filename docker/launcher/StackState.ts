import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A broker process the launcher started. */
export interface BrokerRecord {
  readonly nodeId: number;
  readonly pid: number;
  readonly port: number;
  readonly controllerPort: number;
  /** Its server.properties: also the marker that proves a live PID is still this broker. */
  readonly configFile: string;
  readonly logFile: string;
}

/** How clients reach a secure cluster: paths only, never a secret. */
export interface KafkaSecurityRecord {
  readonly protocol: 'SASL_SSL';
  readonly mechanism: 'scram-sha-512';
  /** The CA certificate (PEM) clients trust. */
  readonly caFile: string;
  /** Per SCRAM user (admin first): its credentials file (JSON, mode 0600). */
  readonly credentialFiles: Readonly<Record<string, string>>;
}

/** The Kafka cluster the launcher started. */
export interface KafkaRecord {
  readonly clusterId: string;
  readonly version: string;
  readonly startedAt: string;
  readonly brokers: readonly BrokerRecord[];
  /** Set for a secure cluster. */
  readonly security?: KafkaSecurityRecord;
}

/** A PostgreSQL server the launcher started (and therefore may stop). */
export type PostgresRecord =
  | {
      readonly kind: 'pg_ctlcluster';
      readonly version: string;
      readonly cluster: string;
      readonly url: string;
    }
  | { readonly kind: 'initdb'; readonly dataDir: string; readonly port: number; readonly url: string };

/** What state.json holds: only what this launcher started, so `down` stops nothing else. */
export interface StackStateData {
  kafka?: KafkaRecord;
  postgres?: PostgresRecord;
}

/** Reads and writes the stack's state.json (atomically: write a temporary file, then rename). */
export class StackState {
  readonly file: string;

  constructor(readonly stateDir: string) {
    this.file = path.join(stateDir, 'state.json');
  }

  /** The recorded state; empty when nothing was started or the file is unreadable. */
  read(): StackStateData {
    if (!existsSync(this.file)) return {};
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as StackStateData;
    } catch {
      return {};
    }
  }

  /** Replaces the recorded state; removes the file when nothing is left running. */
  write(data: StackStateData): void {
    if (data.kafka === undefined && data.postgres === undefined) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(data, null, 2)}\n`);
    renameSync(temporary, this.file);
  }

  /** Reads, changes and writes the state in one step. */
  update(change: (data: StackStateData) => void): StackStateData {
    const data = this.read();
    change(data);
    this.write(data);
    return data;
  }
}
