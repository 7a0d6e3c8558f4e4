import { safeInputArgs, videoMap } from './hls-command';
import { vttTime } from './webvtt-time';

/**
 * Seek-bar previews: a thumbnail ("tile") every `intervalSeconds`, laid out in sprite sheets of
 * `columns` x `rows` tiles, and a WebVTT file whose cues point at `sprite-N.jpg#xywh=x,y,w,h`
 * (the shape Mux, Bunny, JW Player and Video.js thumbnail plugins read).
 */
export interface StoryboardPlan {
  readonly intervalSeconds: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly columns: number;
  readonly rows: number;
}

export const STORYBOARD_DIR = 'storyboard';
export const STORYBOARD_VTT = 'storyboard.vtt';
// The tile's longer side, in pixels: what a seek-bar preview shows without blurring.
const TILE_LONG_SIDE = 160;
const GRID = 10;

/**
 * The interval grows past `intervalSeconds` so a long video stays within `maxTiles` tiles (a
 * bounded download for the player, a bounded decode for the worker).
 */
export function planStoryboard(
  durationSeconds: number,
  width: number,
  height: number,
  config: { intervalSeconds: number; maxTiles: number },
): StoryboardPlan {
  const intervalSeconds = Math.max(config.intervalSeconds, Math.ceil(durationSeconds / config.maxTiles));
  const landscape = width >= height;
  const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));
  const tileWidth = landscape ? TILE_LONG_SIDE : even((TILE_LONG_SIDE * width) / height);
  const tileHeight = landscape ? even((TILE_LONG_SIDE * height) / width) : TILE_LONG_SIDE;
  return { intervalSeconds, tileWidth, tileHeight, columns: GRID, rows: GRID };
}

/**
 * Which frames become tiles, the same in every path (a whole run, each chunk, the storyboard's own
 * decode): tile n is the first frame at or after n intervals, frame ceil(n * interval * rate) of
 * the frames the ladder's fps filter puts out. Counting frames, not seconds, makes a chunk (whose
 * first frame is the whole run's frame `firstFrame`) pick exactly the frames a whole run would:
 * no tile twice at a join, none missing.
 */
export function tileFrame(tile: number, plan: StoryboardPlan, frameRate: number): number {
  return Math.max(0, Math.ceil(tile * framesPerTile(plan, frameRate) - FRAME_EPSILON));
}

/** The first tile whose frame is at or after `firstFrame`: the number a chunk's first tile takes. */
export function firstTileFrom(firstFrame: number, plan: StoryboardPlan, frameRate: number): number {
  return Math.floor((firstFrame - 1 + FRAME_EPSILON) / framesPerTile(plan, frameRate)) + 1;
}

// A product n * P a hair under a whole frame still counts as that frame (P is a float).
const FRAME_EPSILON = 1e-6;
const framesPerTile = (plan: StoryboardPlan, frameRate: number) => plan.intervalSeconds * frameRate;

/**
 * The filter after the ladder's fps filter that keeps the tile frames (tileFrame, as ffmpeg's
 * `select` evaluates it on the frame count n) and makes them tiles: scaled into the tile's box,
 * letterboxed, square pixels.
 */
export function tileFilter(plan: StoryboardPlan, frameRate: number, firstFrame: number): string {
  const p = String(framesPerTile(plan, frameRate));
  const g = `n+${firstFrame}`;
  // g is a tile frame when the tile k = floor((g + eps) / P) has k * P - eps > g - 1.
  const select = `select='gt(floor((${g}+${FRAME_EPSILON})/${p})*${p},${g}-1+${FRAME_EPSILON})'`;
  const { tileWidth: w, tileHeight: h } = plan;
  return `${select},scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1`;
}

/** The output options writing the selected tiles as `tile-NNNNN.jpg`, numbered from `firstTile`. */
export function tileOutputArgs(firstTile: number, outputPattern: string): string[] {
  // passthrough: one JPEG per selected frame, none duplicated to fill a constant rate.
  return [
    '-c:v',
    'mjpeg',
    '-q:v',
    '5',
    '-fps_mode',
    'passthrough',
    '-f',
    'image2',
    '-start_number',
    String(firstTile),
    outputPattern,
  ];
}

export const TILE_PATTERN = 'tile-%05d.jpg';
export const TILE_NAME = /^tile-(\d{5,})\.jpg$/;

/**
 * The side output of a ladder encode (HlsCommandInput.sideOutput) that writes the tiles of its
 * frames as `tilesDir/tile-NNNNN.jpg`; `firstFrame` is the whole run's number of its first frame.
 */
export function tilesSideOutput(
  plan: StoryboardPlan,
  frameRate: number,
  firstFrame: number,
  tilesDir: string,
): { filter: string; args: string[] } {
  return {
    filter: tileFilter(plan, frameRate, firstFrame),
    args: tileOutputArgs(firstTileFrom(firstFrame, plan, frameRate), `${tilesDir}/${TILE_PATTERN}`),
  };
}

/**
 * The tiles alone, in a decode of their own: for a ladder with nothing left to encode (the preview
 * made every rung) and for chunked ladders queued before the chunks made the tiles.
 */
export function storyboardTilesCommand(
  sourcePath: string,
  demuxer: string,
  plan: StoryboardPlan,
  frameRate: number,
  outputPattern: string,
  videoStream?: number,
): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    ...safeInputArgs(sourcePath, demuxer),
    '-map',
    videoMap(videoStream),
    '-an',
    '-sn',
    '-vf',
    `fps=${frameRate},${tileFilter(plan, frameRate, 0)}`,
    ...tileOutputArgs(0, outputPattern),
  ];
}

/** The tiles (our own JPEGs, nothing else) laid out into sprite sheets `sprite-0.jpg`…; the last one padded. */
export function storyboardSpritesCommand(tilePattern: string, plan: StoryboardPlan, outputPattern: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-protocol_whitelist',
    'file',
    '-f',
    'image2',
    '-framerate',
    '1',
    '-start_number',
    '0',
    '-i',
    `file:${tilePattern}`,
    '-vf',
    `tile=${plan.columns}x${plan.rows}`,
    '-q:v',
    '5',
    '-f',
    'image2',
    '-start_number',
    '0',
    outputPattern,
  ];
}

/** ffmpeg's image2 pattern for the sheets; spriteName(n) is the n-th. */
export const SPRITE_PATTERN = 'sprite-%d.jpg';

export function spriteName(sheet: number): string {
  return `sprite-${sheet}.jpg`;
}

/** How many sheets `tiles` tiles fill. */
export function sheetCount(plan: StoryboardPlan, tiles: number): number {
  return Math.ceil(tiles / (plan.columns * plan.rows));
}

/**
 * The WebVTT storyboard: cue i shows tile i from `i * interval`; the last cue runs to the end, so
 * the cues cover the whole duration without a gap.
 */
export function storyboardVtt(plan: StoryboardPlan, tiles: number, durationSeconds: number): string {
  if (tiles < 1) throw new Error('a storyboard needs at least one tile');
  const perSheet = plan.columns * plan.rows;
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < tiles; i++) {
    const start = i * plan.intervalSeconds;
    const end = i === tiles - 1 ? Math.max(durationSeconds, start + 0.001) : (i + 1) * plan.intervalSeconds;
    const within = i % perSheet;
    const x = (within % plan.columns) * plan.tileWidth;
    const y = Math.floor(within / plan.columns) * plan.tileHeight;
    lines.push(
      `${vttTime(start)} --> ${vttTime(end)}`,
      `${spriteName(Math.floor(i / perSheet))}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`,
      '',
    );
  }
  return lines.join('\n');
}
