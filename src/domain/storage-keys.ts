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

/** Both prefixes a video owns; deleting a video empties them all. */
export function videoOwnedPrefixes(videoId: string): readonly string[] {
  return [uploadPrefix(videoId), videoPrefix(videoId)];
}

export function hlsPrefix(videoId: string): string {
  return `${videoPrefix(videoId)}hls/`;
}

/** One immutable published version; its master.m3u8 is written last. */
export function hlsVersionPrefix(videoId: string, version: string): string {
  if (!/^[0-9a-z]{1,32}$/.test(version)) throw new Error(`malformed HLS version ${version}`);
  return `${hlsPrefix(videoId)}${version}/`;
}

export function posterKey(videoId: string): string {
  return `${videoPrefix(videoId)}poster.jpg`;
}
