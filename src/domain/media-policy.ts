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

/**
 * Decoders ffmpeg may open (`-codec_whitelist`): what the allowed containers carry in practice,
 * plus the JPEG and PNG of cover art and Velvet's own storyboard tiles. Every other decoder
 * (hundreds of rarely exercised ones) stays out of reach of an upload.
 */
export const ALLOWED_DECODERS: readonly string[] = [
  // Video.
  'h264',
  'hevc',
  'mpeg4',
  'mpeg1video',
  'mpeg2video',
  'mpegvideo',
  'vp8',
  'libvpx',
  'vp9',
  'libvpx-vp9',
  'av1',
  'libdav1d',
  'libaom-av1',
  'prores',
  'dnxhd',
  'theora',
  'vc1',
  'wmv1',
  'wmv2',
  'wmv3',
  'flv',
  'h263',
  'h263p',
  'msmpeg4',
  'msmpeg4v2',
  'vp6f',
  'mjpeg',
  'png',
  // Audio.
  'aac',
  'aac_fixed',
  'aac_latm',
  'mp3float',
  'mp3',
  'mp2float',
  'mp2',
  'opus',
  'libopus',
  'vorbis',
  'libvorbis',
  'flac',
  'alac',
  'ac3',
  'ac3_fixed',
  'eac3',
  'wmav1',
  'wmav2',
  'wmapro',
  'amrnb',
  'amrwb',
  'adpcm_ms',
  'adpcm_ima_wav',
  'adpcm_ima_qt',
  'pcm_s16le',
  'pcm_s16be',
  'pcm_s24le',
  'pcm_s24be',
  'pcm_s32le',
  'pcm_f32le',
  'pcm_f64le',
  'pcm_u8',
  'pcm_mulaw',
  'pcm_alaw',
];

const MAX_SIDE = 8192;

export interface SourceLimits {
  readonly maxDurationSeconds: number;
  readonly maxPixels: number;
  readonly maxFrameRate: number;
}

/**
 * Input options for every decode ffmpeg or ffprobe does, so the guard does not depend on how a
 * decoder happens to fail: only the allowed decoders, and no picture over the pixel limit (an
 * MPEG-TS that switches to 8192×4352 mid-stream is refused by the decoder itself).
 */
export function decodeGuards(limits: Pick<SourceLimits, 'maxPixels'>): string[] {
  return ['-codec_whitelist', ALLOWED_DECODERS.join(','), '-max_pixels', String(limits.maxPixels)];
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
    if (info.video.frameRate > limits.maxFrameRate)
      throw new MediaError(
        'frame_rate_too_high',
        `The video runs at ${Math.round(info.video.frameRate)} frames per second; the limit is ${limits.maxFrameRate}.`,
      );
  }
}
