import { buildApp } from '../lib/app.ts';
import { InfraInputError } from '../lib/inputs.ts';

// The `cdk` CLI's app (cdk.json): `npm run infra:deploy`.
try {
  const { warnings } = buildApp(process.env);
  for (const warning of warnings) console.warn(`warning: ${warning}`);
} catch (error) {
  if (!(error instanceof InfraInputError)) throw error;
  console.error(error.message);
  process.exit(2);
}
