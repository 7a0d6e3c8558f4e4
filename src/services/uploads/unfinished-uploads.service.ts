import { Injectable } from '@nestjs/common';
import { sourceKey, uploadPrefix } from '../../domain/storage-keys';
import type { Video } from '../../domain/video';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';

/** Uploads that never finished: cancelled by their creator (api) or abandoned (the worker's sweep). */
@Injectable()
export class UnfinishedUploads {
  constructor(
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
  ) {}

  /**
   * Deletes the row first, conditionally, so a racing complete cannot queue a video whose bytes
   * are being removed; then the multipart upload and any objects. False when the upload had
   * finished meanwhile (nothing is deleted).
   */
  async discard(video: Video): Promise<boolean> {
    const deleted = await this.store.delete(video.id, 'awaiting_upload');
    if (!deleted) return false;
    if (deleted.multipartUploadId) {
      await this.storage.abortMultipartUpload(sourceKey(video.id), deleted.multipartUploadId);
    }
    await this.storage.deletePrefix(uploadPrefix(video.id));
    return true;
  }
}
