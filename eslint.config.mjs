// Lint: typed rules that catch what bites infrastructure code (floating promises, any in APIs, cycles).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// The layers of src/, ground first (docs/design.md, "Source layout"): a folder may import from its own
// layer and those below, never from above. import-x/no-cycle keeps a layer's folders from importing
// each other in a loop.
const LAYERS = [
  ['src/errors', 'src/config', 'src/disposeSymbols.ts', 'src/packageRoot.ts'],
  ['src/schema', 'src/retry', 'src/ops'],
  ['src/space'],
  ['src/log', 'src/api'],
  ['src/net', 'src/partition', 'src/mirror'],
  ['src/http', 'src/client', 'src/events'],
  ['src/console'],
  ['src/cluster'],
  ['src/verify'],
  ['src/demo', 'src/index.ts'],
  ['src/cli'],
];
const layerZones = LAYERS.slice(0, -1).flatMap((layer, i) =>
  layer.map((target) => ({
    target: `./${target}`,
    from: LAYERS.slice(i + 1)
      .flat()
      .map((above) => `./${above}`),
    message: `${target} may not import from a layer above its own (docs/design.md, "Source layout").`,
  })),
);
// Inside ops/: rate, logging and metrics at the ground, status on metrics. The rate bound imports
// nothing of ops, since the pure engine uses it and must not reach logging through it.
const opsZones = [
  { target: './src/ops/rate', from: ['./src/ops/logging', './src/ops/metrics', './src/ops/status'] },
  { target: './src/ops/logging', from: ['./src/ops/metrics', './src/ops/status'] },
  { target: './src/ops/metrics', from: ['./src/ops/logging', './src/ops/status'] },
];
// The engine reports through what it is given, never to a logger of its own.
const spaceZones = [{ target: './src/space', from: ['./src/ops/logging'] }];
const PURE_CORE_FORBIDDEN_BUILTINS = [
  'fs',
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
];
// The log knows nothing of queries (docs/design.md, law of the layers).
const logZones = [{ target: './src/log', from: ['./src/space/query'] }];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bin/**',
      'bench/run.js',
      '*.config.*',
      'migrations/**',
      'docker/**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Resolve `./x` to `./x.ts`, so the import rules see every import (unresolved ones are skipped).
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        { zones: [...layerZones, ...opsZones, ...spaceZones, ...logZones] },
      ],
    },
  },
  {
    // The pure core, and the rate bound it imports: no Kafka, no sockets, no files, no database, no
    // processes, no logging of its own.
    files: ['src/space/**/*.ts', 'src/ops/rate/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['kafkajs', 'pg', 'knex', 'pino', 'prom-client'].map((name) => ({
            name,
            message: 'src/space is the pure engine: I/O belongs to the layers above it.',
          })),
          patterns: [
            {
              group: PURE_CORE_FORBIDDEN_BUILTINS.flatMap((name) => [
                name,
                `${name}/*`,
                `node:${name}`,
                `node:${name}/*`,
              ]),
              message: 'src/space is the pure engine: I/O belongs to the layers above it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
