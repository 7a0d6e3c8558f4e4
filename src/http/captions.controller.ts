import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import type { Actor } from '../domain/video';
import type { CaptionInfo } from '../ports/caption-store';
import { CaptionsService } from '../services/catalog/captions.service';
import { CurrentActor } from './auth.guard';
import { captionJson, captionQuery } from './dto/caption.dto';
import { ApiZodQuery } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

const present = (c: CaptionInfo) => ({
  lang: c.lang,
  label: c.label,
  default: c.isDefault,
  cueCount: c.cueCount,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

@ApiTags('captions')
@ApiBearerAuth()
@Controller('v1/videos/:id/captions')
export class CaptionsController {
  constructor(private readonly captions: CaptionsService) {}

  @Put(':lang')
  @ApiOperation({
    summary:
      'Add or replace one language (body: WebVTT or SRT as text/vtt, application/x-subrip or text/plain, at most 1 MB; or JSON {content, label?, default?})',
  })
  @ApiZodQuery(captionQuery)
  async put(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Param('lang') lang: string,
    @Query(new ZodPipe(captionQuery, 'query')) query: z.output<typeof captionQuery>,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const upload =
      typeof body === 'string' ? { text: body, label: query.label, isDefault: query.default } : fromJson(body, query);
    const { caption, created } = await this.captions.put(actor, id, lang, upload);
    void reply.status(created ? 201 : 200);
    return present(caption);
  }

  @Get()
  @ApiOperation({ summary: 'The languages this video has captions in' })
  async list(@CurrentActor() actor: Actor, @Param('id', VideoIdPipe) id: string) {
    return { items: (await this.captions.list(actor, id)).map(present) };
  }

  @Delete(':lang')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove one language; the playlists are republished without it' })
  async remove(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Param('lang') lang: string,
  ): Promise<void> {
    await this.captions.remove(actor, id, lang);
  }
}

function fromJson(body: unknown, query: z.output<typeof captionQuery>) {
  if (body === undefined)
    throw new DomainError(
      'invalid_captions',
      'Send the captions as the body: WebVTT or SRT text, or JSON {content}.',
      [{ path: 'body', message: 'missing' }],
      { line: 1 },
    );
  const parsed = new ZodPipe(captionJson).transform(body);
  return { text: parsed.content, label: parsed.label ?? query.label, isDefault: parsed.default ?? query.default };
}
