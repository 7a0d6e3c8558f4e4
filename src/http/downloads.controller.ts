import { Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../domain/video';
import { DownloadsService } from '../services/paywall/downloads.service';
import { OptionalAuth, Viewer } from './auth.guard';
import { VideoIdPipe } from './video-id.pipe';

@ApiTags('playback')
@ApiBearerAuth()
@Controller('v1/videos/:id/downloads')
export class DownloadsController {
  constructor(private readonly downloads: DownloadsService) {}

  @Post()
  @HttpCode(201)
  @OptionalAuth()
  @ApiOperation({
    summary:
      "A CloudFront signed URL for the video's MP4 (owners, admins, the entitlements claim, grants with download)",
  })
  async create(
    @Viewer() viewer: Actor | null,
    @Param('id', VideoIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const link = await this.downloads.link(viewer, id);
    void reply.header('cache-control', 'no-store');
    return {
      url: link.url,
      expiresAt: link.expiresAt.toISOString(),
      filename: link.filename,
      sizeBytes: link.sizeBytes,
    };
  }
}
