import { Module } from '@nestjs/common';
import { HotVideos } from './paywall/hot-videos';
import { ChunkEncoderService } from './transcoding/chunk-encoder.service';
import { DownloadMakerService } from './transcoding/download-maker.service';
import { DownloadsService } from './paywall/downloads.service';
import { CaptionPublisher } from './catalog/caption-publisher';
import { AfterPublication } from './transcoding/after-publication.service';
import { CaptionsService } from './catalog/captions.service';
import { HealthService } from './operations/health.service';
import { LadderPublisherService } from './transcoding/ladder-publisher.service';
import { MaintenanceService } from './operations/maintenance.service';
import { PlaybackService } from './paywall/playback.service';
import { PreviewService } from './transcoding/preview.service';
import { TranscodeService } from './transcoding/transcode.service';
import { UploadsService } from './uploads/uploads.service';
import { VideosService } from './catalog/videos.service';
import { WebhookDeliveryService } from './webhooks/webhook-delivery.service';
import { WebhookRelayService } from './webhooks/webhook-relay.service';
import { WebhooksService } from './webhooks/webhooks.service';
import { CollectionsService } from './paywall/collections.service';
import { EntitlementCache } from './paywall/entitlement-cache';
import { EntitlementChanges } from './paywall/entitlement-changes';

/** Use cases; their ports come from the global AdaptersModule. */
@Module({
  providers: [
    HotVideos,
    UploadsService,
    VideosService,
    MaintenanceService,
    HealthService,
    PreviewService,
    TranscodeService,
    PlaybackService,
    ChunkEncoderService,
    LadderPublisherService,
    WebhooksService,
    WebhookDeliveryService,
    WebhookRelayService,
    CollectionsService,
    EntitlementCache,
    EntitlementChanges,
    DownloadMakerService,
    DownloadsService,
    CaptionPublisher,
    CaptionsService,
    AfterPublication,
  ],
  exports: [
    UploadsService,
    VideosService,
    MaintenanceService,
    HealthService,
    TranscodeService,
    PlaybackService,
    ChunkEncoderService,
    LadderPublisherService,
    WebhooksService,
    WebhookDeliveryService,
    WebhookRelayService,
    CollectionsService,
    DownloadMakerService,
    DownloadsService,
    CaptionsService,
  ],
})
export class ServicesModule {}
