import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SPRITE_PATTERN, storyboardSpritesCommand, storyboardTilesCommand, storyboardVtt, STORYBOARD_VTT, type StoryboardPlan } from '../domain/storyboard';
import type { MediaToolkit } from '../ports/media-toolkit';

export interface StoryboardInput {
  /** The source: a local path or the loopback source URL. */
  readonly source: string;
  readonly demuxer: string;
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
    await media.run(storyboardTilesCommand(input.source, input.demuxer, input.plan, join(tilesDir, 'tile-%05d.jpg')), run);
    const tiles = (await readdir(tilesDir)).filter((f) => /^tile-\d{5}\.jpg$/.test(f)).length;
    if (tiles === 0) return 0;
    await media.run(storyboardSpritesCommand(join(tilesDir, 'tile-%05d.jpg'), input.plan, join(input.outDir, SPRITE_PATTERN)), run);
    await writeFile(join(input.outDir, STORYBOARD_VTT), storyboardVtt(input.plan, tiles, input.durationSeconds));
    return tiles;
  } finally {
    await rm(tilesDir, { recursive: true, force: true });
  }
}
