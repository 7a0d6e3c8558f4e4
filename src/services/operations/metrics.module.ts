import { Module } from '@nestjs/common';
import { BacklogReporter } from './backlog-reporter';
import { JobMetrics } from './job-metrics';
import { MetricsEndpoint } from './metrics-endpoint';
import { TaskProtectionService } from './task-protection.service';

/**
 * `/metrics` on its own port, and the backlog as a CloudWatch metric, in the api and in the
 * worker; for the processors, JobMetrics and the task's scale-in protection.
 */
@Module({
  providers: [MetricsEndpoint, JobMetrics, BacklogReporter, TaskProtectionService],
  exports: [MetricsEndpoint, JobMetrics, BacklogReporter, TaskProtectionService],
})
export class MetricsModule {}
