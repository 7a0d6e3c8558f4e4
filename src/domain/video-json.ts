import { currentDownload, deliveryBytesPerMinute, playableVersion, type Video } from './video';

/** A video as the api shows it, and as webhook events carry it. */
export interface VideoJson {
  id: string;
  ownerId: string;
  title: string;
  status: Video['status'];
  access: Video['access'];
  sizeBytes: number;
  contentType: string;
  filename: string | null;
  progress: number | null;
  error: { code: string; message: string } | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  renditions: Video['renditions'];
  /** Bytes a viewer downloads per minute at the top rung (measured; null before the ladder): what a view costs. */
  deliveryBytesPerMinute: number | null;
  hlsVersion: string | null;
  readyAt: string | null;
  /** A session can be started: the preview while processing, the ladder once ready. */
  playable: boolean;
  playableAt: string | null;
  /** What made it playable first: `source` (published as it is), `preview` or `ladder`; null before. */
  playableVia: Video['playableVia'];
  /**
   * Why the source could not be published as it is (`video_codec`, `pixel_format`, `interlaced`,
   * `keyframe_interval`, `resolution`, `frame_rate`, `bitrate`, `audio_codec`, `edit_list`, `container`,
   * `tracks`, `no_video`); [] when it was; null before the probe.
   */
  nonStandardReasons: readonly string[] | null;
  /** A premiere: sessions work from then. */
  availableFrom: string | null;
  /** A takedown: no session after. */
  availableUntil: string | null;
  /** Entitled viewers with the right may save an MP4 (`POST /v1/videos/{id}/downloads`). */
  downloadable: boolean;
  /** The MP4 exists for the current version. */
  downloadReady: boolean;
  createdAt: string;
  updatedAt: string;
}

/** What a viewer may see of a video they were granted: nothing of its upload, processing or owner. */
export type ViewerVideoJson = Pick<
  VideoJson,
  'id' | 'title' | 'access' | 'durationSeconds' | 'width' | 'height' | 'playable' | 'availableFrom' | 'availableUntil'
>;

export function presentVideoToViewer(video: Video): ViewerVideoJson {
  const { id, title, access, durationSeconds, width, height, playable, availableFrom, availableUntil } =
    presentVideo(video);
  return { id, title, access, durationSeconds, width, height, playable, availableFrom, availableUntil };
}

export function presentVideo(video: Video): VideoJson {
  const playable = playableVersion(video) !== null;
  return {
    id: video.id,
    ownerId: video.ownerId,
    title: video.title,
    status: video.status,
    access: video.access,
    sizeBytes: video.sizeBytes,
    contentType: video.contentType,
    filename: video.filename,
    progress: video.progress,
    error: video.errorCode ? { code: video.errorCode, message: video.errorMessage ?? '' } : null,
    durationSeconds: video.durationSeconds,
    width: video.width,
    height: video.height,
    renditions: video.renditions,
    deliveryBytesPerMinute: deliveryBytesPerMinute(video.renditions),
    hlsVersion: video.hlsVersion,
    readyAt: video.readyAt?.toISOString() ?? null,
    playable,
    playableAt: playable ? ((video.playableAt ?? video.readyAt)?.toISOString() ?? null) : null,
    playableVia: playable ? video.playableVia : null,
    nonStandardReasons: video.nonStandardReasons,
    availableFrom: video.availableFrom?.toISOString() ?? null,
    availableUntil: video.availableUntil?.toISOString() ?? null,
    downloadable: video.downloadable,
    downloadReady: currentDownload(video) !== null,
    createdAt: video.createdAt.toISOString(),
    updatedAt: video.updatedAt.toISOString(),
  };
}
