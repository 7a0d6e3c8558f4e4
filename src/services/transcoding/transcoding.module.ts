import { Module } from '@nestjs/common';
import { CaptionPublishingModule } from '../catalog/caption-publishing.module';
import { AfterPublication } from './after-publication.service';
import { ChunkEncoderService } from './chunk-encoder.service';
import { DownloadMakerService } from './download-maker.service';
import { LadderPublisherService } from './ladder-publisher.service';
import { PreviewService } from './preview.service';
import { ProgressTracker } from './progress-tracker';
import { SourcePublisher } from './source-publisher.service';
import { TranscodeService } from './transcode.service';
import { TranscodingJobs } from './transcoding-jobs.service';
import { VideoFailures } from './video-failures.service';
import { WorkCheck } from './work-check';

/** Worker side: everything the transcode queue's jobs do, behind TranscodingJobs. */
@Module({
  imports: [CaptionPublishingModule],
  providers: [
    TranscodingJobs,
    TranscodeService,
    PreviewService,
    SourcePublisher,
    ChunkEncoderService,
    LadderPublisherService,
    DownloadMakerService,
    AfterPublication,
    ProgressTracker,
    VideoFailures,
    WorkCheck,
  ],
  exports: [TranscodingJobs, TranscodeService, VideoFailures],
})
export class TranscodingModule {}
