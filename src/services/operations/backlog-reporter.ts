import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { emfLine } from '../../domain/emf';
import { TRANSCODE_QUEUE } from '../../jobs/job-contract';
import { backlog } from '../../domain/queue-backlog';
import { QueueStats } from '../../ports/queue-stats';
import { VideoStore } from '../../ports/video-store';

const HOUR_MS = 3600_000;

/** One report's figures. */
export interface PipelineFigures {
  /** Waiting, prioritized and due delayed transcode jobs. */
  readonly TranscodeBacklog: number;
  /** How long the longest-waiting queued video has waited (0: none waits). */
  readonly OldestQueuedVideoSeconds: number;
  /** Videos that failed in the last hour: a gauge, so every reporter may send it without counting twice. */
  readonly VideosFailedLastHour: number;
}

/**
 * Every METRICS_EMF_INTERVAL_SECONDS, the transcode backlog (waiting, prioritized and due delayed
 * jobs) as a CloudWatch metric in the embedded metric format: what the worker service scales on,
 * divided by its running tasks. The api reports it too, so the figure exists when no worker runs
 * (a minimum of 0 workers: the first job must start the first task). Beside it, from PostgreSQL
 * (the system of record, right even after Redis lost its jobs), the two figures the alarms watch.
 */
@Injectable()
export class BacklogReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BacklogReporter.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stats: QueueStats,
    private readonly videos: VideoStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { intervalSeconds } = this.config.metrics.emf;
    if (intervalSeconds === 0) return;
    this.timer = setInterval(() => void this.report(), intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Writes one line to stdout; a Redis or PostgreSQL outage skips a beat (logged), never throws. */
  async report(): Promise<PipelineFigures | null> {
    const { namespace, deployment } = this.config.metrics.emf;
    try {
      const now = Date.now();
      const [counts, health] = await Promise.all([
        this.stats.counts(),
        this.videos.pipelineHealth(new Date(now - HOUR_MS)),
      ]);
      const figures: PipelineFigures = {
        TranscodeBacklog: backlog(counts, TRANSCODE_QUEUE),
        OldestQueuedVideoSeconds: health.oldestQueuedAt
          ? Math.max(0, Math.round((now - health.oldestQueuedAt.getTime()) / 1000))
          : 0,
        VideosFailedLastHour: health.failed,
      };
      process.stdout.write(
        `${emfLine({ namespace, dimensions: { Deployment: deployment }, metrics: { ...figures }, timestamp: now })}\n`,
      );
      return figures;
    } catch (error) {
      this.logger.warn(`backlog not reported: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
