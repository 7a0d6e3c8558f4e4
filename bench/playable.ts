/**
 * npm run bench:playable: how soon a video can be watched, measured in one run.
 *   (a)  upload complete → ready with the preview off (PREVIEW_SHORT_SIDE=0): today's wait;
 *   (b)  upload complete → playable with the preview on, and (b') → ready with it on;
 * on the 60 s 1080p30 source of bench:transcode (20 Mbit/s: not standard, so the preview's
 * way), (a) and (b) alternating for BENCH_ROUNDS rounds (default 1). Then (b) alone on a
 * source BENCH_LONG_SECONDS long (default 600; a clean picture, so it is quick to make and
 * small; with STANDARD_INPUT_MAX_KBPS=0, so the preview's way too), stopped once playable: time
 * to playable must not grow with the video's length. Also the preview's own encoding speed.
 * A standard source, published as it is (a stream copy):
 *   (s)  a standard 60 s 1080p30 H.264/AAC source (the clean picture at 4 Mbit/s), complete →
 *        playable, BENCH_STANDARD_RUNS times (default 5): p50 and p95;
 *   (s′) the same source repeated by stream copy to BENCH_HOUR_SECONDS (default 3600) → playable.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hlsCommand } from '../src/domain/hls-command';
import { planTranscode } from '../src/domain/transcode-plan';
import { benchSource, runPipeline } from './pipeline-run';
import { medianBy } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const LONG_SECONDS = Number(process.env.BENCH_LONG_SECONDS ?? 600);
const STANDARD_RUNS = Number(process.env.BENCH_STANDARD_RUNS ?? 5);
const HOUR_SECONDS = Number(process.env.BENCH_HOUR_SECONDS ?? 3600);

/** Complete → playable on a standard source, stopped there; refuses a run that went another way. */
async function sourcePlayable(path: string): Promise<number> {
  const run = await runPipeline(path, { TRANSCODE_SHUTDOWN_GRACE_SECONDS: '0' }, { stopAtPlayable: true });
  if (run.playableVia !== 'source')
    throw new Error(`playable via ${run.playableVia}, not its source: ${JSON.stringify(run.nonStandardReasons)}`);
  return run.playableSeconds;
}

/** The value at quantile q (0–1) of `values`, nearest rank. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** The preview's ffmpeg command alone on the local file, as the worker runs it: its realtime factor. */
function previewSpeed(source: string, seconds: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'velvet-bench-preview-'));
  const { preview } = planTranscode(
    {
      formatName: 'mov',
      durationSeconds: seconds,
      video: { codec: 'h264', width: 1920, height: 1080, frameRate: 30, pixelFormat: 'yuv420p', profile: 'High' },
      audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
    },
    { shortSides: [1080, 720, 480, 360], previewShortSide: 360 },
  );
  const args = hlsCommand({
    sourcePath: source,
    demuxer: 'mov',
    rungs: preview!.rungs,
    hasAudio: preview!.hasAudio,
    preset: 'veryfast',
    segmentSeconds: 6,
    playlistType: 'event',
  });
  const start = performance.now();
  execFileSync('ffmpeg', args, { cwd: dir, stdio: 'ignore' });
  const wall = (performance.now() - start) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return seconds / wall;
}

const mb = (path: string) => `${(statSync(path).size / 1024 ** 2).toFixed(0)} MB`;

async function main(): Promise<void> {
  const short = benchSource({ seconds: 60, kind: 'camera' });
  const long = benchSource({ seconds: LONG_SECONDS, kind: 'clean' });
  const a: number[] = [];
  const b: number[] = [];
  const bReady: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const off = await runPipeline(short, { PREVIEW_SHORT_SIDE: '0' });
    const on = await runPipeline(short, {});
    a.push(off.readySeconds!);
    b.push(on.playableSeconds);
    bReady.push(on.readySeconds!);
    console.log(
      `round ${round}/${ROUNDS}: (a) ready ${off.readySeconds!.toFixed(2)} s; (b) playable ${on.playableSeconds.toFixed(2)} s, (b') ready ${on.readySeconds!.toFixed(2)} s`,
    );
  }
  const speed = previewSpeed(short, 60);
  const longRun = await runPipeline(
    long,
    { TRANSCODE_SHUTDOWN_GRACE_SECONDS: '0', STANDARD_INPUT_MAX_KBPS: '0' },
    { stopAtPlayable: true },
  );
  const standard = benchSource({ seconds: 60, kind: 'clean' });
  const hour = benchSource({ seconds: HOUR_SECONDS, kind: 'clean' });
  const s: number[] = [];
  for (let run = 1; run <= STANDARD_RUNS; run++) {
    s.push(await sourcePlayable(standard));
    console.log(`(s) run ${run}/${STANDARD_RUNS}: playable ${s.at(-1)!.toFixed(2)} s`);
  }
  const hourPlayable = await sourcePlayable(hour);
  console.log(`(s′) playable ${hourPlayable.toFixed(2)} s`);
  const [ma, mb_, mbr] = [a, b, bReady].map((runs) => medianBy(runs, (x) => x));
  console.log(
    `\n60 s source: 1080p30 at 20 Mbit/s, ${mb(short)}; ladder 1080/720/480/360 + audio, veryfast; preview 360p + audio; medians of ${ROUNDS} round(s)`,
  );
  console.log(`(a)  preview off, complete → ready:     ${ma!.toFixed(2)} s`);
  console.log(`(b)  preview on,  complete → playable:  ${mb_!.toFixed(2)} s`);
  console.log(`(b') preview on,  complete → ready:     ${mbr!.toFixed(2)} s`);
  console.log(`b/a:   ${(mb_! / ma!).toFixed(3)} (target ≤ 0.10)`);
  console.log(`b'/a:  ${(mbr! / ma!).toFixed(3)} (target ≤ 1.25)`);
  console.log(`preview encode alone: ${speed.toFixed(2)}x realtime (target ≥ 2)`);
  console.log(`\n${LONG_SECONDS} s source: 1080p30 clean picture, ${mb(long)}`);
  console.log(`(b)  preview on,  complete → playable:  ${longRun.playableSeconds.toFixed(2)} s`);
  console.log(`long/short time to playable: ${(longRun.playableSeconds / mb_!).toFixed(3)} (target ≤ 1.5)`);
  const sp50 = quantile(s, 0.5);
  console.log(
    `\nstandard source: 1080p30 clean picture at 4 Mbit/s + AAC, ${mb(standard)}; ${HOUR_SECONDS} s: ${mb(hour)}`,
  );
  console.log(
    `(s)  complete → playable, ${s.length} runs: p50 ${sp50.toFixed(2)} s, p95 ${quantile(s, 0.95).toFixed(2)} s`,
  );
  console.log(`(s′) ${HOUR_SECONDS} s, complete → playable: ${hourPlayable.toFixed(2)} s`);
  console.log(`source playable/ready: ${(sp50 / ma!).toFixed(3)}`);
  console.log(`hour/minute playable: ${(hourPlayable / sp50).toFixed(2)}`);
  console.log('targets: source playable/ready ≤ 0.025, hour/minute playable ≤ 1.5');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
