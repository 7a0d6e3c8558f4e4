import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import type { Actor } from '../domain/video';
import { UploadsService, type PartUrl, type UploadProgress } from '../services/uploads/uploads.service';
import { CurrentActor } from './auth.guard';
import { completeUploadBody, presignPartsBody } from './dto/upload.dto';
import { presentVideo, type VideoJson } from './dto/video.dto';
import { ApiZodBody } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

@ApiTags('uploads')
@ApiBearerAuth()
@Controller('v1/videos/:id/upload')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post('parts')
  @HttpCode(200)
  @ApiOperation({ summary: 'Presigned PUT URLs for multipart parts (re-requestable at any time)' })
  @ApiZodBody(presignPartsBody)
  async parts(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Body(new ZodPipe(presignPartsBody)) body: z.output<typeof presignPartsBody>,
  ): Promise<{ parts: PartUrl[] }> {
    return { parts: await this.uploads.presignParts(actor, id, body.partNumbers) };
  }

  @Get()
  @ApiOperation({ summary: 'What has been uploaded so far, to resume' })
  status(@CurrentActor() actor: Actor, @Param('id', VideoIdPipe) id: string): Promise<UploadProgress> {
    return this.uploads.progress(actor, id);
  }

  @Post('complete')
  @HttpCode(202)
  @ApiOperation({ summary: 'Finish the upload and queue the transcode (idempotent)' })
  @ApiZodBody(completeUploadBody.unwrap())
  async complete(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Body(new ZodPipe(completeUploadBody)) body: z.output<typeof completeUploadBody>,
  ): Promise<{ video: VideoJson }> {
    return { video: presentVideo(await this.uploads.complete(actor, id, body?.parts)) };
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Abort an unfinished upload and delete the video' })
  async cancel(@CurrentActor() actor: Actor, @Param('id', VideoIdPipe) id: string): Promise<void> {
    await this.uploads.cancel(actor, id);
  }
}
