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
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Statuses past the upload: completing again must be a no-op. */
export function isUploadCompleted(status: VideoStatus): boolean {
  return status !== 'awaiting_upload';
}

export interface Actor {
  readonly userId: string;
  readonly roles: readonly string[];
}

export function isAdmin(actor: Actor): boolean {
  return actor.roles.includes('admin');
}

/** A creator sees only their own videos; an admin sees every video. */
export function canAct(actor: Actor, video: Pick<Video, 'ownerId'>): boolean {
  return isAdmin(actor) || video.ownerId === actor.userId;
}
