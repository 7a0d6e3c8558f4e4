/**
 * The servers bench:playback measures, in their own process so autocannon (in the parent) does
 * not share their event loop: a bare Fastify route and the api with one paid video, a viewer
 * entitled by a grant and a subscriber entitled by the `entitlements` claim of their token. Prints one JSON line with what the parent needs, then serves until killed.
 */
import Fastify from 'fastify';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { createApiApp } from '../src/api.app';
import { loadConfig } from '../src/config/config';
import { BENCH_DATABASE_URL, BENCH_JWT_SECRET, benchEnv, freshServices } from './services';

const KEYS = join(__dirname, '../test/fixtures/cloudfront');

async function main(): Promise<void> {
  await freshServices();
  const bare = Fastify();
  bare.get('/ping', async () => ({ ok: true, service: 'velvet', at: 0 }));
  await bare.listen({ port: 0, host: '127.0.0.1' });

  // Creating the video presigns an upload (no request is made); any credentials do.
  const app = await createApiApp(
    loadConfig(
      benchEnv({
        NODE_ENV: 'production',
        CDN_BASE_URL: 'https://cdn.example.test',
        CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
        CLOUDFRONT_PRIVATE_KEY_FILE: join(KEYS, 'rsa-private.pem'),
        // Off for the run: they would cap one viewer at 60 sessions a minute.
        PLAYBACK_RATE_LIMIT_PER_USER: '0',
        PLAYBACK_RATE_LIMIT_PER_IP: '0',
      }),
    ),
  );
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const sign = (sub: string, roles: string[], claims: Record<string, unknown> = {}) =>
    new SignJWT({ roles, ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(BENCH_JWT_SECRET));
  const creator = await sign('creator', ['creator']);
  const headers = { authorization: `Bearer ${creator}`, 'content-type': 'application/json' };
  const created = await fetch(`${base}/v1/videos`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ title: 'bench', contentType: 'video/mp4', sizeBytes: 10, access: 'paid' }),
  });
  const { video } = (await created.json()) as { video: { id: string } };
  const db = new Client({ connectionString: BENCH_DATABASE_URL });
  await db.connect();
  await db.query(`UPDATE videos SET status = 'ready', hls_version = 'v1', width = 1280, height = 720 WHERE id = $1`, [
    video.id,
  ]);
  await db.end();
  await fetch(`${base}/v1/videos/${video.id}/grants/viewer`, { method: 'PUT', headers, body: '{}' });
  // A collector: entitled through a grant on a collection holding the video.
  const collection = (await (
    await fetch(`${base}/v1/collections`, { method: 'POST', headers, body: JSON.stringify({ title: 'bench set' }) })
  ).json()) as { id: string };
  await fetch(`${base}/v1/collections/${collection.id}/items/${video.id}`, { method: 'PUT', headers, body: '{}' });
  await fetch(`${base}/v1/collections/${collection.id}/grants/collector`, { method: 'PUT', headers, body: '{}' });

  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/ping`;
  // The same bare Fastify, answering a copy of a real session (its three Set-Cookie headers and
  // its JSON): what the answer's size alone costs the server and the load generator.
  const viewerToken = await sign('viewer', []);
  const sample = await fetch(`${base}/v1/videos/${video.id}/playback-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${viewerToken}` },
  });
  const sampleCookies = sample.headers.getSetCookie();
  const sampleBody = await sample.text();
  const copy = Fastify();
  copy.post('/session-copy', async (_request, reply) =>
    reply
      .status(201)
      .header('set-cookie', sampleCookies)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send(sampleBody),
  );
  await copy.listen({ port: 0, host: '127.0.0.1' });
  const copyUrl = `http://127.0.0.1:${(copy.server.address() as { port: number }).port}/session-copy`;
  const subscriberToken = await sign('subscriber', [], { entitlements: [video.id] });
  console.log(
    JSON.stringify({
      bareUrl,
      copyUrl,
      copyBytes: sampleBody.length + sampleCookies.join('').length,
      sessionUrl: `${base}/v1/videos/${video.id}/playback-sessions`,
      viewerToken,
      subscriberToken,
      collectorToken: await sign('collector', []),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
