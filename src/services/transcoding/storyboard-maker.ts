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
  type StoryboardPlan,
} from '../../domain/storyboard';
import type { MediaToolkit } from '../../ports/media-toolkit';

export interface StoryboardInput {
  /** The source: a local path or the loopback source URL. */
  readonly source: string;
  readonly demuxer: string;
  readonly videoStream?: number;
  readonly plan: StoryboardPlan;
  readonly durationSeconds: number;
  /** Receives `sprite-N.jpg` and `storyboard.vtt`. */
  readonly outDir: string;
  /** A folder of its own is made here for the single tiles, and removed after. */
  readonly scratchDir: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

/**
 * Decodes the source once at the storyboard's rate into single tiles, counts them, lays them out
 * into sprite sheets and writes the WebVTT that points into them. Returns how many tiles it made
 * (0: nothing written, a video too short for one).
 */
export async function makeStoryboard(media: MediaToolkit, input: StoryboardInput): Promise<number> {
  const tilesDir = await mkdtemp(join(input.scratchDir, 'storyboard-tiles-'));
  try {
    await mkdir(input.outDir, { recursive: true });
    const run = { cwd: tilesDir, signal: input.signal, timeoutMs: input.timeoutMs };
    await media.run(
      storyboardTilesCommand(
        input.source,
        input.demuxer,
        input.plan,
        join(tilesDir, 'tile-%05d.jpg'),
        input.videoStream,
      ),
      run,
    );
    const tiles = (await readdir(tilesDir)).filter((f) => /^tile-\d{5}\.jpg$/.test(f)).length;
    if (tiles === 0) return 0;
    await media.run(
      storyboardSpritesCommand(join(tilesDir, 'tile-%05d.jpg'), input.plan, join(input.outDir, SPRITE_PATTERN)),
      run,
    );
    await writeFile(join(input.outDir, STORYBOARD_VTT), storyboardVtt(input.plan, tiles, input.durationSeconds));
    return tiles;
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
 * makeStoryboard for a transcode, one job or a flow's child: a video whose ladder encodes is never
 * failed for its storyboard (the seek bar just shows no previews), so any error but an abort is
 * logged and whatever was written is removed. True when a storyboard was made.
 */
export async function storyboardOrNone(
  media: MediaToolkit,
  logger: LoggerService,
  tag: string,
  input: StoryboardInput,
): Promise<boolean> {
  try {
    return (await makeStoryboard(media, input)) > 0;
  } catch (error) {
    if (input.signal.aborted) throw error;
    logger.warn(`${tag} no storyboard: ${error instanceof Error ? error.message : String(error)}`);
    await rm(input.outDir, { recursive: true, force: true });
    return false;
  }
}

/** The one-job transcode's storyboard input: into `out/storyboard/`, published with the ladder. */
export function storyboardInput(job: {
  sourcePath: string;
  info: MediaInfo;
  plan: StoryboardPlan;
  out: string;
  scratch: string;
  signal: AbortSignal;
}): StoryboardInput {
  return {
    source: job.sourcePath,
    demuxer: pinnedDemuxer(job.info.formatName),
    videoStream: job.info.video?.streamIndex,
    plan: job.plan,
    durationSeconds: job.info.durationSeconds,
    outDir: join(job.out, STORYBOARD_DIR),
    scratchDir: job.scratch,
    signal: job.signal,
    // A decode at a few frames a second and a few tiles: two seconds per second of video is ample.
    timeoutMs: 60_000 + job.info.durationSeconds * 2000,
  };
}
