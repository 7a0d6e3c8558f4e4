/** What Velvet needs to know about a source, independent of the probing tool. */
export interface MediaInfo {
  /** The demuxer that recognised the file (ffmpeg's name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`). */
  readonly formatName: string;
  readonly durationSeconds: number;
  readonly video: VideoStreamInfo | null;
  readonly audio: AudioStreamInfo | null;
}

export interface VideoStreamInfo {
  /** Its index among the file's streams: commands map exactly this stream (never a cover picture). */
  readonly streamIndex?: number;
  readonly codec: string;
  /** Display size, after any rotation metadata is applied. */
  readonly width: number;
  readonly height: number;
  /** Frames per second (average when the rate varies). */
  readonly frameRate: number;
  readonly pixelFormat: string | null;
  readonly profile: string | null;
  /** ffprobe's field order: `progressive`, `tt`, `bb`, `tb`, `bt`, or unknown (null). */
  readonly fieldOrder?: string | null;
}

export interface AudioStreamInfo {
  readonly codec: string;
  readonly channels: number;
  readonly sampleRate: number;
}

/** Permanent reasons a source cannot be transcoded; shown on the video. */
export type MediaErrorCode =
  | 'not_media'
  | 'duration_too_long'
  | 'resolution_too_large'
  | 'frame_rate_too_high'
  | 'corrupt_media'
  /** Decoding ran past its wall-clock budget (proportional to the duration the probe found). */
  | 'decode_too_slow'
  /** Decoding needed more memory than a process is given. */
  | 'decode_out_of_memory'
  /** The source's bytes changed after its upload was completed (the upload form used again). */
  | 'source_replaced';

export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}
