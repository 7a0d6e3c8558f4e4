import { Module } from '@nestjs/common';
import { CollectionsService } from './collections.service';
import { DownloadsService } from './downloads.service';
import { EntitlementChangesModule } from './entitlement-changes.module';
import { PlaybackService } from './playback.service';
import { SignedManifestService } from './signed-manifests.service';
import { AnalyticsModule } from '../analytics/analytics.module';

/** Api side: who may watch or download what (sessions, grants, collections, download links). */
@Module({
  imports: [EntitlementChangesModule, AnalyticsModule],
  providers: [PlaybackService, CollectionsService, DownloadsService, SignedManifestService],
  exports: [PlaybackService, CollectionsService, DownloadsService, SignedManifestService],
})
export class PaywallModule {}
