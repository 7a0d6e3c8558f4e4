import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '../src/config/config';
import { loadDotEnv } from '../src/config/dotenv';
import { createLogger } from '../src/logging';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(process.env);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: createLogger(config, 'Worker'),
  });
  // SIGTERM/SIGINT close the workers (no new jobs), then connections.
  app.enableShutdownHooks();
  await app.init();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
