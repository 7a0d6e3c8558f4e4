import { createHash } from 'node:crypto';

/** The master's subtitle group: every language is one rendition of it. */
export const SUBTITLE_GROUP = 'subs';
export const CAPTIONS_DIR = 'captions';
/** The plain master a version is published with; a captioned master is `master-{hash}.m3u8` beside it. */
export const PLAIN_MASTER = 'master.m3u8';

export interface CaptionTrack {
  /** Canonical BCP 47 tag (validated: letters, digits and `-`). */
  readonly lang: string;
  readonly label: string;
  readonly isDefault: boolean;
  /** captionDigest of its normalized WebVTT: the name its files are published under. */
  readonly digest: string;
}

export interface PublishedFile {
  /** Relative to the version's prefix. */
  readonly path: string;
  readonly body: string;
  readonly contentType: string;
}

/** One language's files: its WebVTT and the one-segment media playlist naming it. */
export function trackFiles(lang: string, vtt: string, durationSeconds: number): PublishedFile[] {
  checkLanguage(lang);
  const hash = captionDigest(vtt);
  const dir = trackDir(lang);
  return [
    { path: `${dir}/${hash}.vtt`, body: withTimestampMap(vtt), contentType: 'text/vtt; charset=utf-8' },
    {
      path: `${dir}/${hash}.m3u8`,
      body: subtitlePlaylist(`${hash}.vtt`, durationSeconds),
      contentType: 'application/vnd.apple.mpegurl',
    },
  ];
}

/**
 * The master naming every language (the plain master plus the subtitle group), under a name
 * made of its content; null for no captions (sessions get the plain master). Its tracks' files
 * (trackFiles) must be published first.
 */
export function captionMaster(tracks: readonly CaptionTrack[], plainMaster: string): PublishedFile | null {
  if (tracks.length === 0) return null;
  const media = [...tracks]
    .sort((a, b) => a.lang.localeCompare(b.lang))
    .map((track) => {
      checkQuotable(track.label);
      checkLanguage(track.lang);
      if (!/^[0-9a-f]{16}$/.test(track.digest)) throw new Error(`malformed caption digest ${track.digest}`);
      const flag = track.isDefault ? 'YES' : 'NO';
      return `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLE_GROUP}",NAME="${track.label}",LANGUAGE="${track.lang}",DEFAULT=${flag},AUTOSELECT=YES,FORCED=NO,URI="${trackDir(track.lang)}/${track.digest}.m3u8"`;
    });
  const master = withSubtitles(plainMaster, media);
  return { path: `master-${captionDigest(master)}.m3u8`, body: master, contentType: 'application/vnd.apple.mpegurl' };
}

/**
 * The tracks a captioned master names, as `lang/digest`: their files are already in the version,
 * so a change republishes only the languages that are not among them.
 */
export function publishedTracks(master: string): Set<string> {
  const found = new Set<string>();
  const uri = new RegExp(
    `^#EXT-X-MEDIA:TYPE=SUBTITLES,.*URI="${CAPTIONS_DIR}/([A-Za-z0-9-]{2,35})/([0-9a-f]{16})\\.m3u8"$`,
  );
  for (const line of master.split('\n')) {
    const match = uri.exec(line);
    if (match) found.add(`${match[1]}/${match[2]}`);
  }
  return found;
}

function trackDir(lang: string): string {
  return `${CAPTIONS_DIR}/${lang}`;
}

function checkLanguage(lang: string): void {
  if (!/^[A-Za-z0-9-]{2,35}$/.test(lang)) throw new Error(`malformed language tag ${lang}`);
}

/**
 * The subtitle group's EXT-X-MEDIA lines before the first variant, and every variant pointed at
 * the group (RFC 8216 §4.3.4.2: SUBTITLES names an EXT-X-MEDIA GROUP-ID).
 */
export function withSubtitles(plainMaster: string, media: readonly string[]): string {
  const lines = plainMaster.replace(/\n+$/, '').split('\n');
  const firstVariant = lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF:'));
  if (firstVariant < 0) throw new Error('the master playlist has no variant');
  const out = lines.map((l) => (l.startsWith('#EXT-X-STREAM-INF:') ? `${l},SUBTITLES="${SUBTITLE_GROUP}"` : l));
  out.splice(firstVariant, 0, ...media);
  return `${out.join('\n')}\n`;
}

/** The whole file as one segment: captions are small, and one request fetches them all. */
export function subtitlePlaylist(vttUri: string, durationSeconds: number): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(durationSeconds))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${durationSeconds.toFixed(3)},`,
    vttUri,
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

/**
 * Cue time 0 is media time 0: Velvet's fMP4 segments start their timeline at 0 (the preview, the
 * one-job ladder and the chunked ladder alike), so the map is the identity, stated for players
 * (Safari) that assume an MPEG-TS offset without it.
 */
function withTimestampMap(vtt: string): string {
  return vtt.replace(/^WEBVTT[^\n]*\n/, (header) => `${header}X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n`);
}

function checkQuotable(label: string): void {
  if (/["\r\n]/.test(label)) throw new Error('a caption label cannot hold a double quote or a line break');
}

/**
 * Every name carries a hash of its content, so each file is immutable (cached for a year like
 * the segments) and a change of captions is a new master name: players holding the old master
 * keep working, new sessions are handed the new one.
 */
export function captionDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
