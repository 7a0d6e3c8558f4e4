import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envLines } from '../lib/env-lines.ts';
import { STACK_NAME } from '../lib/outputs.ts';

/**
 * `npm run --silent infra:env [-- outputs.json]`: the deployed stack's outputs as `.env` lines.
 * The file is what `npm run infra:deploy` wrote (infra/cdk-outputs.json), or the JSON of
 * `aws cloudformation describe-stacks --stack-name VelvetMedia`.
 */
const file = process.argv[2] ?? join(import.meta.dirname, '..', 'cdk-outputs.json');
try {
  console.log(envLines(JSON.parse(readFileSync(file, 'utf8')), STACK_NAME).join('\n'));
} catch (error) {
  console.error(`infra:env: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
