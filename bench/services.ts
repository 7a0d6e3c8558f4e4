import { Redis } from 'ioredis';
import { Client } from 'pg';

export const ADMIN_DB = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/8';
export const BENCH_DATABASE_URL = ADMIN_DB.replace(/\/[^/]*$/, '/velvet_bench');

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
