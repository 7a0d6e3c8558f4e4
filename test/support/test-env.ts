import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** Where the test services are; CI and sessions run PostgreSQL and Redis on these defaults. */
export const TEST_ADMIN_DATABASE_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_DATABASE_NAME = 'velvet_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/7';
export const TEST_BUCKET = 'velvet-test';
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
export const TEST_S3_DIR = join(tmpdir(), 'velvet-test-s3');

export function testDatabaseUrl(): string {
  const url = new URL(TEST_ADMIN_DATABASE_URL);
  url.pathname = `/${TEST_DATABASE_NAME}`;
  return url.toString();
}
