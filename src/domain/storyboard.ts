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
 * One tile per interval into `tile-00000.jpg`…: counted afterwards, since ffmpeg's fps filter
 * rounds the last one in or out depending on the frame timing.
 */
export function storyboardTilesCommand(
  sourcePath: string,
  demuxer: string,
  plan: StoryboardPlan,
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
    `fps=1/${plan.intervalSeconds},scale=${plan.tileWidth}:${plan.tileHeight}:force_original_aspect_ratio=decrease,pad=${plan.tileWidth}:${plan.tileHeight}:(ow-iw)/2:(oh-ih)/2,setsar=1`,
    '-q:v',
    '5',
    '-f',
    'image2',
    '-start_number',
    '0',
    outputPattern,
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
