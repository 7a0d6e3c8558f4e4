/**
 * npm run bench:ladder: the content-aware ladder against the fixed one, on three generated 60 s
 * 1080p30 sources at camera bitrates: a slide deck (a detailed still that changes every 10 s and a
 * moving pointer), a talking head (a small moving subject on a still, mildly noisy background)
 * and high motion (the whole frame scrolling, with detail and noise). Per source, both ladders
 * are encoded by the pipeline's own ffmpeg command (`hlsCommand`), alternating which goes first,
 * then each rung is compared with the source scaled to its size (ffmpeg's ssim and psnr filters;
 * VMAF is not in Debian's ffmpeg). Prints a table, the ratios the issue sets, the egress dollars
 * per 1,000 views of a 10-minute lesson at the top rung, and one `label: value` line per figure.
 * BENCH_SOURCE_SECONDS (default 60) and BENCH_PRESET (default veryfast) change the run;
 * BENCH_CRF (as LADDER_CRF: `23`, or `1080:24,720:23,0:22`) tries another CRF table.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hlsCommand } from '../src/domain/hls-command';
import { chooseLadder, type CrfTable, type LadderMode, type Rung } from '../src/domain/ladder';
import type { MediaInfo } from '../src/domain/media-info';

const SECONDS = Number(process.env.BENCH_SOURCE_SECONDS ?? 60);
const PRESET = process.env.BENCH_PRESET ?? 'veryfast';
const SEGMENT_SECONDS = 6;
const SIDES = [1080, 720, 480, 360];
// CloudFront's list price for the first 10 TB a month in the US and Europe (the figure).
const DOLLARS_PER_GB = 0.085;
const CRF: CrfTable | undefined = process.env.BENCH_CRF
  ? process.env.BENCH_CRF.includes(':')
    ? process.env.BENCH_CRF.split(',').map((pair) => pair.split(':').map(Number) as [number, number])
    : [[0, Number(process.env.BENCH_CRF)]]
  : undefined;

/** lavfi graphs of the three sources, 1920x1080 at 30 fps. */
const SOURCES: Record<string, string> = {
  slides:
    `testsrc2=size=1920x1080:rate=0.1:duration=${SECONDS},fps=30,` +
    "drawbox=x='200+mod(t*60,1400)':y='300+100*sin(t)':w=24:h=24:color=red:t=fill",
  'talking-head':
    `color=c=0x5a6a7a:size=1920x1080:rate=30:duration=${SECONDS},noise=alls=4:allf=t[bg];` +
    `testsrc2=size=480x540:rate=30:duration=${SECONDS}[subject];` +
    "[bg][subject]overlay=x='720+30*sin(t/2)':y='300+10*sin(t)'",
  'high-motion': `testsrc2=size=1920x1080:rate=30:duration=${SECONDS},scroll=h=0.004:v=0.003,noise=alls=18:allf=t+u`,
};

interface RungResult {
  readonly name: string;
  readonly bytes: number;
  readonly ssim: number;
  readonly psnr: number;
}
interface LadderResult {
  readonly seconds: number;
  readonly rungs: RungResult[];
}

function makeSource(dir: string, name: string): string {
  const path = join(dir, `${name}.mp4`);
  // A camera's bitrate: the source is not the bottleneck of either ladder.
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', SOURCES[name]!],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '20M', '-pix_fmt', 'yuv420p', path],
  ]);
  return path;
}

const info: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSeconds: SECONDS,
  video: { codec: 'h264', width: 1920, height: 1080, frameRate: 30, pixelFormat: 'yuv420p', profile: 'High' },
  audio: null,
};

function encode(source: string, out: string, mode: LadderMode): { seconds: number; rungs: Rung[] } {
  mkdirSync(out, { recursive: true });
  const rungs = chooseLadder(info, { shortSides: SIDES, mode, ...(CRF ? { crf: CRF } : {}) });
  const args = hlsCommand({
    sourcePath: source,
    demuxer: 'mov',
    rungs,
    hasAudio: false,
    preset: PRESET,
    segmentSeconds: SEGMENT_SECONDS,
  });
  const start = performance.now();
  execFileSync('ffmpeg', args, { cwd: out, stdio: ['ignore', 'ignore', 'inherit'] });
  return { seconds: (performance.now() - start) / 1000, rungs };
}

function folderBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.m4s') || f.endsWith('.mp4'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** SSIM (All) and PSNR (average) of a rendition against the source scaled to its size. */
function quality(source: string, playlist: string, rung: Rung): { ssim: number; psnr: number } {
  const graph =
    `[0:v]split[a][b];[1:v]fps=${rung.frameRate},scale=${rung.width}:${rung.height}:flags=bicubic,format=yuv420p,split[r1][r2];` +
    '[a][r1]ssim;[b][r2]psnr';
  const run = spawnSync(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-i', playlist, '-i', source, '-lavfi', graph, '-f', 'null', '-'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const ssim = /SSIM .*All:([\d.]+)/.exec(run.stderr);
  const psnr = /PSNR .*average:([\d.]+|inf)/.exec(run.stderr);
  if (!ssim || !psnr) throw new Error(`no SSIM/PSNR for ${playlist}: ${run.stderr.slice(-500)}`);
  return { ssim: Number(ssim[1]), psnr: psnr[1] === 'inf' ? 99 : Number(psnr[1]) };
}

function measure(source: string, out: string, mode: LadderMode): LadderResult {
  const { seconds, rungs } = encode(source, out, mode);
  return {
    seconds,
    rungs: rungs.map((rung) => ({
      name: rung.name,
      bytes: folderBytes(join(out, rung.name)),
      ...quality(source, join(out, rung.name, 'index.m3u8'), rung),
    })),
  };
}

const total = (r: LadderResult) => r.rungs.reduce((sum, x) => sum + x.bytes, 0);
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'velvet-bench-ladder-'));
  try {
    console.log(
      `bench:ladder: ${SECONDS} s 1080p30 sources, preset ${PRESET}, rungs ${SIDES.join(', ')}, CRF ${CRF ? JSON.stringify(CRF) : 'default'}`,
    );
    const results: Record<string, Record<LadderMode, LadderResult>> = {};
    Object.keys(SOURCES).forEach((name, i) => {
      const source = makeSource(work, name);
      // Alternated: the first source encodes fixed first, the next capped first, and so on.
      const order: LadderMode[] = i % 2 === 0 ? ['fixed', 'capped-crf'] : ['capped-crf', 'fixed'];
      const byMode = {} as Record<LadderMode, LadderResult>;
      for (const mode of order) {
        byMode[mode] = measure(source, join(work, name, mode), mode);
        rmSync(join(work, name, mode), { recursive: true, force: true });
      }
      results[name] = byMode;
      rmSync(source, { force: true });
    });

    console.log(
      '\n| source | rung | fixed MB | capped MB | ratio | fixed SSIM | capped SSIM | fixed PSNR | capped PSNR |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|');
    let worstSsimDelta = Infinity;
    let worstTimeRatio = 0;
    const bytesRatio: Record<string, number> = {};
    for (const [name, r] of Object.entries(results)) {
      r.fixed.rungs.forEach((f, i) => {
        const c = r['capped-crf'].rungs[i]!;
        worstSsimDelta = Math.min(worstSsimDelta, c.ssim - f.ssim);
        console.log(
          `| ${name} | ${f.name} | ${mb(f.bytes)} | ${mb(c.bytes)} | ${(c.bytes / f.bytes).toFixed(3)} | ${f.ssim.toFixed(4)} | ${c.ssim.toFixed(4)} | ${f.psnr.toFixed(2)} | ${c.psnr.toFixed(2)} |`,
        );
      });
      bytesRatio[name] = total(r['capped-crf']) / total(r.fixed);
      const timeRatio = r['capped-crf'].seconds / r.fixed.seconds;
      worstTimeRatio = Math.max(worstTimeRatio, timeRatio);
      console.log(
        `| ${name} | ladder | ${mb(total(r.fixed))} | ${mb(total(r['capped-crf']))} | ${bytesRatio[name]!.toFixed(3)} | encode ${r.fixed.seconds.toFixed(1)} s | ${r['capped-crf'].seconds.toFixed(1)} s (×${timeRatio.toFixed(3)}) | | |`,
      );
    }

    console.log('\nEgress for 1,000 full views of a 10-minute lesson at the top rung ($0.085/GB):');
    for (const [name, r] of Object.entries(results)) {
      const dollars = (x: LadderResult) => ((x.rungs[0]!.bytes / SECONDS) * 600 * 1000 * DOLLARS_PER_GB) / 1e9;
      console.log(
        `  ${name}: fixed $${dollars(r.fixed).toFixed(2)}, content-aware $${dollars(r['capped-crf']).toFixed(2)}`,
      );
    }
    console.log(
      '\nTargets: slides ≤ 0.35, talking head ≤ 0.65, high motion ≤ 1.00; SSIM ≥ fixed − 0.005 per rung; time ≤ 1.15.\n',
    );
    console.log(`slides bytes ratio: ${bytesRatio.slides!.toFixed(3)}`);
    console.log(`talking-head bytes ratio: ${bytesRatio['talking-head']!.toFixed(3)}`);
    console.log(`high-motion bytes ratio: ${bytesRatio['high-motion']!.toFixed(3)}`);
    console.log(`worst ssim delta: ${worstSsimDelta.toFixed(4)}`);
    console.log(`encode time ratio: ${worstTimeRatio.toFixed(3)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
