import { callApi, type ApiOptions } from './api';
import { VelvetError } from './errors';

/** One seek-bar preview: the tile shown from `start` to `end` (seconds), a region of a sprite sheet. */
export interface StoryboardTile {
  readonly start: number;
  readonly end: number;
  readonly url: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const CUE =
  /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})\s+-->\s+(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})[^\n]*\n([^#\s]+)#xywh=(\d+),(\d+),(\d+),(\d+)\s*$/gm;

/**
 * Reads a session's storyboard (`session.storyboardUrl`, WebVTT under the same cookies as the
 * stream) into tiles whose sprite URLs are absolute.
 */
export async function loadStoryboard(storyboardUrl: string): Promise<StoryboardTile[]> {
  let res: Response;
  try {
    res = await fetch(storyboardUrl, { credentials: 'include' });
  } catch (error) {
    throw new VelvetError('network', `The storyboard could not be loaded: ${(error as Error).message}`);
  }
  if (!res.ok) throw new VelvetError('network', `The storyboard answered ${res.status}.`, res.status);
  const text = (await res.text()).replace(/\r\n?/g, '\n');
  const seconds = (h: string | undefined, m: string, s: string, ms: string) =>
    Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s) + Number(ms) / 1000;
  return [...text.matchAll(CUE)].map((c) => ({
    start: seconds(c[1], c[2]!, c[3]!, c[4]!),
    end: seconds(c[5], c[6]!, c[7]!, c[8]!),
    url: new URL(c[9]!, storyboardUrl).toString(),
    x: Number(c[10]),
    y: Number(c[11]),
    width: Number(c[12]),
    height: Number(c[13]),
  }));
}

/** The tile to show at `time`, or null. */
export function tileAt(tiles: readonly StoryboardTile[], time: number): StoryboardTile | null {
  return tiles.find((t) => time >= t.start && time < t.end) ?? tiles.at(-1) ?? null;
}

export interface DownloadLink {
  readonly url: string;
  readonly expiresAt: string;
  readonly filename: string;
  readonly sizeBytes: number;
}

/**
 * A signed URL for the video's MP4 (`not_downloadable`, `not_ready`, `not_entitled` as
 * VelvetErrors otherwise). Open it (a link, `location.href`): it downloads as an attachment.
 */
export function requestDownload(options: ApiOptions, videoId: string): Promise<DownloadLink> {
  return callApi<DownloadLink>(options, 'POST', `/v1/videos/${encodeURIComponent(videoId)}/downloads`, {});
}
