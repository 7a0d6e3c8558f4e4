import { Module, type DynamicModule } from '@nestjs/common';
import { AdaptersModule } from '../src/adapters/adapters.module';
import type { AppConfig } from '../src/config/config';
import { ConfigModule } from '../src/config/config.module';
import { MaintenanceModule } from '../src/services/operations/maintenance.module';
import { MetricsModule } from '../src/services/operations/metrics.module';
import { TranscodingModule } from '../src/services/transcoding/transcoding.module';
import { WebhookDeliveryModule } from '../src/services/webhooks/webhook-delivery.module';
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
        TranscodingModule,
        MaintenanceModule,
        WebhookDeliveryModule,
        MetricsModule,
      ],
      providers: [MaintenanceProcessor, TranscodeProcessor, WebhookProcessor],
    };
  }
}
