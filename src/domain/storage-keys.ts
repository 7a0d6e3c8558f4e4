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

/** One chunk's output (every rung, `{rung}/…`), or the audio's (`part` = `audio`). */
export function partWorkPrefix(videoId: string, version: string, part: number | 'audio'): string {
  const name = part === 'audio' ? 'audio' : `chunk-${String(part).padStart(5, '0')}`;
  return `${ladderWorkPrefix(videoId, version)}${name}/`;
}

/** Every prefix a video owns; deleting a video empties them all. */
export function videoOwnedPrefixes(videoId: string): readonly string[] {
  return [uploadPrefix(videoId), videoPrefix(videoId), workPrefix(videoId)];
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
