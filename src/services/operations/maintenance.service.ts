import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { Clock } from '../../ports/clock';
import { AnalyticsStore } from '../../ports/analytics-store';
import { isVideoId } from '../../domain/ids';
import { hlsVersionPrefix, WORK_ROOT } from '../../domain/storage-keys';
import { JobQueue } from '../../ports/job-queue';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { UnfinishedUploads } from '../uploads/unfinished-uploads.service';
import { wantsWork } from '../../domain/video';

// Bounded batches keep one sweep's memory and run time small however large the backlog.
const BATCH = 100;

@Injectable()
export class MaintenanceService {
  private readonly logger = new Logger(MaintenanceService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly unfinished: UnfinishedUploads,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly storage: ObjectStorage,
    private readonly analytics: AnalyticsStore,
  ) {}

  /** Starts the sweeps' schedules (every worker asks at boot; each sweep still runs once per interval). */
  scheduleSweeps(): Promise<void> {
    return this.jobs.scheduleSweeps(this.config.maintenance.intervalSeconds * 1000);
  }

  /**
   * Deletes videos whose upload never finished within UPLOAD_ABANDON_AFTER_SECONDS: the row, the
   * multipart upload and any bytes. Safe to run twice or concurrently (each delete is conditional).
   */
  async expireAbandonedUploads(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.upload.abandonAfterSeconds * 1000);
    let expired = 0;
    for (;;) {
      const batch = await this.store.findAwaitingUploadSince(cutoff, BATCH);
      for (const video of batch) {
        if (await this.unfinished.discard(video)) {
          expired++;
          this.logger.log(`video ${video.id}: upload abandoned since ${video.createdAt.toISOString()}, deleted`);
        }
      }
      if (batch.length < BATCH) return expired;
    }
  }

  /**
   * Deletes HLS versions that were replaced, once their sessions have expired. The row's current
   * ladder and preview are never deleted, whatever the job says; a deleted video has nothing left.
   */
  async deleteVersions(videoId: string, versions: readonly string[]): Promise<number> {
    const video = await this.store.findById(videoId);
    if (!video) return 0;
    const live = new Set([video.hlsVersion, video.previewVersion]);
    let deleted = 0;
    for (const version of versions.filter((v) => !live.has(v)))
      deleted += await this.storage.deletePrefix(hlsVersionPrefix(videoId, version));
    await this.store.forgetRetiredVersions(videoId, versions);
    if (deleted > 0)
      this.logger.log(`video ${videoId}: ${deleted} objects of replaced versions ${versions.join(', ')} deleted`);
    return deleted;
  }

  /**
   * Re-queues videos queued or processing with no sign of life for RECONCILE_AFTER_SECONDS and
   * no live job (Redis lost it, or a worker died past BullMQ's stall retries): no lost job
   * leaves a video stuck. A video whose job is waiting or running is left alone.
   */
  async reconcileStuckVideos(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.maintenance.reconcileAfterSeconds * 1000);
    let requeued = 0;
    for (const video of await this.store.findInFlightSince(cutoff, BATCH)) {
      const state = await this.jobs.transcodeJobState(video.id);
      if (state === 'pending' || state === 'active') continue;
      // A chunked ladder lives on in its flow once the first job is done; only a flow that
      // ended, is gone, or waits on a child lost from Redis or on none at all is replaced.
      const ladder = video.ladderVersion ? await this.jobs.ladderJobState(video.id, video.ladderVersion) : null;
      if (ladder === 'pending' || ladder === 'active') continue;
      await this.jobs.enqueueTranscode(video.id);
      requeued++;
      const flow = ladder ? `, ladder ${video.ladderVersion} ${ladder}` : '';
      this.logger.warn(
        `video ${video.id}: ${video.status} since ${video.updatedAt.toISOString()} with job ${state}${flow}; re-queued`,
      );
    }
    return requeued;
  }

  /**
   * Removes chunk outputs no ladder will publish: of a deleted or finished video, or of a
   * version the row no longer encodes; bytes a deleted video's upload form put there after the
   * delete (UnfinishedUploads.removeOrphanedSources); replaced versions past their delete time
   * whose delayed job Redis lost. The row's version is recorded before its first chunk job
   * exists, and is read after the versions are listed, so a ladder being encoded is never
   * taken for an orphan.
   */
  /**
   * Drops raw playback events older than ANALYTICS_RETENTION_DAYS (whole days, by partition);
   * the views, progress and daily rollups made from them stay.
   */
  async dropExpiredPlaybackEvents(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.analytics.retentionDays * 86_400_000);
    const dropped = await this.analytics.dropEventsBefore(cutoff.toISOString().slice(0, 10));
    if (dropped.length > 0) this.logger.log(`raw playback events dropped for ${dropped.join(', ')}`);
    return dropped.length;
  }

  async sweepOrphanedWork(): Promise<number> {
    // From the keys themselves, not delimiter listings: the local S3 emulator finds no common
    // prefix for keys nested two folders deeper (work/{id}/{version}/chunk-…/…), and work is
    // small (only ladders in flight).
    const ladders = new Map<string, { videoId: string; version: string }>();
    for (const { key } of await this.storage.listObjects(WORK_ROOT)) {
      const [videoId, version] = key.slice(WORK_ROOT.length).split('/');
      if (isVideoId(videoId) && version) ladders.set(`${WORK_ROOT}${videoId}/${version}/`, { videoId, version });
    }
    let removed = await this.unfinished.removeOrphanedSources(BATCH);
    // Replaced versions whose delayed delete Redis lost (PostgreSQL recorded them).
    for (const { videoId, versions } of await this.store.dueRetiredVersions(this.clock.now(), BATCH))
      if ((await this.deleteVersions(videoId, versions)) > 0) removed++;
    for (const [prefix, { videoId, version }] of ladders) {
      const video = await this.store.findById(videoId);
      if (wantsWork(video, { kind: 'ladder', version })) continue;
      const objects = await this.storage.deletePrefix(prefix);
      if (objects > 0) {
        removed++;
        this.logger.log(`video ${videoId}: ${objects} orphaned chunk outputs of version ${version} removed`);
      }
    }
    return removed;
  }
}
