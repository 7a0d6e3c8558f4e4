/**
 * npm run bench:transcode: the pipeline's overhead over ffmpeg itself, measured in one run.
 *   (a) the bare ffmpeg commands the pipeline runs (ladder + poster) on a local 1080p30 file;
 *   (b) the whole pipeline, upload complete → ready, with the built worker in its own process.
 * (a) and (b) alternate for BENCH_ROUNDS rounds (default 3) and the medians are compared, so a
 * slow moment of a shared machine does not land on one side only. Prints every round, the
 * medians, b/a, the realtime factor and the worker's peak RSS (ffmpeg is another process).
 * BENCH_SOURCE_SECONDS (default 60) makes the source longer, e.g. to approach a 2 GB source.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SignJWT } from 'jose';
import { createApiApp } from '../src/api.app';
import { loadConfig } from '../src/config/config';
import { LOCAL_S3_CREDENTIALS, startLocalS3 } from '../src/dev/local-s3';
import { hlsCommand, posterCommand } from '../src/domain/hls-command';
import { chooseLadder } from '../src/domain/ladder';
import type { MediaInfo } from '../src/domain/media-info';
import { pinnedDemuxer } from '../src/domain/media-policy';
import { BENCH_DATABASE_URL, freshServices, REDIS_URL } from './services';
import { medianBy } from './stats';

const SECONDS = Number(process.env.BENCH_SOURCE_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUCKET = 'velvet-bench';
const SECRET = 'bench-secret-bench-secret-bench-secret-0123';

function sourceFile(): string {
  const dir = join(tmpdir(), 'velvet-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `source-1080p30-${SECONDS}s.mp4`);
  if (!existsSync(path)) {
    console.log(`generating a ${SECONDS} s 1080p30 source (testsrc2 with noise, a 440 Hz tone)…`);
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${SECONDS},noise=alls=20:allf=t`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
    ]);
  }
  return path;
}

function probe(path: string): MediaInfo {
  const data = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', path], { encoding: 'utf8' }));
  const v = data.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
  const [n, d] = String(v.avg_frame_rate).split('/').map(Number);
  return {
    formatName: data.format.format_name,
    durationSeconds: Number(data.format.duration),
    video: { codec: v.codec_name, width: v.width, height: v.height, frameRate: n! / d!, pixelFormat: v.pix_fmt, profile: v.profile },
    audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
  };
}

/** (a): the ladder and poster commands exactly as the pipeline builds them, on the local file. */
function timeBareFfmpeg(source: string, info: MediaInfo): { seconds: number; rungs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'velvet-bench-bare-'));
  const demuxer = pinnedDemuxer(info.formatName);
  const rungs = chooseLadder(info, { shortSides: [1080, 720, 480, 360] });
  const start = performance.now();
  execFileSync('ffmpeg', hlsCommand({ sourcePath: source, demuxer, rungs, hasAudio: true, preset: 'veryfast', segmentSeconds: 6 }), { cwd: dir, stdio: 'ignore' });
  execFileSync('ffmpeg', posterCommand(source, demuxer, info.durationSeconds * 0.1, join(dir, 'poster.jpg')), { cwd: dir, stdio: 'ignore' });
  const seconds = (performance.now() - start) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return { seconds, rungs: rungs.map((r) => r.name) };
}

/** (b): upload through the api, then time complete → ready; the worker's peak RSS from /proc. */
async function timePipeline(source: string): Promise<{ seconds: number; workerPeakMb: number }> {
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
    await call('POST', `/v1/videos/${video.id}/upload/complete`, {});
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const current = await call('GET', `/v1/videos/${video.id}`);
      if (current.status === 'ready') break;
      if (current.status === 'failed') throw new Error(`pipeline failed: ${JSON.stringify(current.error)}`);
    }
    const seconds = (performance.now() - start) / 1000;
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1]);
    return { seconds, workerPeakMb: hwm / 1024 };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await app.close();
    await s3.close();
    rmSync(s3dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const source = sourceFile();
  const info = probe(source);
  const bareRuns: number[] = [];
  const pipelineRuns: number[] = [];
  let rungs: string[] = [];
  let workerPeakMb = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const bare = timeBareFfmpeg(source, info);
    const pipeline = await timePipeline(source);
    rungs = bare.rungs;
    bareRuns.push(bare.seconds);
    pipelineRuns.push(pipeline.seconds);
    workerPeakMb = Math.max(workerPeakMb, pipeline.workerPeakMb);
    console.log(`round ${round}/${ROUNDS}: (a) ${bare.seconds.toFixed(2)} s, (b) ${pipeline.seconds.toFixed(2)} s`);
  }
  const a = medianBy(bareRuns, (x) => x);
  const b = medianBy(pipelineRuns, (x) => x);
  const mb = (statSync(source).size / 1024 ** 2).toFixed(1);
  console.log(`\nsource: ${info.durationSeconds.toFixed(0)} s 1080p30, ${mb} MB; ladder ${rungs.join('/')} + audio, preset veryfast; medians of ${ROUNDS} rounds`);
  console.log(`(a) bare ffmpeg (ladder + poster):   ${a.toFixed(2)} s`);
  console.log(`(b) pipeline, complete → ready:      ${b.toFixed(2)} s`);
  console.log(`ratio b/a:                           ${(b / a).toFixed(3)} (target ≤ 1.15)`);
  console.log(`realtime factor (source s / wall s): ${(info.durationSeconds / b).toFixed(2)}x`);
  console.log(`worker peak RSS (ffmpeg excluded):   ${workerPeakMb.toFixed(0)} MB (target ≤ 200 MB with a 2 GB source)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
