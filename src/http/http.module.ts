import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CatalogModule } from '../services/catalog/catalog.module';
import { HealthModule } from '../services/operations/health.module';
import { MetricsModule } from '../services/operations/metrics.module';
import { PaywallModule } from '../services/paywall/paywall.module';
import { UploadsModule } from '../services/uploads/uploads.module';
import { WebhooksModule } from '../services/webhooks/webhooks.module';
import { AuthGuard } from './auth.guard';
import { HealthController } from './health.controller';
import { PlaybackController } from './playback.controller';
import { SignedManifestsController } from './signed-manifests.controller';
import { ProblemFilter } from './problem.filter';
import { UploadsController } from './uploads.controller';
import { VideosController } from './videos.controller';
import { WebhooksController } from './webhooks.controller';
import { CollectionsController } from './collections.controller';
import { StreamsController } from './streams.controller';
import { DownloadsController } from './downloads.controller';
import { CaptionsController } from './captions.controller';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsModule } from '../services/analytics/analytics.module';

@Module({
  // The api's services only: nothing here consumes jobs or transcodes.
  imports: [UploadsModule, CatalogModule, PaywallModule, WebhooksModule, HealthModule, MetricsModule, AnalyticsModule],
  controllers: [
    VideosController,
    UploadsController,
    PlaybackController,
    SignedManifestsController,
    HealthController,
    WebhooksController,
    CollectionsController,
    StreamsController,
    DownloadsController,
    CaptionsController,
    AnalyticsController,
  ],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ProblemFilter },
  ],
})
export class HttpModule {}
