import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Segments, init segments, masters and finished playlists never change under their key. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A playlist that still grows: at most half a 6 s segment in any cache (docs/transcoding.md). */
export const GROWING = 'public, max-age=3';
// The poster keeps one key across versions, so caches must re-check it.
export const POSTER_CACHE = 'public, max-age=300';
export const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': PLAYLIST_TYPE,
  '.mp4': 'video/mp4',
  '.m4s': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  const ext = file.slice(file.lastIndexOf('.'));
  const type = CONTENT_TYPES[ext];
  if (!type) throw new Error(`unexpected output file ${file}`);
  return type;
}

/** Every file under `dir`, as sorted paths relative to it. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A fresh version name: time-ordered, so versions list oldest first, and unguessable. */
export function newVersion(now: Date, random: string): string {
  return `${now.getTime().toString(36)}${random}`;
}
