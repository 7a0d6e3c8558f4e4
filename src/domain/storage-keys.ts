import { assertVideoId } from './ids';

// Every key is built here from a validated id, so no caller can write outside a video's prefixes.

export function sourceKey(videoId: string): string {
  return `uploads/${assertVideoId(videoId)}/source`;
}

export function uploadPrefix(videoId: string): string {
  return `uploads/${assertVideoId(videoId)}/`;
}

export function videoPrefix(videoId: string): string {
  return `videos/${assertVideoId(videoId)}/`;
}

/**
 * Chunked encodes in progress: never under `videos/`, which the CDN serves, so nothing half-made
 * is fetchable; the publish copies what it checked from here into a version.
 */
export function workPrefix(videoId: string): string {
  return `work/${assertVideoId(videoId)}/`;
}

export const WORK_ROOT = 'work/';

export function ladderWorkPrefix(videoId: string, version: string): string {
  return `${workPrefix(videoId)}${checkVersion(version)}/`;
}

/** One chunk's output (every rung, `{rung}/…`), the audio's or the storyboard's. */
export function partWorkPrefix(videoId: string, version: string, part: number | 'audio' | 'storyboard'): string {
  const name = typeof part === 'number' ? `chunk-${String(part).padStart(5, '0')}` : part;
  return `${ladderWorkPrefix(videoId, version)}${name}/`;
}

/**
 * MP4 downloads: outside `videos/`, which a playback cookie opens, so only a signed URL for the
 * one file reaches them.
 */
export function downloadPrefix(videoId: string): string {
  return `downloads/${assertVideoId(videoId)}/`;
}

/** A version's MP4; `name` (a hash of its Content-Disposition) changes when the title does. */
export function downloadKey(videoId: string, version: string, name: string): string {
  if (!/^[0-9a-f]{8,64}$/.test(name)) throw new Error(`malformed download name ${name}`);
  return `${downloadPrefix(videoId)}${checkVersion(version)}/${name}.mp4`;
}

/** Every prefix a video owns; deleting a video empties them all. */
export function videoOwnedPrefixes(videoId: string): readonly string[] {
  return [uploadPrefix(videoId), videoPrefix(videoId), workPrefix(videoId), downloadPrefix(videoId)];
}

export function hlsPrefix(videoId: string): string {
  return `${videoPrefix(videoId)}hls/`;
}

/** One immutable published version; its master.m3u8 is written last. */
export function hlsVersionPrefix(videoId: string, version: string): string {
  return `${hlsPrefix(videoId)}${checkVersion(version)}/`;
}

export function posterKey(videoId: string): string {
  return `${videoPrefix(videoId)}poster.jpg`;
}

function checkVersion(version: string): string {
  if (!/^[0-9a-z]{1,32}$/.test(version)) throw new Error(`malformed HLS version ${version}`);
  return version;
}
