#!/usr/bin/env node
// Builds the browser side into dist/: the demo page (served by the api at /), the SDK bundle, and
// `<velvet-player>` as one script (served by the api at /sdk/velvet-player.js).
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
await build({
  ...common,
  entryPoints: [join(root, 'sdk/src/velvet-player.ts')],
  outfile: join(root, 'dist/sdk/velvet-player.js'),
  format: 'iife',
});
for (const file of ['index.html', 'app.css']) copyFileSync(join(root, 'demo', file), join(out, file));
