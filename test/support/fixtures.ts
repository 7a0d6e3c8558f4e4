import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Clips generated with ffmpeg's lavfi sources at test time and cached across runs. */
const DIR = join(tmpdir(), 'velvet-fixtures');

type Spec = readonly string[];

const video = (size: string, rate: number, seconds: number) => [
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
];
const tone = (seconds: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${seconds}`];
const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];
const aac = ['-c:a', 'aac', '-b:a', '96k'];

export const FIXTURES = {
  standard: { file: 'standard.mp4', args: [...video('1280x720', 30, 4), ...tone(4), ...h264, ...aac, '-shortest'] },
  noAudio: { file: 'no-audio.mp4', args: [...video('640x360', 25, 3), ...h264] },
  audioOnly: { file: 'audio-only.mp3', args: [...tone(3), '-c:a', 'libmp3lame', '-b:a', '128k'] },
  portrait: { file: 'portrait.mp4', args: [...video('1080x1920', 30, 2), ...tone(2), ...h264, ...aac, '-shortest'] },
  oddSize: { file: 'odd-size.mkv', args: [...video('853x479', 30, 2), ...tone(2), ...h264, ...aac, '-shortest'] },
  fps60: { file: 'fps60.mp4', args: [...video('640x360', 60, 2), ...h264] },
  fps120: { file: 'fps120.mp4', args: [...video('640x360', 120, 2), ...h264] },
  oneSecond: { file: 'one-second.mp4', args: [...video('640x360', 30, 1), ...tone(1), ...h264, ...aac, '-shortest'] },
  hevc10: {
    file: 'hevc10.mp4',
    args: [
      ...video('640x360', 30, 2),
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p10le',
      '-tag:v',
      'hvc1',
      '-x265-params',
      'log-level=error',
    ],
  },
  // The browser test's upload: long enough to play past 3 s.
  tenSeconds: {
    file: 'ten-seconds.mp4',
    args: [...video('640x360', 30, 10), ...tone(10), ...h264, ...aac, '-shortest'],
  },
  // The preview's browser test: 1080p, so the full ladder takes far longer than the preview.
  preview30: {
    file: 'preview-30s-1080.mp4',
    args: [...video('1920x1080', 30, 30), ...tone(30), ...h264, ...aac, '-shortest'],
  },
  // Long enough that a worker can be killed mid-transcode.
  // A standard source (H.264/AAC, 8.3 s GOPs, well under 12 Mbit/s): published as it is.
  standard30: {
    file: 'standard-30s.mp4',
    args: [...video('640x360', 30, 30), ...tone(30), ...h264, ...aac, '-shortest'],
  },
  // The same at 720p: a slow ladder of it outlasts its playback.
  standard720: {
    file: 'standard-720-30s.mp4',
    args: [...video('1280x720', 30, 30), ...tone(30), ...h264, ...aac, '-shortest'],
  },
  long1080: { file: 'long-1080.mp4', args: [...video('1920x1080', 30, 20), ...tone(20), ...h264, ...aac, '-shortest'] },
  // Several 6 s chunks (and a short last one) for the chunked ladder in the browser.
  chunked20: {
    file: 'chunked-20s.mp4',
    args: [...video('640x360', 30, 20), ...tone(20), ...h264, ...aac, '-shortest'],
  },
  // The content-aware ladder: a still picture (a slide) and full-frame noise (the hardest picture).
  still720: {
    file: 'still-720.mp4',
    args: ['-f', 'lavfi', '-i', 'color=c=0x336699:size=1280x720:rate=30:duration=6', ...h264],
  },
  noisy720: {
    file: 'noisy-720.mp4',
    args: [
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x720:rate=30:duration=6,noise=alls=80:allf=t+u',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '30',
      '-pix_fmt',
      'yuv420p',
    ],
  },
  // The hour source's minute (hourFixture): 320x180 with its audio, about 150 kbit/s, a keyframe
  // every 6 s (x264's default of 250 frames would be 16.7 s at 15 fps: not standard).
  minute180: {
    file: 'minute-180p.mp4',
    args: [
      ...video('320x180', 15, 60),
      ...tone(60),
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-b:v', '100k', '-g', '90'],
      ...['-c:a', 'aac', '-b:a', '48k', '-shortest'],
    ],
  },
  png: { file: 'image.png', args: ['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1'] },
} satisfies Record<string, { file: string; args: Spec }>;

export type FixtureName = keyof typeof FIXTURES;

export function canEncode(encoder: string): boolean {
  return execFileSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' }).includes(` ${encoder} `);
}

/** Path to the generated clip, generating it on first use. */
export function fixture(name: FixtureName): string {
  mkdirSync(DIR, { recursive: true });
  const { file, args } = FIXTURES[name];
  const path = join(DIR, file);
  if (!existsSync(path)) {
    const partial = join(DIR, `partial-${process.pid}-${file}`);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args, partial]);
    renameSync(partial, path);
  }
  return path;
}

/**
 * `times` copies of `piece` end to end, by the concat demuxer and stream copy: an hour's source
 * in seconds, decoded and encoded at the cost of a continuous one. Its index at the front, as a
 * camera's upload after faststart.
 */
export function loopedCopy(piece: string, times: number, path: string): string {
  const list = `${path}.txt`;
  writeFileSync(list, Array.from({ length: times }, () => `file '${piece}'`).join('\n'));
  const partial = `${path}.partial.mp4`;
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list],
    ...['-c', 'copy', '-movflags', '+faststart', partial],
  ]);
  rmSync(list);
  renameSync(partial, path);
  return path;
}

/** A standard source an hour long (a small picture, quick to move), made by looping a minute of it. */
export function hourFixture(): string {
  const path = join(DIR, 'standard-hour-180p.mp4');
  return existsSync(path) ? path : loopedCopy(fixture('minute180'), 60, path);
}
