import { Injectable, Logger } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../../domain/cursor';
import { DomainError } from '../../domain/errors';
import { downloadFilename } from '../../domain/download';
import { downloadPrefix, sourceKey, videoOwnedPrefixes } from '../../domain/storage-keys';
import { currentDownload, isAdmin, type Actor, type Video, type VideoStatus } from '../../domain/video';
import { Clock } from '../../ports/clock';
import { JobQueue } from '../../ports/job-queue';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore, type DetailsPatch } from '../../ports/video-store';
import { EntitlementChanges } from '../paywall/entitlement-changes';
import { UnfinishedUploads } from '../uploads/unfinished-uploads.service';
import { CreatorLimits } from '../shared/creator-limits';
import { loadOwnedVideo } from '../shared/video-access';

// Long enough to start a large download; the download continues past expiry once started.
const SOURCE_URL_TTL_SECONDS = 300;

export interface VideoPage {
  readonly items: Video[];
  readonly nextCursor: string | null;
}

@Injectable()
export class VideosService {
  private readonly logger = new Logger(VideosService.name);

  constructor(
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly changes: EntitlementChanges,
    private readonly unfinished: UnfinishedUploads,
    private readonly limits: CreatorLimits,
  ) {}

  get(actor: Actor, id: string): Promise<Video> {
    return loadOwnedVideo(this.store, actor, id);
  }

  /** The caller's own videos, newest first (an admin may ask for everyone's with `all`). */
  async list(
    actor: Actor,
    query: { status?: VideoStatus; cursor?: string; limit: number; all?: boolean },
  ): Promise<VideoPage> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const items = await this.store.list({
      ownerId: query.all && isAdmin(actor) ? undefined : actor.userId,
      status: query.status,
      after,
      limit: query.limit + 1,
    });
    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: items.length > query.limit && last ? encodeCursor(last) : null };
  }

  async update(actor: Actor, id: string, patch: DetailsPatch): Promise<Video> {
    const video = await loadOwnedVideo(this.store, actor, id);
    const from = patch.availableFrom !== undefined ? patch.availableFrom : video.availableFrom;
    const until = patch.availableUntil !== undefined ? patch.availableUntil : video.availableUntil;
    if (from && until && from >= until)
      throw new DomainError('invalid_request', 'availableFrom must come before availableUntil.', [
        { path: 'availableUntil', message: 'must be after availableFrom' },
      ]);
    const updated = await this.store.updateDetails(video.id, patch);
    // Every api instance forgets the video at once (access, availability, existence).
    await this.changes.videoChanged(video.id);
    if (updated) await this.followDownload(updated, patch.downloadable === false);
    return updated ?? loadOwnedVideo(this.store, actor, id);
  }

  /**
   * The MP4 follows the row: made when a ready video becomes downloadable or is renamed (the
   * file name is the title), removed when it stops being downloadable.
   */
  private async followDownload(video: Video, turnedOff: boolean): Promise<void> {
    if (!video.downloadable) {
      // Only a PATCH turning downloads off lists storage; a rename of a video without one does not.
      if (turnedOff && (await this.storage.deletePrefix(downloadPrefix(video.id))) > 0)
        this.logger.log(`video ${video.id}: download removed`);
      return;
    }
    if (video.status !== 'ready' || !video.hlsVersion) return;
    const made = currentDownload(video);
    if (!made || made.filename !== downloadFilename(video.title))
      await this.jobs.enqueueDownload(video.id, video.hlsVersion);
  }

  /** An S3 presigned GET for the creator's original, downloaded under its original name. */
  async sourceUrl(actor: Actor, id: string): Promise<{ url: string; expiresAt: Date }> {
    const video = await loadOwnedVideo(this.store, actor, id);
    if (video.status === 'awaiting_upload')
      throw new DomainError('invalid_state', 'The source has not been uploaded yet.');
    const url = await this.storage.presignDownload(
      sourceKey(video.id),
      video.filename ?? `${video.id}`,
      SOURCE_URL_TTL_SECONDS,
    );
    return { url, expiresAt: new Date(this.clock.now().getTime() + SOURCE_URL_TTL_SECONDS * 1000) };
  }

  /** `failed → queued` and a fresh transcode job; the error is cleared. */
  async retry(actor: Actor, id: string): Promise<Video> {
    const video = await loadOwnedVideo(this.store, actor, id);
    await this.limits.hit(actor, 'reuploads');
    if (video.status !== 'failed') {
      throw new DomainError('invalid_state', `Only a failed video can be retried (status ${video.status}).`);
    }
    const queued = await this.store.transition(video.id, 'failed', 'queued', { errorCode: null, errorMessage: null });
    if (!queued) return loadOwnedVideo(this.store, actor, id);
    try {
      await this.jobs.enqueueTranscode(video.id);
    } catch (error) {
      await this.store.transition(video.id, 'queued', 'failed', {
        errorCode: video.errorCode,
        errorMessage: video.errorMessage,
      });
      throw error;
    }
    this.logger.log(`video ${video.id} re-queued by ${actor.userId}`);
    return queued;
  }

  /** Removes every object under both of the video's prefixes, then the row. */
  async delete(actor: Actor, id: string): Promise<void> {
    const video = await loadOwnedVideo(this.store, actor, id);
    await this.jobs.cancelTranscode(video.id);
    // Waiting chunks go now; running ones stop on their own once the row is gone.
    if (video.ladderVersion) await this.jobs.cancelLadder(video.id, video.ladderVersion);
    if (video.multipartUploadId && video.status === 'awaiting_upload') {
      await this.storage.abortMultipartUpload(sourceKey(video.id), video.multipartUploadId);
    }
    let objects = 0;
    for (const prefix of videoOwnedPrefixes(video.id)) objects += await this.storage.deletePrefix(prefix);
    await this.unfinished.rememberForms(video.id);
    await this.store.delete(video.id);
    // A worker publishing meanwhile may have written files after the pass above and marked the
    // video ready before the row went (found by the fault run, with storage slowed down). Once the
    // row is gone, every worker step that writes finds it gone when it next reads the row and
    // removes its own files, so this second pass leaves nothing behind.
    for (const prefix of videoOwnedPrefixes(video.id)) objects += await this.storage.deletePrefix(prefix);
    // Every api instance forgets the video at once (access, availability, existence).
    await this.changes.videoChanged(video.id);
    this.logger.log(`video ${video.id} deleted by ${actor.userId} (${objects} objects)`);
  }
}
