import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../../dev/local-s3';
import { unsupportedNodeReason } from '../../src/runtime/node-version';
import { TEST_ADMIN_DATABASE_URL, TEST_BUCKET, TEST_DATABASE_NAME, TEST_REDIS_URL, TEST_S3_DIR } from './test-env';

/** One fresh database, Redis db and bucket per test run; each suite starts its own api. */
export default async function globalSetup(): Promise<void> {
  // One line instead of hundreds of failures when the suite runs on an older node (a Mac
  // without Node 24, say, where npm installs no Node of its own).
  const reason = unsupportedNodeReason(process.version);
  if (reason) throw new Error(reason);
  const admin = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE_NAME} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEST_DATABASE_NAME}`);
  await admin.end();

  const redis = new Redis(TEST_REDIS_URL);
  await redis.flushdb();
  redis.disconnect();

  // The demo page and SDK bundles the api serves (esbuild, well under a second).
  execFileSync(process.execPath, [join(__dirname, '../../scripts/build-demo.mjs')], { stdio: 'inherit' });

  rmSync(TEST_S3_DIR, { recursive: true, force: true });
  const s3 = await startLocalS3({ directory: TEST_S3_DIR, bucket: TEST_BUCKET, maxFormBytes: 200 * 1024 * 1024 });
  (globalThis as { __velvetS3?: { close(): Promise<void> } }).__velvetS3 = s3;
  process.env.VELVET_TEST_S3_ENDPOINT = s3.endpoint;
  process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
}
