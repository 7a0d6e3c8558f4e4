import { Module } from '@nestjs/common';
import { PlaybackEventsService } from './playback-events.service';
import { ViewTokens } from './view-tokens';

/** Api side: view tokens for sessions, playback beacons in, progress and analytics out. */
@Module({
  providers: [ViewTokens, PlaybackEventsService],
  exports: [ViewTokens, PlaybackEventsService],
})
export class AnalyticsModule {}
