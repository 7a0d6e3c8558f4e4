import type { PageCursor } from '../domain/cursor';
import type { DownloadFile, Rendition, Video, VideoAccess, VideoStatus } from '../domain/video';

/** What a new row holds; the rest (status, timestamps, results) the store fills in. */
export type NewVideo = Pick<
  Video,
  | 'id'
  | 'ownerId'
  | 'title'
  | 'access'
  | 'contentType'
  | 'sizeBytes'
  | 'filename'
  | 'uploadStrategy'
  | 'multipartUploadId'
  | 'partSize'
  | 'partCount'
>;

export interface DetailsPatch {
  readonly title?: string;
  readonly access?: VideoAccess;
  readonly availableFrom?: Date | null;
  readonly availableUntil?: Date | null;
  /** Turning it off forgets the MP4 (its objects are removed by the caller). */
  readonly downloadable?: boolean;
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
  /** Title, access and the availability window; a window bound set to null is cleared. */
  abstract updateDetails(id: string, patch: DetailsPatch): Promise<Video | null>;
  /** Moves `from → to` only if the row is still in `from`; null when it was not. */
  abstract transition(id: string, from: VideoStatus, to: VideoStatus, change?: StatusChange): Promise<Video | null>;
  /** Swaps the multipart upload id of a video still awaiting its upload. */
  abstract replaceMultipartUpload(id: string, uploadId: string): Promise<Video | null>;
  /** Deletes the row; with `onlyIf`, only while it has that status. Returns the deleted row. */
  abstract delete(id: string, onlyIf?: VideoStatus): Promise<Video | null>;
  /** Videos still awaiting their upload that were created before `before`, oldest first. */
  abstract findAwaitingUploadSince(before: Date, limit: number): Promise<Video[]>;
  /** `queued → processing`, or the row as is when already processing (a retried attempt). */
  abstract claimForProcessing(id: string): Promise<Video | null>;
  /** Records progress (0–100) of a video still processing; progress never goes back. */
  abstract setProgress(id: string, progress: number): Promise<void>;
  /** Records the preview version about to be published (kept if one is recorded already); null unless processing. */
  abstract startPreview(id: string, version: string, probed: ProbedDetails): Promise<Video | null>;
  /** Records the version a chunked ladder is encoded for (kept if one is recorded already); null unless processing. */
  abstract startLadder(id: string, version: string): Promise<Video | null>;
  /** Playable from now on (the first time only, `via` with it), with its preview; null unless processing. */
  abstract markPlayable(id: string, previewVersion: string, via: 'source' | 'preview'): Promise<Video | null>;
  /** Why the source cannot be published as it is ([]: it can); null unless processing. */
  abstract recordSourceCheck(id: string, nonStandardReasons: readonly string[]): Promise<Video | null>;
  /** Forgets an abandoned preview: not playable, no preview version; null unless processing. */
  abstract dropPreview(id: string, previewVersion: string): Promise<Video | null>;
  /** `processing → ready` with the published rendition (the preview retired); null when the row moved on meanwhile. */
  abstract markReady(id: string, result: ReadyResult): Promise<Video | null>;
  /** The MP4 made from `file.version`; null unless the video is ready on that version and still downloadable. */
  abstract recordDownload(id: string, file: DownloadFile): Promise<Video | null>;
  /**
   * Points the ready video at the master playlist naming its captions, only if it is still on
   * `version` and no caption changed since `revision` was read (a later publish wins); false otherwise.
   */
  abstract setCaptionsMaster(id: string, version: string, revision: number, master: string | null): Promise<boolean>;
  /** `queued|processing → failed` with a code and a human message; no longer playable. */
  abstract markFailed(id: string, code: string, message: string): Promise<Video | null>;
  /** Videos queued or processing whose row has not changed since `before` (no progress either). */
  abstract findInFlightSince(before: Date, limit: number): Promise<Video[]>;
  /** Records the completed upload's ETag (only while the video awaits its upload). */
  abstract setUploadEtag(id: string, etag: string): Promise<void>;
  /** Remembers a deleted video's upload prefix until `until`, when its last upload form expires. */
  abstract tombstoneUpload(id: string, until: Date): Promise<void>;
  /** Tombstoned videos, and whether their last form has expired (then the tombstone can go). */
  abstract uploadTombstones(now: Date, limit: number): Promise<Array<{ videoId: string; expired: boolean }>>;
  abstract clearUploadTombstone(id: string): Promise<void>;
  /** Records versions to delete after `after` (the system of record for the delayed cleanup job). */
  abstract retireVersions(id: string, versions: readonly string[], after: Date): Promise<void>;
  /** Retired versions due by `now`, grouped by video. */
  abstract dueRetiredVersions(now: Date, limit: number): Promise<Array<{ videoId: string; versions: string[] }>>;
  abstract forgetRetiredVersions(id: string, versions: readonly string[]): Promise<void>;
  /** For the alarms: since when the oldest queued video has waited, and how many failed since `failedSince`. */
  abstract pipelineHealth(failedSince: Date): Promise<PipelineHealth>;
  abstract ping(): Promise<void>;
}

export interface PipelineHealth {
  /** When the longest-waiting video entered `queued` (null: none is queued). */
  readonly oldestQueuedAt: Date | null;
  readonly failed: number;
}

/** What the probe tells before anything is encoded (shown, and the poster's gate). */
export interface ProbedDetails {
  readonly durationSeconds: number;
  readonly width: number | null;
  readonly height: number | null;
}

export interface ReadyResult {
  readonly durationSeconds: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly renditions: readonly Rendition[];
  readonly hlsVersion: string;
  readonly sourceEtag: string;
  /** The version holds a storyboard. */
  readonly storyboard: boolean;
}
