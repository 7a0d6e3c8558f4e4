import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunkFrameCount, planChunks } from '../../src/domain/chunk-plan';
import { chooseLadder } from '../../src/domain/ladder';
import { segmentTiming } from '../../src/domain/mp4-fragments';
import { encodeBare } from '../support/bare-chunk';

/**
 * A source whose video starts a few milliseconds after its audio, as a file concatenated by
 * stream copy does (each piece's AAC runs 23 ms past its video). Found on a 2 GB source made by
 * repeating a 60 s one: chunk 0 got a frame at exactly its end, hence one more segment named as
 * chunk 1's first, and the publish job refused the joins. Every chunk but the last now ends on
 * its own frame count.
 */
describe('chunks of a source whose video starts after its audio', () => {
  let work: string;
  let source: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'velvet-late-video-'));
    const piece = join(work, 'piece.mp4');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=6'],
      ...['-f', 'lavfi', '-i', 'sine=duration=6', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-shortest', piece],
    ]);
    const list = join(work, 'list.txt');
    writeFileSync(list, `file '${piece}'\n`.repeat(3));
    source = join(work, 'source.mp4');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      list,
      '-c',
      'copy',
      source,
    ]);
    const videoStart = execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=start_time', '-of', 'csv=p=0', source],
      { encoding: 'utf8' },
    );
    expect(Number(videoStart)).toBeGreaterThan(0.01);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('ends each chunk on its last frame: no extra segment, timestamps running on across the join', () => {
    const rungs = chooseLadder(
      {
        formatName: 'mov',
        durationSeconds: 18,
        video: { codec: 'h264', width: 640, height: 360, frameRate: 30, pixelFormat: 'yuv420p', profile: 'High' },
        audio: null,
      },
      { shortSides: [360], mode: 'capped-crf' },
    );
    const chunks = planChunks(18, 6, 2, 30);
    expect(chunks).toHaveLength(3);
    const parts = chunks.map((chunk) => {
      const dir = join(work, `chunk-${chunk.index}`);
      mkdirSync(dir);
      const frames = chunkFrameCount(chunk, chunks.length, 30);
      encodeBare({ source, dir, rungs, segmentSeconds: 2, chunk: { ...chunk, frames } });
      const names = readdirSync(join(dir, '360p'))
        .filter((f) => f.endsWith('.m4s'))
        .sort();
      return { names, timing: names.map((f) => segmentTiming(readFileSync(join(dir, '360p', f)))) };
    });
    expect(parts[0]!.names).toEqual(['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s']);
    expect(parts[1]!.names).toEqual(['seg_00003.m4s', 'seg_00004.m4s', 'seg_00005.m4s']);
    for (const k of [1, 2]) expect(parts[k]!.timing[0]!.start).toBe(parts[k - 1]!.timing.at(-1)!.end);
    expect(parts[0]!.timing.reduce((n, t) => n + t.samples, 0)).toBe(180);
  }, 60_000);
});
