import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { DomainError } from '../../domain/errors';
import { isPrefixedId, newPrefixedId } from '../../domain/ids';
import { isAdmin, type Actor } from '../../domain/video';
import type { EventBody } from '../../domain/video-events';
import { checkWebhookUrl } from '../../domain/webhook-url';
import { WebhookQueue } from '../../ports/webhook-queue';
import {
  WebhookStore,
  type DeliveryStatus,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../ports/webhook-store';
import { newWebhookSecret, seal } from './secret-box';
import { CreatorLimits } from '../shared/creator-limits';

/** The old secret keeps signing beside the new one this long after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

export interface EndpointInput {
  readonly url: string;
  readonly events?: readonly string[] | undefined;
  readonly description?: string | undefined;
  readonly scope?: 'own' | 'all' | undefined;
}

/** Creators' webhook endpoints: each sees and changes only its own (an admin any). */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: WebhookStore,
    private readonly queue: WebhookQueue,
    private readonly limits: CreatorLimits,
  ) {}

  async create(actor: Actor, input: EndpointInput): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const scope = input.scope ?? 'own';
    if (scope === 'all' && !isAdmin(actor))
      throw new DomainError('forbidden', 'Only an admin may subscribe to every video (scope "all").');
    const secret = newWebhookSecret();
    const endpoint = await this.store.createEndpoint(
      {
        id: newPrefixedId('wh'),
        ownerId: actor.userId,
        url: this.checkUrl(input.url),
        events: input.events ? [...new Set(input.events)] : null,
        description: input.description ?? null,
        scope,
      },
      seal(this.config.webhooks.secretKey, secret),
    );
    this.logger.log(`webhook ${endpoint.id} created by ${actor.userId} for ${endpoint.scope}`);
    return { endpoint, secret };
  }

  list(actor: Actor): Promise<WebhookEndpoint[]> {
    return this.store.listEndpoints(actor.userId);
  }

  get(actor: Actor, id: string): Promise<WebhookEndpoint> {
    return this.owned(actor, id);
  }

  async update(
    actor: Actor,
    id: string,
    patch: { url?: string; events?: readonly string[] | null; description?: string | null; enabled?: boolean },
  ): Promise<WebhookEndpoint> {
    await this.owned(actor, id);
    const updated = await this.store.updateEndpoint(id, {
      ...patch,
      ...(patch.url !== undefined ? { url: this.checkUrl(patch.url) } : {}),
    });
    if (!updated) throw notFound();
    return updated;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.owned(actor, id);
    await this.store.deleteEndpoint(id);
  }

  async rotateSecret(actor: Actor, id: string): Promise<string> {
    await this.owned(actor, id);
    const secret = newWebhookSecret();
    await this.store.rotateSecret(
      id,
      seal(this.config.webhooks.secretKey, secret),
      new Date(Date.now() + ROTATION_OVERLAP_MS),
    );
    this.logger.log(`webhook ${id}: secret rotated by ${actor.userId}`);
    return secret;
  }

  /** Sends `webhook.test` now, through the same delivery path as every event. */
  async sendTest(actor: Actor, id: string): Promise<WebhookDelivery> {
    const endpoint = await this.owned(actor, id);
    await this.limits.hit(actor, 'webhookTests');
    const body: EventBody = {
      id: newPrefixedId('msg'),
      type: 'webhook.test',
      createdAt: new Date().toISOString(),
      data: { webhook: { id: endpoint.id, url: endpoint.url } },
      sequence: 0,
    };
    const delivery = await this.store.createDelivery(endpoint.id, body);
    await this.queue.enqueue(delivery.id, 1, 0);
    return delivery;
  }

  async deliveries(
    actor: Actor,
    id: string,
    query: { status?: DeliveryStatus; before?: { createdAt: Date; id: string }; limit: number },
  ): Promise<WebhookDelivery[]> {
    await this.owned(actor, id);
    return this.store.listDeliveries(id, query);
  }

  async redeliver(actor: Actor, id: string, deliveryId: string): Promise<WebhookDelivery> {
    await this.owned(actor, id);
    const delivery = await this.store.findDelivery(deliveryId);
    if (!delivery || delivery.endpointId !== id) throw new DomainError('not_found', 'No such delivery.');
    const reset = await this.store.resetDelivery(deliveryId);
    if (!reset)
      throw new DomainError('invalid_state', 'The delivery is still pending; it will be tried again on its own.');
    await this.queue.enqueue(reset.id, reset.attempt + 1, 0);
    return reset;
  }

  private checkUrl(url: string): string {
    return checkWebhookUrl(url, {
      httpsOnly: this.config.webhooks.httpsOnly,
      allowPrivate: this.config.webhooks.allowPrivate,
    });
  }

  /** Another creator's endpoint does not exist, as far as this caller can tell. */
  private async owned(actor: Actor, id: string): Promise<WebhookEndpoint> {
    const endpoint = isPrefixedId('wh', id) ? await this.store.findEndpoint(id) : null;
    if (!endpoint || (endpoint.ownerId !== actor.userId && !isAdmin(actor))) throw notFound();
    return endpoint;
  }
}

function notFound(): DomainError {
  return new DomainError('not_found', 'No such webhook.');
}
