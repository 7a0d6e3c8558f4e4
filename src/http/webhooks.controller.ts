import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '../domain/cursor';
import { isPrefixedId } from '../domain/ids';
import type { Actor } from '../domain/video';
import { WebhooksService } from '../services/webhooks/webhooks.service';
import { CurrentActor, RequireRole } from './auth.guard';
import {
  createWebhookBody,
  listDeliveriesQuery,
  presentDelivery,
  presentWebhook,
  updateWebhookBody,
  type DeliveryJson,
  type WebhookJson,
} from './dto/webhook.dto';
import { ApiZodBody, ApiZodQuery } from './openapi';
import { ZodPipe } from './zod.pipe';

const isDeliveryId = (id: unknown): id is string => isPrefixedId('dlv', id);

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @RequireRole('creator')
  @ApiOperation({ summary: 'Subscribe an endpoint to events of your videos; the signing secret is shown only here' })
  @ApiZodBody(createWebhookBody)
  async create(
    @CurrentActor() actor: Actor,
    @Body(new ZodPipe(createWebhookBody)) body: z.output<typeof createWebhookBody>,
  ): Promise<WebhookJson & { secret: string }> {
    const { endpoint, secret } = await this.webhooks.create(actor, body);
    return { ...presentWebhook(endpoint), secret };
  }

  @Get()
  @ApiOperation({ summary: "The caller's webhook endpoints" })
  async list(@CurrentActor() actor: Actor): Promise<{ items: WebhookJson[] }> {
    return { items: (await this.webhooks.list(actor)).map(presentWebhook) };
  }

  @Get(':id')
  async get(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<WebhookJson> {
    return presentWebhook(await this.webhooks.get(actor, id));
  }

  @Patch(':id')
  @ApiZodBody(updateWebhookBody)
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body(new ZodPipe(updateWebhookBody)) body: z.output<typeof updateWebhookBody>,
  ): Promise<WebhookJson> {
    return presentWebhook(await this.webhooks.update(actor, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<void> {
    await this.webhooks.remove(actor, id);
  }

  @Post(':id/rotate-secret')
  @ApiOperation({ summary: 'A new signing secret; the old one keeps signing alongside it for 24 h' })
  async rotate(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<{ secret: string }> {
    return { secret: await this.webhooks.rotateSecret(actor, id) };
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a webhook.test event now' })
  async test(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<DeliveryJson> {
    return presentDelivery(await this.webhooks.sendTest(actor, id));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: 'Recent deliveries, newest first' })
  @ApiZodQuery(listDeliveriesQuery)
  async deliveries(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Query(new ZodPipe(listDeliveriesQuery, 'query')) query: z.output<typeof listDeliveriesQuery>,
  ): Promise<{ items: DeliveryJson[]; nextCursor: string | null }> {
    const before = query.cursor ? decodeCursor(query.cursor, isDeliveryId) : undefined;
    const items = await this.webhooks.deliveries(actor, id, { status: query.status, before, limit: query.limit });
    const last = items.length === query.limit ? items[items.length - 1] : undefined;
    return {
      items: items.map(presentDelivery),
      nextCursor: last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Try a finished delivery again' })
  async redeliver(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<DeliveryJson> {
    return presentDelivery(await this.webhooks.redeliver(actor, id, deliveryId));
  }
}
