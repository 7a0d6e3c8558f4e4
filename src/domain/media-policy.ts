import { MediaError, type MediaInfo } from './media-info';

/**
 * Demuxers a source may be read with: real media containers only. Never `hls`, `concat`,
 * `image2`, `lavfi`, `tty` and the like, which read other files, URLs or devices named inside
 * the upload. Names as `ffmpeg -demuxers` prints them.
 */
export const ALLOWED_DEMUXERS: readonly string[] = [
  'mov,mp4,m4a,3gp,3g2,mj2',
  'matroska,webm',
  'mpegts',
  'avi',
  'flv',
  'mpeg',
  'ogg',
  'wav',
  'mp3',
  'aac',
  'flac',
  'asf',
  'm4v',
  'h264',
  'hevc',
];

/** The single demuxer names (`mov`, `matroska`…) for ffmpeg's `-format_whitelist`. */
export function demuxerWhitelist(): string {
  return [...new Set(ALLOWED_DEMUXERS.flatMap((d) => d.split(',')))].join(',');
}

/** The `-f` name that pins the demuxer found by the probe (the first alias works for all). */
export function pinnedDemuxer(formatName: string): string {
  if (!ALLOWED_DEMUXERS.includes(formatName))
    throw new MediaError('not_media', `Container ${formatName} is not accepted.`);
  return formatName.split(',')[0]!;
}

const MAX_SIDE = 8192;

export interface SourceLimits {
  readonly maxDurationSeconds: number;
  readonly maxPixels: number;
}

/** Throws the permanent MediaError that rules a source out, if any. */
export function checkSource(info: MediaInfo, limits: SourceLimits): void {
  pinnedDemuxer(info.formatName);
  if (!info.video && !info.audio) throw new MediaError('not_media', 'The file has no audio or video stream.');
  if (!(info.durationSeconds > 0)) throw new MediaError('not_media', 'The file has no measurable duration.');
  if (info.durationSeconds > limits.maxDurationSeconds) {
    throw new MediaError(
      'duration_too_long',
      `The video lasts ${Math.round(info.durationSeconds)} s; the limit is ${limits.maxDurationSeconds} s.`,
    );
  }
  if (info.video) {
    const { width, height } = info.video;
    if (width > MAX_SIDE || height > MAX_SIDE || width * height > limits.maxPixels) {
      throw new MediaError(
        'resolution_too_large',
        `The video is ${width}×${height}; the limit is ${MAX_SIDE} px a side and ${limits.maxPixels} pixels.`,
      );
    }
    if (width < 2 || height < 2)
      throw new MediaError('not_media', `The video is ${width}×${height}, too small to encode.`);
  }
}
