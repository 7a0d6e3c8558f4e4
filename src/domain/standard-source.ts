import type { MediaInfo } from './media-info';
import type { Mp4Index, Mp4Track } from './mp4-index';

/**
 * Why a source cannot be published as it is (by stream copy) before the ladder: stable codes,
 * shown on the video as `nonStandardReasons`, after Mux's `non_standard_input_reasons`.
 */
export type NonStandardReason =
  /** Not an MP4/MOV whose index gives every keyframe before a byte of media is read. */
  | 'container'
  /** No video stream: an audio file goes the ladder's way. */
  | 'no_video'
  /** Not H.264. */
  | 'video_codec'
  /** Not 8-bit 4:2:0. */
  | 'pixel_format'
  | 'interlaced'
  /** Some keyframe follows the one before it by more than the limit (10 s). */
  | 'keyframe_interval'
  /** Over the limit (1080) on its short side. */
  | 'resolution'
  /** Over 60 frames a second (the ladder's own limit). */
  | 'frame_rate'
  /** Over the bitrate a viewer can stream (STANDARD_INPUT_MAX_KBPS). */
  | 'bitrate'
  /** Audio that is not AAC. */
  | 'audio_codec'
  /** More than one video or audio track. */
  | 'tracks'
  /** An edit list a stream copy is not trusted with: a delay over 50 ms, several edits, a rate. */
  | 'edit_list';

export interface StandardLimits {
  readonly maxKeyframeSeconds: number;
  readonly maxShortSide: number;
  readonly maxFrameRate: number;
  /** Bits per second, video and audio together, averaged over the file. */
  readonly maxBitrate: number;
}

export const STANDARD_LIMITS: StandardLimits = {
  maxKeyframeSeconds: 10,
  maxShortSide: 1080,
  maxFrameRate: 60,
  maxBitrate: 12_000_000,
};

const ISO_BMFF = 'mov,mp4,m4a,3gp,3g2,mj2';
const PIXEL_FORMATS = new Set(['yuv420p', 'yuvj420p']);
const PROGRESSIVE = new Set(['progressive', 'unknown']);

/** The tracks a stream copy maps: the file's one video track and its audio track, if any. */
export interface SourceTracks {
  readonly video: Mp4Track;
  readonly audio: Mp4Track | null;
}

/** The video and audio tracks of an index, or null when it has not exactly one of each kind it uses. */
export function sourceTracks(index: Mp4Index): SourceTracks | null {
  const video = index.tracks.filter((t) => t.handler === 'vide');
  const audio = index.tracks.filter((t) => t.handler === 'soun');
  if (video.length !== 1 || audio.length > 1) return null;
  return { video: video[0]!, audio: audio[0] ?? null };
}

/** Presentation times (seconds from the first frame shown) of every keyframe, in order. */
export function keyframeTimes(track: Mp4Track): number[] {
  const times: number[] = [];
  let first = Infinity;
  for (let i = 0; i < track.dts.length; i++) first = Math.min(first, track.dts[i]! + track.cto[i]!);
  for (let i = 0; i < track.dts.length; i++)
    if (track.sync[i]) times.push((track.dts[i]! + track.cto[i]! - first) / track.timescale);
  return times.sort((a, b) => a - b);
}

/** The longest stretch without a keyframe, the end of the video included. */
export function longestKeyframeGap(keyframes: readonly number[], durationSeconds: number): number {
  if (keyframes.length === 0 || keyframes[0]! > 0.001) return Infinity;
  let gap = 0;
  for (let i = 1; i < keyframes.length; i++) gap = Math.max(gap, keyframes[i]! - keyframes[i - 1]!);
  return Math.max(gap, durationSeconds - keyframes.at(-1)!);
}

// A muxer's own compensation (a track starting a frame or an AAC priming after the other, as
// ffmpeg's concat and copies write it) is kept by a copy as by an encode, and is below what a
// viewer notices (audio 45 ms ahead, ITU-R BT.1359); a longer delay is not taken on trust.
const MAX_LEADING_DELAY_SECONDS = 0.05;

/**
 * A track plays as its samples say: no edit list, or one edit that only trims its start, after
 * at most a short empty edit (a delay).
 */
function plainEdits(track: Mp4Track, movieTimescale: number): boolean {
  const edits = [...track.edits];
  if (edits[0]?.mediaTime === -1 && edits[0].segmentDuration / movieTimescale <= MAX_LEADING_DELAY_SECONDS)
    edits.shift();
  if (edits.length === 0) return true;
  if (edits.length > 1) return false;
  const [edit] = edits;
  return edit!.mediaTime >= 0 && edit!.rate === 1;
}

function totalBytes(track: Mp4Track): number {
  let sum = 0;
  for (const size of track.sizes) sum += size;
  return sum;
}

/**
 * Every reason the source cannot be published by stream copy, none when it can. `index` is the
 * MP4/MOV sample index (null for any other container, or an index that could not be read).
 */
export function nonStandardReasons(
  info: MediaInfo,
  index: Mp4Index | null,
  limits: StandardLimits,
): NonStandardReason[] {
  const reasons = new Set<NonStandardReason>();
  const video = info.video;
  if (!video) return ['no_video'];
  if (info.formatName !== ISO_BMFF || !index) reasons.add('container');
  if (video.codec !== 'h264') reasons.add('video_codec');
  if (!PIXEL_FORMATS.has(video.pixelFormat ?? '')) reasons.add('pixel_format');
  if (!PROGRESSIVE.has(video.fieldOrder ?? 'unknown')) reasons.add('interlaced');
  if (Math.min(video.width, video.height) > limits.maxShortSide) reasons.add('resolution');
  // 59.94 and 60 fps pass; a rate measured a hair over 60 is still 60.
  if (video.frameRate > limits.maxFrameRate + 0.5) reasons.add('frame_rate');
  if (info.audio && info.audio.codec !== 'aac') reasons.add('audio_codec');
  const tracks = index ? sourceTracks(index) : null;
  if (index && !tracks) reasons.add('tracks');
  if (tracks) {
    const plain = (track: Mp4Track) => plainEdits(track, index!.movieTimescale);
    if (!plain(tracks.video) || (tracks.audio && !plain(tracks.audio))) reasons.add('edit_list');
    const gap = longestKeyframeGap(keyframeTimes(tracks.video), info.durationSeconds);
    if (gap > limits.maxKeyframeSeconds + 0.001) reasons.add('keyframe_interval');
    const bytes = totalBytes(tracks.video) + (tracks.audio ? totalBytes(tracks.audio) : 0);
    if ((bytes * 8) / Math.max(info.durationSeconds, 0.001) > limits.maxBitrate) reasons.add('bitrate');
  }
  return [...reasons];
}

export interface CopiedSegment {
  readonly startSeconds: number;
  readonly durationSeconds: number;
  /** Media bytes of the segment's samples (the fMP4 boxes around them excluded). */
  readonly bytes: number;
  readonly samples: number;
}

/**
 * The segments a stream copy cuts the video into, as ffmpeg 5.1's HLS muxer does: at the first
 * keyframe at or after each multiple of `segmentSeconds` (one cut per keyframe, so a long gap
 * delays the next boundary rather than skipping it). Known before the copy runs, so the playlists'
 * target duration and the master's BANDWIDTH are honest from the first segment.
 */
export function copiedSegments(track: Mp4Track, durationSeconds: number, segmentSeconds: number): CopiedSegment[] {
  const times: Array<{ t: number; size: number; key: boolean }> = [];
  let first = Infinity;
  for (let i = 0; i < track.dts.length; i++) first = Math.min(first, track.dts[i]! + track.cto[i]!);
  // Decode order, as the muxer sees packets; each packet's presentation time decides its cut.
  for (let i = 0; i < track.dts.length; i++)
    times.push({
      t: (track.dts[i]! + track.cto[i]! - first) / track.timescale,
      size: track.sizes[i]!,
      key: track.sync[i] === 1,
    });
  const segments: CopiedSegment[] = [];
  let start = 0;
  let bytes = 0;
  let samples = 0;
  let boundary = 1;
  times.forEach(({ t, size, key }, i) => {
    if (i > 0 && key && t >= segmentSeconds * boundary - 1e-9) {
      segments.push({ startSeconds: start, durationSeconds: t - start, bytes, samples });
      start = t;
      bytes = 0;
      samples = 0;
      boundary += 1;
    }
    bytes += size;
    samples += 1;
  });
  segments.push({ startSeconds: start, durationSeconds: Math.max(0, durationSeconds - start), bytes, samples });
  return segments;
}

// What fMP4 adds around a segment's samples, at most: a moof with an entry per sample, and the
// boxes around it (measured on ffmpeg 5.1's output: about 12.5 bytes a sample and a few hundred).
const FRAGMENT_BYTES_PER_SAMPLE = 16;
const FRAGMENT_BYTES = 1024;

/** A copied segment's size in its published file, at most. */
export function segmentFileBytes(segment: CopiedSegment): number {
  return segment.bytes + segment.samples * FRAGMENT_BYTES_PER_SAMPLE + FRAGMENT_BYTES;
}

/**
 * BANDWIDTH and AVERAGE-BANDWIDTH of a copied rendition, in bit/s: its costliest segment (the HLS
 * rule: no segment exceeds BANDWIDTH) and the whole, both with the fMP4 boxes' bound. A final
 * segment under a second is left out of the peak: a few frames over a few ms are no rate.
 */
export function copiedBitrates(segments: readonly CopiedSegment[]): { peak: number; average: number } {
  const rated = segments.filter((s, i) => s.durationSeconds >= 1 || (i === 0 && segments.length === 1));
  const peak = Math.max(0, ...rated.map((s) => (segmentFileBytes(s) * 8) / Math.max(s.durationSeconds, 0.001)));
  const seconds = segments.reduce((sum, s) => sum + s.durationSeconds, 0);
  const bytes = segments.reduce((sum, s) => sum + segmentFileBytes(s), 0);
  return { peak: Math.ceil(peak), average: Math.ceil((bytes * 8) / Math.max(seconds, 0.001)) };
}

/** The target duration of the copied renditions: every segment, rounded, at most it (RFC 8216 §4.3.3.1). */
export function copiedTargetDuration(segments: readonly CopiedSegment[], segmentSeconds: number): number {
  return Math.max(segmentSeconds, ...segments.map((s) => Math.round(s.durationSeconds)));
}
