import { MirrorSchemaBehindError } from '../../../src/errors';
import { WriterSchemas } from '../../../src/log/codec/WriterSchemas';
import { checkWritersBehind } from '../../../src/mirror/checkWritersBehind';
import { EntryType } from '../../../src/schema/EntryType';
import { TypeRegistry } from '../../../src/schema/TypeRegistry';

/** Note versions: v1; v2 adds a top-level field; v3 adds a field inside a nested record of an array. */
function note(extra: { top?: boolean; nested?: boolean; dropBody?: boolean } = {}): Record<string, unknown> {
  const line = {
    type: 'record',
    name: 'Line',
    fields: [
      { name: 'text', type: 'string' },
      ...(extra.nested ? [{ name: 'color', type: 'string', default: '' }] : []),
    ],
  };
  return {
    type: 'record',
    name: 'Note',
    namespace: 'spacelog.test',
    spacelog: { id: 'id' },
    fields: [
      { name: 'id', type: 'string' },
      ...(extra.dropBody ? [] : [{ name: 'body', type: 'string', default: '' }]),
      { name: 'lines', type: { type: 'array', items: line }, default: [] },
      ...(extra.top ? [{ name: 'tag', type: ['null', 'string'], default: null }] : []),
    ],
  };
}

const registry = (schema: Record<string, unknown>): TypeRegistry =>
  new TypeRegistry([EntryType.fromSchema(schema)]);

function writers(...schemas: Record<string, unknown>[]): WriterSchemas {
  const known = new WriterSchemas();
  for (const schema of schemas) known.add('Note', schema as never);
  return known;
}

function refusal(run: () => void): MirrorSchemaBehindError {
  try {
    run();
  } catch (error) {
    if (error instanceof MirrorSchemaBehindError) return error;
    throw error;
  }
  throw new Error('expected MirrorSchemaBehindError');
}

describe('checkWritersBehind: a mirror older than the log writers refuses rather than drop fields', () => {
  it('names a top-level field a newer writer has', () => {
    const error = refusal(() =>
      checkWritersBehind('s', registry(note()), writers(note(), note({ top: true }))),
    );
    expect(error.field).toBe('tag');
    expect(error.typeName).toBe('Note');
    expect(error.code).toBe('MIRROR_SCHEMA_BEHIND');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('tag');
  });

  it('names a field nested in records and arrays', () => {
    const error = refusal(() =>
      checkWritersBehind('s', registry(note()), writers(note(), note({ nested: true }))),
    );
    expect(error.field).toBe('lines[].color');
  });

  it('accepts writers that are the same, older, or only lack fields; an older writer may have a removed field', () => {
    expect(() =>
      checkWritersBehind('s', registry(note({ top: true })), writers(note(), note({ top: true }))),
    ).not.toThrow();
    expect(() =>
      checkWritersBehind('s', registry(note({ dropBody: true })), writers(note(), note({ dropBody: true }))),
    ).not.toThrow();
    expect(() => checkWritersBehind('s', registry(note()), new WriterSchemas())).not.toThrow();
  });

  it('without its own version registered, compares with the latest writer', () => {
    const error = refusal(() => checkWritersBehind('s', registry(note()), writers(note({ top: true }))));
    expect(error.field).toBe('tag');
    expect(() =>
      checkWritersBehind('s', registry(note({ top: true, nested: true })), writers(note({ top: true }))),
    ).not.toThrow();
  });
});
