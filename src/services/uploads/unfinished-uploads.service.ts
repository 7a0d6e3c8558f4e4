import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { sourceKey, uploadPrefix } from '../../domain/storage-keys';
import type { Video } from '../../domain/video';
import { Clock } from '../../ports/clock';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';

// A form issued just before the delete is still in flight a little after it expires.
const FORM_GRACE_MS = 60_000;

/** Uploads that never finished: cancelled by their creator (api) or abandoned (the worker's sweep). */
@Injectable()
export class UnfinishedUploads {
  constructor(
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * A presigned upload form cannot be revoked: one issued for a video being deleted may still
   * put bytes under its prefix until it expires. The video's prefix is remembered until then,
   * and the sweep (removeOrphanedSources) empties it.
   */
  async rememberForms(videoId: string): Promise<void> {
    const until = this.clock.now().getTime() + this.config.upload.urlTtlSeconds * 1000 + FORM_GRACE_MS;
    await this.store.tombstoneUpload(videoId, new Date(until));
  }

  /** Empties the upload prefixes of deleted videos whose forms may still be used; how many held bytes. */
  async removeOrphanedSources(limit: number): Promise<number> {
    let removed = 0;
    for (const { videoId, expired } of await this.store.uploadTombstones(this.clock.now(), limit)) {
      // Remembered just before its row is deleted: a video still there (the delete failed) keeps its source.
      const gone = !(await this.store.findById(videoId));
      if (gone && (await this.storage.deletePrefix(uploadPrefix(videoId))) > 0) removed++;
      if (expired) await this.store.clearUploadTombstone(videoId);
    }
    return removed;
  }

  /**
   * Deletes the row first, conditionally, so a racing complete cannot queue a video whose bytes
   * are being removed; then the multipart upload and any objects. False when the upload had
   * finished meanwhile (nothing is deleted).
   */
  async discard(video: Video): Promise<boolean> {
    await this.rememberForms(video.id);
    const deleted = await this.store.delete(video.id, 'awaiting_upload');
    if (!deleted) return false;
    if (deleted.multipartUploadId) {
      await this.storage.abortMultipartUpload(sourceKey(video.id), deleted.multipartUploadId);
    }
    await this.storage.deletePrefix(uploadPrefix(video.id));
    return true;
  }
}
