/**
 * npm run bench:playback: in one run, autocannon against (a) a bare Fastify route returning a
 * small JSON and (b) POST /v1/videos/{id}/playback-sessions for an entitled viewer (a paid video
 * with a grant: token check, two queries, the paywall, signing from the shared-policy cache),
 * each with 1 and 50 connections. Prints requests per second, p99 latency and b/a.
 * Rate limits are off for the run (they would cap one viewer at 60 a minute).
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { createApiApp } from '../src/api.app';
import { loadConfig } from '../src/config/config';
import { BENCH_DATABASE_URL, freshServices, REDIS_URL } from './services';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
const KEYS = join(__dirname, '../test/fixtures/cloudfront');

async function run(url: string, connections: number, options: Partial<autocannon.Options> = {}) {
  const result = await autocannon({ url, connections, duration: SECONDS, ...options });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function main(): Promise<void> {
  await freshServices();

  const bare = Fastify();
  bare.get('/ping', async () => ({ ok: true, service: 'velvet', at: 0 }));
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`;

  // Creating the video presigns an upload (no request is made); any credentials do.
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  const databaseUrl = BENCH_DATABASE_URL;
  const app = await createApiApp(
    loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      S3_BUCKET: 'velvet-bench',
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_FORCE_PATH_STYLE: 'true',
      JWT_SECRET: SECRET,
      CDN_BASE_URL: 'https://cdn.example.test',
      CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
      CLOUDFRONT_PRIVATE_KEY_FILE: join(KEYS, 'rsa-private.pem'),
      PLAYBACK_RATE_LIMIT_PER_USER: '0',
      PLAYBACK_RATE_LIMIT_PER_IP: '0',
    }),
  );
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const sign = (sub: string, roles: string[]) =>
    new SignJWT({ roles }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));
  const creator = await sign('creator', ['creator']);
  const viewer = await sign('viewer', []);
  const created = await fetch(`${base}/v1/videos`, {
    method: 'POST',
    headers: { authorization: `Bearer ${creator}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'bench', contentType: 'video/mp4', sizeBytes: 10, access: 'paid' }),
  });
  const { video } = (await created.json()) as { video: { id: string } };
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1', width = 1280, height = 720 WHERE id = $1`, [video.id]);
  await db.end();
  await fetch(`${base}/v1/videos/${video.id}/grants/viewer`, { method: 'PUT', headers: { authorization: `Bearer ${creator}`, 'content-type': 'application/json' }, body: '{}' });

  const sessionUrl = `${base}/v1/videos/${video.id}/playback-sessions`;
  const sessionOptions = { method: 'POST' as const, headers: { authorization: `Bearer ${viewer}` } };
  const rows: string[] = [];
  for (const connections of [1, 50]) {
    const a = await run(bareUrl, connections);
    const b = await run(sessionUrl, connections, sessionOptions);
    rows.push(
      `${String(connections).padStart(3)} conn | (a) bare ${a.rps.toFixed(0).padStart(6)} req/s p99 ${String(a.p99).padStart(3)} ms | ` +
        `(b) session ${b.rps.toFixed(0).padStart(6)} req/s p99 ${String(b.p99).padStart(3)} ms | b/a ${(b.rps / a.rps).toFixed(3)}`,
    );
  }
  await app.close();
  await bare.close();
  console.log(`\n${SECONDS} s per measurement (target at 50 connections: b/a ≥ 0.5)`);
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
