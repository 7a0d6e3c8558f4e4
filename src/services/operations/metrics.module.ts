import { Module } from '@nestjs/common';
import { JobMetrics } from './job-metrics';
import { MetricsEndpoint } from './metrics-endpoint';

/** `/metrics` on its own port, in the api and in the worker; JobMetrics for the processors. */
@Module({ providers: [MetricsEndpoint, JobMetrics], exports: [MetricsEndpoint, JobMetrics] })
export class MetricsModule {}
