import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { Actor } from '../domain/video';
import type { Collection, CollectionGrant } from '../ports/collection-store';
import { CollectionsService } from '../services/paywall/collections.service';
import { CurrentActor, RequireRole } from './auth.guard';
import { userIdParam } from './dto/playback.dto';
import { presentVideo, presentVideoToViewer, type VideoJson, type ViewerVideoJson } from './dto/video.dto';
import { ApiZodBody } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
const createBody = z.strictObject({ title: text(200), description: text(2000).optional() });
const updateBody = z
  .strictObject({ title: text(200).optional(), description: text(2000).nullable().optional() })
  .refine((b) => b.title !== undefined || b.description !== undefined, 'give title or description');
const itemBody = z
  .strictObject({ position: z.int().min(0).max(1_000_000).optional() })
  .nullable()
  .optional();
const grantBody = z
  .strictObject({ expiresAt: z.iso.datetime({ offset: true }).nullable().optional(), download: z.boolean().optional() })
  .nullable()
  .optional();

const collectionJson = (c: Collection) => ({
  id: c.id,
  ownerId: c.ownerId,
  title: c.title,
  description: c.description,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});
const grantJson = (g: CollectionGrant) => ({
  collectionId: g.collectionId,
  userId: g.userId,
  expiresAt: g.expiresAt?.toISOString() ?? null,
  createdAt: g.createdAt.toISOString(),
  download: g.download,
});

@ApiTags('collections')
@ApiBearerAuth()
@Controller('v1/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Post()
  @RequireRole('creator')
  @ApiOperation({ summary: 'A collection (bundle, course, season) of your videos, sold by one grant' })
  @ApiZodBody(createBody)
  async create(@CurrentActor() actor: Actor, @Body(new ZodPipe(createBody)) body: z.output<typeof createBody>) {
    return collectionJson(await this.collections.create(actor, body));
  }

  @Get()
  async list(@CurrentActor() actor: Actor) {
    return { items: (await this.collections.list(actor)).map(collectionJson) };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'The collection and its videos in order (owner, admins, and viewers holding a grant on it)',
  })
  async get(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
  ): Promise<ReturnType<typeof collectionJson> & { videos: Array<VideoJson | ViewerVideoJson> }> {
    const { collection, videos, manages } = await this.collections.get(actor, id);
    // A grant holder sees what a viewer may: no file name, size, processing state or owner.
    return { ...collectionJson(collection), videos: videos.map(manages ? presentVideo : presentVideoToViewer) };
  }

  @Patch(':id')
  @ApiZodBody(updateBody)
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodPipe(updateBody)) body: z.output<typeof updateBody>,
  ) {
    return collectionJson(await this.collections.update(actor, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.collections.delete(actor, id);
  }

  @Put(':id/items/:videoId')
  @ApiOperation({ summary: 'Add a video of yours (or move it to `position`)' })
  async putItem(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('videoId', VideoIdPipe) videoId: string,
    @Body(new ZodPipe(itemBody)) body: z.output<typeof itemBody>,
  ) {
    return this.collections.putItem(actor, id, videoId, body?.position);
  }

  @Delete(':id/items/:videoId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a video; viewers whose grant was live at that moment keep it' })
  async removeItem(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('videoId', VideoIdPipe) videoId: string,
  ): Promise<void> {
    await this.collections.removeItem(actor, id, videoId);
  }

  @Put(':id/grants/:userId')
  @ApiOperation({
    summary: 'Let a viewer watch every video of the collection, including ones added later (admin or owner)',
  })
  async putGrant(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('userId', new ZodPipe(userIdParam, 'user id')) userId: string,
    @Body(new ZodPipe(grantBody)) body: z.output<typeof grantBody>,
  ) {
    return grantJson(
      await this.collections.putGrant(actor, id, userId, {
        expiresAt: body?.expiresAt ? new Date(body.expiresAt) : null,
        download: body?.download ?? false,
      }),
    );
  }

  @Delete(':id/grants/:userId')
  @HttpCode(204)
  async removeGrant(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('userId', new ZodPipe(userIdParam, 'user id')) userId: string,
  ): Promise<void> {
    await this.collections.removeGrant(actor, id, userId);
  }

  @Get(':id/grants')
  async listGrants(@CurrentActor() actor: Actor, @Param('id') id: string) {
    return { items: (await this.collections.listGrants(actor, id)).map(grantJson) };
  }
}
