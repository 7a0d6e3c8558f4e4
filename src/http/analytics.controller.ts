import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/video';
import { PlaybackEventsService } from '../services/analytics/playback-events.service';
import { CurrentActor, OptionalAuth, Public, RequireRole, Viewer } from './auth.guard';
import { VideoAnalyticsService } from '../services/analytics/video-analytics.service';
import { CollectionsService } from '../services/paywall/collections.service';
import { DomainError } from '../domain/errors';
import { userIdParam } from './dto/playback.dto';
import { pageQuery } from './dto/video.dto';
import { playbackEventsBody } from './dto/playback-events.dto';
import { ApiZodBody, ApiZodQuery } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

const day = z.iso.date();
const analyticsQuery = z.strictObject({ from: day.optional(), to: day.optional() });
// The viewers' cursor carries a user id (up to 255 characters), hence longer than pageQuery's.
const viewersQuery = z.strictObject({ ...pageQuery, cursor: z.string().max(1000).optional() });

@ApiTags('analytics')
@Controller('v1')
export class AnalyticsController {
  constructor(
    private readonly events: PlaybackEventsService,
    private readonly analytics: VideoAnalyticsService,
    private readonly collections: CollectionsService,
  ) {}

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

  @Get('videos/:id/analytics')
  @ApiBearerAuth()
  @ApiZodQuery(analyticsQuery)
  @ApiOperation({
    summary:
      'Owner or admin: views, unique viewers, watch time, completion, retention (100 numbers), startup, rebuffering, errors and views per day, for the UTC days from–to (both included; the last 30 by default)',
  })
  videoAnalytics(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Query(new ZodPipe(analyticsQuery, 'query')) query: z.output<typeof analyticsQuery>,
  ) {
    return this.analytics.analytics(actor, id, query);
  }

  @Get('videos/:id/viewers')
  @ApiBearerAuth()
  @ApiZodQuery(viewersQuery)
  @ApiOperation({ summary: 'Owner or admin: each signed-in viewer with their progress, most recently seen first' })
  viewers(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Query(new ZodPipe(viewersQuery, 'query')) query: z.output<typeof viewersQuery>,
  ) {
    return this.analytics.viewers(actor, id, query);
  }

  @Delete('users/:userId/analytics')
  @RequireRole('admin')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Admin: erases a viewer's playback events, views and progress" })
  async erase(@Param('userId', new ZodPipe(userIdParam, 'user id')) userId: string): Promise<void> {
    await this.analytics.eraseViewer(userId);
  }

  @Get('collections/:id/progress')
  @OptionalAuth()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Your own progress through a collection you may watch: each video, and the whole' })
  async collectionProgress(@Viewer() viewer: Actor | null, @Param('id') id: string) {
    if (!viewer) return this.events.collectionProgress(null, id, []);
    const { collection, videos } = await this.collections.get(viewer, id);
    return this.events.collectionProgress(viewer, collection.id, videos);
  }

  @Get('collections/:id/analytics')
  @ApiBearerAuth()
  @ApiZodQuery(analyticsQuery)
  @ApiOperation({ summary: "Owner or admin: each video's views, viewers, watch time and completion, and the totals" })
  async collectionAnalytics(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(new ZodPipe(analyticsQuery, 'query')) query: z.output<typeof analyticsQuery>,
  ) {
    const { collection, videos, manages } = await this.collections.get(actor, id);
    // A grant holder sees the collection, not its analytics: answered as a missing one.
    if (!manages) throw new DomainError('not_found', 'No such collection.');
    return this.analytics.collectionAnalytics(collection.id, videos, query);
  }
}
