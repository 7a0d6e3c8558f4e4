/**
 * The servers bench:playback measures, in their own process so autocannon (in the parent) does
 * not share their event loop: a bare Fastify route and the api with one paid video, a viewer
 * entitled by a grant and a subscriber entitled by the `entitlements` claim of their token. Prints one JSON line with what the parent needs, then serves until killed.
 */
import Fastify from 'fastify';
import { Client } from 'pg';
import { BENCH_DATABASE_URL, benchToken, freshServices, startBenchApi } from './services';

async function main(): Promise<void> {
  await freshServices();
  const bare = Fastify();
  bare.get('/ping', async () => ({ ok: true, service: 'velvet', at: 0 }));
  await bare.listen({ port: 0, host: '127.0.0.1' });

  // Creating the video presigns an upload (no request is made); any credentials do.
  const { base } = await startBenchApi();
  const creator = await benchToken('creator', ['creator']);
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
  const viewerToken = await benchToken('viewer', []);
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
  const subscriberToken = await benchToken('subscriber', [], { entitlements: [video.id] });
  console.log(
    JSON.stringify({
      bareUrl,
      copyUrl,
      copyBytes: sampleBody.length + sampleCookies.join('').length,
      sessionUrl: `${base}/v1/videos/${video.id}/playback-sessions`,
      viewerToken,
      subscriberToken,
      collectorToken: await benchToken('collector', []),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
