/**
 * npm run bench:transcode: the pipeline's overhead over ffmpeg itself, measured in one run.
 *   (a) the bare ffmpeg commands the pipeline runs (ladder + poster) on a local 1080p30 file;
 *   (b) the whole pipeline, upload complete → ready, with the built worker in its own process.
 * (a) and (b) alternate for BENCH_ROUNDS rounds (default 3) and the medians are compared, so a
 * slow moment of a shared machine does not land on one side only. Prints every round, the
 * medians, b/a, the realtime factor and the worker's peak RSS (ffmpeg is another process).
 * BENCH_SOURCE_SECONDS (default 60) makes the source longer, e.g. to approach a 2 GB source.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hlsCommand, posterCommand } from '../src/domain/hls-command';
import { chooseLadder } from '../src/domain/ladder';
import type { MediaInfo } from '../src/domain/media-info';
import { pinnedDemuxer } from '../src/domain/media-policy';
import { benchSource, runPipeline } from './pipeline-run';
import { medianBy } from './stats';

const SECONDS = Number(process.env.BENCH_SOURCE_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

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

/** (b): the whole pipeline, with the preview off: the same work as (a), plus the plumbing. */
async function timePipeline(source: string): Promise<{ seconds: number; workerPeakMb: number }> {
  const run = await runPipeline(source, { PREVIEW_SHORT_SIDE: '0' });
  return { seconds: run.readySeconds!, workerPeakMb: run.workerPeakMb };
}

async function main(): Promise<void> {
  const source = benchSource({ seconds: SECONDS, kind: 'camera' });
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
  console.log(`\nsource: ${info.durationSeconds.toFixed(0)} s 1080p30 at 20 Mbit/s, ${mb} MB; ladder ${rungs.join('/')} + audio, preset veryfast; medians of ${ROUNDS} rounds`);
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
