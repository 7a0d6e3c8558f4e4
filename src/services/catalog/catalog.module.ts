import { Module } from '@nestjs/common';
import { EntitlementChangesModule } from '../paywall/entitlement-changes.module';
import { CreatorLimits } from '../shared/creator-limits';
import { UnfinishedUploadsModule } from '../uploads/unfinished-uploads.module';
import { CaptionPublishingModule } from './caption-publishing.module';
import { CaptionsService } from './captions.service';
import { VideosService } from './videos.service';

/** Api side: a creator's videos (list, read, edit, delete, re-queue) and their captions. */
@Module({
  imports: [EntitlementChangesModule, CaptionPublishingModule, UnfinishedUploadsModule],
  providers: [VideosService, CaptionsService, CreatorLimits],
  exports: [VideosService, CaptionsService],
})
export class CatalogModule {}
