/**
 * npm run bench:webhooks: in one run, against one local receiver (its own process),
 * (1) latency from an event's commit to its delivery, p50 and p99, at a steady rate of changes;
 * (2) deliveries per second for a burst of events through the whole path (outbox, relay, BullMQ,
 *     signing, POST), against (3) a bare loop of POSTs to the same receiver with as many in
 *     flight as the worker has delivery slots. (2) and (3) alternate for BENCH_ROUNDS rounds and
 *     the ratio is reported from the median of each.
 */
import { NestFactory } from '@nestjs/core';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request, Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { loadConfig } from '../src/config/config';
import { createPgClient } from '../src/adapters/postgres/sql-client';
import { PostgresVideoStore } from '../src/adapters/postgres/postgres.video-store';
import { newVideoId } from '../src/domain/ids';
import { newWebhookSecret, seal } from '../src/services/webhooks/secret-box';
import { WorkerModule } from '../worker/worker.module';
import { BENCH_DATABASE_URL, benchEnv, freshServices } from './services';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BURST = Number(process.env.BENCH_BURST ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;

async function main(): Promise<void> {
  await freshServices();
  const receiver = spawn(process.execPath, ['-r', './scripts/ts-register.js', 'bench/webhook-receiver.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: receiver.stdout! });
  const [url] = (await once(lines, 'line')) as [string];
  const arrivals = new Map<string, number>();
  lines.on('line', (line) => {
    const [at, title] = line.split(' ');
    arrivals.set(title!, Number(at));
  });

  const config = loadConfig(
    benchEnv({ NODE_ENV: 'development', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_CONCURRENCY: String(CONCURRENCY) }),
  );
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: ['error'] });
  await worker.init();
  const sql = createPgClient(BENCH_DATABASE_URL);
  const store = new PostgresVideoStore(sql);
  const db = new Client({ connectionString: BENCH_DATABASE_URL });
  await db.connect();
  // Changes spread over several videos, as many requests would: one video's changes take turns on its row lock.
  const ids = Array.from({ length: CONCURRENCY }, () => newVideoId());
  for (const id of ids) {
    await store.insert({
      id,
      ownerId: 'bench',
      title: 'start',
      access: 'public',
      contentType: 'video/mp4',
      sizeBytes: 1,
      filename: null,
      uploadStrategy: 'single',
      multipartUploadId: null,
      partSize: null,
      partCount: null,
    });
  }
  // The endpoint, as the api would store it (the worker opens its sealed secret with the same key).
  await db.query(
    `INSERT INTO webhook_endpoints (id, owner_id, url, scope, secret_sealed) VALUES ('wh_0bench', 'bench', $1, 'own', $2)`,
    [url, seal(config.webhooks.secretKey, newWebhookSecret())],
  );
  let counter = 0;
  const change = async (): Promise<[string, number]> => {
    const n = counter++;
    const title = `t${n}`;
    await store.updateDetails(ids[n % ids.length]!, { title });
    return [title, Date.now()];
  };
  const waitFor = async (titles: string[]) => {
    while (!titles.every((t) => arrivals.has(t))) await new Promise((r) => setTimeout(r, 20));
  };

  // (1) Steady rate: one change every 1/RATE s, each commit timed against its arrival.
  const commits: Array<[string, number]> = [];
  const start = Date.now();
  for (let i = 0; i < RATE * STEADY_SECONDS; i++) {
    const due = start + (i * 1000) / RATE;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    commits.push(await change());
  }
  await waitFor(commits.map(([t]) => t));
  const latencies = commits.map(([t, at]) => arrivals.get(t)! - at).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

  // (2) and (3), alternated.
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const bare = async (): Promise<number> => {
    const body = JSON.stringify({ type: 'video.updated', data: { video: { title: '-' } } });
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < BURST) {
          await new Promise<void>((resolve, reject) => {
            const req = request(
              url,
              { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
              (res) => res.resume().on('end', resolve),
            );
            req.on('error', reject);
            req.end(body);
          });
        }
      }),
    );
    return BURST / ((performance.now() - t0) / 1000);
  };
  const velvet = async (): Promise<number> => {
    const titles: string[] = [];
    const t0 = performance.now();
    let made = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (made++ < BURST) titles.push((await change())[0]);
      }),
    );
    await waitFor(titles);
    return BURST / ((performance.now() - t0) / 1000);
  };
  const rounds: Array<{ bare: number; velvet: number }> = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push({ bare: await bare(), velvet: await velvet() });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const bareRate = median(rounds.map((r) => r.bare));
  const velvetRate = median(rounds.map((r) => r.velvet));

  console.log(
    `steady ${RATE} events/s for ${STEADY_SECONDS} s: commit → delivered p50 ${pct(50)} ms, p99 ${pct(99)} ms (n=${latencies.length})`,
  );
  for (const [i, r] of rounds.entries())
    console.log(`round ${i + 1}: bare POSTs ${r.bare.toFixed(0)}/s, Velvet deliveries ${r.velvet.toFixed(0)}/s`);
  console.log(
    `burst of ${BURST}: Velvet ${velvetRate.toFixed(0)} deliveries/s, bare loop ${bareRate.toFixed(0)} POSTs/s, ratio ${(velvetRate / bareRate).toFixed(3)}`,
  );

  agent.destroy();
  await db.end();
  await sql.close();
  await worker.close();
  receiver.kill('SIGTERM');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
