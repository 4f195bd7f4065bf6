import type { Knex } from 'knex';
import type { ColumnMapping } from './TableMapping';

/** A column as `information_schema.columns` describes it. */
export interface ExistingColumn {
  readonly dataType: string;
  readonly nullable: boolean;
}

/** What `spacelog_types` recorded for a type at its last migration. */
export interface RecordedType {
  readonly fingerprint: string;
  readonly tableName: string;
  readonly columns: readonly ColumnMapping[];
}

/** Reads what exists in the mirror's PostgreSQL schema: tables, columns, indexes, recorded types. */
export class DatabaseLayout {
  constructor(
    private readonly knex: Knex,
    private readonly schema: string,
  ) {}

  /** Columns of a table by name; empty when the table does not exist. */
  async columns(table: string): Promise<Map<string, ExistingColumn>> {
    const rows = (await this.knex('information_schema.columns')
      .select('column_name', 'data_type', 'is_nullable')
      .where({ table_schema: this.schema, table_name: table })) as {
      column_name: string;
      data_type: string;
      is_nullable: string;
    }[];
    return new Map(
      rows.map((r) => [r.column_name, { dataType: r.data_type, nullable: r.is_nullable === 'YES' }]),
    );
  }

  /** Names of the indexes of a table. */
  async indexes(table: string): Promise<Set<string>> {
    const rows = (await this.knex('pg_indexes')
      .select('indexname')
      .where({ schemaname: this.schema, tablename: table })) as { indexname: string }[];
    return new Set(rows.map((r) => r.indexname));
  }

  /** True once Spacelog's own tables exist (core migrations applied). */
  async hasSpacelogTables(): Promise<boolean> {
    return (await this.columns('spacelog_types')).size > 0;
  }

  /** The types of a space as `spacelog_types` recorded them, by type name. */
  async recordedTypes(space: string): Promise<Map<string, RecordedType>> {
    if (!(await this.hasSpacelogTables())) return new Map();
    const rows = (await this.knex
      .withSchema(this.schema)
      .table('spacelog_types')
      .select('type', 'fingerprint', 'table_name', 'columns')
      .where({ space })) as {
      type: string;
      fingerprint: string;
      table_name: string;
      columns: ColumnMapping[];
    }[];
    return new Map(
      rows.map((r) => [r.type, { fingerprint: r.fingerprint, tableName: r.table_name, columns: r.columns }]),
    );
  }
}
