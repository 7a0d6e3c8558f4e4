import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkFirstFrame, planChunks } from '../../src/domain/chunk-plan';
import { chooseLadder } from '../../src/domain/ladder';
import { segmentTiming } from '../../src/domain/mp4-fragments';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import { planStoryboard, tilesSideOutput } from '../../src/domain/storyboard';
import { encodeBare } from '../support/bare-chunk';

/**
 * What docs/transcoding.md measured for chunked encoding, asserted on this machine's ffmpeg so an
 * upgrade cannot break it silently: chunks encoded independently with the chunk flags have
 * byte-identical init segments per rung and timestamps that run on across every join, with no
 * frame lost or doubled against one whole run; and the storyboard tiles each chunk takes from its
 * own decode are the very tiles of one whole run.
 */
describe.each([
  { fps: '30', rate: 30, size: '1280x720', sides: [720, 360], mode: 'capped-crf' as const },
  // NTSC: chunks must start on exact frame times (6.006 s), not on whole seconds.
  { fps: '30000/1001', rate: 29.97, size: '854x480', sides: [480, 240], mode: 'capped-crf' as const },
  { fps: '30', rate: 30, size: '854x480', sides: [480, 240], mode: 'fixed' as const },
])('ladder chunks encoded apart stitch into one playlist ($fps fps, $mode)', ({ fps, rate, size, sides, mode }) => {
  const SEGMENT = 2;
  const SECONDS = 24;
  const [width, height] = size.split('x').map(Number) as [number, number];
  let work: string;
  let source: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'velvet-chunks-'));
    source = join(work, 'source.mp4');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${size}:rate=${fps}:duration=${SECONDS}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      source,
    ]);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const rungs = chooseLadder(
    {
      formatName: 'mov',
      durationSeconds: SECONDS,
      video: { codec: 'h264', width, height, frameRate: rate, pixelFormat: 'yuv420p', profile: 'High' },
      audio: null,
    },
    { shortSides: sides, mode },
  );
  // 2 s tiles: at 30 fps one falls exactly on each chunk's first frame, at 29.97 just before it.
  const storyboard = planStoryboard(SECONDS, width, height, { intervalSeconds: 2, maxTiles: 400 });
  function encode(dir: string, chunk?: { startSeconds: number; durationSeconds: number; firstSegment: number }): void {
    mkdirSync(join(dir, 'tiles'), { recursive: true });
    const firstFrame = chunk ? chunkFirstFrame(chunk, rungs[0]!.frameRate) : 0;
    const sideOutput = tilesSideOutput(storyboard, rungs[0]!.frameRate, firstFrame, join(dir, 'tiles'));
    encodeBare({ source, dir, rungs, segmentSeconds: SEGMENT, chunk, sideOutput });
  }

  it('has identical init segments, continuous tfdt at every join and the frames of one whole run', () => {
    const chunks = planChunks(SECONDS, 6, SEGMENT, rate);
    expect(chunks).toHaveLength(4);
    chunks.forEach((c) => encode(join(work, `chunk-${c.index}`), c));
    encode(join(work, 'whole'));

    for (const rung of rungs.map((r) => r.name)) {
      const inits = chunks.map((c) => {
        const folder = join(work, `chunk-${c.index}`, rung);
        return readFileSync(
          join(folder, parseMediaPlaylist(readFileSync(join(folder, 'index.m3u8'), 'utf8')).initUri!),
        );
      });
      for (const init of inits.slice(1)) expect(init.equals(inits[0]!)).toBe(true);
      // x264 writes its settings into the first frame: the rate control each chunk really ran.
      const first = readFileSync(
        join(work, 'chunk-1', rung, `seg_${String(chunks[1]!.firstSegment).padStart(5, '0')}.m4s`),
      );
      const settings = /options: ([^\0]*)/.exec(first.toString('latin1'))![1]!;
      if (mode === 'capped-crf') expect(settings).toMatch(/ rc=crf .* crf=23\.0 .* ip_ratio=1\.20 /);
      else expect(settings).toMatch(/ rc=abr .* ip_ratio=1\.40 /);

      const stitched = chunks.flatMap((c) => {
        const folder = join(work, `chunk-${c.index}`, rung);
        const playlist = parseMediaPlaylist(readFileSync(join(folder, 'index.m3u8'), 'utf8'));
        // Numbered on from the chunk's place, so the stitched playlist never repeats a name.
        expect(playlist.segments[0]!.uri).toBe(`seg_${String(c.firstSegment).padStart(5, '0')}.m4s`);
        return playlist.segments.map((s) => segmentTiming(readFileSync(join(folder, s.uri))));
      });
      expect(stitched[0]!.start).toBe(0);
      stitched.slice(1).forEach((timing, i) => expect([i + 1, timing.start]).toEqual([i + 1, stitched[i]!.end]));

      const wholeFolder = join(work, 'whole', rung);
      const whole = readdirSync(wholeFolder)
        .filter((f) => f.endsWith('.m4s'))
        .map((f) => segmentTiming(readFileSync(join(wholeFolder, f))));
      expect(stitched.reduce((n, t) => n + t.samples, 0)).toBe(whole.reduce((n, t) => n + t.samples, 0));
      expect(stitched.reduce((n, t) => n + t.samples, 0)).toBe(Math.ceil(SECONDS * rate));
      // Segment boundaries on the same instants as one whole run's.
      expect(stitched.map((t) => t.start)).toEqual(whole.map((t) => t.start));
    }

    const tiles = (dir: string) =>
      new Map(readdirSync(join(dir, 'tiles')).map((f) => [f, readFileSync(join(dir, 'tiles', f)).toString('base64')]));
    const wholeTiles = tiles(join(work, 'whole'));
    expect([...wholeTiles.keys()].sort()).toEqual(
      Array.from({ length: SECONDS / 2 }, (_, n) => `tile-${String(n).padStart(5, '0')}.jpg`),
    );
    const chunkTiles = new Map(chunks.flatMap((c) => [...tiles(join(work, `chunk-${c.index}`))]));
    expect(chunks.reduce((n, c) => n + tiles(join(work, `chunk-${c.index}`)).size, 0)).toBe(wholeTiles.size);
    expect(chunkTiles).toEqual(wholeTiles);
  }, 120_000);
});
