import type { PageCursor } from '../domain/cursor';
import type { UploadStrategy, Video, VideoAccess, VideoStatus } from '../domain/video';

export interface NewVideo {
  readonly id: string;
  readonly ownerId: string;
  readonly title: string;
  readonly access: VideoAccess;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly filename: string | null;
  readonly uploadStrategy: UploadStrategy;
  readonly multipartUploadId: string | null;
  readonly partSize: number | null;
  readonly partCount: number | null;
}

export interface VideoQuery {
  /** Undefined lists every owner's videos (admins). */
  readonly ownerId: string | undefined;
  readonly status: VideoStatus | undefined;
  readonly after: PageCursor | undefined;
  readonly limit: number;
}

export interface StatusChange {
  readonly multipartUploadId?: string | null;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
}

/**
 * The system of record for videos. Every status change is one conditional UPDATE, so of two
 * racing callers exactly one wins and the other gets null.
 */
export abstract class VideoStore {
  abstract insert(video: NewVideo): Promise<Video>;
  abstract findById(id: string): Promise<Video | null>;
  /** Newest first, keyset-paginated. */
  abstract list(query: VideoQuery): Promise<Video[]>;
  abstract updateDetails(id: string, patch: { title?: string; access?: VideoAccess }): Promise<Video | null>;
  /** Moves `from → to` only if the row is still in `from`; null when it was not. */
  abstract transition(id: string, from: VideoStatus, to: VideoStatus, change?: StatusChange): Promise<Video | null>;
  /** Swaps the multipart upload id of a video still awaiting its upload. */
  abstract replaceMultipartUpload(id: string, uploadId: string): Promise<Video | null>;
  /** Deletes the row; with `onlyIf`, only while it has that status. Returns the deleted row. */
  abstract delete(id: string, onlyIf?: VideoStatus): Promise<Video | null>;
  /** Videos still awaiting their upload that were created before `before`, oldest first. */
  abstract findAwaitingUploadSince(before: Date, limit: number): Promise<Video[]>;
  abstract ping(): Promise<void>;
}
