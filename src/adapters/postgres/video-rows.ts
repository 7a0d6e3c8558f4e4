import type {
  DownloadFile,
  PlayableVia,
  Rendition,
  UploadStrategy,
  Video,
  VideoAccess,
  VideoStatus,
} from '../../domain/video';

/** A `videos` row as PostgreSQL returns it. */
export interface VideoRow {
  id: string;
  owner_id: string;
  title: string;
  status: VideoStatus;
  access: VideoAccess;
  content_type: string;
  size_bytes: string | number;
  filename: string | null;
  upload_strategy: UploadStrategy;
  multipart_upload_id: string | null;
  part_size: string | number | null;
  part_count: number | null;
  progress: number | null;
  error_code: string | null;
  error_message: string | null;
  duration_seconds: number | null;
  width: number | null;
  height: number | null;
  renditions: Rendition[] | null;
  hls_version: string | null;
  source_etag: string | null;
  upload_etag: string | null;
  ready_at: Date | null;
  preview_version: string | null;
  ladder_version: string | null;
  playable_at: Date | null;
  playable_via: PlayableVia | null;
  non_standard_reasons: string[] | null;
  created_at: Date;
  updated_at: Date;
  event_sequence: string | number;
  available_from: Date | null;
  available_until: Date | null;
  downloadable: boolean;
  download: DownloadFile | null;
  storyboard: boolean;
  captions_revision: number;
  captions_master: string | null;
}

// bigint columns arrive as strings from pg and as numbers from PGlite; sizes stay below 2^53.
const toNumber = (v: string | number | null): number | null => (v === null ? null : Number(v));

export function toVideo(row: VideoRow): Video {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    status: row.status,
    access: row.access,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    filename: row.filename,
    uploadStrategy: row.upload_strategy,
    multipartUploadId: row.multipart_upload_id,
    partSize: toNumber(row.part_size),
    partCount: row.part_count,
    progress: row.progress,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    durationSeconds: row.duration_seconds,
    width: row.width,
    height: row.height,
    renditions: row.renditions,
    hlsVersion: row.hls_version,
    sourceEtag: row.source_etag,
    uploadEtag: row.upload_etag,
    readyAt: row.ready_at,
    previewVersion: row.preview_version,
    ladderVersion: row.ladder_version,
    playableAt: row.playable_at,
    playableVia: row.playable_via,
    nonStandardReasons: row.non_standard_reasons,
    availableFrom: row.available_from,
    availableUntil: row.available_until,
    downloadable: row.downloadable,
    download: row.download,
    storyboard: row.storyboard,
    captionsRevision: row.captions_revision,
    captionsMaster: row.captions_master,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
