/**
 * What a stream copy of a standard source will produce, known from its MP4 index alone, checked
 * against real ffmpeg: the keyframes the index gives are the ones ffprobe reads from the packets,
 * the segments predicted are the ones ffmpeg's HLS muxer cuts, and each segment's size is its
 * samples' bytes plus a bounded fMP4 overhead. And real sources that are not standard are named
 * for why: 12 s keyframes, interlaced, 10-bit, HEVC.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegMediaToolkit } from '../../src/adapters/ffmpeg.media-toolkit';
import { remuxCommand, SOURCE_RENDITION } from '../../src/domain/hls-command';
import { parseMoov, readMoov, type Mp4Index } from '../../src/domain/mp4-index';
import { parseMediaPlaylist } from '../../src/domain/playlists';
import {
  copiedSegments,
  keyframeTimes,
  nonStandardReasons,
  segmentFileBytes,
  sourceTracks,
  STANDARD_LIMITS,
} from '../../src/domain/standard-source';
import { testConfig } from '../support/harness';

describe('a standard source, from its index', () => {
  const media = new FfmpegMediaToolkit(testConfig());
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'velvet-standard-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** 30 s of 640×360 at 30 fps and a tone; `video` are the video encoder's options. */
  function clip(name: string, video: string[]): string {
    const path = join(work, name);
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=30'],
      ...video,
      ...['-c:a', 'aac', '-b:a', '96k', '-shortest', path],
    ]);
    return path;
  }
  const h264 = (...extra: string[]) => ['-c:v', 'libx264', '-preset', 'ultrafast', ...extra];
  const indexOf = async (path: string): Promise<Mp4Index> => {
    const file = readFileSync(path);
    return parseMoov(await readMoov(file.length, (start, end) => Promise.resolve(file.subarray(start, end))));
  };
  const reasonsFor = async (path: string) =>
    nonStandardReasons(await media.probe(path), await indexOf(path), STANDARD_LIMITS);

  it('gives the keyframes ffprobe finds and the segments ffmpeg cuts, with their sizes', async () => {
    // Keyframes where the encoder is told, B-frames on: presentation and decode order differ.
    const source = clip('irregular.mp4', [
      ...h264('-bf', '2', '-x264-params', 'scenecut=0:keyint=900'),
      ...['-force_key_frames', '0,5,13,14,20,26'],
    ]);
    expect(await reasonsFor(source)).toEqual([]);
    const tracks = sourceTracks(await indexOf(source))!;
    const probed = execFileSync('ffprobe', [
      ...['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', source],
    ])
      .toString()
      .trim()
      .split('\n')
      .filter((line) => line.includes('K'))
      .map((line) => Number(line.split(',')[0]));
    expect(keyframeTimes(tracks.video)).toEqual(probed.map((t) => expect.closeTo(t, 3)));

    const predicted = copiedSegments(tracks.video, 30, 6);
    expect(predicted.map((s) => s.durationSeconds)).toEqual([13, 1, 6, 6, 4]);
    const out = join(work, 'irregular-out');
    mkdirSync(out);
    await media.run(remuxCommand({ sourcePath: source, demuxer: 'mov', hasAudio: true, segmentSeconds: 6 }), {
      cwd: out,
      timeoutMs: 30_000,
    });
    const playlist = parseMediaPlaylist(readFileSync(join(out, SOURCE_RENDITION, 'index.m3u8'), 'utf8'));
    expect(playlist.segments.map((s) => s.durationSeconds)).toEqual(
      predicted.map((s) => expect.closeTo(s.durationSeconds, 3)),
    );
    playlist.segments.forEach((segment, i) => {
      const size = statSync(join(out, SOURCE_RENDITION, segment.uri)).size;
      // The samples, and the moof's per-sample entries and the boxes around them, within the bound.
      expect(size).toBeGreaterThan(predicted[i]!.bytes);
      expect(size).toBeLessThanOrEqual(segmentFileBytes(predicted[i]!));
    });
  });

  it('names a source with a keyframe every 12 s', async () => {
    const source = clip('gop12.mp4', h264('-g', '360', '-sc_threshold', '0'));
    expect(await reasonsFor(source)).toEqual(['keyframe_interval']);
  });

  it('names an interlaced source', async () => {
    const source = clip('interlaced.mp4', h264('-g', '60', '-flags', '+ildct+ilme', '-top', '1'));
    expect(await reasonsFor(source)).toEqual(['interlaced']);
  });

  it('names a 10-bit source', async () => {
    const source = clip('ten-bit.mp4', h264('-g', '60', '-pix_fmt', 'yuv420p10le'));
    expect(await reasonsFor(source)).toEqual(['pixel_format']);
  });

  it('names an HEVC source', async () => {
    const source = clip('hevc.mp4', [
      ...['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=60', '-tag:v', 'hvc1'],
    ]);
    expect(await reasonsFor(source)).toEqual(['video_codec']);
  });

  it('names a source whose audio is not AAC, and one that is not an MP4', async () => {
    const mp3 = join(work, 'mp3.mp4');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=4'],
      ...['-f', 'lavfi', '-i', 'sine=duration=4', ...h264('-g', '60'), '-c:a', 'libmp3lame', '-shortest', mp3],
    ]);
    expect(await reasonsFor(mp3)).toEqual(['audio_codec']);
    const mkv = join(work, 'clip.mkv');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', mp3, '-c', 'copy', mkv]);
    expect(nonStandardReasons(await media.probe(mkv), null, STANDARD_LIMITS)).toEqual(['container', 'audio_codec']);
  });
});
