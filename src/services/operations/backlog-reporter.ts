import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { emfLine } from '../../domain/emf';
import { TRANSCODE_QUEUE } from '../../jobs/job-contract';
import { backlog } from '../../domain/queue-backlog';
import { QueueStats } from '../../ports/queue-stats';

/**
 * Every METRICS_EMF_INTERVAL_SECONDS, the transcode backlog (waiting, prioritized and due delayed
 * jobs) as a CloudWatch metric in the embedded metric format: what the worker service scales on,
 * divided by its running tasks. The api reports it too, so the figure exists when no worker runs
 * (a minimum of 0 workers: the first job must start the first task).
 */
@Injectable()
export class BacklogReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BacklogReporter.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stats: QueueStats,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { intervalSeconds } = this.config.metrics.emf;
    if (intervalSeconds === 0) return;
    this.timer = setInterval(() => void this.report(), intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Writes one line to stdout; a Redis outage skips a beat (logged), never throws. */
  async report(): Promise<number | null> {
    const { namespace, deployment } = this.config.metrics.emf;
    try {
      const waiting = backlog(await this.stats.counts(), TRANSCODE_QUEUE);
      process.stdout.write(
        `${emfLine({
          namespace,
          dimensions: { Deployment: deployment },
          metrics: { TranscodeBacklog: waiting },
          timestamp: Date.now(),
        })}\n`,
      );
      return waiting;
    } catch (error) {
      this.logger.warn(`backlog not reported: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
