import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** The folders and files LAYERS in eslint.config.mjs names (the zones lint builds from it). */
function layered(): Set<string> {
  const config = readFileSync(path.join(ROOT, 'eslint.config.mjs'), 'utf8');
  const block = /const LAYERS = \[([\s\S]*?)\n\];/u.exec(config)?.[1];
  if (block === undefined) throw new Error('eslint.config.mjs has no LAYERS list');
  return new Set([...block.matchAll(/'(src\/[^']+)'/gu)].map((m) => m[1]!));
}

describe('the layering lint', () => {
  test('names every folder and file directly under src/, so none is left without a zone', () => {
    const entries = readdirSync(path.join(ROOT, 'src')).map((name) => `src/${name}`);
    const names = layered();
    expect(entries.filter((entry) => !names.has(entry))).toEqual([]);
    expect([...names].filter((name) => !entries.includes(name))).toEqual([]);
  });
});
