/**
 * npm run bench:transcode: the pipeline's overhead over ffmpeg itself, measured in one run.
 *   (a) every ffmpeg command the pipeline runs (tail check, poster, ladder with its storyboard
 *       tiles, sprite sheets) and ffprobe, bare, on a local 1080p30 file;
 *   (b) the whole pipeline, upload complete → ready, with the built worker in its own process,
 *       the ladder as one job (TRANSCODE_CHUNK_SECONDS=0);
 *   (c) the same with the ladder in chunks (BENCH_CHUNK_SECONDS, default 30), one worker;
 *   (d) chunked, one worker pinned to one core (taskset -c 0);
 *   (e) chunked, two workers pinned to one core each (taskset -c 0, taskset -c 1).
 * (a), (b), (c) alternate for BENCH_ROUNDS rounds (default 3), then (d) and (e) alternate as
 * many rounds, and the medians are compared, so a slow moment of a shared machine does not land
 * on one side only. Prints every round, the medians, b/a, c/b, d/e, the realtime factor and the
 * workers' peak RSS (ffmpeg is another process).
 * BENCH_SOURCE_SECONDS (default 60) makes the source longer (840: 2.1 GB); BENCH_MEMORY_ONLY=1
 * runs (b) and (c) once each for the worker's peak RSS alone;
 * BENCH_CHUNK_COMPARE=12 adds (c'), chunks of that length, to the rounds of (c). The source bytes
 * each part of (c) read are printed from the worker's log.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config';
import { hlsCommand, posterCommand, posterSeconds, tailCheckCommand } from '../src/domain/hls-command';
import type { MediaInfo } from '../src/domain/media-info';
import { pinnedDemuxer } from '../src/domain/media-policy';
import { SPRITE_PATTERN, storyboardSpritesCommand, TILE_PATTERN, tilesSideOutput } from '../src/domain/storyboard';
import { planTranscode } from '../src/domain/transcode-plan';
import { storyboardPlanFor } from '../src/services/transcoding/storyboard-maker';
import { benchEnv, benchSource, runPipeline, type PartRead } from './pipeline-run';
import { medianBy } from './stats';

const SECONDS = Number(process.env.BENCH_SOURCE_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function probe(path: string): MediaInfo {
  const data = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-of', 'json', '-show_format', '-show_streams', path], {
      encoding: 'utf8',
    }),
  );
  const v = data.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
  const [n, d] = String(v.avg_frame_rate).split('/').map(Number);
  return {
    formatName: data.format.format_name,
    durationSeconds: Number(data.format.duration),
    video: {
      codec: v.codec_name,
      width: v.width,
      height: v.height,
      frameRate: n! / d!,
      pixelFormat: v.pix_fmt,
      profile: v.profile,
    },
    audio: { codec: 'aac', channels: 2, sampleRate: 48000 },
  };
}

/**
 * (a): every ffmpeg command the one-job pipeline (b) runs, built by the same functions from the
 * same configuration, in order, on the local file: the tail check, the poster, the ladder with
 * its storyboard tiles, the sprite sheets. ffprobe too. main() checks the count against (b)'s.
 */
function bareCommands(source: string, info: MediaInfo, dir: string): string[][] {
  const transcode = loadConfig(benchEnv('http://127.0.0.1:9', BARE_ENV)).transcode;
  const demuxer = pinnedDemuxer(info.formatName);
  const plan = planTranscode(info, {
    shortSides: transcode.ladder,
    previewShortSide: 0,
    mode: transcode.ladderMode,
    ...(transcode.ladderCrf ? { crf: transcode.ladderCrf } : {}),
  });
  const board = storyboardPlanFor(transcode, info, plan.ladder);
  const rate = plan.ladder[0]!.frameRate;
  const tiles = join(dir, 'tiles');
  mkdirSync(tiles);
  mkdirSync(join(dir, 'storyboard'));
  return [
    tailCheckCommand(source, demuxer, info.durationSeconds, true, join(dir, 'tail.raw')),
    // The bench source has a keyframe after 10 %: the pipeline's exact-frame fallback does not run.
    posterCommand(source, demuxer, posterSeconds(info.durationSeconds), join(dir, 'poster.jpg'), { keyframe: true }),
    hlsCommand({
      sourcePath: source,
      demuxer,
      rungs: plan.ladder,
      hasAudio: true,
      preset: transcode.preset,
      segmentSeconds: transcode.segmentSeconds,
      ...(board ? { sideOutput: tilesSideOutput(board, rate, 0, tiles) } : {}),
    }),
    ...(board
      ? [storyboardSpritesCommand(join(tiles, TILE_PATTERN), board, join(dir, 'storyboard', SPRITE_PATTERN))]
      : []),
  ];
}

function timeBareFfmpeg(source: string, info: MediaInfo): { seconds: number; rungs: string[]; commands: number } {
  const dir = mkdtempSync(join(tmpdir(), 'velvet-bench-bare-'));
  const commands = bareCommands(source, info, dir);
  const start = performance.now();
  probe(source);
  for (const args of commands) execFileSync('ffmpeg', args, { cwd: dir, stdio: 'ignore' });
  const seconds = (performance.now() - start) / 1000;
  const rungs = readdirSync(dir).filter((f) => /^\d+p$/.test(f));
  rmSync(dir, { recursive: true, force: true });
  return { seconds, rungs, commands: commands.length };
}

// (b)'s settings: the one-job pipeline with the preview off.
const BARE_ENV = { PREVIEW_SHORT_SIDE: '0', TRANSCODE_CHUNK_SECONDS: '0' };

const CHUNK_SECONDS = process.env.BENCH_CHUNK_SECONDS ?? '30';
// Another chunk length measured in the same rounds as (c), to compare lengths: (c').
const COMPARE_SECONDS = process.env.BENCH_CHUNK_COMPARE;

type Workers = Array<{ cpus?: string }>;
type Key = 'a' | 'b' | 'c' | "c'" | 'd' | 'e';

/**
 * BENCH_MEMORY_ONLY=1: (b) and (c) once each, for the worker's peak RSS alone, e.g. with a
 * 2 GB source (BENCH_SOURCE_SECONDS=840 at 20 Mbit/s) where timed rounds would take hours. The
 * ladder is its top rung alone: its segments are the largest the worker uploads, and the other
 * rungs add work to ffmpeg (another process), not to the worker.
 */
async function memoryOnly(source: string, info: MediaInfo): Promise<void> {
  const mb = (statSync(source).size / 1024 ** 2).toFixed(0);
  console.log(
    `source: ${info.durationSeconds.toFixed(0)} s 1080p30, ${mb} MiB; ladder 1080p + audio; the worker's peak RSS, ffmpeg excluded`,
  );
  for (const [key, chunkSeconds] of [
    ['b', '0'],
    ['c', CHUNK_SECONDS],
  ] as const) {
    const run = await runPipeline(source, { ...BARE_ENV, LADDER: '1080', TRANSCODE_CHUNK_SECONDS: chunkSeconds });
    console.log(
      `(${key}) ready in ${run.readySeconds!.toFixed(1)} s; worker peak RSS: ${run.workerPeakMb.toFixed(0)} MB`,
    );
  }
}

async function main(): Promise<void> {
  const source = benchSource({ seconds: SECONDS, kind: 'camera' });
  const info = probe(source);
  if (process.env.BENCH_MEMORY_ONLY === '1') return memoryOnly(source, info);
  const runs: Record<Key, number[]> = { a: [], b: [], c: [], "c'": [], d: [], e: [] };
  let rungs: string[] = [];
  let bareCommandCount = 0;
  let workerPeakMb = 0;
  let reads: readonly PartRead[] = [];
  /** The whole pipeline, with the preview off: the same work as (a), plus the plumbing. */
  const pipeline = async (key: Exclude<Key, 'a'>, chunkSeconds: string, workers?: Workers) => {
    const run = await runPipeline(source, { ...BARE_ENV, TRANSCODE_CHUNK_SECONDS: chunkSeconds }, { workers });
    runs[key].push(run.readySeconds!);
    // Like with like: (a) must run what (b) runs, whatever the pipeline has added since.
    if (key === 'b' && run.ffmpegRuns !== bareCommandCount)
      throw new Error(`(b) ran ${run.ffmpegRuns} ffmpeg commands and (a) ${bareCommandCount}: make (a) run them all`);
    workerPeakMb = Math.max(workerPeakMb, run.workerPeakMb);
    if (key === 'c') reads = run.partReads;
    return `(${key}) ${run.readySeconds!.toFixed(2)} s`;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const bare = timeBareFfmpeg(source, info);
    rungs = bare.rungs;
    bareCommandCount = bare.commands;
    runs.a.push(bare.seconds);
    const line = [`(a) ${bare.seconds.toFixed(2)} s`, await pipeline('b', '0'), await pipeline('c', CHUNK_SECONDS)];
    if (COMPARE_SECONDS) line.push(await pipeline("c'", COMPARE_SECONDS));
    console.log(`round ${round}/${ROUNDS}: ${line.join(', ')}`);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const line = [
      await pipeline('d', CHUNK_SECONDS, [{ cpus: '0' }]),
      await pipeline('e', CHUNK_SECONDS, [{ cpus: '0' }, { cpus: '1' }]),
    ];
    console.log(`scale-out round ${round}/${ROUNDS}: ${line.join(', ')}`);
  }
  const m = (key: Key) => medianBy(runs[key], (x) => x);
  const [a, b, c, d, e] = [m('a'), m('b'), m('c'), m('d'), m('e')];
  const mb = (statSync(source).size / 1024 ** 2).toFixed(1);
  const row = (label: string, value: string) => console.log(`${label.padEnd(42)}${value}`);
  console.log(
    `\nsource: ${info.durationSeconds.toFixed(0)} s 1080p30 at 20 Mbit/s, ${mb} MB; ladder ${rungs.join('/')} + audio, preset veryfast; medians of ${ROUNDS} rounds`,
  );
  row(`(a) bare ffmpeg (${bareCommandCount} commands, as (b)):`, `${a.toFixed(2)} s`);
  row('(b) pipeline, one job, complete → ready:', `${b.toFixed(2)} s`);
  row(`(c) chunked (${CHUNK_SECONDS} s), one worker:`, `${c.toFixed(2)} s`);
  if (COMPARE_SECONDS) row(`(c') chunked (${COMPARE_SECONDS} s), one worker:`, `${m("c'").toFixed(2)} s`);
  row('(d) chunked, one worker on core 0:', `${d.toFixed(2)} s`);
  row('(e) chunked, two workers, a core each:', `${e.toFixed(2)} s`);
  row('ratio b/a:', `${(b / a).toFixed(3)} (target ≤ 1.15)`);
  row('ratio c/b:', `${(c / b).toFixed(3)} (target ≤ 1.10)`);
  if (COMPARE_SECONDS) row("ratio c'/b:", (m("c'") / b).toFixed(3));
  row('ratio d/e:', `${(d / e).toFixed(3)} (target ≥ 1.8)`);
  row('realtime factor (source s / wall s):', `${(info.durationSeconds / b).toFixed(2)}x`);
  row('worker peak RSS (ffmpeg excluded):', `${workerPeakMb.toFixed(0)} MB (target ≤ 200 MB with a 2 GB source)`);
  // Each part reads the source's index and its own slice through the loopback range server.
  for (const r of reads)
    row(
      `(c) ${r.part} encoded in ${r.encodeSeconds.toFixed(1)} s, read:`,
      `${r.readMib.toFixed(1)} of ${r.sourceMib.toFixed(1)} MiB`,
    );
  const total = reads.reduce((sum, r) => sum + r.readMib, 0);
  if (reads.length)
    row('(c) all parts read:', `${total.toFixed(1)} MiB = ${(total / reads[0]!.sourceMib).toFixed(2)} × the source`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
