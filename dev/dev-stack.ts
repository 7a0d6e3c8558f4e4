import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { createApiApp } from '../src/api.app';
import { loadConfig, type AppConfig } from '../src/config/config';
import { createS3Clients } from '../src/adapters/s3/s3-clients';
import { S3ObjectStorage } from '../src/adapters/s3/s3.object-storage';
import { createEdgeServer } from '../src/edge/edge.server';
import { createLogger } from '../src/logging';
import { WorkerModule } from '../worker/worker.module';
import { DEV_KEY_PAIR_ID, devCloudfrontKeys, devJwtSecret, devSecretFile } from './dev-secret';
import { registerDevTokens } from './dev-tokens';
import { LOCAL_S3_CREDENTIALS, startLocalS3, type LocalS3 } from './local-s3';
import { ensureRedis, type StartedRedis } from './prerequisites';

export interface DevStackOptions {
  /** The environment (after .env); what it sets wins over every embedded default. */
  readonly env: Record<string, string | undefined>;
  /** `.data` for `npm run dev`; s3, db, redis and keys live under it. */
  readonly dataDir: string;
  /** 0 picks free ports (tests). */
  readonly apiPort: number;
  readonly edgePort: number;
  readonly s3Port: number;
}

export interface DevStack {
  readonly apiUrl: string;
  /** The verifying edge, also CDN_BASE_URL; null when a real CloudFront key is configured. */
  readonly edgeUrl: string | null;
  readonly s3Endpoint: string;
  readonly config: AppConfig;
  readonly logger: LoggerService;
  close(): Promise<void>;
}

/**
 * Everything `npm run dev` runs, in this process: the local S3 server (unless S3_ENDPOINT),
 * PGlite (unless DATABASE_URL), Redis at REDIS_URL or one started from `redis-server`, a
 * development JWT secret and CloudFront key pair, the api (with development tokens and the demo
 * page), the worker, and the verifying edge as the CDN. The api and the edge are both on
 * `localhost`, so the api's host-only cookies reach the edge on its other port.
 */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const env = { ...options.env };
  const keysDir = join(options.dataDir, 'keys');
  const closers: Array<() => Promise<unknown> | unknown> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    env.S3_BUCKET ??= 'velvet-dev';
    env.REDIS_URL ??= 'redis://127.0.0.1:6379';
    // Development receivers run on this machine (a local webhook inspector, a test server).
    env.WEBHOOK_ALLOW_PRIVATE ??= 'true';
    const redis: StartedRedis | null = await ensureRedis(env.REDIS_URL, join(options.dataDir, 'redis'));
    if (redis) closers.push(() => redis.stop());
    const secret = env.JWT_SECRET ?? (env.JWT_JWKS_URL ? undefined : devJwtSecret(devSecretFile(keysDir)));
    env.JWT_SECRET = secret;
    if (!env.S3_ENDPOINT) {
      const s3: LocalS3 = await startLocalS3({
        directory: join(options.dataDir, 's3'),
        bucket: env.S3_BUCKET,
        port: options.s3Port,
        maxFormBytes: 5 * 1024 ** 3,
      });
      closers.push(() => s3.close());
      env.S3_ENDPOINT = s3.endpoint;
      env.S3_FORCE_PATH_STYLE = 'true';
      // The SDK's default credential chain reads these; only the local server knows them.
      process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
    }

    // Playback: a generated key pair, and the verifying edge standing in for CloudFront.
    let edge: Server | null = null;
    const edgeCors: string[] = [];
    if (!env.CLOUDFRONT_KEY_PAIR_ID) {
      const keys = devCloudfrontKeys(keysDir);
      env.CLOUDFRONT_KEY_PAIR_ID = DEV_KEY_PAIR_ID;
      env.CLOUDFRONT_PRIVATE_KEY_FILE = keys.privateKeyFile;
      edge = await listen(
        createEdgeServer({
          trustedKeys: new Map([[DEV_KEY_PAIR_ID, createPublicKey(readFileSync(keys.publicKeyFile, 'utf8'))]]),
          // Filled in below, once the api's port is known.
          corsOrigins: edgeCors,
          storage: new S3ObjectStorage(
            createS3Clients({
              bucket: env.S3_BUCKET,
              region: env.S3_REGION ?? 'us-east-1',
              endpoint: env.S3_ENDPOINT,
              forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
            }),
            env.S3_BUCKET,
          ),
          warn: (message) => new Logger('Edge').warn(message),
        }),
        options.edgePort,
      );
      closers.push(() => new Promise((resolve) => edge!.close(resolve)));
      env.CDN_BASE_URL ??= `http://localhost:${port(edge)}`;
    }

    const config = loadConfig(env, { allowEmbeddedDatabase: true, embeddedDatabaseDir: join(options.dataDir, 'db') });
    const logger = createLogger(config, 'Dev');
    const worker: INestApplicationContext = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: createLogger(config, 'Worker'),
    });
    closers.push(() => worker.close());
    await worker.init();
    const api: NestFastifyApplication = await createApiApp(config, { shutdownHooks: false });
    if (secret) registerDevTokens(api.getHttpAdapter().getInstance(), secret);
    closers.push(() => api.close());
    await api.listen(options.apiPort, '127.0.0.1');
    const apiPort = port(api.getHttpServer() as Server);
    edgeCors.push(...config.http.corsOrigins, `http://localhost:${apiPort}`, `http://127.0.0.1:${apiPort}`);
    return {
      apiUrl: `http://localhost:${apiPort}`,
      edgeUrl: edge ? config.cloudfront.baseUrl! : null,
      s3Endpoint: config.s3.endpoint!,
      config,
      logger,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function listen(server: Server, at: number): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, '127.0.0.1', () => resolve());
  });
  return server;
}

function port(server: Server): number {
  return (server.address() as { port: number }).port;
}
