#!/usr/bin/env node
// Builds the browser side: the demo page (served by the api at /) and the SDK bundle, into dist/.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/demo');
mkdirSync(out, { recursive: true });
const common = { bundle: true, minify: true, sourcemap: true, target: ['es2020'], logLevel: 'warning' };
await build({ ...common, entryPoints: [join(root, 'demo/demo.ts')], outfile: join(out, 'app.js'), format: 'iife' });
await build({
  ...common,
  entryPoints: [join(root, 'sdk/src/index.ts')],
  outfile: join(root, 'dist/sdk/velvet.js'),
  format: 'esm',
});
for (const file of ['index.html', 'app.css']) copyFileSync(join(root, 'demo', file), join(out, file));
