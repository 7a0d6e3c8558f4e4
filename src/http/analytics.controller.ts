import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { Actor } from '../domain/video';
import { PlaybackEventsService } from '../services/analytics/playback-events.service';
import { OptionalAuth, Public, Viewer } from './auth.guard';
import { playbackEventsBody } from './dto/playback-events.dto';
import { ApiZodBody } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

@ApiTags('analytics')
@Controller('v1')
export class AnalyticsController {
  constructor(private readonly events: PlaybackEventsService) {}

  @Post('playback-events')
  @Public()
  @HttpCode(202)
  @ApiZodBody(playbackEventsBody)
  @ApiOperation({
    summary:
      "A player's beacons for one view, authorized by the session's viewToken in the body (JSON, or text/plain as navigator.sendBeacon sends it); a batch sent again changes nothing",
  })
  async record(@Body(new ZodPipe(playbackEventsBody)) body: z.output<typeof playbackEventsBody>) {
    return this.events.ingest(body.viewToken, body.events);
  }

  @Get('videos/:id/progress')
  @OptionalAuth()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Your own progress through this video: where to resume, how much you watched' })
  progress(@Viewer() viewer: Actor | null, @Param('id', VideoIdPipe) id: string) {
    return this.events.progress(viewer, id);
  }
}
