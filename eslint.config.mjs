// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const SDKS = ['fluent-ffmpeg', '@aws-sdk/*', 'bullmq', 'ioredis', 'pg', '@electric-sql/pglite'];
const sdkBan = { group: SDKS, message: 'Technology lives behind a port, in src/adapters/ (docs/conventions.md).' };
const layer = (folders, message) => ({ group: folders.map((f) => `**/${f}/**`), message });

/** The import rules of docs/conventions.md, one block per folder. */
const boundaries = [
  {
    files: ['src/domain/**/*.ts'],
    patterns: [
      { group: ['@nestjs/*', ...SDKS], message: 'domain/ is pure TypeScript: no Nest, no SDK.' },
      layer(
        ['ports', 'services', 'adapters', 'http', 'config', 'jobs', 'dev', 'worker'],
        'domain/ imports nothing but domain/.',
      ),
    ],
  },
  {
    files: ['src/runtime/**/*.ts'],
    patterns: [
      { group: ['@nestjs/*', ...SDKS], message: 'runtime/ runs before any dependency loads.' },
      layer(
        ['domain', 'ports', 'services', 'adapters', 'http', 'config', 'jobs', 'dev', 'worker'],
        'runtime/ imports nothing.',
      ),
    ],
  },
  {
    files: ['src/ports/**/*.ts'],
    patterns: [sdkBan, layer(['services', 'adapters', 'http', 'jobs', 'dev', 'worker'], 'ports/ import domain/ only.')],
  },
  {
    files: ['src/services/**/*.ts', 'src/jobs/**/*.ts'],
    patterns: [
      sdkBan,
      layer(['adapters', 'http', 'dev', 'worker'], 'services/ depend on domain, ports, jobs and config only.'),
    ],
  },
  {
    files: ['src/http/**/*.ts'],
    patterns: [sdkBan, layer(['adapters', 'dev', 'worker'], 'http/ reaches technology through services and ports.')],
  },
  {
    files: ['src/adapters/**/*.ts'],
    patterns: [layer(['http', 'dev', 'worker'], 'adapters/ never import http/ or worker/.')],
  },
  {
    files: ['src/config/**/*.ts', 'src/*.ts'],
    patterns: [sdkBan, layer(['worker', 'dev'], 'The api never imports the worker (it would consume jobs).')],
  },
  {
    files: ['src/edge/**/*.ts', 'src/doctor/**/*.ts'],
    patterns: [layer(['worker', 'dev'], 'src/ never imports worker/ or dev/.')],
  },
  {
    files: ['worker/**/*.ts'],
    patterns: [
      // Processors translate BullMQ jobs, so worker/ alone may use bullmq besides the adapters.
      { group: SDKS.filter((s) => s !== 'bullmq'), message: sdkBan.message },
      {
        group: [
          '**/src/domain/**',
          '**/src/ports/**',
          '**/src/http/**',
          '**/src/edge/**',
          '**/src/doctor/**',
          '**/dev/**',
        ],
        message: 'worker/ imports services, jobs, config and the adapters module only: a job is one service call.',
      },
      {
        group: ['**/src/adapters/*', '!**/src/adapters/adapters.module'],
        message: 'worker/ binds adapters through src/adapters/adapters.module only.',
      },
    ],
  },
  {
    // The embedded development stack: any part of Velvet and the local stand-ins, never the tests.
    files: ['dev/**/*.ts'],
    patterns: [
      {
        group: ['**/test/**', '**/bench/**'],
        message: 'dev/ is a tool beside the product; tests use it, not the reverse.',
      },
    ],
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/', 'infra/cdk.out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // No import circle anywhere: a module's place in the layers is read from its imports alone.
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json'] })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  ...boundaries.map(({ files, patterns }) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } })),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
