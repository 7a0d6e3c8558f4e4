import { Module } from '@nestjs/common';
import { HotVideos } from './hot-videos';
import { ChunkEncoderService } from './chunk-encoder.service';
import { DownloadMakerService } from './download-maker.service';
import { DownloadsService } from './downloads.service';
import { CaptionPublisher } from './caption-publisher';
import { AfterPublication } from './after-publication.service';
import { CaptionsService } from './captions.service';
import { HealthService } from './health.service';
import { LadderPublisherService } from './ladder-publisher.service';
import { MaintenanceService } from './maintenance.service';
import { PlaybackService } from './playback.service';
import { PreviewService } from './preview.service';
import { TranscodeService } from './transcode.service';
import { UploadsService } from './uploads.service';
import { VideosService } from './videos.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookRelayService } from './webhook-relay.service';
import { WebhooksService } from './webhooks.service';
import { CollectionsService } from './collections.service';
import { EntitlementCache } from './entitlement-cache';
import { EntitlementChanges } from './entitlement-changes';

/** Use cases; their ports come from the global InfraModule. */
@Module({
  providers: [HotVideos, UploadsService, VideosService, MaintenanceService, HealthService, PreviewService, TranscodeService, PlaybackService, ChunkEncoderService, LadderPublisherService, WebhooksService, WebhookDeliveryService, WebhookRelayService, CollectionsService, EntitlementCache, EntitlementChanges, DownloadMakerService, DownloadsService, CaptionPublisher, CaptionsService, AfterPublication],
  exports: [UploadsService, VideosService, MaintenanceService, HealthService, TranscodeService, PlaybackService, ChunkEncoderService, LadderPublisherService, WebhooksService, WebhookDeliveryService, WebhookRelayService, CollectionsService, DownloadMakerService, DownloadsService, CaptionsService],
})
export class ServicesModule {}
