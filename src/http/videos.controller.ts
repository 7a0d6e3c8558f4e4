import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { Actor } from '../domain/video';
import { UploadsService, type UploadInstructions } from '../services/uploads/uploads.service';
import { VideosService } from '../services/catalog/videos.service';
import { CurrentActor, RequireRole } from './auth.guard';
import { createVideoBody, listVideosQuery, presentVideo, updateVideoBody, type VideoJson } from './dto/video.dto';
import { ApiZodBody, ApiZodQuery } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

@ApiTags('videos')
@ApiBearerAuth()
@Controller('v1/videos')
export class VideosController {
  constructor(
    private readonly videos: VideosService,
    private readonly uploads: UploadsService,
  ) {}

  @Post()
  @RequireRole('creator')
  @ApiOperation({ summary: 'Create a video and get presigned upload instructions' })
  @ApiZodBody(createVideoBody)
  async create(
    @CurrentActor() actor: Actor,
    @Body(new ZodPipe(createVideoBody)) body: z.output<typeof createVideoBody>,
  ): Promise<{ video: VideoJson; upload: UploadInstructions }> {
    const { video, upload } = await this.uploads.createVideo(actor, body);
    return { video: presentVideo(video), upload };
  }

  @Get()
  @ApiOperation({ summary: "The caller's videos, newest first" })
  @ApiZodQuery(listVideosQuery)
  async list(
    @CurrentActor() actor: Actor,
    @Query(new ZodPipe(listVideosQuery, 'query')) query: z.output<typeof listVideosQuery>,
  ): Promise<{ items: VideoJson[]; nextCursor: string | null }> {
    const page = await this.videos.list(actor, query);
    return { items: page.items.map(presentVideo), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@CurrentActor() actor: Actor, @Param('id', VideoIdPipe) id: string): Promise<VideoJson> {
    return presentVideo(await this.videos.get(actor, id));
  }

  @Patch(':id')
  @ApiZodBody(updateVideoBody)
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Body(new ZodPipe(updateVideoBody)) body: z.output<typeof updateVideoBody>,
  ): Promise<VideoJson> {
    return presentVideo(await this.videos.update(actor, id, body));
  }

  @Get(':id/source-url')
  @ApiOperation({ summary: "A short-lived download URL for the creator's original (owner)" })
  async sourceUrl(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
  ): Promise<{ url: string; expiresAt: string }> {
    const { url, expiresAt } = await this.videos.sourceUrl(actor, id);
    return { url, expiresAt: expiresAt.toISOString() };
  }

  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Re-queue a failed video' })
  async retry(@CurrentActor() actor: Actor, @Param('id', VideoIdPipe) id: string): Promise<{ video: VideoJson }> {
    return { video: presentVideo(await this.videos.retry(actor, id)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the video, its source and every rendition' })
  async remove(@CurrentActor() actor: Actor, @Param('id', VideoIdPipe) id: string): Promise<void> {
    await this.videos.delete(actor, id);
  }
}
