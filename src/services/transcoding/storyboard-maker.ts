import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from '../../config/config';
import type { Rung } from '../../domain/ladder';
import type { MediaInfo } from '../../domain/media-info';
import { pinnedDemuxer } from '../../domain/media-policy';
import {
  planStoryboard,
  SPRITE_PATTERN,
  STORYBOARD_DIR,
  storyboardSpritesCommand,
  storyboardTilesCommand,
  storyboardVtt,
  STORYBOARD_VTT,
  TILE_NAME,
  TILE_PATTERN,
  type StoryboardPlan,
} from '../../domain/storyboard';
import type { MediaToolkit } from '../../ports/media-toolkit';

export interface StoryboardInput {
  /** The source: a local path or the loopback source URL. */
  readonly source: string;
  readonly demuxer: string;
  readonly videoStream?: number;
  /** The ladder's frame rate: tiles are chosen among the frames its fps filter puts out. */
  readonly frameRate: number;
  readonly plan: StoryboardPlan;
  readonly durationSeconds: number;
  /** Receives `sprite-N.jpg` and `storyboard.vtt`. */
  readonly outDir: string;
  /** A folder of its own is made here for the single tiles, and removed after. */
  readonly scratchDir: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

/** Tiles already made (by the ladder's encode, or gathered from its chunks), to lay out. */
export interface TilesInput {
  /** Holds `tile-00000.jpg`… and nothing else of ours; left in place. */
  readonly tilesDir: string;
  readonly plan: StoryboardPlan;
  readonly durationSeconds: number;
  readonly outDir: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

/**
 * Lays tiles out into sprite sheets and writes the WebVTT that points into them; the sheets are
 * made from the small JPEGs alone, never from the source. Returns how many tiles there were (0:
 * nothing written, a video too short for one). Tiles must run from 0 without a gap: ffmpeg's
 * image2 would stop at the gap and the cues after it would point at nothing.
 */
export async function layOutStoryboard(media: MediaToolkit, input: TilesInput): Promise<number> {
  const numbers = (await readdir(input.tilesDir))
    .map((f) => TILE_NAME.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (numbers.length === 0) return 0;
  const gap = numbers.findIndex((n, i) => n !== i);
  if (gap >= 0) throw new Error(`tile ${gap} is missing (${numbers.length} tiles, the last ${numbers.at(-1)})`);
  await mkdir(input.outDir, { recursive: true });
  await media.run(
    storyboardSpritesCommand(join(input.tilesDir, TILE_PATTERN), input.plan, join(input.outDir, SPRITE_PATTERN)),
    { cwd: input.tilesDir, signal: input.signal, timeoutMs: input.timeoutMs },
  );
  await writeFile(join(input.outDir, STORYBOARD_VTT), storyboardVtt(input.plan, numbers.length, input.durationSeconds));
  return numbers.length;
}

/**
 * The storyboard from a decode of its own: only where no ladder encode runs to take the tiles
 * from (docs/transcoding.md, "The storyboard").
 */
export async function makeStoryboard(media: MediaToolkit, input: StoryboardInput): Promise<number> {
  const tilesDir = await mkdtemp(join(input.scratchDir, 'storyboard-tiles-'));
  try {
    await media.run(
      storyboardTilesCommand(
        input.source,
        input.demuxer,
        input.plan,
        input.frameRate,
        join(tilesDir, TILE_PATTERN),
        input.videoStream,
      ),
      { cwd: tilesDir, signal: input.signal, timeoutMs: input.timeoutMs },
    );
    return await layOutStoryboard(media, { ...input, tilesDir });
  } finally {
    await rm(tilesDir, { recursive: true, force: true });
  }
}

/** The storyboard to make for a video, or null (audio only, or storyboards off). */
export function storyboardPlanFor(
  config: AppConfig['transcode'],
  info: MediaInfo,
  rungs: readonly Rung[],
): StoryboardPlan | null {
  const top = rungs[0];
  if (config.storyboardIntervalSeconds === 0 || !top) return null;
  return planStoryboard(info.durationSeconds, top.width, top.height, {
    intervalSeconds: config.storyboardIntervalSeconds,
    maxTiles: config.storyboardMaxTiles,
  });
}

/**
 * A storyboard for a transcode, one job or a chunked ladder's publication: a video whose ladder
 * encodes is never failed for its storyboard (the seek bar just shows no previews), so any error
 * but an abort is logged and whatever was written in `outDir` is removed. True when one was made.
 */
export async function storyboardOrNone(
  logger: LoggerService,
  tag: string,
  outDir: string,
  signal: AbortSignal,
  make: () => Promise<number>,
): Promise<boolean> {
  try {
    return (await make()) > 0;
  } catch (error) {
    if (signal.aborted) throw error;
    logger.warn(`${tag} no storyboard: ${error instanceof Error ? error.message : String(error)}`);
    await rm(outDir, { recursive: true, force: true });
    return false;
  }
}

/** The one-job transcode's storyboard input: into `out/storyboard/`, published with the ladder. */
export function storyboardInput(job: {
  sourcePath: string;
  info: MediaInfo;
  plan: StoryboardPlan;
  frameRate: number;
  out: string;
  scratch: string;
  signal: AbortSignal;
}): StoryboardInput {
  return {
    source: job.sourcePath,
    demuxer: pinnedDemuxer(job.info.formatName),
    videoStream: job.info.video?.streamIndex,
    frameRate: job.frameRate,
    plan: job.plan,
    durationSeconds: job.info.durationSeconds,
    outDir: join(job.out, STORYBOARD_DIR),
    scratchDir: job.scratch,
    signal: job.signal,
    // Laying out a few hundred small JPEGs, or (no ladder encode) a decode that encodes only tiles:
    // two seconds per second of video is ample.
    timeoutMs: 60_000 + job.info.durationSeconds * 2000,
  };
}
