import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { AdaptersModule } from '../src/adapters/adapters.module';
import type { AppConfig } from '../src/config/config';
import { ConfigModule } from '../src/config/config.module';
import { MAINTENANCE_QUEUE } from '../src/jobs/job-contract';
import { ServicesModule } from '../src/services/services.module';
import { MaintenanceProcessor } from './maintenance.processor';
import { TranscodeProcessor } from './transcode.processor';
import { WebhookProcessor } from './webhook.processor';

/** The only module with processors: importing it is what makes a process consume jobs. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        AdaptersModule.forRoot(config),
        ServicesModule,
        // BullMQ owns (and closes) these connections; its workers set maxRetriesPerRequest: null.
        BullModule.forRoot({ connection: { url: config.redis.url } }),
        BullModule.registerQueue({ name: MAINTENANCE_QUEUE }),
      ],
      providers: [MaintenanceProcessor, TranscodeProcessor, WebhookProcessor],
    };
  }
}
