import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { Redis } from 'ioredis';
import { InfraModule } from '../src/adapters/infra.module';
import type { AppConfig } from '../src/config/config';
import { ConfigModule } from '../src/config/config.module';
import { MAINTENANCE_QUEUE, TRANSCODE_QUEUE } from '../src/jobs/job-contract';
import { ServicesModule } from '../src/services/services.module';
import { MaintenanceProcessor } from './maintenance.processor';

/** The only module with processors: importing it is what makes a process consume jobs. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(config),
        ServicesModule,
        // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null for them.
        BullModule.forRoot({ connection: new Redis(config.redis.url, { maxRetriesPerRequest: null, lazyConnect: true }) }),
        BullModule.registerQueue({ name: TRANSCODE_QUEUE }, { name: MAINTENANCE_QUEUE }),
      ],
      providers: [MaintenanceProcessor],
    };
  }
}
