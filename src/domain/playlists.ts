/** One segment of a media playlist, with its byte size measured after encoding. */
export interface SegmentStat {
  readonly uri: string;
  readonly durationSeconds: number;
  readonly bytes: number;
}

export interface MediaPlaylist {
  readonly initUri: string | null;
  readonly segments: ReadonlyArray<{ readonly uri: string; readonly durationSeconds: number }>;
  /** EXT-X-ENDLIST seen: no segment will be added. */
  readonly ended: boolean;
}

/** Reads the init segment and the segments (with durations) of an HLS media playlist. */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an HLS playlist');
  let initUri: string | null = null;
  let pending: number | null = null;
  let ended = false;
  const segments: { uri: string; durationSeconds: number }[] = [];
  for (const line of lines) {
    if (line === '#EXT-X-ENDLIST') ended = true;
    else if (line.startsWith('#EXT-X-MAP:')) initUri = /URI="([^"]+)"/.exec(line)?.[1] ?? null;
    else if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && pending !== null) {
      segments.push({ uri: line, durationSeconds: pending });
      pending = null;
    }
  }
  return { initUri, segments, ended };
}

export interface BitrateStats {
  /** Highest bitrate of any one segment, bits per second (HLS BANDWIDTH). */
  readonly peak: number;
  /** Total bits over total duration (HLS AVERAGE-BANDWIDTH). */
  readonly average: number;
}

/** RFC 8216 §4.3.4.2: BANDWIDTH is the peak segment bitrate; AVERAGE-BANDWIDTH the mean. */
export function bitrateStats(segments: readonly SegmentStat[]): BitrateStats {
  let peak = 0;
  let bits = 0;
  let seconds = 0;
  for (const s of segments) {
    if (s.durationSeconds > 0) peak = Math.max(peak, (s.bytes * 8) / s.durationSeconds);
    bits += s.bytes * 8;
    seconds += s.durationSeconds;
  }
  return { peak: Math.ceil(peak), average: seconds > 0 ? Math.ceil(bits / seconds) : 0 };
}

export interface VariantEntry {
  readonly uri: string;
  readonly bandwidth: BitrateStats;
  readonly codecs: string;
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
}

export interface AudioEntry {
  readonly groupId: string;
  readonly name: string;
  readonly uri: string;
  readonly bandwidth: BitrateStats;
  readonly codecs: string;
  /** Its channel count (CHANNELS); 2 when unset, as Velvet's own AAC always is. */
  readonly channels?: number;
}

/**
 * The master playlist. With a shared audio group, each variant's BANDWIDTH and CODECS include the
 * audio rendition's (RFC 8216 §4.3.4.2: BANDWIDTH covers every rendition that plays with it).
 */
export function masterPlaylist(variants: readonly VariantEntry[], audio: AudioEntry | null): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (audio && variants.length > 0) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${audio.groupId}",NAME="${audio.name}",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels ?? 2}",URI="${audio.uri}"`,
    );
  }
  const sorted = [...variants].sort((a, b) => b.bandwidth.peak - a.bandwidth.peak);
  for (const v of sorted) {
    const attrs = [
      `BANDWIDTH=${v.bandwidth.peak + (audio?.bandwidth.peak ?? 0)}`,
      `AVERAGE-BANDWIDTH=${v.bandwidth.average + (audio?.bandwidth.average ?? 0)}`,
      `CODECS="${[v.codecs, audio?.codecs].filter(Boolean).join(',')}"`,
    ];
    if (v.width && v.height) attrs.push(`RESOLUTION=${v.width}x${v.height}`);
    if (v.frameRate) attrs.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`);
    if (audio) attrs.push(`AUDIO="${audio.groupId}"`);
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.uri);
  }
  if (variants.length === 0 && audio) {
    // Audio-only: the audio rendition is the one variant.
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${audio.bandwidth.peak},AVERAGE-BANDWIDTH=${audio.bandwidth.average},CODECS="${audio.codecs}"`,
      audio.uri,
    );
  }
  return `${lines.join('\n')}\n`;
}
