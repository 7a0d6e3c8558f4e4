export const VIDEO_STATUSES = ['awaiting_upload', 'queued', 'processing', 'ready', 'failed'] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

export const VIDEO_ACCESS = ['public', 'paid', 'private'] as const;
export type VideoAccess = (typeof VIDEO_ACCESS)[number];

export type UploadStrategy = 'single' | 'multipart';

export interface Video {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly status: VideoStatus;
  readonly access: VideoAccess;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly filename: string | null;
  readonly uploadStrategy: UploadStrategy;
  /** S3 multipart upload id; null for single uploads and once completed. */
  readonly multipartUploadId: string | null;
  readonly partSize: number | null;
  readonly partCount: number | null;
  readonly progress: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly durationSeconds: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly renditions: readonly Rendition[] | null;
  /** The published HLS version (`videos/{id}/hls/{version}/`); null until ready. */
  readonly hlsVersion: string | null;
  /** ETag of the source the published version was made from. */
  readonly sourceEtag: string | null;
  /** ETag of the source when its upload was completed: what every read of it is pinned to. */
  readonly uploadEtag: string | null;
  readonly readyAt: Date | null;
  /** The preview version (`videos/{id}/hls/{version}/`) published while the ladder is encoded. */
  readonly previewVersion: string | null;
  /** The version a chunked ladder is being encoded for (`work/{id}/{version}/`); null otherwise. */
  readonly ladderVersion: string | null;
  /** When the preview (or, without one, the ladder) first became fetchable through the CDN. */
  readonly playableAt: Date | null;
  /** What made it playable first: its source as it is, the preview, or the ladder at ready. */
  readonly playableVia: PlayableVia | null;
  /** Why the source could not be published as it is (standard-source.ts); [] it could; null not judged. */
  readonly nonStandardReasons: readonly string[] | null;
  /** A premiere: viewers' cookies take effect at this moment. */
  readonly availableFrom: Date | null;
  /** A takedown: no session after this moment, no cookie outliving it. */
  readonly availableUntil: Date | null;
  /** Entitled viewers whose right includes it may save an MP4. */
  readonly downloadable: boolean;
  /** The MP4 made from a published version; current only while `version` is `hlsVersion`. */
  readonly download: DownloadFile | null;
  /** The published version holds a storyboard (`storyboard/storyboard.vtt`). */
  readonly storyboard: boolean;
  /** Bumped by every caption change. */
  readonly captionsRevision: number;
  /** The master playlist naming the captions in `hlsVersion` (`master-{hash}.m3u8`); null: `master.m3u8`. */
  readonly captionsMaster: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type PlayableVia = 'source' | 'preview' | 'ladder';

export interface DownloadFile {
  readonly version: string;
  readonly key: string;
  readonly sizeBytes: number;
  readonly filename: string;
}

/** The MP4 viewers may save now: made from the current version of a downloadable video. */
export function currentDownload(
  video: Pick<Video, 'status' | 'downloadable' | 'download' | 'hlsVersion'>,
): DownloadFile | null {
  const file = video.download;
  return video.status === 'ready' && video.downloadable && file && file.version === video.hlsVersion ? file : null;
}

export interface Rendition {
  readonly name: string;
  readonly width: number | null;
  readonly height: number | null;
  /** Peak bitrate, bits per second, as in the master playlist's BANDWIDTH. */
  readonly bandwidth: number;
  /**
   * Measured average bitrate with its audio, bits per second (AVERAGE-BANDWIDTH): what a view at
   * this rung costs. Absent on a preview's renditions and on ladders published before it was kept.
   */
  readonly averageBandwidth?: number;
  readonly codecs: string;
}

/** Bytes a viewer downloads per minute at the top rung (null when not measured): a view's cost. */
export function deliveryBytesPerMinute(renditions: readonly Rendition[] | null): number | null {
  const top = renditions?.[0]?.averageBandwidth;
  return top === undefined ? null : Math.round((top / 8) * 60);
}

/**
 * Whether a viewer can start playing, and which published version a new session gets: the
 * ladder once ready, the preview while the ladder is still being encoded.
 */
export function playableVersion(
  video: Pick<Video, 'status' | 'hlsVersion' | 'previewVersion' | 'playableAt'>,
): string | null {
  if (video.status === 'ready') return video.hlsVersion;
  if (video.status === 'processing' && video.playableAt) return video.previewVersion;
  return null;
}

export interface Actor {
  readonly userId: string;
  readonly roles: readonly string[];
  /** The token's `entitlements` claim: video ids, or "*" for all access (a subscription). */
  readonly entitlements?: readonly string[];
}

export function isAdmin(actor: Actor): boolean {
  return actor.roles.includes('admin');
}

/** A creator sees only their own videos; an admin sees every video. */
export function canAct(actor: Actor, video: Pick<Video, 'ownerId'>): boolean {
  return isAdmin(actor) || video.ownerId === actor.userId;
}

/** Work a job does for a video: its first transcode, a preview version, or a chunked ladder's version. */
export type VideoWork =
  | { readonly kind: 'transcode' }
  | { readonly kind: 'preview'; readonly version: string }
  | { readonly kind: 'ladder'; readonly version: string };

/**
 * Whether the row still wants the work: the video is processing (not deleted, failed or already
 * published) and, for a preview or a ladder, still on that version. Every job asks this before
 * and while it works, and stops without a trace when the answer is no.
 */
export function wantsWork(
  video: Pick<Video, 'status' | 'previewVersion' | 'ladderVersion'> | null,
  work: VideoWork,
): boolean {
  if (video?.status !== 'processing') return false;
  if (work.kind === 'preview') return video.previewVersion === work.version;
  if (work.kind === 'ladder') return video.ladderVersion === work.version;
  return true;
}
