/**
 * The creators' clips, generated with ffmpeg at the start: short ones for one presigned POST, a
 * noisy one above UPLOAD_SINGLE_MAX_BYTES for multipart, and one long enough to be chunked.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clip } from './load';

export function clips(dir: string): Clip[] {
  mkdirSync(dir, { recursive: true });
  const make = (name: string, size: string, seconds: number, bitrate: string, noise: boolean): string => {
    const path = join(dir, name);
    const video = `testsrc2=size=${size}:rate=25:duration=${seconds}${noise ? ',noise=alls=60:allf=t' : ''}`;
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      video,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-b:v',
      bitrate,
      '-c:a',
      'aac',
      '-shortest',
      path,
    ]);
    return path;
  };
  return [
    { path: make('short.mp4', '320x240', 3, '300k', false), multipart: false },
    { path: make('chunked.mp4', '320x240', 9, '300k', false), multipart: false },
    { path: make('multipart.mp4', '320x240', 5, '12M', true), multipart: true },
  ];
}
