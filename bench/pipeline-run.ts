/**
 * The benchmarks' shared pieces: generated 1080p30 sources, and one pipeline run (api in this
 * process, the built worker in its own) timed from upload complete to playable and to ready.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { createApiApp } from '../src/api.app';
import { loadConfig } from '../src/config/config';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../src/dev/local-s3';
import { BENCH_DATABASE_URL, freshServices, REDIS_URL } from './services';

const BUCKET = 'velvet-bench';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

export interface SourceSpec {
  readonly seconds: number;
  /**
   * `camera`: testsrc2 with per-frame noise at 20 Mbit/s, the most a phone records 1080p30 at
   * (hard to encode, realistic to decode). `clean`: testsrc2 alone, small and quick to make,
   * for long sources where only the time to playable is measured.
   */
  readonly kind: 'camera' | 'clean';
}

/** A generated source, cached in the OS temp folder across runs. */
export function benchSource(spec: SourceSpec): string {
  const dir = join(tmpdir(), 'velvet-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `source-1080p30-${spec.seconds}s-${spec.kind}.mp4`);
  if (existsSync(path)) return path;
  console.log(`generating a ${spec.seconds} s 1080p30 ${spec.kind} source…`);
  const picture = spec.kind === 'camera' ? `testsrc2=size=1920x1080:rate=30:duration=${spec.seconds},noise=alls=20:allf=t` : `testsrc2=size=1920x1080:rate=30:duration=${spec.seconds}`;
  const encode = spec.kind === 'camera' ? ['-preset', 'veryfast', '-b:v', '20M', '-maxrate', '20M', '-bufsize', '40M'] : ['-preset', 'ultrafast', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '8M'];
  const partial = `${path}.partial.mp4`;
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', picture,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`,
    '-c:v', 'libx264', ...encode, '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', partial,
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
}

/**
 * Uploads `source` through the api, completes it and polls the video every 100 ms. With
 * `stopAtPlayable` the worker is stopped as soon as the video is playable.
 */
export async function runPipeline(source: string, extraEnv: Record<string, string>, options: { stopAtPlayable?: boolean } = {}): Promise<PipelineTimes> {
  await freshServices();
  const s3dir = mkdtempSync(join(tmpdir(), 'velvet-bench-s3-'));
  const s3 = await startLocalS3({ directory: s3dir, bucket: BUCKET, maxFormBytes: 6 * 1024 ** 3 });
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey });
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: BENCH_DATABASE_URL,
    REDIS_URL,
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    JWT_SECRET: SECRET,
    UPLOAD_SINGLE_MAX_BYTES: String(5 * 1024 ** 3),
    ...extraEnv,
  };
  const app = await createApiApp(loadConfig(env));
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const worker = spawn(process.execPath, ['--openssl-legacy-provider', resolve('dist/worker/main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    const jwt = await new SignJWT({ roles: ['creator'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setExpirationTime('2h').sign(new TextEncoder().encode(SECRET));
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as Record<string, any>;
    };
    const size = statSync(source).size;
    const { video, upload } = await call('POST', '/v1/videos', { title: 'bench', contentType: 'video/mp4', sizeBytes: size });
    const form = new FormData();
    for (const [k, v] of Object.entries(upload.fields as Record<string, string>)) form.append(k, v);
    form.append('file', new Blob([readFileSync(source)], { type: 'video/mp4' }), 'source.mp4');
    const sent = await fetch(upload.url, { method: 'POST', body: form });
    if (sent.status !== 204) throw new Error(`upload answered ${sent.status}`);

    const start = performance.now();
    const elapsed = () => (performance.now() - start) / 1000;
    await call('POST', `/v1/videos/${video.id}/upload/complete`, {});
    let playableSeconds: number | undefined;
    let readySeconds: number | undefined;
    // Bounded: a run that is neither ready nor failed within an hour is a failed run.
    for (const deadline = Date.now() + 3600_000; Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
      const current = await call('GET', `/v1/videos/${video.id}`);
      if (current.status === 'failed') throw new Error(`pipeline failed: ${JSON.stringify(current.error)}`);
      if (current.playable && playableSeconds === undefined) playableSeconds = elapsed();
      if (current.status === 'ready') readySeconds = elapsed();
      if (readySeconds !== undefined || (options.stopAtPlayable && playableSeconds !== undefined)) break;
    }
    if (playableSeconds === undefined) throw new Error('the video never became playable within the hour');
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1]);
    return { playableSeconds, readySeconds, workerPeakMb: hwm / 1024 };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await app.close();
    await s3.close();
    rmSync(s3dir, { recursive: true, force: true });
  }
}
