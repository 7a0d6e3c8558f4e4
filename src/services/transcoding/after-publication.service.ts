import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { longestSessionSeconds } from '../../domain/playback';
import { hlsPrefix, hlsVersionPrefix } from '../../domain/storage-keys';
import type { Video } from '../../domain/video';
import { Clock } from '../../ports/clock';
import { JobQueue } from '../../ports/job-queue';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { CaptionPublisher } from '../catalog/caption-publisher';

/**
 * What follows a version's publication, from either publisher (one job, or a chunked ladder):
 * older versions retired, the MP4 of a downloadable video queued (made from the published files,
 * so any worker can make it), the captions published into the new version. Safe to run again:
 * a retried job whose video is already published runs it once more.
 */
@Injectable()
export class AfterPublication {
  private readonly logger = new Logger(AfterPublication.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly storage: ObjectStorage,
    private readonly jobs: JobQueue,
    private readonly captions: CaptionPublisher,
    private readonly store: VideoStore,
    private readonly clock: Clock,
  ) {}

  async run(ready: Video): Promise<void> {
    await this.retireOtherVersions(ready.id, ready.hlsVersion!);
    // The video is ready whatever happens below: these are logged, and the next caption change
    // or PATCH makes them again.
    if (ready.downloadable)
      await this.jobs
        .enqueueDownload(ready.id, ready.hlsVersion!)
        .catch((error: Error) => this.logger.warn(`video ${ready.id}: download not queued: ${error.message}`));
    if (ready.captionsRevision > 0)
      await this.captions
        .publish(ready.id)
        .catch((error: Error) => this.logger.warn(`video ${ready.id}: captions not published: ${error.message}`));
  }

  /**
   * Every other version (the preview, an earlier ladder) is deleted by a delayed job once the
   * longest session that could have been given it has expired: a player keeps the manifest it
   * started with, and its renewed cookies cover every version of the video.
   */
  private async retireOtherVersions(videoId: string, keep: string): Promise<void> {
    const current = hlsVersionPrefix(videoId, keep);
    const others = (await this.storage.listChildPrefixes(hlsPrefix(videoId)))
      .filter((p) => p !== current)
      .map((p) => p.split('/').at(-2)!);
    if (others.length === 0) return;
    const { ttlSeconds, expiryBucketSeconds } = this.config.playback;
    const delayMs = longestSessionSeconds(ttlSeconds, expiryBucketSeconds) * 1000;
    // Recorded first: the delayed job lives in Redis, which may lose it; the sweep then does it.
    await this.store.retireVersions(videoId, others, new Date(this.clock.now().getTime() + delayMs));
    await this.jobs.scheduleVersionCleanup(videoId, keep, others, delayMs);
  }
}
