import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createApiApp } from '../api.app';
import { ConfigError, loadConfig } from '../config/config';
import { loadDotEnv } from '../config/dotenv';
import { createLogger } from '../logging';
import { WorkerModule } from '../../worker/worker.module';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createS3Clients } from '../adapters/s3/s3-clients';
import { S3ObjectStorage } from '../adapters/s3/s3.object-storage';
import { createEdgeServer } from '../edge/edge.server';
import { DEV_KEY_PAIR_ID, devCloudfrontKeys, devJwtSecret } from './dev-secret';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from './local-s3';

const DATA = '.data';

/**
 * `npm run dev`: the api and the worker in one process on embedded defaults — PGlite instead of
 * PostgreSQL (unless DATABASE_URL is set), a local S3 server behind its verifying front (unless
 * S3_ENDPOINT is set), a generated JWT secret — and Redis at REDIS_URL (default localhost).
 */
async function main(): Promise<void> {
  loadDotEnv();
  const env = { ...process.env };
  env.S3_BUCKET ??= 'velvet-dev';
  env.JWT_SECRET ??= env.JWT_JWKS_URL ? undefined : devJwtSecret();
  let localS3: { close(): Promise<void> } | undefined;
  if (!env.S3_ENDPOINT) {
    const s3 = await startLocalS3({
      directory: `${DATA}/s3`,
      bucket: env.S3_BUCKET,
      port: Number(env.DEV_S3_PORT ?? 4569),
      maxFormBytes: 5 * 1024 ** 3,
    });
    localS3 = s3;
    env.S3_ENDPOINT = s3.endpoint;
    env.S3_FORCE_PATH_STYLE = 'true';
    // The SDK's default credential chain reads these; only the local server knows them.
    process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
  }
  // Playback: a generated key pair, and the verifying edge standing in for CloudFront.
  const edgePort = Number(env.EDGE_PORT ?? 3001);
  let edgeKey: { id: string; publicKeyFile: string } | undefined;
  if (!env.CLOUDFRONT_KEY_PAIR_ID) {
    const keys = devCloudfrontKeys(DATA);
    env.CLOUDFRONT_KEY_PAIR_ID = DEV_KEY_PAIR_ID;
    env.CLOUDFRONT_PRIVATE_KEY_FILE = keys.privateKeyFile;
    edgeKey = { id: DEV_KEY_PAIR_ID, publicKeyFile: keys.publicKeyFile };
  }
  env.CDN_BASE_URL ??= `http://localhost:${edgePort}`;
  const config = loadConfig(env, { allowEmbeddedDatabase: true, embeddedDatabaseDir: `${DATA}/pglite` });
  const logger = createLogger(config, 'Dev');

  const api = await createApiApp(config);
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: createLogger(config, 'Worker') });
  await worker.init();
  await api.listen(config.http.port, '0.0.0.0');
  const edge = edgeKey
    ? createEdgeServer({
        publicUrl: config.cloudfront.baseUrl!,
        trustedKeys: new Map([[edgeKey.id, createPublicKey(readFileSync(edgeKey.publicKeyFile, 'utf8'))]]),
        corsOrigins: config.http.corsOrigins,
        storage: new S3ObjectStorage(createS3Clients(config.s3), config.s3.bucket),
        warn: (message) => logger.warn(`edge: ${message}`),
      })
    : undefined;
  await new Promise<void>((resolve) => (edge ? edge.listen(edgePort, '127.0.0.1', resolve) : resolve()));
  if (edge) logger.log(`edge (CloudFront stand-in) on ${config.cloudfront.baseUrl}`);
  logger.log(`api on http://localhost:${config.http.port} (OpenAPI at /docs), storage at ${config.s3.endpoint}`);
  logger.log(`database: ${config.database.url ? 'DATABASE_URL' : `embedded PGlite in ${DATA}/pglite`}; a token: npm run token -- --sub alice --roles creator`);

  const stop = async () => {
    await api.close();
    edge?.close();
    await worker.close();
    await localS3?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
