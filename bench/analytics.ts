/**
 * npm run bench:analytics, in one run:
 * (1) ingest: autocannon at 50 connections against (a) a bare Fastify route parsing the same JSON
 *     and (b) POST /v1/playback-events, alternated for BENCH_ROUNDS rounds. Each beacon is one
 *     heartbeat of one of a thousand views (its next sequence number and the 10 s it played), as
 *     the SDK player sends them. Every 202 is checked against the events stored afterwards.
 * (2) reads: p95 of GET /v1/videos/{id}/analytics and of its viewers' first page on a database
 *     seeded with 10 million events (bench/analytics-seed.ts), videos drawn uniformly, a few
 *     owners reading at once; and the most watched video's analytics alone.
 * The servers run in child processes (bench/analytics-servers.ts), the load here.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { medianBy } from './stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const READS = Number(process.env.BENCH_READS ?? 400);
const READERS = 4;
// `ingest` or `reads` alone (default both).
const ONLY = process.env.BENCH_ONLY;

function servers(mode: 'ingest' | 'reads') {
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-r', './scripts/ts-register.js', 'bench/analytics-servers.ts', mode],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ready = once(createInterface({ input: child.stdout! }), 'line').then(([line]) => JSON.parse(line as string));
  return { child, ready };
}

/** Beacon bodies: the views take turns, each sending its next heartbeat. */
function beacons(viewTokens: string[]) {
  const sent = new Array<number>(viewTokens.length).fill(0);
  let turn = 0;
  return () => {
    const view = turn++ % viewTokens.length;
    const seq = sent[view]!++;
    const at = seq * 10;
    return JSON.stringify({
      viewToken: viewTokens[view],
      events: [
        {
          seq,
          type: 'heartbeat',
          positionSeconds: at + 10,
          intervals: [[at, at + 10]],
          rendition: '720p',
          ...(seq === 0 ? { startupMs: 640 } : {}),
        },
      ],
    });
  };
}

async function post(url: string, body: () => string) {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: result.requests.average, answered: result['2xx'], p99: result.latency.p99 };
}

async function ingest(): Promise<{ eventsPerSecond: number; ratio: number }> {
  const { child, ready } = servers('ingest');
  try {
    const { bareUrl, ingestUrl, databaseUrl, viewTokens } = (await ready) as {
      bareUrl: string;
      ingestUrl: string;
      databaseUrl: string;
      viewTokens: string[];
    };
    const next = beacons(viewTokens);
    const rounds: Array<{ bare: number; ingest: number; p99: number }> = [];
    let answered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const bare = await post(bareUrl, next);
      const recorded = await post(ingestUrl, next);
      answered += recorded.answered;
      rounds.push({ bare: bare.rps, ingest: recorded.rps, p99: recorded.p99 });
      console.log(
        `round ${round + 1}: (a) bare ${bare.rps.toFixed(0)} req/s | (b) ingest ${recorded.rps.toFixed(0)} events/s, p99 ${recorded.p99} ms | b/a ${(recorded.rps / bare.rps).toFixed(3)}`,
      );
    }
    // Every 202 stood for one stored event: the figure counts work done, not answers.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const stored = Number((await db.query('SELECT count(*) AS n FROM playback_events')).rows[0].n);
    await db.end();
    // Beacons still in flight when a round's clock stopped are stored without being counted.
    if (stored < answered || stored > answered + CONNECTIONS * ROUNDS)
      throw new Error(`${answered} beacons answered 202, ${stored} events stored`);
    const median = medianBy(rounds, (r) => r.ingest);
    return { eventsPerSecond: median.ingest, ratio: median.ingest / median.bare };
  } finally {
    child.kill('SIGKILL');
  }
}

function p95(samples: number[]): number {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

async function timedGet(url: string, token: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

/** READS requests per route from READERS owners at once, each a uniformly drawn video. */
async function readLatencies(base: string, videos: string[], token: string, path: (id: string) => string) {
  const samples: number[] = [];
  let left = READS;
  await Promise.all(
    Array.from({ length: READERS }, async () => {
      while (left-- > 0) {
        const id = videos[Math.floor(Math.random() * videos.length)]!;
        samples.push(await timedGet(`${base}${path(id)}`, token));
      }
    }),
  );
  return samples;
}

async function reads() {
  const { child, ready } = servers('reads');
  try {
    const { base, videos, ownerToken, reused } = (await ready) as {
      base: string;
      videos: string[];
      ownerToken: string;
      reused: boolean;
    };
    console.log(
      `reads: ${reused ? 'the database seeded by an earlier run' : 'a database seeded now'}, ${videos.length} videos`,
    );
    // Warm up: connections, plans, the JIT.
    await readLatencies(base, videos.slice(0, 20), ownerToken, (id) => `/v1/videos/${id}/analytics`);
    const analytics = await readLatencies(base, videos, ownerToken, (id) => `/v1/videos/${id}/analytics`);
    const viewers = await readLatencies(base, videos, ownerToken, (id) => `/v1/videos/${id}/viewers`);
    // The seed's most watched video is its first (index 1000·r²).
    const heaviest: number[] = [];
    for (let i = 0; i < 10; i++) heaviest.push(await timedGet(`${base}/v1/videos/${videos[0]}/analytics`, ownerToken));
    const top = (await (
      await fetch(`${base}/v1/videos/${videos[0]}/analytics`, { headers: { authorization: `Bearer ${ownerToken}` } })
    ).json()) as { views: number };
    return {
      analytics: p95(analytics),
      viewers: p95(viewers),
      heaviest: heaviest.sort((x, y) => x - y)[5]!,
      heaviestViews: top.views,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const ingested = ONLY === 'reads' ? null : await ingest();
  const read = ONLY === 'ingest' ? null : await reads();
  if (ingested) {
    console.log(
      `\ningest: ${SECONDS} s per measurement, ${ROUNDS} rounds alternated, ${CONNECTIONS} connections, one event per beacon (target ≥ 5,000 events/s)`,
    );
    console.log(`ingest / bare route: ${ingested.ratio.toFixed(3)}`);
  }
  if (read)
    console.log(
      `reads: ${READS} per route, ${READERS} at once (target p95 < 300 ms); the most watched video (${read.heaviestViews} views): median ${read.heaviest.toFixed(0)} ms`,
    );
  if (ingested) console.log(`events per second: ${ingested.eventsPerSecond.toFixed(0)}`);
  if (read) {
    console.log(`analytics p95 ms: ${read.analytics.toFixed(0)}`);
    console.log(`viewers p95 ms: ${read.viewers.toFixed(0)}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
