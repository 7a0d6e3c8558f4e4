import './runtime/require-supported-node';
import 'reflect-metadata';
import { createApiApp } from './api.app';
import { ConfigError, loadConfig } from './config/config';
import { loadDotEnv } from './config/dotenv';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(process.env);
  const app = await createApiApp(config);
  await app.listen(config.http.port, '0.0.0.0');
}

main().catch((error: unknown) => {
  // One readable message for configuration problems; a stack for anything else.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
