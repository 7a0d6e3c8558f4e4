/**
 * npm run test:faults: a load-and-fault run on this machine (about 10 minutes, bounded).
 * Two api instances, two workers, the edge, Redis (AOF, noeviction), a PostgreSQL cluster of its
 * own and the S3 server, under creators' uploads, viewers' sessions and webhook deliveries, while
 * workers and api instances are SIGKILLed, Redis and PostgreSQL restarted, storage fails or
 * stalls and the webhook receiver goes down, each more than once. Then it checks that nothing
 * was lost or left stuck and prints a table; it exits 1 on any violation.
 * The load runs from before the first fault until 20 s after the last; FAULTS_GAP_SECONDS
 * (default 15) is the quiet time between two faults.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { SignJWT } from 'jose';
import { TRANSCODE_QUEUE } from '../../src/jobs/job-contract';
import { Client, Pool } from 'pg';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { S3ObjectStorage } from '../../src/adapters/s3/s3.object-storage';
import { LOCAL_S3_CREDENTIALS } from '../../dev/local-s3';
import { eventsDelivered, finalStates, noOrphans, oneVersion, segmentsWhole, type Check } from './checks';
import { ApiClient, Tally } from './client';
import { startFaultProxy } from './fault-proxy';
import { creator, newLoadState, Receiver, viewer, watcher, type LoadContext } from './load';
import { freePort, postgresCluster, redisServer, s3Server, sleep, until, velvet, type Proc } from './processes';
import { clips } from './clips';
import { inject, type FaultKind } from './faults';
import { report } from './report';

const GAP_SECONDS = Number(process.env.FAULTS_GAP_SECONDS ?? 15);
const DRAIN_SECONDS = 300;
const REQUEST_TIMEOUT_SECONDS = 10;
const SECRET = 'fault-run-secret-fault-run-secret-0123456789';
const BUCKET = 'velvet-faults';
const KEYS = join(__dirname, '../fixtures/cloudfront');
const KEY_ID = 'K2JCJMDEHXQW5F';

const SCHEDULE: FaultKind[] = [
  'worker SIGKILL',
  'api SIGKILL',
  'Redis restart',
  'Redis loses its data',
  'Redis FLUSHALL',
  'PostgreSQL restart',
  'S3 errors and stalls',
  'webhook receiver down',
];

const sign = (sub: string, roles: string[]) =>
  new SignJWT({ roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(SECRET));

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'velvet-faults-'));
  const logs = join(work, 'logs');
  mkdirSync(logs);
  console.log(`fault run in ${work} (process logs in ${logs})`);
  const procs: Proc[] = [];
  const tally = new Tally();
  const started = Date.now();
  try {
    // The infrastructure, each of its own.
    const [pgPort, redisPort, edgePort, receiverPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const postgres = postgresCluster(join(work, 'pg'), pgPort, logs);
    const redis = redisServer(join(work, 'redis'), redisPort, logs);
    const s3 = s3Server(join(work, 's3'), BUCKET, logs);
    procs.push(postgres, redis, s3);
    postgres.start();
    redis.start();
    s3.start();
    const s3Endpoint = (JSON.parse(await s3.firstLine()) as { endpoint: string }).endpoint;
    const proxy = await startFaultProxy(s3Endpoint);
    await until(
      'PostgreSQL',
      async () => {
        const c = new Client({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/postgres` });
        await c.connect();
        await c.query('CREATE DATABASE velvet').catch(() => undefined);
        await c.end();
        return true;
      },
      30,
    );
    // A pool: it reconnects after PostgreSQL restarts, where one client would stay broken.
    const db = new Pool({ connectionString: `postgres://postgres@127.0.0.1:${pgPort}/velvet`, max: 4 });
    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/velvet`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: proxy.url,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      JWT_SECRET: SECRET,
      CDN_BASE_URL: `http://127.0.0.1:${edgePort}`,
      CLOUDFRONT_KEY_PAIR_ID: KEY_ID,
      CLOUDFRONT_PRIVATE_KEY_FILE: join(KEYS, 'rsa-private.pem'),
      PLAYBACK_RATE_LIMIT_PER_USER: '0',
      PLAYBACK_RATE_LIMIT_PER_IP: '0',
      // Short cookies, so a retired version is deleted within the run.
      PLAYBACK_TTL_SECONDS: '30',
      PLAYBACK_EXPIRY_BUCKET_SECONDS: '1',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS),
      UPLOAD_SINGLE_MAX_BYTES: String(4 * 1024 * 1024),
      UPLOAD_PART_BYTES: String(5 * 1024 * 1024),
      LADDER: '240',
      HLS_SEGMENT_SECONDS: '2',
      TRANSCODE_CHUNK_SECONDS: '4',
      TRANSCODE_PRESET: 'ultrafast',
      TRANSCODE_ATTEMPTS: '8',
      TRANSCODE_LOCK_SECONDS: '10',
      TRANSCODE_SHUTDOWN_GRACE_SECONDS: '5',
      MAINTENANCE_INTERVAL_SECONDS: '10',
      RECONCILE_AFTER_SECONDS: '30',
      STORYBOARD_INTERVAL_SECONDS: '2',
    };
    const apis = [0, 1].map(() => freePort());
    const apiPorts = await Promise.all(apis);
    const api = apiPorts.map((port, i) => velvet(`api-${i + 1}`, 'api', { ...env, PORT: String(port) }, logs));
    // Workers log at `log`: their boot line tells when a restarted worker takes jobs again.
    const workers = [1, 2].map((i) => velvet(`worker-${i}`, 'worker', { ...env, LOG_LEVEL: 'log' }, logs));
    const edge = velvet(
      'edge',
      'edge',
      {
        ...env,
        EDGE_PORT: String(edgePort),
        EDGE_PUBLIC_URL: `http://127.0.0.1:${edgePort}`,
        EDGE_TRUSTED_KEYS: `${KEY_ID}=${join(KEYS, 'rsa-public.pem')}`,
      },
      logs,
    );
    procs.push(...api, ...workers, edge);
    api[0]!.start();
    await until('api-1 (migrations)', async () => (await fetch(`http://127.0.0.1:${apiPorts[0]}/readyz`)).ok, 60);
    api[1]!.start();
    for (const w of workers) w.start();
    edge.start();
    await until('api-2', async () => (await fetch(`http://127.0.0.1:${apiPorts[1]}/readyz`)).ok, 60);
    db.on('error', () => undefined);

    const client = new ApiClient(
      apiPorts.map((p) => `http://127.0.0.1:${p}`),
      tally,
      REQUEST_TIMEOUT_SECONDS,
    );
    const tokens = {
      creator: await sign('fault-creator', ['creator']),
      admin: await sign('fault-admin', ['admin']),
      viewer: await sign('fault-viewer', []),
    };
    const receiver = new Receiver(receiverPort);
    await receiver.up();
    const endpoint = await client.call('POST', '/v1/webhooks', tokens.admin, {
      url: `http://127.0.0.1:${receiverPort}/hooks`,
      scope: 'all',
    });
    if (endpoint?.status !== 201) throw new Error(`webhook endpoint not created: ${endpoint?.status}`);
    const registeredAt = new Date(endpoint.json.createdAt);

    const queue = new Queue(TRANSCODE_QUEUE, {
      connection: { host: '127.0.0.1', port: redisPort, maxRetriesPerRequest: null },
    });
    queue.on('error', () => undefined);
    const state = newLoadState();
    const finals = new Map<string, { status: string; errorCode: string | null }>();
    const ctx: LoadContext = {
      api: client,
      tally,
      state,
      tokens,
      clips: clips(join(work, 'clips')),
      until: Number.POSITIVE_INFINITY,
    };
    const load = Promise.all([
      creator(ctx, 0),
      creator(ctx, 1),
      viewer(ctx, 0),
      viewer(ctx, 1),
      viewer(ctx, 2),
      viewer(ctx, 3),
      watcher(ctx, finals),
    ]);

    // The faults: one every GAP_SECONDS (plus its own length), each kind twice, all under load.
    const injected: Array<{ kind: FaultKind; at: number; recoveryMs: number; note: string }> = [];
    const apisReady = () =>
      until(
        'both api instances ready',
        async () =>
          (await Promise.all(apiPorts.map(async (p) => (await fetch(`http://127.0.0.1:${p}/readyz`)).ok))).every(
            Boolean,
          ),
        120,
      );
    for (let round = 0; round < 2; round++) {
      for (const kind of SCHEDULE) {
        await sleep(GAP_SECONDS * 1000);
        const at = Math.round((Date.now() - started) / 1000);
        const fault = await inject(kind, {
          round,
          workers,
          api,
          apiPorts,
          redis,
          redisDir: join(work, 'redis'),
          redisPort,
          postgres,
          proxy,
          receiver,
          db,
          apisReady,
          queue,
        });
        injected.push({ kind, at, ...fault });
        console.log(`${at} s: ${kind} (${fault.note}); recovered in ${(fault.recoveryMs / 1000).toFixed(1)} s`);
      }
    }
    // The load goes on a little after the last fault, so recovery is seen under load too.
    ctx.until = Date.now() + 20_000;
    await load;
    const loadSeconds = (Date.now() - started) / 1000;

    // Drain: every accepted upload final, every event delivered, old versions retired.
    console.log('load stopped; draining');
    const drainStart = Date.now();
    let check = await finalStates(db, state);
    while (!check.ok && Date.now() - drainStart < DRAIN_SECONDS * 1000) {
      await sleep(2000);
      check = await finalStates(db, state);
    }
    let events = await eventsDelivered(db, receiver, registeredAt);
    while (!events.ok && Date.now() - drainStart < DRAIN_SECONDS * 1000) {
      await sleep(2000);
      events = await eventsDelivered(db, receiver, registeredAt);
    }
    // An old version is retired one session lifetime (31 s) after its video became ready.
    const lastReady =
      (
        await db.query<{ at: Date | null }>("SELECT max(ready_at) AS at FROM videos WHERE status = 'ready'")
      ).rows[0]!.at?.getTime() ?? 0;
    await sleep(Math.max(0, 45_000 - (Date.now() - lastReady)));
    process.env.AWS_ACCESS_KEY_ID = LOCAL_S3_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = LOCAL_S3_CREDENTIALS.secretAccessKey;
    const storage = new S3ObjectStorage(
      createS3Clients({ bucket: BUCKET, region: 'us-east-1', endpoint: s3Endpoint, forcePathStyle: true }),
      BUCKET,
    );
    const checks: Check[] = [
      check,
      await segmentsWhole(client, db, tokens.creator),
      await oneVersion(db, storage),
      await noOrphans(db, storage),
      events,
    ];
    const violations: Check = {
      name: 'api answers: 2xx or problem+json, no 500, no hang',
      ok: tally.violations.length === 0,
      detail: tally.violations.length ? tally.violations.slice(0, 5).join('; ') : 'none',
    };
    checks.push(violations);

    report({ loadSeconds, state, injected, tally, checks, stuck: check.stuck.length, proxyInjected: proxy.injected });
    await db.end();
    await queue.close();
    await proxy.close();
    await receiver.down();
    process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
    if (process.exitCode) console.log(`FAILED; logs kept in ${logs}`);
  } catch (error) {
    process.exitCode = 1;
    console.log(`FAILED; logs kept in ${logs}`);
    throw error;
  } finally {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    if (process.exitCode === 0) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
