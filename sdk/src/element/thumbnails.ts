import { type StoryboardTile } from '../extras';

const LABEL = 'thumbnails';

/**
 * The storyboard's tiles as the video's `thumbnails` metadata track, which media-chrome's seek
 * bar previews from. Each sprite URL carries the session's signed query: the preview image is
 * fetched without credentials, so the cookies would not reach the CDN. A renewal calls it again
 * with the same tiles and the new query. A track added by script cannot be removed, so one
 * track is kept and its cues replaced.
 */
export function showThumbnails(video: HTMLVideoElement, tiles: readonly StoryboardTile[], signedQuery: string): void {
  const track =
    [...video.textTracks].find((t) => t.kind === 'metadata' && t.label === LABEL) ??
    video.addTextTrack('metadata', LABEL);
  track.mode = 'hidden';
  for (const cue of [...(track.cues ?? [])]) track.removeCue(cue);
  for (const tile of tiles) {
    const sprite = `${tile.url}${tile.url.includes('?') ? '&' : '?'}${signedQuery}`;
    track.addCue(new VTTCue(tile.start, tile.end, `${sprite}#xywh=${tile.x},${tile.y},${tile.width},${tile.height}`));
  }
}
