import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { APP_CONFIG } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config';
import { JOB_NAMES, JOB_OPTIONS, MAINTENANCE_QUEUE, parseDeleteVersionsPayload } from '../src/jobs/job-contract';
import { MaintenanceService } from '../src/services/operations/maintenance.service';

/** Housekeeping on its own queue, so it never waits behind long transcodes. */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    private readonly maintenance: MaintenanceService,
  ) {
    super();
  }

  /** One scheduler per job name: every worker upserts the same one, so it runs once per interval. */
  async onApplicationBootstrap(): Promise<void> {
    for (const name of [
      JOB_NAMES.expireAbandonedUploads,
      JOB_NAMES.reconcileStuckVideos,
      JOB_NAMES.sweepOrphanedWork,
    ]) {
      await this.queue.upsertJobScheduler(
        name,
        { every: this.config.maintenance.intervalSeconds * 1000 },
        { name, opts: JOB_OPTIONS.maintenance },
      );
    }
  }

  async process(job: Job): Promise<{ count: number }> {
    let count: number;
    if (job.name === JOB_NAMES.expireAbandonedUploads) count = await this.maintenance.expireAbandonedUploads();
    else if (job.name === JOB_NAMES.reconcileStuckVideos) count = await this.maintenance.reconcileStuckVideos();
    else if (job.name === JOB_NAMES.sweepOrphanedWork) count = await this.maintenance.sweepOrphanedWork();
    else if (job.name === JOB_NAMES.deleteHlsVersions) {
      const { videoId, versions } = this.payload(job);
      count = await this.maintenance.deleteVersions(videoId, versions);
    } else {
      this.logger.warn(`job ${job.id}: unknown maintenance job ${job.name}, ignored`);
      return { count: 0 };
    }
    if (count > 0) this.logger.log(`job ${job.id}: ${job.name} handled ${count} videos`);
    return { count };
  }

  /** A malformed payload is logged and fails the job for good: retrying cannot mend it. */
  private payload(job: Job): ReturnType<typeof parseDeleteVersionsPayload> {
    try {
      return parseDeleteVersionsPayload(job.data);
    } catch (error) {
      const message = `job ${job.id}: ${job.name}: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.warn(message);
      throw new UnrecoverableError(message);
    }
  }
}
