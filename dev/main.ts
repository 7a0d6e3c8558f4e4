import '../src/runtime/require-supported-node';
import 'reflect-metadata';
import { ConfigError } from '../src/config/config';
import { loadDotEnv } from '../src/config/dotenv';
import { startDevStack } from './dev-stack';
import { MissingPrerequisite, requireFfmpeg } from './prerequisites';

/** `npm run dev`: all of Velvet in one process tree on embedded defaults (see dev-stack.ts). */
async function main(): Promise<void> {
  loadDotEnv();
  requireFfmpeg();
  const stack = await startDevStack({
    env: { ...process.env },
    dataDir: '.data',
    apiPort: Number(process.env.PORT ?? 3000),
    edgePort: Number(process.env.EDGE_PORT ?? 3001),
    s3Port: Number(process.env.DEV_S3_PORT ?? 4569),
  });
  const { logger, config } = stack;
  logger.log(`demo page:  ${stack.apiUrl}/  (open it on localhost: the cookies are host-only)`);
  logger.log(`api:        ${stack.apiUrl}  (OpenAPI at ${stack.apiUrl}/docs)`);
  if (stack.edgeUrl) logger.log(`edge (CDN): ${stack.edgeUrl}`);
  logger.log(`storage:    ${stack.s3Endpoint}`);
  logger.log(
    `database:   ${config.database.url ? 'DATABASE_URL' : 'embedded PGlite in .data/db'}; redis: ${new URL(config.redis.url).host}`,
  );
  logger.log('a token:    npm run token -- --sub alice --roles creator');

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    logger.log('stopping…');
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // One line for what is missing or misconfigured; a stack for anything else.
  console.error(error instanceof MissingPrerequisite || error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
