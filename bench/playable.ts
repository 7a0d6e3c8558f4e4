/**
 * npm run bench:playable: how soon a video can be watched, measured in one run.
 *   (a)  upload complete → ready with the preview off (PREVIEW_SHORT_SIDE=0): today's wait;
 *   (b)  upload complete → playable with the preview on, and (b') → ready with it on;
 * on the 60 s 1080p30 source of bench:transcode, (a) and (b) alternating for BENCH_ROUNDS
 * rounds (default 1). Then (b) alone on a source BENCH_LONG_SECONDS long (default 600; a clean
 * picture, so it is quick to make and small), stopped once playable: time to playable must not
 * grow with the video's length. Also the preview's own encoding speed on the 60 s source.
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
  const longRun = await runPipeline(long, { TRANSCODE_SHUTDOWN_GRACE_SECONDS: '0' }, { stopAtPlayable: true });
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
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
