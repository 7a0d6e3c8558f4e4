/**
 * The servers bench:analytics measures, in their own process so the load (in the parent) does not
 * share their event loop. `ingest`: a bare Fastify route taking the same JSON, and the api with
 * videos an hour long and one playback session (hence one view token) per viewer. `reads`: the api
 * over a database seeded with viewing history (bench/analytics-seed.ts). Prints one JSON line with
 * what the parent needs, then serves until killed.
 */
import Fastify from 'fastify';
import { Client } from 'pg';
import { seedHistory, SEED, SEED_DATABASE_URL, seededVideos } from './analytics-seed';
import { BENCH_DATABASE_URL, benchToken, freshServices, startBenchApi } from './services';

const VIDEOS = Number(process.env.BENCH_ANALYTICS_VIDEOS ?? 10);
const VIEWS = Number(process.env.BENCH_ANALYTICS_VIEWS ?? 1000);

const startApi = (databaseUrl: string) =>
  // A thousand sessions in a second and a thousand videos from one creator for the seed.
  startBenchApi({ DATABASE_URL: databaseUrl, CREATOR_RATE_LIMIT_VIDEOS: '0' });

/** Creates `count` paid videos owned by `creator` through the api, then marks them ready and `seconds` long. */
async function createVideos(base: string, databaseUrl: string, count: number, seconds: number) {
  const headers = {
    authorization: `Bearer ${await benchToken('creator', ['creator'])}`,
    'content-type': 'application/json',
  };
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
        const created = await fetch(`${base}/v1/videos`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ title: `lesson ${i + j}`, contentType: 'video/mp4', sizeBytes: 10, access: 'paid' }),
        });
        if (created.status !== 201) throw new Error(`creating a video: ${created.status} ${await created.text()}`);
        return ((await created.json()) as { video: { id: string } }).video.id;
      }),
    );
    ids.push(...batch);
  }
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(
    `UPDATE videos SET status = 'ready', hls_version = 'v1', width = 1280, height = 720, duration_seconds = $2
      WHERE id = ANY($1::text[])`,
    [ids, seconds],
  );
  await db.end();
  return ids;
}

async function ingest(): Promise<void> {
  await freshServices();
  const bare = Fastify({ bodyLimit: 64 * 1024 });
  // The same body parsed as JSON, and an answer of the same shape: what HTTP and JSON cost alone.
  bare.post('/bare', async (request, reply) => {
    const { events } = request.body as { events: unknown[] };
    return reply.status(202).send({ accepted: events.length, recorded: events.length });
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const { base } = await startApi(BENCH_DATABASE_URL);
  const videos = await createVideos(base, BENCH_DATABASE_URL, VIDEOS, 3600);
  const viewTokens: string[] = [];
  for (let i = 0; i < VIEWS; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, VIEWS - i) }, async (_, j) => {
        const video = videos[(i + j) % videos.length]!;
        const token = await benchToken(`viewer-${i + j}`, [], { entitlements: [video] });
        const session = await fetch(`${base}/v1/videos/${video}/playback-sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        });
        if (session.status !== 201) throw new Error(`a session: ${session.status} ${await session.text()}`);
        return ((await session.json()) as { viewToken: string }).viewToken;
      }),
    );
    viewTokens.push(...batch);
  }
  console.log(
    JSON.stringify({
      bareUrl: `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/bare`,
      ingestUrl: `${base}/v1/playback-events`,
      databaseUrl: BENCH_DATABASE_URL,
      viewTokens,
    }),
  );
}

async function reads(): Promise<void> {
  // A database seeded by an earlier run with the same figures is used again (seeding takes minutes).
  const earlier = await seededVideos();
  const { base } = await startApi(SEED_DATABASE_URL);
  const videos =
    earlier ?? (await seedHistory(await createVideos(base, SEED_DATABASE_URL, SEED.videos, SEED.videoSeconds)));
  console.log(
    JSON.stringify({ base, videos, reused: earlier !== null, ownerToken: await benchToken('creator', ['creator']) }),
  );
}

(process.argv[2] === 'reads' ? reads() : ingest()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
