import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envLines } from '../lib/env-lines.ts';
import { readStackName } from '../lib/inputs.ts';

/**
 * `npm run --silent infra:env [-- outputs.json]`: the deployed stack's outputs as `.env` lines.
 * The file is what `npm run infra:deploy` wrote (infra/cdk-outputs.json), or the JSON of
 * `aws cloudformation describe-stacks --stack-name VelvetMedia`; INFRA_STACK_NAME names another stack.
 */
const problems: string[] = [];
const stackName = readStackName(process.env.INFRA_STACK_NAME?.trim() || undefined, problems);
const file = process.argv[2] ?? join(import.meta.dirname, '..', 'cdk-outputs.json');
try {
  if (problems.length > 0) throw new Error(problems.join('; '));
  const serviceStackName = process.env.INFRA_SERVICE_STACK_NAME?.trim() || `${stackName}Service`;
  console.log(envLines(JSON.parse(readFileSync(file, 'utf8')), stackName, serviceStackName).join('\n'));
} catch (error) {
  console.error(`infra:env: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
