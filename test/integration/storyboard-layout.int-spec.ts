/**
 * Laying tiles out into sprite sheets, on real ffmpeg through the worker's confined media
 * toolkit: the sheets hold the tiles in a 10×10 grid, the WebVTT points into them, and tiles
 * with a gap (a chunk's tiles missing) make no storyboard rather than one whose cues point at
 * the wrong pictures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegMediaToolkit } from '../../src/adapters/ffmpeg.media-toolkit';
import { planStoryboard, SPRITE_PATTERN, STORYBOARD_VTT, TILE_PATTERN } from '../../src/domain/storyboard';
import { layOutStoryboard } from '../../src/services/transcoding/storyboard-maker';
import { testConfig } from '../support/harness';

describe('laying out storyboard tiles', () => {
  const media = new FfmpegMediaToolkit(testConfig());
  const plan = planStoryboard(250, 1280, 720, { intervalSeconds: 2, maxTiles: 400 });
  let work: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'velvet-layout-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  /** `count` 160×90 tiles numbered from 0, as a ladder encode writes them. */
  function tiles(count: number): string {
    const dir = join(work, 'tiles');
    mkdirSync(dir);
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=160x90:rate=1:duration=${count}`],
      ...['-q:v', '5', '-start_number', '0', join(dir, TILE_PATTERN)],
    ]);
    return dir;
  }
  const layOut = (tilesDir: string) =>
    layOutStoryboard(media, {
      tilesDir,
      plan,
      durationSeconds: 250,
      outDir: join(work, 'out'),
      signal: new AbortController().signal,
      timeoutMs: 60_000,
    });
  const size = (path: string) =>
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path], {
      encoding: 'utf8',
    }).trim();

  it('lays 125 tiles out into two sheets of 10×10 and writes a cue per tile', async () => {
    expect(await layOut(tiles(125))).toBe(125);
    expect(size(join(work, 'out', SPRITE_PATTERN.replace('%d', '0')))).toBe('1600,900');
    expect(size(join(work, 'out', SPRITE_PATTERN.replace('%d', '1')))).toBe('1600,900');
    expect(existsSync(join(work, 'out', SPRITE_PATTERN.replace('%d', '2')))).toBe(false);
    const vtt = readFileSync(join(work, 'out', STORYBOARD_VTT), 'utf8');
    expect(vtt.match(/-->/g)).toHaveLength(125);
    expect(vtt).toContain('sprite-1.jpg#xywh=640,180,160,90');
  });

  it('refuses tiles with a gap, and writes nothing for none', async () => {
    const dir = tiles(12);
    rmSync(join(dir, 'tile-00005.jpg'));
    await expect(layOut(dir)).rejects.toThrow('tile 5 is missing (11 tiles, the last 11)');
    expect(existsSync(join(work, 'out'))).toBe(false);
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    expect(await layOut(dir)).toBe(0);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });
});
