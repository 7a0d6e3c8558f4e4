/**
 * The benchmarks' shared pieces: generated 1080p30 sources, and one pipeline run (api in this
 * process, the built worker in its own) timed from upload complete to playable and to ready.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openAsBlob, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { createApiApp } from '../src/api.app';
import { loadConfig } from '../src/config/config';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../dev/local-s3';
import { workerNodeFlags } from '../dev/worker-command';
import { loopedCopy } from '../test/support/fixtures';
import {
  BENCH_DATABASE_URL,
  BENCH_JWT_SECRET as SECRET,
  BENCH_WEBHOOK_KEY,
  freshServices,
  REDIS_URL,
} from './services';

const BUCKET = 'velvet-bench';

export interface SourceSpec {
  readonly seconds: number;
  /**
   * `camera`: testsrc2 with per-frame noise at 20 Mbit/s, the most a phone records 1080p30 at
   * (hard to encode, realistic to decode; over STANDARD_INPUT_MAX_KBPS, so not standard).
   * `clean`: testsrc2 alone at 4 Mbit/s, small and quick to make: a standard source.
   */
  readonly kind: 'camera' | 'clean';
}

// A longer source repeats this many seconds of it (stream copy, seconds to make): decoding and
// encoding it cost what a continuous one would, and it is made in seconds, not an hour.
const LOOP_SECONDS = 60;

/** A generated source, cached in the OS temp folder across runs. */
export function benchSource(spec: SourceSpec): string {
  const dir = join(tmpdir(), 'velvet-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `source-1080p30-${spec.seconds}s-${spec.kind}.mp4`);
  if (existsSync(path)) return path;
  if (spec.seconds > LOOP_SECONDS && spec.seconds % LOOP_SECONDS === 0) {
    console.log(`repeating the ${LOOP_SECONDS} s source ${spec.seconds / LOOP_SECONDS} times…`);
    return loopedCopy(benchSource({ ...spec, seconds: LOOP_SECONDS }), spec.seconds / LOOP_SECONDS, path);
  }
  console.log(`generating a ${spec.seconds} s 1080p30 ${spec.kind} source…`);
  const picture =
    spec.kind === 'camera'
      ? `testsrc2=size=1920x1080:rate=30:duration=${spec.seconds},noise=alls=20:allf=t`
      : `testsrc2=size=1920x1080:rate=30:duration=${spec.seconds}`;
  const encode =
    spec.kind === 'camera'
      ? ['-preset', 'veryfast', '-b:v', '20M', '-maxrate', '20M', '-bufsize', '40M']
      : ['-preset', 'ultrafast', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '8M'];
  const partial = `${path}.partial.mp4`;
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    picture,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`,
    '-c:v',
    'libx264',
    ...encode,
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    partial,
  ]);
  renameSync(partial, path);
  return path;
}

export interface PipelineTimes {
  /** Upload complete → the video JSON says playable. */
  readonly playableSeconds: number;
  /** Upload complete → ready; undefined when the run stopped at playable. */
  readonly readySeconds: number | undefined;
  readonly workerPeakMb: number;
  /** What the chunk and audio jobs read of the source, as their log lines report it. */
  readonly partReads: readonly PartRead[];
  /** How many ffmpeg commands the workers ran, from their debug lines. */
  readonly ffmpegRuns: number;
  /** What made the video playable first (`source`, `preview`, `ladder`), and why not its source. */
  readonly playableVia: string | null;
  readonly nonStandardReasons: readonly string[] | null;
}

export interface PartRead {
  readonly part: string;
  readonly encodeSeconds: number;
  readonly readMib: number;
  readonly sourceMib: number;
}

// FfmpegMediaToolkit's debug line for each ffmpeg run.
const FFMPEG_LINE = /ffmpeg -hide_banner /;
// The worker's line once its processors take jobs (worker/main.ts).
const STARTED_LINE = /worker started on Node/;
// ChunkEncoderService's line for a finished part.
const PART_LINE = /\] (chunk \d+|audio) encoded in ([\d.]+) s; read ([\d.]+) MiB of the ([\d.]+) MiB source/;

export interface RunOptions {
  /** Stop the worker as soon as the video is playable. */
  readonly stopAtPlayable?: boolean;
  /** The worker processes, each optionally pinned to CPUs (`taskset -c`); default one, unpinned. */
  readonly workers?: ReadonlyArray<{ readonly cpus?: string }>;
}

/** The api's and the workers' environment in a run; `S3_ENDPOINT` is the run's own local S3. */
export function benchEnv(s3Endpoint: string, extraEnv: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: BENCH_DATABASE_URL,
    REDIS_URL,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: s3Endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    JWT_SECRET: SECRET,
    WEBHOOK_SECRET_KEY: BENCH_WEBHOOK_KEY,
    UPLOAD_SINGLE_MAX_BYTES: String(5 * 1024 ** 3),
    ...extraEnv,
  };
}

/**
 * Uploads `source` through the api, completes it and polls the video's row every 100 ms, with
 * the built worker in one or more processes of their own.
 */
export async function runPipeline(
  source: string,
  extraEnv: Record<string, string>,
  options: RunOptions = {},
): Promise<PipelineTimes> {
  await freshServices();
  const s3dir = mkdtempSync(join(tmpdir(), 'velvet-bench-s3-'));
  const s3 = await startLocalS3({ directory: s3dir, bucket: BUCKET, maxFormBytes: 6 * 1024 ** 3 });
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
  });
  const env = benchEnv(s3.endpoint, extraEnv);
  const app = await createApiApp(loadConfig(env));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const partReads: PartRead[] = [];
  let ffmpegRuns = 0;
  const started: Array<Promise<void>> = [];
  const workers = (options.workers ?? [{}]).map(({ cpus }) => {
    const node = [process.execPath, '--openssl-legacy-provider', ...workerNodeFlags(), resolve('dist/worker/main.js')];
    const [command, ...args] = cpus ? ['taskset', '-c', cpus, ...node] : node;
    // taskset execs node, so the pid (and its /proc status) is the worker's own. Its log lines
    // are read for the ffmpeg runs and the parts' source reads; only warnings and errors are shown.
    const worker = spawn(command!, args, {
      env: { ...process.env, ...env, LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let onStarted: () => void = () => undefined;
    started.push(new Promise<void>((r) => (onStarted = r)));
    createInterface({ input: worker.stdout }).on('line', (line) => {
      if (STARTED_LINE.test(line)) onStarted();
      if (FFMPEG_LINE.test(line)) ffmpegRuns++;
      const read = PART_LINE.exec(line);
      if (read)
        partReads.push({
          part: read[1]!,
          encodeSeconds: Number(read[2]),
          readMib: Number(read[3]),
          sourceMib: Number(read[4]),
        });
      else if (/"level":"(warn|error|fatal)"|\b(WARN|ERROR)\b/.test(line)) console.error(line);
      if (process.env.BENCH_TRACE && !FFMPEG_LINE.test(line)) console.error(`[${cpus ?? '-'}] ${line}`);
    });
    return worker;
  });
  try {
    const jwt = await new SignJWT({ roles: ['creator'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(SECRET));
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as Record<string, any>;
    };
    const size = statSync(source).size;
    const { video, upload } = await call('POST', '/v1/videos', {
      title: 'bench',
      contentType: 'video/mp4',
      sizeBytes: size,
    });
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields as Record<string, string>)) form.append(k, v);
    // File-backed: a 2 GB source is never read into memory.
    form.append('file', await openAsBlob(source, { type: 'video/mp4' }), 'source.mp4');
    const sent = await fetch(upload.url, { method: 'POST', body: form });
    if (sent.status !== 204) throw new Error(`upload answered ${sent.status}`);

    // From upload complete with the workers running, as deployed: not their process start
    // (about 2 s here), which the upload would otherwise hide a varying part of.
    const bound = setTimeout(() => workers.forEach((w) => w.kill('SIGKILL')), 60_000);
    await Promise.race([Promise.all(started), ...workers.map((w) => once(w, 'exit'))]);
    clearTimeout(bound);
    if (workers.some((w) => w.exitCode !== null || w.signalCode !== null))
      throw new Error('a worker exited before it started');
    const start = performance.now();
    const elapsed = () => (performance.now() - start) / 1000;
    await call('POST', `/v1/videos/${video.id}/upload/complete`, {});
    let playableSeconds: number | undefined;
    let readySeconds: number | undefined;
    // The row itself, one indexed read a poll: asking the api ten times a second took about 1.5 %
    // of a core (its JWT check, Nest, the JSON), which two pinned workers pay and one does not.
    const db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      // Bounded: a run that is neither ready nor failed within an hour is a failed run.
      for (const deadline = Date.now() + 3600_000; Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 100));
        const { rows } = await db.query<{ status: string; early: boolean }>(
          'SELECT status, playable_at IS NOT NULL AS early FROM videos WHERE id = $1',
          [video.id],
        );
        const row = rows[0];
        if (!row || row.status === 'failed')
          throw new Error(`pipeline failed: ${JSON.stringify((await call('GET', `/v1/videos/${video.id}`)).error)}`);
        const playable = row.status === 'ready' || (row.status === 'processing' && row.early);
        if (playable && playableSeconds === undefined) playableSeconds = elapsed();
        if (row.status === 'ready') readySeconds = elapsed();
        if (readySeconds !== undefined || (options.stopAtPlayable && playableSeconds !== undefined)) break;
      }
    } finally {
      await db.end();
    }
    const last = await call('GET', `/v1/videos/${video.id}`);
    if (playableSeconds === undefined) throw new Error('the video never became playable within the hour');
    const hwm = Math.max(
      ...workers.map((w) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${w.pid}/status`, 'utf8'))?.[1])),
    );
    return {
      playableSeconds,
      readySeconds,
      workerPeakMb: hwm / 1024,
      partReads,
      ffmpegRuns,
      playableVia: last.playableVia ?? null,
      nonStandardReasons: last.nonStandardReasons ?? null,
    };
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
    await app.close();
    await s3.close();
    rmSync(s3dir, { recursive: true, force: true });
  }
}
