import type { Knex } from 'knex';
import { MirrorSchemaMismatchError } from '../errors';
import { DatabaseLayout } from './DatabaseLayout';
import { historyTableOf } from './naming';
import { META_COLUMNS, type TableMapping } from './TableMapping';

/**
 * Refuses to mirror into tables that do not fit the entry types: every table, column (with its type)
 * and enum CHECK the mapping needs must exist. Throws MirrorSchemaMismatchError naming the first
 * table / column at fault and the command that fixes it. Extra columns are fine (a removed field's
 * column stays, as its old values do).
 */
export async function checkMirrorSchema(
  knex: Knex,
  mappings: readonly TableMapping[],
  history = false,
): Promise<void> {
  const first = mappings[0];
  if (history && first !== undefined) {
    const table = historyTableOf(first.space);
    if ((await new DatabaseLayout(knex, first.schema).columns(table)).size === 0) {
      throw new MirrorSchemaMismatchError(
        `history table ${first.schema}.${table} does not exist: run ` +
          `\`spacelog migrate make --space ${first.space} --history --schemas <dir>\` then \`spacelog migrate\``,
        `${first.schema}.${table}`,
        '',
        { space: first.space },
      );
    }
  }
  for (const m of mappings) {
    const layout = new DatabaseLayout(knex, m.schema);
    const fix = `run \`spacelog migrate make --space ${m.space} --schemas <dir>\` then \`spacelog migrate\``;
    const where = `${m.schema}.${m.table}`;
    const existing = await layout.columns(m.table);
    if (existing.size === 0) {
      throw new MirrorSchemaMismatchError(
        `mirror table ${where} of type ${m.typeName} does not exist: ${fix}`,
        where,
        '',
        { space: m.space, type: m.typeName },
      );
    }
    const wanted = [
      ...m.columns.map((c) => ({ name: c.name, sqlType: c.sqlType, nullable: c.nullable })),
      ...META_COLUMNS,
    ];
    for (const column of wanted) {
      const found = existing.get(column.name);
      const problem =
        found === undefined
          ? 'is missing'
          : found.dataType !== column.sqlType
            ? `is ${found.dataType}, the schema needs ${column.sqlType}`
            : column.nullable && !found.nullable
              ? 'is NOT NULL, the schema allows null'
              : undefined;
      if (problem !== undefined) {
        throw new MirrorSchemaMismatchError(
          `column ${column.name} of mirror table ${where} ${problem}: ${fix}`,
          where,
          column.name,
          { space: m.space, type: m.typeName },
        );
      }
    }
    const recorded = (await layout.recordedTypes(m.space)).get(m.typeName);
    for (const column of m.columns.filter((c) => c.symbols !== undefined)) {
      const before = recorded?.columns.find((c) => c.name === column.name)?.symbols;
      if (before === undefined || before.join('\u0000') !== (column.symbols ?? []).join('\u0000')) {
        throw new MirrorSchemaMismatchError(
          `enum column ${column.name} of mirror table ${where} does not allow the symbols ` +
            `${(column.symbols ?? []).join(', ')}: ${fix}`,
          where,
          column.name,
          { space: m.space, type: m.typeName },
        );
      }
    }
  }
}
