import { Module } from '@nestjs/common';
import { HealthService } from './health.service';

/** Api side: liveness and readiness. */
@Module({ providers: [HealthService], exports: [HealthService] })
export class HealthModule {}
