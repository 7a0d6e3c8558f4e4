import { Module } from '@nestjs/common';
import { BacklogReporter } from './backlog-reporter';
import { JobMetrics } from './job-metrics';
import { MetricsEndpoint } from './metrics-endpoint';

/**
 * `/metrics` on its own port, and the backlog as a CloudWatch metric, in the api and in the
 * worker; JobMetrics for the processors.
 */
@Module({
  providers: [MetricsEndpoint, JobMetrics, BacklogReporter],
  exports: [MetricsEndpoint, JobMetrics, BacklogReporter],
})
export class MetricsModule {}
