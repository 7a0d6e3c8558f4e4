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
