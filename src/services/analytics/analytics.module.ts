import { Module } from '@nestjs/common';
import { PlaybackEventsService } from './playback-events.service';
import { ViewTokens } from './view-tokens';
import { VideoAnalyticsService } from './video-analytics.service';

/** Api side: view tokens for sessions, playback beacons in, progress and analytics out. */
@Module({
  providers: [ViewTokens, PlaybackEventsService, VideoAnalyticsService],
  exports: [ViewTokens, PlaybackEventsService, VideoAnalyticsService],
})
export class AnalyticsModule {}
