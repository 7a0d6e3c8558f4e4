import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { createApiApp } from '../src/api.app';
import { loadConfig } from '../src/config/config';

export const ADMIN_DB = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/8';
export const BENCH_DATABASE_URL = ADMIN_DB.replace(/\/[^/]*$/, '/velvet_bench');

export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
/** The webhook sealing key a production-mode process requires (any 32 bytes for a benchmark). */
export const BENCH_WEBHOOK_KEY = Buffer.alloc(32, 9).toString('base64');

/**
 * The settings every benchmarked Velvet process shares: the bench database and Redis db, and an
 * S3 endpoint nothing listens on (no benchmark here touches storage; presigning needs none).
 */
export function benchEnv(overrides: Record<string, string>): Record<string, string> {
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  return {
    LOG_LEVEL: 'error',
    DATABASE_URL: BENCH_DATABASE_URL,
    REDIS_URL,
    S3_BUCKET: 'velvet-bench',
    S3_ENDPOINT: 'http://127.0.0.1:9',
    S3_FORCE_PATH_STYLE: 'true',
    JWT_SECRET: BENCH_JWT_SECRET,
    WEBHOOK_SECRET_KEY: BENCH_WEBHOOK_KEY,
    ...overrides,
  };
}

/** A fresh `velvet_bench` database and an empty Redis db for one benchmark run. */
export async function freshServices(): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DB });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS velvet_bench WITH (FORCE)');
  await admin.query('CREATE DATABASE velvet_bench');
  await admin.end();
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}

/** A bearer token the benchmarked api accepts (HS256 under BENCH_JWT_SECRET, two hours). */
export function benchToken(sub: string, roles: string[], claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ roles, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
}

/**
 * The api in production mode on a free loopback port, signing playback with the test fixtures'
 * CloudFront key, its playback rate limits off (a benchmark is one viewer asking thousands of
 * times); `overrides` on top.
 */
export async function startBenchApi(overrides: Record<string, string> = {}) {
  const app = await createApiApp(
    loadConfig(
      benchEnv({
        NODE_ENV: 'production',
        CDN_BASE_URL: 'https://cdn.example.test',
        CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
        CLOUDFRONT_PRIVATE_KEY_FILE: join(__dirname, '../test/fixtures/cloudfront/rsa-private.pem'),
        PLAYBACK_RATE_LIMIT_PER_USER: '0',
        PLAYBACK_RATE_LIMIT_PER_IP: '0',
        ...overrides,
      }),
    ),
  );
  await app.listen(0, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
}
