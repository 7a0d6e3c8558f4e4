import type { SegmentTiming } from './mp4-fragments';
import type { SegmentStat } from './playlists';

/**
 * Joining independently encoded chunks of one rendition into one playlist with one EXT-X-MAP
 * (docs/transcoding.md): only sound when every chunk's init segment is byte-identical and each chunk's
 * timestamps run on exactly from where the previous chunk's ended. Anything else is refused
 * before publishing, never papered over with a discontinuity.
 */
export class StitchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StitchError';
  }
}

/** One chunk's output for one rendition, as the publish job read it from the work prefix. */
export interface ChunkRendition {
  readonly index: number;
  readonly initUri: string;
  readonly init: Buffer;
  readonly segments: readonly SegmentStat[];
  /** Timing of its first and last segments (tfdt ticks of the track's timescale). */
  readonly first: SegmentTiming;
  readonly last: SegmentTiming;
}

// Names ffmpeg gives its files; anything else in a playlist would point outside the rendition.
const FILE_NAME = /^[A-Za-z0-9_-]{1,64}\.(mp4|m4s)$/;

/** Throws StitchError naming the rendition, the chunk and what differs. */
export function checkJoins(rendition: string, chunks: readonly ChunkRendition[]): void {
  if (chunks.length === 0) throw new StitchError(`${rendition}: no chunk`);
  const first = chunks[0]!;
  const seen = new Set<string>();
  chunks.forEach((chunk, i) => {
    if (chunk.index !== i)
      throw new StitchError(`${rendition}: chunk ${i} is missing (found chunk ${chunk.index} in its place)`);
    if (chunk.segments.length === 0) throw new StitchError(`${rendition}: chunk ${i} has no segment`);
    for (const uri of [chunk.initUri, ...chunk.segments.map((s) => s.uri)]) {
      if (!FILE_NAME.test(uri))
        throw new StitchError(`${rendition}: chunk ${i} lists an unexpected file ${JSON.stringify(uri)}`);
    }
    if (chunk.initUri !== first.initUri || !chunk.init.equals(first.init)) {
      throw new StitchError(
        `${rendition}: chunk ${i}'s init segment differs from chunk 0's (${chunk.init.length} and ${first.init.length} bytes)`,
      );
    }
    for (const s of chunk.segments) {
      if (seen.has(s.uri))
        throw new StitchError(`${rendition}: segment ${s.uri} of chunk ${i} is also in an earlier chunk`);
      seen.add(s.uri);
    }
    const previous = chunks[i - 1];
    if (previous && chunk.first.start !== previous.last.end) {
      throw new StitchError(
        `${rendition}: chunk ${i} starts at tfdt ${chunk.first.start} but chunk ${i - 1} ends at ${previous.last.end}; the timestamps do not run on`,
      );
    }
  });
}

/** The stitched VOD playlist: one init segment, every chunk's segments in order. */
export function stitchedPlaylist(initUri: string, segments: readonly SegmentStat[]): string {
  // RFC 8216 §4.3.3.1: every EXTINF rounded to the nearest integer is at most the target.
  const target = Math.max(1, ...segments.map((s) => Math.ceil(s.durationSeconds)));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${initUri}"`,
  ];
  for (const s of segments) lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri);
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}
