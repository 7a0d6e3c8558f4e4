/**
 * `npm run test:images`: builds the Dockerfile's three targets with podman from an offline
 * stand-in base, runs the api, worker and edge containers on the host's loopback against
 * PostgreSQL, Redis and the local S3 server, uploads a clip, waits for it to be ready, and
 * fetches a segment through the edge container with the session's cookies. Prints the sizes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { LOCAL_S3_CREDENTIALS } from '../../dev/local-s3';
import { freePort, until } from '../faults/processes';
import { ensureStandInBase, imageSizeMb, LIMITS, podman } from './podman';

const ROOT = join(__dirname, '../..');
const BASE = 'localhost/node:24-bookworm-slim';
const TARGETS = ['api', 'worker', 'edge'] as const;
const KEYS = join(ROOT, 'test/fixtures/cloudfront');
const KEY_ID = 'K2JCJMDEHXQW5F';
const SECRET = 'images-run-secret-images-run-secret-0123456789';
const BUCKET = 'velvet-images';
const DATABASE = 'velvet_images';
const ADMIN_DATABASE_URL = process.env.TEST_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_IMAGES_REDIS_URL ?? 'redis://127.0.0.1:6379/9';

const image = (target: string) => `localhost/velvet-test:${target}`;
const container = (target: string) => `velvet-images-${target}`;

function step(text: string): void {
  console.log(`\n== ${text}`);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'velvet-images-'));
  let s3: ChildProcess | undefined;
  try {
    step('stand-in base image');
    ensureStandInBase(ROOT, BASE);

    const built: Record<string, number> = {};
    for (const target of TARGETS) {
      step(`podman build --target ${target}`);
      const started = Date.now();
      podman(
        [
          'build',
          ...LIMITS,
          '--pull=never',
          // OCI images cannot carry a HEALTHCHECK; Docker's format keeps it.
          '--format',
          'docker',
          '-v',
          '/etc/ssl/certs:/etc/ssl/certs:ro',
          '--build-arg',
          `NODE_IMAGE=${BASE}`,
          '--target',
          target,
          '-t',
          image(target),
          ROOT,
        ],
        { inherit: true },
      );
      built[target] = Math.round((Date.now() - started) / 1000);
    }

    step('PostgreSQL, Redis and the local S3 server on loopback');
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    const databaseUrl = new URL(ADMIN_DATABASE_URL);
    databaseUrl.pathname = `/${DATABASE}`;
    execFileSync('redis-cli', ['-u', REDIS_URL, 'FLUSHDB']);
    s3 = spawn(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '-r',
        './scripts/ts-register.js',
        'test/faults/s3-server.ts',
        join(work, 's3'),
        BUCKET,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const s3Endpoint = await new Promise<string>((resolve, reject) => {
      createInterface({ input: s3!.stdout! }).once('line', (line) => resolve(JSON.parse(line).endpoint));
      s3!.once('exit', (code) => reject(new Error(`the S3 server exited (${code})`)));
    });

    const [apiPort, edgePort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL,
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
      JWT_SECRET: SECRET,
      CDN_BASE_URL: `http://127.0.0.1:${edgePort}`,
      CLOUDFRONT_KEY_PAIR_ID: KEY_ID,
      CLOUDFRONT_PRIVATE_KEY_FILE: '/keys/rsa-private.pem',
      LADDER: '240',
      HLS_SEGMENT_SECONDS: '2',
      TRANSCODE_PRESET: 'ultrafast',
    };
    const runContainer = (target: string, extra: Record<string, string>) => {
      podman(['rm', '-f', container(target)]);
      podman([
        'run',
        '-d',
        '--name',
        container(target),
        '--network',
        'host',
        ...LIMITS,
        '-v',
        `${KEYS}:/keys:ro`,
        ...Object.entries({ ...env, ...extra }).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        image(target),
      ]);
    };
    step('containers: api, worker, edge (--network host, loopback only)');
    runContainer('api', { PORT: String(apiPort) });
    const api = `http://127.0.0.1:${apiPort}`;
    await until('the api container (migrations)', async () => (await fetch(`${api}/readyz`)).ok, 90);
    runContainer('worker', { METRICS_PORT: String(metricsPort) });
    runContainer('edge', {
      EDGE_PORT: String(edgePort),
      EDGE_PUBLIC_URL: `http://127.0.0.1:${edgePort}`,
      EDGE_TRUSTED_KEYS: `${KEY_ID}=/keys/rsa-public.pem`,
    });
    await until('the worker container', async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok, 60);

    step('upload a clip, wait until ready, fetch a segment through the edge container');
    const clip = join(work, 'clip.mp4');
    execFileSync('ffmpeg', [
      ...['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=4'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=4', '-c:v', 'libx264', '-preset', 'ultrafast'],
      ...['-c:a', 'aac', '-shortest', clip],
    ]);
    const token = await new SignJWT({ roles: ['creator'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('images-creator')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { res, json: (await res.json().catch(() => null)) as any };
    };
    const bytes = readFileSync(clip);
    const created = await call('POST', '/v1/videos', {
      title: 'images',
      contentType: 'video/mp4',
      sizeBytes: bytes.length,
    });
    if (created.res.status !== 201)
      throw new Error(`create answered ${created.res.status}: ${JSON.stringify(created.json)}`);
    const id: string = created.json.video.id;
    const form = new FormData();
    for (const [name, value] of Object.entries(created.json.upload.fields as Record<string, string>))
      form.append(name, value);
    form.append('file', new Blob([bytes], { type: 'video/mp4' }), 'clip.mp4');
    const sent = await fetch(created.json.upload.url, { method: 'POST', body: form });
    if (sent.status !== 204) throw new Error(`the upload answered ${sent.status}`);
    const completed = await call('POST', `/v1/videos/${id}/upload/complete`, {});
    if (completed.res.status !== 202) throw new Error(`complete answered ${completed.res.status}`);
    let status = '';
    await until(
      `video ${id} ready (transcoded by the worker container)`,
      async () => {
        status = (await call('GET', `/v1/videos/${id}`)).json.status;
        if (status === 'failed')
          throw new Error(`video ${id} failed: ${JSON.stringify((await call('GET', `/v1/videos/${id}`)).json)}`);
        return status === 'ready';
      },
      180,
    );
    const session = await call('POST', `/v1/videos/${id}/playback-sessions`);
    if (session.res.status !== 201 && session.res.status !== 200)
      throw new Error(`playback session answered ${session.res.status}: ${JSON.stringify(session.json)}`);
    const cookie = session.res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const manifestUrl: string = session.json.manifestUrl;
    const get = (url: string, withCookie = true) => fetch(url, { headers: withCookie ? { cookie } : {} });
    const master = await get(manifestUrl);
    if (master.status !== 200)
      throw new Error(`the master playlist answered ${master.status} through the edge container`);
    const variant = new URL(
      (await master.text()).split('\n').find((l) => l && !l.startsWith('#'))!,
      manifestUrl,
    );
    const media = await (await get(variant.href)).text();
    const segment = new URL(
      media.split('\n').find((l) => l && !l.startsWith('#'))!,
      variant,
    );
    const fetched = await get(segment.href);
    const body = Buffer.from(await fetched.arrayBuffer());
    if (fetched.status !== 200 || body.length === 0) throw new Error(`the segment answered ${fetched.status}`);
    const unsigned = await get(segment.href, false);
    if (unsigned.status !== 403) throw new Error(`the segment without cookies answered ${unsigned.status}, not 403`);
    console.log(`video ${id}: ready; ${segment.pathname}: ${body.length} bytes with the cookies, 403 without`);

    step('health checks and users');
    for (const target of TARGETS) {
      podman(['healthcheck', 'run', container(target)]);
      const uid = podman(['exec', container(target), 'id', '-u']).trim();
      if (uid !== '1000') throw new Error(`${target} runs as uid ${uid}, not node (1000)`);
      console.log(`${target}: HEALTHCHECK passes, runs as uid ${uid}`);
    }

    step('image sizes');
    for (const target of TARGETS)
      console.log(`${image(target)}: ${imageSizeMb(image(target))} MB (built in ${built[target]} s)`);
    console.log('\ntest:images passed');
  } finally {
    for (const target of TARGETS) {
      if (process.exitCode) {
        try {
          console.error(`\n-- ${target} log (last lines)\n${podman(['logs', '--tail', '40', container(target)])}`);
        } catch {
          // Not started.
        }
      }
      try {
        podman(['rm', '-f', container(target)]);
      } catch {
        // Already gone.
      }
    }
    s3?.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
