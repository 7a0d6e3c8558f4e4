import '../src/runtime/require-supported-node';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '../src/config/config';
import { loadDotEnv } from '../src/config/dotenv';
import { createLogger } from '../src/logging';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(process.env, { verifiesNoTokens: true });
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: createLogger(config, 'Worker'),
  });
  // SIGTERM/SIGINT: no new jobs, a grace period for the running one, then connections close.
  app.enableShutdownHooks();
  // The runtime is named at boot, so a process started on the wrong Node is visible in its log.
  Logger.log(`worker started on Node ${process.version}`, 'Worker');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
