import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Node's flags for the worker, read from `npm run start:worker` (package.json), so the benchmarks
 * and the fault run start the worker exactly as production does (the Dockerfile's CMD is checked
 * against the same script by test/deploy/compose.spec.ts).
 */
export function workerNodeFlags(root = process.cwd()): string[] {
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const [node, ...rest] = scripts['start:worker']!.split(/\s+/);
  const entry = rest.indexOf('dist/worker/main.js');
  if (node !== 'node' || entry < 0) throw new Error(`start:worker is not "node [flags] dist/worker/main.js"`);
  return rest.slice(0, entry);
}
