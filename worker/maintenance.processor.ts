import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../src/config/config.module';
import type { AppConfig } from '../src/config/config';
import type { JobContext } from '../src/jobs/job-context';
import { JOB_NAMES, MAINTENANCE_QUEUE, parseDeleteVersionsPayload } from '../src/jobs/job-contract';
import { MaintenanceService } from '../src/services/operations/maintenance.service';
import { handle, noPayload, QueueProcessor, type JobHandler, type QueueSettings } from './queue-processor';

/** Housekeeping on its own queue, so it never waits behind long transcodes. */
@Injectable()
export class MaintenanceProcessor extends QueueProcessor {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly maintenance: MaintenanceService,
  ) {
    super();
  }

  protected settings(): QueueSettings {
    return { queue: MAINTENANCE_QUEUE, redisUrl: this.config.redis.url, concurrency: 1 };
  }

  private keeper: NodeJS.Timeout | undefined;

  /**
   * The sweeps' schedules live in Redis, and Redis may lose every key (a node replaced without
   * persistence, a FLUSHALL): asked again every interval (an idempotent upsert), so the reconcile
   * sweep that rebuilds lost work from PostgreSQL is itself never lost for long.
   */
  protected override async beforeStart(): Promise<void> {
    await this.maintenance.scheduleSweeps();
    this.keeper = setInterval(() => {
      this.maintenance
        .scheduleSweeps()
        .catch((error: unknown) =>
          this.logger.warn(`sweep schedules not renewed: ${error instanceof Error ? error.message : String(error)}`),
        );
    }, this.config.maintenance.intervalSeconds * 1000);
    this.keeper.unref();
  }

  override async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.keeper);
    await super.beforeApplicationShutdown();
  }

  protected handlerFor(name: string): JobHandler | null {
    switch (name) {
      case JOB_NAMES.expireAbandonedUploads:
        return handle(noPayload, (_, ctx) => this.counted(name, ctx, this.maintenance.expireAbandonedUploads()));
      case JOB_NAMES.reconcileStuckVideos:
        return handle(noPayload, (_, ctx) => this.counted(name, ctx, this.maintenance.reconcileStuckVideos()));
      case JOB_NAMES.sweepOrphanedWork:
        return handle(noPayload, (_, ctx) => this.counted(name, ctx, this.maintenance.sweepOrphanedWork()));
      case JOB_NAMES.dropExpiredPlaybackEvents:
        return handle(noPayload, (_, ctx) => this.counted(name, ctx, this.maintenance.dropExpiredPlaybackEvents()));
      case JOB_NAMES.deleteHlsVersions:
        return handle(parseDeleteVersionsPayload, (p, ctx) =>
          this.counted(name, ctx, this.maintenance.deleteVersions(p.videoId, p.versions)),
        );
      default:
        return null;
    }
  }

  private async counted(name: string, ctx: JobContext, work: Promise<number>): Promise<{ count: number }> {
    const count = await work;
    if (count > 0) this.logger.log(`job ${ctx.jobId}: ${name} handled ${count} videos`);
    return { count };
  }
}
