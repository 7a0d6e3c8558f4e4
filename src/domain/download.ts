import { createHash } from 'node:crypto';
import { attachmentDisposition } from './content-disposition';
import { safeInputArgs } from './hls-command';
import type { Rendition } from './video';

/**
 * The rung a download is copied from: the highest whose short side is at most `maxShortSide`
 * (the smallest when every rung is larger); null for audio only.
 */
export function downloadRendition(renditions: readonly Rendition[], maxShortSide: number): Rendition | null {
  const video = renditions.filter((r) => r.width !== null && r.height !== null);
  const side = (r: Rendition) => Math.min(r.width!, r.height!);
  const fitting = video.filter((r) => side(r) <= maxShortSide).sort((a, b) => side(b) - side(a));
  return fitting[0] ?? [...video].sort((a, b) => side(a) - side(b))[0] ?? null;
}

/** Whether the published ladder has the shared audio rendition (its codecs name AAC). */
export function hasAudio(renditions: readonly Rendition[]): boolean {
  return renditions.some((r) => r.codecs.split(',').some((c) => c.startsWith('mp4a')));
}

/**
 * The saved file's name: the title, with what file systems refuse (`/\:*?"<>|`, control
 * characters, leading dots) replaced, at most 120 characters, and `.mp4`.
 */
export function downloadFilename(title: string): string {
  const cleaned = title
    .replace(/[\p{Cc}\p{Cf}/\\:*?"<>|]/gu, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '');
  const base = [...cleaned].slice(0, 120).join('').trim();
  return `${base || 'video'}.mp4`;
}

/** The object's Content-Disposition and the key name derived from it (a new title, a new key). */
export function downloadObject(filename: string): { disposition: string; name: string } {
  const disposition = attachmentDisposition(filename);
  return { disposition, name: createHash('sha256').update(disposition).digest('hex').slice(0, 16) };
}

/**
 * A progressive MP4 from fragmented renditions (each the init segment and its media segments
 * concatenated, which is a fragmented MP4 file) by stream copy: no re-encoding, and `faststart`
 * moves the index (moov) before the media (mdat) so a player starts before the file is whole.
 * ffmpeg reads only these two local files, with the MP4 demuxer pinned.
 */
export function downloadCommand(videoPath: string | null, audioPath: string | null, outputPath: string): string[] {
  if (!videoPath && !audioPath) throw new Error('a download needs a video or an audio rendition');
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'];
  const maps: string[] = [];
  for (const [path, stream] of [
    [videoPath, 'v'],
    [audioPath, 'a'],
  ] as const) {
    if (!path) continue;
    maps.push('-map', `${maps.length / 2}:${stream}:0`);
    args.push(...safeInputArgs(path, 'mp4'));
  }
  // The output must be a seekable file: faststart rewrites it once the media is written.
  args.push(...maps, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', `file:${outputPath}`);
  return args;
}
