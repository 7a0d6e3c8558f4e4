import { Injectable } from '@nestjs/common';
import { hlsVersionPrefix, ladderWorkPrefix, posterKey } from '../../domain/storage-keys';
import { JobQueue } from '../../ports/job-queue';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';

/** The one way a video fails during transcoding, for permanent problems and after the last attempt. */
@Injectable()
export class VideoFailures {
  constructor(
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly jobs: JobQueue,
  ) {}

  /**
   * The video fails for good: no longer playable, its preview deleted (a failed video never
   * keeps half a playlist listed), a chunked ladder's waiting jobs cancelled and its work
   * removed.
   */
  async fail(videoId: string, code: string, message: string): Promise<void> {
    const before = await this.store.findById(videoId);
    if (!(await this.store.markFailed(videoId, code, message))) return;
    if (before?.ladderVersion) {
      await this.jobs.cancelLadder(videoId, before.ladderVersion);
      await this.storage.deletePrefix(ladderWorkPrefix(videoId, before.ladderVersion));
    }
    if (before?.previewVersion) await this.storage.deletePrefix(hlsVersionPrefix(videoId, before.previewVersion));
    // Made before the preview; a failed video shows nothing (a retry makes it again).
    await this.storage.deletePrefix(posterKey(videoId));
  }
}
