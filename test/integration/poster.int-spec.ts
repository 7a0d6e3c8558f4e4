/**
 * The poster, on real ffmpeg through the worker's confined media toolkit: taken from the first
 * keyframe at or after its time by decoding keyframes alone, and nothing when no keyframe
 * follows (the pipeline then takes the exact frame, as transcode.int-spec's one-GOP clips show).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegMediaToolkit } from '../../src/adapters/ffmpeg.media-toolkit';
import { posterCommand } from '../../src/domain/hls-command';
import { testConfig } from '../support/harness';

describe('the poster', () => {
  const media = new FfmpegMediaToolkit(testConfig());
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'velvet-poster-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** 10 s of moving picture with a keyframe every `gop` frames (and no other: no scene cuts). */
  function clip(name: string, gop: number): string {
    const path = join(work, name);
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=10'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gop), '-sc_threshold', '0', '-pix_fmt', 'yuv420p'],
      path,
    ]);
    return path;
  }
  const poster = async (source: string, at: number, name: string, keyframe: boolean) => {
    const out = join(work, name);
    await media.run(posterCommand(source, 'mov', at, out, { keyframe }), { cwd: work, timeoutMs: 30_000 });
    return existsSync(out) ? readFileSync(out) : null;
  };

  it('is the first keyframe at or after its time, the same picture a full decode gives there', async () => {
    const source = clip('gop3.mp4', 90);
    const fromKeyframes = await poster(source, 1, 'key.jpg', true);
    expect(fromKeyframes).not.toBeNull();
    // The keyframe at 3 s, not the frame at 1 s.
    expect(fromKeyframes!.equals((await poster(source, 3, 'exact-3.jpg', false))!)).toBe(true);
    expect(fromKeyframes!.equals((await poster(source, 1, 'exact-1.jpg', false))!)).toBe(false);
  });

  it('writes nothing when no keyframe follows its time', async () => {
    const source = clip('one-gop.mp4', 1000);
    expect(await poster(source, 1, 'none.jpg', true)).toBeNull();
    expect(await poster(source, 1, 'fallback.jpg', false)).not.toBeNull();
  });
});
