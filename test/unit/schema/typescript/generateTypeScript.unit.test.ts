import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import ts from 'typescript';
import { SchemaDefinitionError } from '../../../../src/errors';
import { decodeEntry, encodeEntry } from '../../../../src/net/entryCodec';
import { EntryType } from '../../../../src/schema/EntryType';
import { generateTypeScript } from '../../../../src/schema/typescript/generateTypeScript';
import { exampleTypes } from '../../space/fixtures';

const ROOT = path.resolve(__dirname, '../../../..');
/** The checked-in output for schemas/examples; typed tests import it. `UPDATE_TYPES_SNAPSHOT=1` rewrites it. */
const SNAPSHOT = path.join(ROOT, 'test/fixtures/exampleEntryTypes.ts');

/** One field of every kind the generator maps, with docs, defaults and a recursive record. */
const EVERYTHING = {
  type: 'record',
  name: 'Shipment',
  namespace: 'acme.logistics',
  doc: 'A parcel on its way.',
  spacelog: { id: { generated: true, field: 'id' }, routing: 'depot' },
  fields: [
    { name: 'id', type: 'string' },
    { name: 'depot', type: 'int', doc: 'Where it\n  starts */ from.' },
    { name: 'weight', type: 'float' },
    { name: 'serial', type: 'long' },
    { name: 'fragile', type: 'boolean' },
    { name: 'label', type: 'bytes' },
    { name: 'checksum', type: { type: 'fixed', name: 'Checksum', size: 4 } },
    { name: 'trackingId', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'shippedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'scannedAt', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'due', type: { type: 'int', logicalType: 'date' } },
    { name: 'priority', type: { type: 'enum', name: 'Priority', symbols: ['LOW', 'HIGH'] } },
    { name: 'attributes', type: { type: 'map', values: 'string' }, default: {} },
    { name: 'stops', type: { type: 'array', items: ['null', 'string'] } },
    { name: 'reference', type: ['null', 'string', 'long'], default: null },
    {
      name: 'route',
      type: {
        type: 'record',
        name: 'Leg',
        fields: [
          { name: 'to', type: 'string' },
          { name: 'next', type: ['null', 'Leg'], default: null },
        ],
      },
    },
  ],
};

const generate = (...schemas: unknown[]): string =>
  generateTypeScript(
    schemas.map((s, i) => EntryType.fromSchema(s, `s${i}.avsc`)),
    { source: 'test' },
  );

/** Type-checks a module (strict, as the repo compiles) and returns tsc's messages. */
function typeCheck(files: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacelog-types-'));
  try {
    const names = Object.entries(files).map(([name, text]) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    });
    const program = ts.createProgram(names, {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      types: ['node'],
      typeRoots: [path.join(ROOT, 'node_modules/@types')],
      skipLibCheck: true,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The repo's prettier (its own process: prettier 3 loads plugins by dynamic import, which jest's VM refuses). */
function prettierFormat(text: string, filepath: string): string {
  const bin = path.join(ROOT, 'node_modules/prettier/bin/prettier.cjs');
  return execFileSync(process.execPath, [bin, '--stdin-filepath', filepath], {
    input: text,
    encoding: 'utf8',
  });
}

describe('generateTypeScript', () => {
  it('generates the checked-in types of schemas/examples (the snapshot the typed tests import)', () => {
    const generated = generateTypeScript(exampleTypes(), { source: 'schemas/examples' });
    const formatted = prettierFormat(generated, SNAPSHOT);
    if (process.env.UPDATE_TYPES_SNAPSHOT === '1') fs.writeFileSync(SNAPSHOT, formatted);
    expect(fs.readFileSync(SNAPSHOT, 'utf8')).toBe(formatted);
  });

  it('maps every Avro kind to what the space hands out, and what a write accepts', () => {
    const out = generate(EVERYTHING);
    expect(out).toContain(
      [
        '/** A parcel on its way. */',
        'export interface Shipment {',
        '  readonly id: string;',
        '  /** Where it starts *\\/ from. */',
        '  readonly depot: number;',
        '  readonly weight: number;',
        '  readonly serial: number;',
        '  readonly fragile: boolean;',
        '  readonly label: Buffer;',
        '  readonly checksum: Buffer;',
        '  /** a UUID string */',
        '  readonly trackingId: string;',
        '  /** epoch milliseconds */',
        '  readonly shippedAt: number;',
        '  /** epoch microseconds */',
        '  readonly scannedAt: number;',
        '  /** days since 1970-01-01 */',
        '  readonly due: number;',
        '  readonly priority: Priority;',
        '  readonly attributes: Readonly<Record<string, string>>;',
        '  readonly stops: readonly (string | null)[];',
        '  readonly reference: string | number | null;',
        '  readonly route: Leg;',
        '}',
      ].join('\n'),
    );
    expect(out).toContain(
      [
        'export interface ShipmentInput {',
        '  /** Assigned by the space when left out. */',
        '  readonly id?: string;',
      ].join('\n'),
    );
    expect(out).toContain('  readonly label: Uint8Array;');
    expect(out).toContain('  readonly attributes?: Readonly<Record<string, string>>;');
    expect(out).toContain('  readonly reference?: string | number | null;');
    expect(out).toContain('  readonly route: LegInput;');
    expect(out).toContain("export type Priority = 'LOW' | 'HIGH';");
    expect(out).toContain('export interface Leg {\n  readonly to: string;\n  readonly next: Leg | null;\n}');
    expect(out).toContain(
      'export interface LegInput {\n  readonly to: string;\n  readonly next?: LegInput | null;\n}',
    );
    expect(out).toContain('export interface SpacelogTypes {\n  Shipment: Shipment;\n}');
    expect(out).toContain('export interface SpacelogInputs {\n  Shipment: ShipmentInput;\n}');
  });

  it('describes the values the space really returns, in process and through the wire codec', () => {
    const type = EntryType.fromSchema(EVERYTHING);
    const stored = type.validate({
      id: 'p1',
      depot: 3,
      weight: 1.5,
      serial: 2 ** 40,
      fragile: true,
      label: new Uint8Array([1, 2]),
      checksum: Buffer.from([1, 2, 3, 4]),
      trackingId: '0b7c4c52-64b0-4d4a-9f5e-2d1c7a0f3a11',
      shippedAt: 1_700_000_000_000,
      scannedAt: 1_700_000_000_000_000,
      due: 19_700,
      priority: 'HIGH',
      stops: ['a', null],
      route: { to: 'x', next: { to: 'y' } },
    });
    const decoded = decodeEntry(type, encodeEntry(type, stored));
    const generated = generate(EVERYTHING);
    // The module declares what both forms hold at run time: checked by compiling the value's own literal.
    const literal = (entry: Readonly<Record<string, unknown>>): string =>
      JSON.stringify(entry, (_k, v: unknown) =>
        typeof v === 'object' && v !== null && (v as { type?: string }).type === 'Buffer' ? '__BUFFER__' : v,
      ).replace(/"__BUFFER__"/g, 'Buffer.from([1])');
    for (const entry of [stored, decoded]) {
      expect(Buffer.isBuffer(entry.label)).toBe(true);
      expect(Buffer.isBuffer(entry.checksum)).toBe(true);
      expect(typeof entry.serial).toBe('number');
      expect(typeof entry.shippedAt).toBe('number');
      expect(entry.attributes).toEqual({});
      expect(entry.reference).toBeNull();
      expect(Object.isFrozen(entry)).toBe(true);
    }
    const errors = typeCheck({
      'types.ts': generated,
      'use.ts': [
        "import type { Shipment } from './types';",
        `export const stored: Shipment = ${literal(stored)};`,
        `export const decoded: Shipment = ${literal(decoded)};`,
      ].join('\n'),
    });
    expect(errors).toEqual([]);
  });

  it('compiles, and refuses what the schema refuses', () => {
    const errors = typeCheck({
      'types.ts': generate(EVERYTHING),
      'use.ts': [
        "import type { ShipmentInput, Shipment } from './types';",
        'export const ok: ShipmentInput = {',
        '  depot: 1, weight: 1, serial: 1, fragile: false, label: new Uint8Array(1), checksum: Buffer.alloc(4),',
        "  trackingId: 'u', shippedAt: 0, scannedAt: 0, due: 0, priority: 'LOW', stops: [], route: { to: 'x' },",
        '};',
        "export const badEnum: ShipmentInput = { ...ok, priority: 'MEDIUM' };",
        "export function noDepot(s: Omit<Shipment, 'depot'>): Shipment { return s; }",
        "export function frozen(s: Shipment): void { s.stops.push('x'); }",
      ].join('\n'),
    });
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/"MEDIUM"/);
    expect(errors[1]).toMatch(/depot/);
    expect(errors[2]).toMatch(/push/);
  });

  it('declares a named type shared by two schemas once, and refuses two different ones', () => {
    const address = { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }] };
    const a = {
      type: 'record',
      name: 'A',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'at', type: address },
      ],
    };
    const b = { ...a, name: 'B' };
    const out = generate(a, b);
    expect(out.match(/export interface Address \{/g)).toHaveLength(1);
    const other = { type: 'record', name: 'Address', fields: [{ name: 'zip', type: 'string' }] };
    const c = {
      ...a,
      name: 'C',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'at', type: other },
      ],
    };
    expect(() => generate(a, c)).toThrow(SchemaDefinitionError);
    expect(() => generate(a, c)).toThrow(/Address is declared differently/);
    const clash = { ...a, name: 'AInput' };
    expect(() => generate(a, clash)).toThrow(/AInput is declared differently/);
    expect(() => generate({ ...a, name: 'Buffer' })).toThrow(/reserved/);
  });
});
