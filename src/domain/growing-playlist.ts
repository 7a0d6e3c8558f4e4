/**
 * EVENT media playlists for a rendition published while it is encoded (RFC 8216bis §4.4.3.5):
 * segments are only appended, the end is marked by appending EXT-X-ENDLIST, and EXT-X-START
 * makes players begin at 0 instead of the live edge (hls.js starts near the edge without it).
 */
export interface ListedSegment {
  readonly uri: string;
  readonly durationSeconds: number;
}

export interface EventPlaylistInput {
  /** Fixed for the playlist's whole life: the configured segment length. */
  readonly targetDurationSeconds: number;
  readonly initUri: string;
  readonly segments: readonly ListedSegment[];
  readonly ended: boolean;
}

export function eventPlaylist(input: EventPlaylistInput): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${input.targetDurationSeconds}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:EVENT',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-START:TIME-OFFSET=0',
    `#EXT-X-MAP:URI="${input.initUri}"`,
  ];
  for (const s of input.segments) {
    const rounded = Math.round(s.durationSeconds);
    // RFC 8216 §4.3.3.1: every EXTINF, rounded, is at most the target duration, which never changes.
    if (rounded > input.targetDurationSeconds) {
      throw new Error(
        `segment ${s.uri} lasts ${s.durationSeconds} s, over the target duration ${input.targetDurationSeconds} s`,
      );
    }
    lines.push(`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri);
  }
  if (input.ended) lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/**
 * How many segments of each rendition may be listed now. While ffmpeg runs, every rendition is
 * listed up to the same count (the fewest any has finished), so variants never differ by more
 * than the one segment a viewer may see between two playlist uploads; a rendition with nothing
 * finished holds every other back, since hls.js fails on an empty variant. Once ffmpeg is done,
 * each rendition is listed whole (audio may end a segment apart from video).
 */
export function listableCounts(
  finished: Readonly<Record<string, number>>,
  encodingDone: boolean,
): Record<string, number> {
  const names = Object.keys(finished);
  if (encodingDone) return { ...finished };
  const common = Math.min(...names.map((n) => finished[n]!));
  return Object.fromEntries(names.map((n) => [n, common]));
}

// Speed is measured over the few seconds encoded so far; a viewer is only let in against a
// quarter less than that, so a source that gets harder later does not catch the viewer up.
const SPEED_MARGIN = 1.25;

/**
 * Whether a viewer starting now at the beginning can watch to the end without waiting for the
 * encoder: at `speed` seconds of media per second, what is not yet published is ready before
 * the viewer gets there when published ≥ duration × (1 − speed). Above realtime (with the
 * margin) that holds from the first segment; a slower encode becomes watchable only later.
 */
export function viewerStaysBehind(publishedSeconds: number, durationSeconds: number, speed: number): boolean {
  if (publishedSeconds <= 0) return false;
  const effective = Math.max(0, speed) / SPEED_MARGIN;
  return publishedSeconds >= durationSeconds * Math.max(0, 1 - effective);
}

/**
 * A finished EVENT playlist (ffmpeg's own, ended) as the VOD playlist of a ladder rendition:
 * the same segments, declared VOD. Refuses one that has not ended.
 */
export function endedEventAsVod(text: string): string {
  const lines = text.split('\n');
  if (!lines.some((l) => l.trim() === '#EXT-X-ENDLIST')) throw new Error('the playlist has not ended');
  const type = lines.findIndex((l) => l.trim() === '#EXT-X-PLAYLIST-TYPE:EVENT');
  if (type < 0) throw new Error('not an EVENT playlist');
  lines[type] = '#EXT-X-PLAYLIST-TYPE:VOD';
  return lines.join('\n');
}
