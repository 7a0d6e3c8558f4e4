import type { MediaInfo } from './media-info';

export interface Rung {
  /** Folder and playlist name, e.g. `720p`. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  /**
   * The table's bitrate for this size, bits per second: the target average of a fixed-rate rung,
   * the ceiling of a capped-CRF one.
   */
  readonly videoBitrate: number;
  readonly maxBitrate: number;
  readonly bufferSize: number;
  /** Capped-CRF: x264's quality target; the rung takes the bits the picture needs, up to maxBitrate. Absent: fixed rate. */
  readonly crf?: number;
}

/**
 * `capped-crf`: each rung aims at a constant quality and never exceeds the table's bitrate
 * (slides and talking heads take a fraction of it, hard pictures all of it); `fixed`: each rung
 * spends the table's average bitrate whatever the picture.
 */
export type LadderMode = 'capped-crf' | 'fixed';

/** CRF by short side, largest first: a rung takes the row at or below its own short side. */
export type CrfTable = ReadonlyArray<readonly [shortSide: number, crf: number]>;

/**
 * 23 is x264's own default, which Vimeo and JW Player's capped CRF build on. The same for every
 * rung: bench:ladder (20 s sources) measured a lower CRF on the small rungs (22 at 480p, 21
 * below) dearer on slides (0.354 of the fixed ladder's bytes against 0.346) and on high motion
 * (1.006 against 0.984, the small rungs then pressing on their ceiling), for no better SSIM.
 */
export const DEFAULT_CRF: CrfTable = [[0, 23]];

export interface LadderConfig {
  /** Short-side sizes, e.g. [1080, 720, 480, 360]. */
  readonly shortSides: readonly number[];
  /** Fixed rate unless said otherwise (jobs queued before capped CRF carry no mode). */
  readonly mode?: LadderMode;
  readonly crf?: CrfTable;
}

/**
 * Average bitrates (kbit/s, 30 fps) by short side. From Apple's HLS Authoring Specification for
 * Apple Devices, "Video" → H.264 bitrate ladder for 16:9 (developer.apple.com/documentation/
 * http-live-streaming/hls-authoring-specification-for-apple-devices): 2160p 11600, 1440p 8100
 * (interpolated), 1080p 6000, 720p 3000, 540p 2000, 432p 1100, 360p 730, 234p 145.
 * 480p and 240p are interpolated between their neighbours.
 */
const KBPS_BY_SHORT_SIDE: ReadonlyArray<readonly [number, number]> = [
  [2160, 11600],
  [1440, 8100],
  [1080, 6000],
  [720, 3000],
  [540, 2000],
  [480, 1400],
  [432, 1100],
  [360, 730],
  [240, 300],
  [234, 145],
];

/** Apple's spec allows peaks up to 200 % of the average for VOD; 150 % keeps players safer. */
const PEAK_FACTOR = 1.5;
const MAX_FRAME_RATE = 60;

/**
 * The row at or below the short side; below the table, the smallest row scaled by area. Apple's
 * spec gives higher frame rates more bits; +50 % above 30 fps is its order of magnitude.
 */
function bitrateFor(shortSide: number, frameRate: number): number {
  const row = KBPS_BY_SHORT_SIDE.find(([side]) => side <= shortSide);
  const [smallestSide, smallestKbps] = KBPS_BY_SHORT_SIDE.at(-1)!;
  const kbps = row ? row[1] : smallestKbps * (shortSide / smallestSide) ** 2;
  return Math.round(kbps * (frameRate > 31 ? 1.5 : 1)) * 1000;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const evenDown = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

/**
 * The renditions for a source: each configured short side the source reaches (never upscaled),
 * or the source's own (even) size when it is below the smallest; orientation kept, frame rate
 * capped at 60.
 */
export function chooseLadder(info: MediaInfo, config: LadderConfig): Rung[] {
  const video = info.video;
  if (!video) return [];
  const portrait = video.height > video.width;
  const short = Math.min(video.width, video.height);
  const long = Math.max(video.width, video.height);
  const frameRate = outputFrameRate(video.frameRate);
  const sides = config.shortSides.filter((s) => s <= short);
  const rungs =
    sides.length > 0
      ? sides.map((s) => ({ short: s, long: even((long * s) / short) }))
      : [{ short: evenDown(short), long: evenDown(long) }];
  return rungs.map(({ short: s, long: l }) => {
    const videoBitrate = bitrateFor(s, frameRate);
    const size = { name: `${s}p`, width: portrait ? s : l, height: portrait ? l : s, frameRate, videoBitrate };
    if (config.mode === 'capped-crf') {
      // Capped at today's average: a hard picture costs what it did with the fixed ladder, never
      // more. A one-second buffer: with two, a short hard clip's first seconds burst 10 % over the
      // fixed ladder's bytes (bench:ladder on 6 s sources).
      return {
        ...size,
        maxBitrate: videoBitrate,
        bufferSize: videoBitrate,
        crf: crfFor(s, config.crf ?? DEFAULT_CRF),
      };
    }
    return { ...size, maxBitrate: Math.round(videoBitrate * PEAK_FACTOR), bufferSize: videoBitrate * 2 };
  });
}

function crfFor(shortSide: number, table: CrfTable): number {
  const sorted = [...table].sort((a, b) => b[0] - a[0]);
  return (sorted.find(([side]) => side <= shortSide) ?? sorted.at(-1)!)[1];
}

/** Source rate up to 60 fps; faster sources are halved until they fit (120 → 60, 100 → 50). */
export function outputFrameRate(source: number): number {
  if (!(source > 0)) return 30;
  let rate = source;
  while (rate > MAX_FRAME_RATE + 0.01) rate /= 2;
  return Math.round(rate * 1000) / 1000;
}
