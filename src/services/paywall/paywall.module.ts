import { Module } from '@nestjs/common';
import { CollectionsService } from './collections.service';
import { DownloadsService } from './downloads.service';
import { EntitlementChangesModule } from './entitlement-changes.module';
import { PlaybackService } from './playback.service';
import { AnalyticsModule } from '../analytics/analytics.module';

/** Api side: who may watch or download what (sessions, grants, collections, download links). */
@Module({
  imports: [EntitlementChangesModule, AnalyticsModule],
  providers: [PlaybackService, CollectionsService, DownloadsService],
  exports: [PlaybackService, CollectionsService, DownloadsService],
})
export class PaywallModule {}
