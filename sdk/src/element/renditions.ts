import { Events, type Level } from 'hls.js';
import type Hls from 'hls.js';

// The shape `media-tracks` adds to media elements (media-chrome's quality menu reads it).
interface VideoRenditionList extends EventTarget {
  readonly selectedIndex: number;
}
interface VideoTrack {
  selected: boolean;
  addRendition(src: string, width?: number, height?: number, codec?: string, bitrate?: number): { id?: string };
}
interface TrackedMedia extends HTMLVideoElement {
  readonly videoRenditions: VideoRenditionList;
  addVideoTrack(kind: string, label?: string, language?: string): VideoTrack;
  removeVideoTrack(track: VideoTrack): void;
}

/**
 * Shows hls.js's levels as the video's renditions, so the quality menu lists each rung (and
 * "Auto" with the height playing); choosing one fixes hls.js on it, "Auto" lets it adapt again.
 * Returns what undoes it.
 */
export function bridgeRenditions(hls: Hls, video: HTMLVideoElement): () => void {
  const media = video as TrackedMedia;
  if (typeof media.addVideoTrack !== 'function') return () => undefined;
  let track: VideoTrack | null = null;
  const clear = () => {
    if (track) media.removeVideoTrack(track);
    track = null;
  };
  const publish = (levels: readonly Level[]) => {
    clear();
    if (!levels.some((level) => level.height > 0)) return;
    track = media.addVideoTrack('main');
    track.selected = true;
    levels.forEach((level, index) => {
      if (level.height <= 0) return;
      const rendition = track!.addRendition(
        level.url[0] ?? '',
        level.width,
        level.height,
        level.videoCodec,
        level.bitrate,
      );
      // The index is hls.js's level: what the menu chooses is what hls.js is told.
      rendition.id = String(index);
    });
  };
  const onChange = () => {
    const chosen = media.videoRenditions.selectedIndex;
    const id = chosen < 0 ? -1 : Number((media.videoRenditions as unknown as Array<{ id?: string }>)[chosen]?.id);
    // From the next fragment on: the buffer already there plays out instead of stalling.
    hls.nextLevel = Number.isInteger(id) ? id : -1;
  };
  const onManifest = () => publish(hls.levels);
  hls.on(Events.MANIFEST_PARSED, onManifest);
  media.videoRenditions.addEventListener('change', onChange);
  if (hls.levels.length > 0) publish(hls.levels);
  return () => {
    hls.off(Events.MANIFEST_PARSED, onManifest);
    media.videoRenditions.removeEventListener('change', onChange);
    clear();
  };
}
