/**
 * npm run bench:edge: in one run, 1 MB segment GETs (a) straight from the local S3 server
 * (presigned) and (b) through the verifying edge in front of it, with valid signed cookies;
 * requests per second, MB/s and the edge's cost as the ratio of (a) to (b), medians of
 * interleaved rounds. Then raw RSA
 * verifies per second, against the edge's verification with its signature cache warm. The S3
 * server and the edge (its real entry, src/edge/main.ts) run in child processes.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { getSignedCookies } from '@aws-sdk/cloudfront-signer';
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createVerify, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createS3Clients } from '../src/adapters/s3/s3-clients';
import { LOCAL_S3_CREDENTIALS } from '../dev/local-s3';
import { cfb64Decode } from '../src/domain/cloudfront-encoding';
import { videoPolicy } from '../src/domain/playback';
import { SignatureCache, verifyViewerRequest } from '../src/domain/cloudfront-verifier';
import { medianBy } from './stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUCKET = 'velvet-bench';
const CDN = 'http://cdn.bench.test';
const KEY_ID = 'K2JCJMDEHXQW5F';
const KEYS = join(__dirname, '../test/fixtures/cloudfront');
const VIDEO_ID = '0benchbenchbenchbenchbench';
const SEGMENT = `videos/${VIDEO_ID}/hls/v1/720p/seg_00001.m4s`;
const children: ChildProcess[] = [];

function child(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const proc = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '-r', './scripts/ts-register.js', script, ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    },
  );
  children.push(proc);
  return proc;
}

async function firstLine(proc: ChildProcess): Promise<string> {
  const [line] = (await once(createInterface({ input: proc.stdout! }), 'line')) as [string];
  return line;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function load(url: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, mbps: result.throughput.average / 1e6, p99: result.latency.p99 };
}

/** Operations per second of `op`, run for about `ms`. */
function rate(op: () => unknown, ms = 2000): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 50; i++) op();
    n += 50;
  }
  return n / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const directory = join(tmpdir(), 'velvet-bench-s3');
  rmSync(directory, { recursive: true, force: true });
  const { endpoint } = JSON.parse(await firstLine(child('bench/local-s3-server.ts', [directory, BUCKET]))) as {
    endpoint: string;
  };
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  });
  const s3 = createS3Clients({ bucket: BUCKET, region: 'us-east-1', endpoint, forcePathStyle: true });
  await s3.data.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: SEGMENT,
      Body: randomBytes(1024 * 1024),
      ContentType: 'video/iso.segment',
    }),
  );
  const direct = await getSignedUrl(s3.presigner, new GetObjectCommand({ Bucket: BUCKET, Key: SEGMENT }), {
    expiresIn: 3600,
  });

  const port = await freePort();
  const edge = child('src/edge/main.ts', [], {
    EDGE_PORT: String(port),
    EDGE_PUBLIC_URL: CDN,
    EDGE_TRUSTED_KEYS: `${KEY_ID}=${join(KEYS, 'rsa-public.pem')}`,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: endpoint,
    S3_FORCE_PATH_STYLE: 'true',
  });
  await firstLine(edge);
  const policy = videoPolicy({
    cdnBaseUrl: CDN,
    videoId: VIDEO_ID,
    expiresAtEpoch: Math.floor(Date.now() / 1000) + 3600,
  });
  const privateKey = readFileSync(join(KEYS, 'rsa-private.pem'), 'utf8');
  const cookies = getSignedCookies({ policy, keyPairId: KEY_ID, privateKey });
  const cookie = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  const viaEdge = `http://127.0.0.1:${port}/${SEGMENT}`;

  // Interleaved rounds, medians reported: the two share a 2-core machine with autocannon.
  const s3Runs: Awaited<ReturnType<typeof load>>[] = [];
  const edgeRuns: Awaited<ReturnType<typeof load>>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    s3Runs.push(await load(direct));
    edgeRuns.push(await load(viaEdge, { cookie }));
  }
  const s3Run = medianBy(s3Runs, (r) => r.rps);
  const edgeRun = medianBy(edgeRuns, (r) => r.rps);

  // The verification alone: one RSA verify, and the edge's whole decision with the cache warm.
  const publicKey = readFileSync(join(KEYS, 'rsa-public.pem'), 'utf8');
  const signature = cfb64Decode(cookies['CloudFront-Signature'])!;
  const rsa = rate(() => createVerify('RSA-SHA1').update(policy).verify(publicKey, signature));
  const cache = new SignatureCache();
  const request = {
    url: `${CDN}/${SEGMENT}`,
    cookieHeader: cookie,
    clientIp: '127.0.0.1',
    now: Math.floor(Date.now() / 1000),
  };
  const cached = rate(() =>
    verifyViewerRequest(request, { trustedKeys: new Map([[KEY_ID, publicKey]]), verifiedSignatures: cache }),
  );

  const row = (label: string, r: { rps: number; mbps: number; p99: number }) =>
    `${label} ${r.rps.toFixed(0).padStart(5)} req/s ${r.mbps.toFixed(0).padStart(5)} MB/s p99 ${String(r.p99).padStart(3)} ms`;
  console.log(
    `\n1 MB GETs, ${CONNECTIONS} connections, ${SECONDS} s each, median of ${ROUNDS} interleaved rounds (target: a/b ≤ 1.15)`,
  );
  console.log(
    `rounds, req/s: S3 ${s3Runs.map((r) => r.rps.toFixed(0)).join(' ')} | edge ${edgeRuns.map((r) => r.rps.toFixed(0)).join(' ')}`,
  );
  console.log(row('(a) S3 direct   ', s3Run));
  console.log(row('(b) through edge', edgeRun));
  console.log(`edge cost a/b: ${(s3Run.rps / edgeRun.rps).toFixed(3)}`);
  console.log(
    `RSA-2048 SHA-1 verifies: ${rsa.toFixed(0)}/s; edge decisions with the signature cache warm: ${cached.toFixed(0)}/s`,
  );
}

void main()
  .then(
    () => 0,
    (error: unknown) => {
      console.error(error);
      return 1;
    },
  )
  .then((code) => {
    for (const proc of children) proc.kill('SIGKILL');
    process.exit(code);
  });
