import { Injectable } from '@nestjs/common';
import { Metrics, type JobOutcome } from '../../ports/metrics';

/** The processors' view of the metrics: how each job run ended, and how long it took. */
@Injectable()
export class JobMetrics {
  constructor(private readonly metrics: Metrics) {}

  finished(queue: string, name: string, outcome: JobOutcome, startedAt: number): void {
    this.metrics.jobFinished(queue, name, outcome, (performance.now() - startedAt) / 1000);
  }
}
